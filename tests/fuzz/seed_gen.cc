// okr_fuzz_seeds <corpus dir> [v1_events.jsonl]: writes the seed corpora of
// the fuzz targets from a real engine, so they hold what the decoders
// really see: HTTP requests for every route of docs/openapi.yaml (each sent
// to the engine first; the status it got is printed), the log those
// requests wrote as export lines and as cereal payloads, snapshots of the
// resulting state, and command bodies. Run it again when the catalogue, the
// snapshot format or the routes change, and commit its output.
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/http/views.h"
#include "engine/snapshot_store.h"
#include "events/event_codec.h"
#include "events/export_format.h"
#include "tests/fuzz/http_harness.h"

namespace {

using okr::fuzz::kAdminToken;
using okr::fuzz::kMemberToken;
using okr::fuzz::RawRequest;

namespace fs = std::filesystem;

struct Seed {
  std::string name, bytes;
};

std::vector<Seed> HttpSeeds() {
  const std::string m = kMemberToken;
  return {
      {"healthz", RawRequest("GET", "/healthz", "", "")},
      {"metrics", RawRequest("GET", "/metrics")},
      {"openapi", RawRequest("GET", "/v1/openapi.yaml")},
      {"cycles-list", RawRequest("GET", "/v1/cycles?at=2026-08-01")},
      {"cycles-create",
       RawRequest("POST", "/v1/cycles",
                  R"({"starts_on":"2026-10-01","ends_on":"2026-12-31"})")},
      {"cycle-get", RawRequest("GET", "/v1/cycles/2026-q3")},
      {"cycle-get-as-of",
       RawRequest("GET", "/v1/cycles/2026-q3?as_of=2026-08-15T11:00:05.5Z")},
      {"cycle-tree",
       RawRequest("GET", "/v1/cycles/2026-q3/tree?at=2026-08-10")},
      {"cycle-changes",
       RawRequest("GET",
                  "/v1/cycles/2026-q3/changes?from=2026-08-15T11:00:03Z&to="
                  "2026-08-15T12:00:00%2B00:00")},
      {"cycle-start", RawRequest("POST", "/v1/cycles/2026-q4/start", "{}")},
      {"cycle-close", RawRequest("POST", "/v1/cycles/2026-q4/close")},
      {"retro-json", RawRequest("GET", "/v1/cycles/2026-q2/retrospective")},
      {"retro-md",
       RawRequest("GET", "/v1/cycles/2026-q3/retrospective?format=md")},
      {"retro-html",
       RawRequest("GET", "/v1/cycles/2026-q2/retrospective?format=html")},
      {"retro-note",
       RawRequest("POST", "/v1/cycles/2026-q3/retrospective/notes",
                  R"({"text":"More focus"})", m)},
      {"objectives-list",
       RawRequest("GET",
                  "/v1/objectives?cycle=2026-q3&owner=ann&state=active")},
      {"objectives-create",
       RawRequest("POST", "/v1/objectives",
                  R"({"id":"o-3","cycle_id":"2026-q3","title":"Hire",)"
                  R"("level":"individual","owner":"ann","parent_id":"o-2"})",
                  m)},
      {"objective-get", RawRequest("GET", "/v1/objectives/o-1")},
      {"objective-patch",
       RawRequest("PATCH", "/v1/objectives/o-2",
                  R"({"title":"Ship v2.1","description":"d","owner":"bob",)"
                  R"("team":"web"})",
                  kAdminToken, "If-Match: \"1\"\r\n")},
      {"objective-history", RawRequest("GET", "/v1/objectives/o-1/history")},
      {"objective-parent",
       RawRequest("PUT", "/v1/objectives/o-2/parent", R"({"parent_id":null})")},
      {"objective-activate",
       RawRequest("POST", "/v1/objectives/o-2/activate", "", kAdminToken,
                  "Idempotency-Key: k-1\r\n")},
      {"kr-add", RawRequest("POST", "/v1/objectives/o-1/key-results",
                            R"({"title":"Churn","kind":"metric","start":10,)"
                            R"("target":5,"unit":"%"})")},
      {"kr-get", RawRequest("GET", "/v1/key-results/kr-1?at=2026-07-31")},
      {"kr-patch",
       RawRequest("PATCH", "/v1/key-results/kr-1",
                  R"({"title":"ARR net","weight":1.5,"reason":"r"})")},
      {"kr-delete",
       RawRequest("DELETE", "/v1/key-results/kr-2?reason=obsolete")},
      {"kr-history", RawRequest("GET", "/v1/key-results/kr-1/history")},
      {"kr-check-in", RawRequest("POST", "/v1/key-results/kr-1/check-ins",
                                 R"({"value":40.5,"confidence":8,"note":"n",)"
                                 R"("date":"2026-08-14"})",
                                 m)},
      {"kr-grade", RawRequest("POST", "/v1/key-results/kr-1/grade",
                              R"({"score":0.7,"note":"fair"})")},
      {"kpi-create",
       RawRequest("POST", "/v1/kpis",
                  R"({"id":"kpi-2","name":"Uptime","unit":"%",)"
                  R"("owner":"ann","healthy_min":99.5,"cadence_days":1})")},
      {"kpi-get", RawRequest("GET", "/v1/kpis/kpi-1")},
      {"kpi-measure", RawRequest("POST", "/v1/kpis/kpi-1/measurements",
                                 R"({"value":55,"date":"2026-08-15"})")},
      {"reminders",
       RawRequest("GET", "/v1/reminders?at=2026-08-20&recipient=ann")},
      {"reminders-run", RawRequest("POST", "/v1/reminders/run?at=2026-09-01")},
      {"events", RawRequest("GET", "/v1/events?after=2&limit=5")},
      {"objective-achieve", RawRequest("POST", "/v1/objectives/o-1/achieve",
                                       R"({"reason":"done"})")},
      {"objective-abandon", RawRequest("POST", "/v1/objectives/o-2/abandon",
                                       R"({"reason":"dropped"})")},
      // Refusals and malformed input.
      {"no-token", RawRequest("GET", "/v1/cycles", "", "")},
      {"bad-token", RawRequest("GET", "/v1/cycles", "", "not-a-token")},
      {"member-forbidden",
       RawRequest("POST", "/v1/cycles/2026-q3/close", "", m)},
      {"bad-json", RawRequest("POST", "/v1/kpis", R"({"name":)")},
      {"unknown-field",
       RawRequest("POST", "/v1/kpis", R"({"name":"x","unit":"u","zzz":1})")},
      {"bad-id", RawRequest("GET", "/v1/objectives/Not%20An%20Id")},
      {"no-route", RawRequest("GET", "/v2/nothing/here")},
      {"bad-if-match",
       RawRequest("PATCH", "/v1/objectives/o-1", R"({"title":"t"})",
                  kAdminToken, "If-Match: W/\"x\"\r\n")},
      {"bad-as-of", RawRequest("GET", "/v1/cycles?as_of=yesterday")},
      {"chunked",
       "POST /v1/key-results/kr-1/check-ins HTTP/1.1\r\nHost: okr\r\n"
       "Authorization: Bearer fuzz-admin-token\r\n"
       "Transfer-Encoding: chunked\r\n\r\n"
       "b\r\n{\"value\":1}\r\n0\r\n\r\n"},
      {"too-large",
       "POST /v1/kpis HTTP/1.1\r\nHost: okr\r\nContent-Length: 2000000\r\n"
       "\r\n{}"},
  };
}

// (route index of fuzz_json_body, body)
std::vector<std::pair<int, std::string>> BodySeeds() {
  return {
      {0,
       R"({"id":"2026-q4","name":"Q4","starts_on":"2026-10-01","ends_on":"2026-12-31"})"},
      {1, ""},
      {1, "{}"},
      {2, R"({"objective_id":"o-1","text":"note"})"},
      {3,
       R"({"id":"o-3","cycle_id":"2026-q3","title":"T","description":"D","level":"team","owner":"ann","team":"core","parent_id":"o-1"})"},
      {4, R"({"title":"T","description":"D","owner":"bob","team":"web"})"},
      {5, R"({"parent_id":null})"},
      {5, R"({"parent_id":"o-1"})"},
      {6, R"({"reason":"why"})"},
      {7,
       R"({"id":"kr-3","title":"T","kind":"metric","start":-1.5e3,"target":1E2,"unit":"%","weight":0.5})"},
      {8, R"({"title":"T","target":3,"weight":2,"reason":"r"})"},
      {9,
       R"({"value":true,"confidence":7.0,"note":"\u00e9\ud83d\ude00","date":"2024-02-29"})"},
      {9, R"({"value":12.25,"confidence":-3})"},
      {10, R"({"score":0.5,"note":"n"})"},
      {11,
       R"({"id":"kpi-3","name":"N","unit":"u","owner":"ann","healthy_min":1,"healthy_max":2,"cadence_days":30})"},
      {12, R"({"value":1,"date":"2026-08-01"})"},
      {3, R"({"a":[[[{"b":{}}]]]})"},
      {1, "2026-09-01T12:00:00Z"},
      {1, "2026-09-01T12:00:00.123456+02:00"},
      {1, "1999-12-31t23:59:59-05:30"},
      {1, "2026-07-01"},
  };
}

void Write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string Hex2(int i) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", i);
  return b;
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: okr_fuzz_seeds <corpus dir> [v1_events.jsonl]\n";
    return 2;
  }
  fs::path root = argv[1];
  okr::fuzz::ApiHarness harness;

  // HTTP requests, each sent once so that the log below holds their events.
  int i = 0;
  for (const Seed& s : HttpSeeds()) {
    Write(root / "fuzz_http_request" / (Hex2(i++) + "-" + s.name), s.bytes);
    okr::http::HttpRequest r;
    if (!okr::fuzz::ParseRequest(s.bytes, &r)) {
      std::cout << "http " << s.name << ": not handed to the Api\n";
      continue;
    }
    okr::http::HttpResponse res = harness.Call(r);
    std::cout << "http " << s.name << ": " << res.status << "\n";
  }

  // The log as export lines and as cereal payloads.
  std::vector<okr::events::KnownVersion> versions =
      okr::events::KnownVersions();
  auto index_of = [&](const std::string& type, std::uint32_t version) {
    for (std::size_t k = 0; k < versions.size(); ++k) {
      if (versions[k].type == type && versions[k].schema_version == version) {
        return static_cast<int>(k);
      }
    }
    throw std::runtime_error("unknown " + type);
  };
  auto page = harness.engine().store().ReadAll(1, 10'000);
  if (!page.ok()) throw std::runtime_error(page.status().ToString());
  std::set<std::string> cereal_types;
  for (const okr::RecordedEvent& e : *page) {
    std::string n = Hex2(static_cast<int>(e.position)) + "-" + e.type;
    Write(root / "fuzz_event_json" / n,
          okr::events::ExportJson(e).dump(
              -1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (cereal_types.insert(e.type).second) {
      std::string bytes(1,
                        static_cast<char>(index_of(e.type, e.schema_version)));
      Write(root / "fuzz_event_cereal" / n, bytes + e.data);
    }
  }
  // Every version-1 payload of the frozen golden file (CheckInRecorded v1
  // among them, which the engine no longer writes).
  if (argc > 2) {
    std::ifstream golden(argv[2]);
    for (std::string line; std::getline(golden, line);) {
      nlohmann::json j = nlohmann::json::parse(line);
      std::string type = j["type"];
      std::uint32_t version = j["schema_version"];
      std::string bytes(1, static_cast<char>(index_of(type, version)));
      Write(root / "fuzz_event_cereal" /
                ("v" + std::to_string(version) + "-" + type),
            bytes + FromHex(j["data_hex"]));
    }
  }

  // Snapshots of the state: whole files (mode 0), bodies (modes 1 and 3).
  okr::fuzz::ApiHarness* h = &harness;
  okr::SnapshotStore snapshots(h->dir() + "/seed-snapshots");
  harness.engine().Read([&](const okr::OkrState& st) {
    okr::Status s = snapshots.Write(st, okr::Hash{});
    if (!s.ok()) throw std::runtime_error(s.ToString());
    std::ifstream in(snapshots.PathOf(st.last_position()), std::ios::binary);
    std::string file((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    std::string body;
    s = okr::SnapshotStore::CheckFile(file, st.last_position(), "seed", &body);
    if (!s.ok()) throw std::runtime_error(s.ToString());
    Write(root / "fuzz_snapshot" / "file", std::string(1, '\0') + file);
    Write(root / "fuzz_snapshot" / "body", std::string(1, '\1') + body);
    Write(root / "fuzz_snapshot" / "body-compact", std::string(1, '\3') + body);
    okr::OkrState empty;
    std::ostringstream out;
    {
      cereal::PortableBinaryOutputArchive ar(out);
      ar(empty);
    }
    Write(root / "fuzz_snapshot" / "body-empty",
          std::string(1, '\1') + out.str());
  });

  i = 0;
  for (const auto& [route, body] : BodySeeds()) {
    Write(root / "fuzz_json_body" / Hex2(i++),
          std::string(1, static_cast<char>(route)) + body);
  }
  std::cout << "seeds written to " << root << "\n";
  return 0;
}
