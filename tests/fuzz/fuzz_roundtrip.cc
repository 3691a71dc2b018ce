// Fuzz target: an accepted request must then be readable everywhere. Raw
// HTTP request bytes go through okr::http::Api::Handle against a real
// engine (http_harness.h, opened once); when the request appended events,
// every read that could show them is made and checked:
//   - GET /v1/events after the old end, the history of each objective and
//     key result whose stream got an event, the tree, the changes from the
//     setup on and the retrospective in JSON, Markdown and HTML of every
//     cycle, the objectives list and the reminders: each answers below 500,
//     with a body that is valid UTF-8 (JSON that parses, where JSON);
//   - each new event renders as the SSE stream and the export write it
//     (valid UTF-8), and the export line reads back (as `okr import` reads
//     it) to the same stored bytes and hash.
// The harness's log holds events with text that is not UTF-8 (as an older
// release let through), so every read here renders such bytes too. The
// regression input is the reproducer of issue 13: a reason of such bytes
// was stored, and the history rendering it ended the server.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "adapters/cli/export_import.h"
#include "adapters/http/json_text.h"
#include "adapters/http/views.h"
#include "events/export_format.h"
#include "events/utf8.h"
#include "tests/fuzz/http_harness.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

okr::http::HttpResponse Get(const std::string& target) {
  okr::http::HttpRequest r;
  r.method = "GET";
  r.target = target;
  r.authorization = std::string("Bearer ") + okr::fuzz::kAdminToken;
  okr::http::HttpResponse res = okr::fuzz::SharedHarness()->Call(r);
  Check(res.status < 500);
  Check(okr::IsValidUtf8(res.body));
  if (res.content_type == "application/json" ||
      res.content_type == "application/problem+json") {
    Check(!nlohmann::json::parse(res.body, nullptr, false).is_discarded());
  }
  return res;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  okr::fuzz::OpenSharedHarness();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  okr::http::HttpRequest request;
  if (!okr::fuzz::ParseRequest(data, size, &request)) {
    return 0;
  }
  okr::EventStore& store = okr::fuzz::SharedHarness()->engine().store();
  const std::uint64_t before = store.LastPosition();
  okr::http::HttpResponse res = okr::fuzz::SharedHarness()->Call(request);
  Check(res.status >= 100 && res.status <= 599);
  if (store.LastPosition() == before) {
    // Refused: with nothing written. The issue-13 reproducer (a reason of
    // bytes that are not UTF-8) must be refused at the door, naming it.
    if (request.target == "/v1/key-results/kr-2?reason=%FF%FE") {
      Check(res.status == 400 &&
            res.body.find("\"field\":\"reason\"") != std::string::npos);
    }
    return 0;
  }
  Check(res.status < 300);

  auto page = store.ReadAll(before + 1, 1000);
  Check(page.ok());
  std::set<std::string> cycles{"2026-q3", "2026-q2"}, objectives, krs;
  for (const okr::RecordedEvent& e : *page) {
    // The live stream and the export write this text.
    std::string line = okr::http::JsonText(okr::events::ExportJson(e));
    Check(okr::IsValidUtf8(line));
    okr::RecordedEvent back;
    std::string why;
    Check(okr::DecodeExportLine(line, &back, &why));
    Check(back.data == e.data && back.hash == e.hash &&
          back.position == e.position && back.actor == e.actor);
    std::string_view stream = e.stream;
    std::size_t slash = stream.find('/');
    std::string kind(stream.substr(0, slash)), id(stream.substr(slash + 1));
    if (kind == "cycle") cycles.insert(id);
    if (kind == "objective") objectives.insert(id);
    if (kind == "kr") krs.insert(id);
  }
  Get("/v1/events?after=" + std::to_string(before) + "&limit=1000");
  for (const std::string& id : objectives) {
    Get("/v1/objectives/" + id + "/history");
    Get("/v1/objectives/" + id);
  }
  for (const std::string& id : krs) {
    Get("/v1/key-results/" + id + "/history");
    Get("/v1/key-results/" + id);
  }
  for (const std::string& id : cycles) {
    Get("/v1/cycles/" + id + "/tree");
    Get("/v1/cycles/" + id +
        "/changes?from=2026-08-15T10:00:00Z&to=2026-08-16T00:00:00Z");
    Get("/v1/cycles/" + id + "/retrospective");
    Get("/v1/cycles/" + id + "/retrospective?format=md");
    Get("/v1/cycles/" + id + "/retrospective?format=html");
  }
  Get("/v1/objectives");
  Get("/v1/reminders");
  return 0;
}
