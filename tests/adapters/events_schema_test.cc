// docs/events.schema.json (JSON Schema draft 7, for consumers of the event
// stream and the export) kept true: every event of the golden file
// (tests/events/v1_events.jsonl, one of every type) and of the demo
// organisation's log, as GET /v1/events and okr export write it, is valid
// against it; a schema that any event breaks, or one so loose that edited
// events pass, fails here. Validated with valijson, not with our code.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "adapters/cli/checkpoint_driver.h"
#include "adapters/cli/demo.h"
#include "engine/chain_signer.h"
#include "engine/event_store.h"
#include "events/event_codec.h"
#include "events/export_format.h"
#include "tests/support/api_harness.h"
#include "tests/support/temp_dir.h"

namespace okr {
namespace {

using nlohmann::json;
using valijson::adapters::NlohmannJsonAdapter;

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  BOOST_TEST_REQUIRE(in.good(), path);
  return json::parse(in);
}

struct EventsSchema {
  json doc = ReadJson(OKR_SOURCE_DIR "/docs/events.schema.json");
  valijson::Schema schema;
  EventsSchema() {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    NlohmannJsonAdapter adapter(doc);
    parser.populateSchema(adapter, schema);
  }
  // Empty if `line` is valid; otherwise the first reasons.
  std::string Why(const json& line) const {
    valijson::Validator validator;
    valijson::ValidationResults results;
    NlohmannJsonAdapter target(line);
    if (validator.validate(schema, target, &results)) return "";
    std::ostringstream why;
    valijson::ValidationResults::Error e;
    for (int i = 0; i < 3 && results.popError(e); ++i) {
      for (const std::string& c : e.context) why << c;
      why << ": " << e.description << "; ";
    }
    return why.str().empty() ? "invalid" : why.str();
  }
};

// The golden events as export lines (ExportJson: the shape of GET
// /v1/events), each at position 1 of its own stream.
std::vector<json> GoldenLines() {
  std::ifstream in(OKR_TESTS_DIR "/events/v1_events.jsonl");
  std::vector<json> out;
  for (std::string text; std::getline(in, text);) {
    json g = json::parse(text);
    RecordedEvent e;
    e.position = 1;
    e.version = 1;
    e.type = g["type"];
    e.schema_version = g["schema_version"];
    e.recorded_at_us = 1'780'000'000'000'000;
    e.actor = "maria";
    e.command_id = "c-1";
    for (std::size_t i = 0; i < g["data_hex"].get<std::string>().size();
         i += 2) {
      e.data.push_back(static_cast<char>(std::stoi(
          g["data_hex"].get<std::string>().substr(i, 2), nullptr, 16)));
    }
    events::Event decoded;
    std::string error;
    BOOST_TEST_REQUIRE(events::Decode(e, &decoded, &error), error);
    e.stream = events::StreamOf(decoded);
    out.push_back(events::ExportJson(e));
  }
  return out;
}

BOOST_AUTO_TEST_SUITE(events_schema)

BOOST_FIXTURE_TEST_CASE(every_golden_event_is_valid_and_every_type_has_a_branch,
                        EventsSchema) {
  std::set<std::pair<std::string, std::uint32_t>> covered;
  for (const json& line : GoldenLines()) {
    const std::string type = line["type"];
    BOOST_TEST(Why(line) == "", type);
    covered.insert({type, line["schema_version"].get<std::uint32_t>()});
  }
  // Each (type, version) the codec knows has a branch of its own.
  std::set<std::pair<std::string, std::uint32_t>> branches;
  for (const json& c : doc["allOf"]) {
    branches.insert({c["if"]["properties"]["type"]["const"].get<std::string>(),
                     c["if"]["properties"]["schema_version"]["const"]
                         .get<std::uint32_t>()});
  }
  for (const events::KnownVersion& v : events::KnownVersions()) {
    BOOST_TEST(branches.count({v.type, v.schema_version}) == 1u,
               v.type << " v" << v.schema_version << " has no branch");
  }
  BOOST_TEST(branches.size() == events::KnownVersions().size());
  // The golden file has every type at version 1; the demo has the rest.
  BOOST_TEST(covered.size() + 1 == branches.size());
}

BOOST_FIXTURE_TEST_CASE(every_event_of_the_demo_is_valid, EventsSchema) {
  testing::TempDir dir;
  DemoOptions demo;
  demo.data_dir = dir.Sub("demo");
  demo.today = "2026-11-16";
  BOOST_TEST_REQUIRE(RunDemo(demo) == 0);
  auto store = EventStore::Open(demo.data_dir, StoreOptions{});
  BOOST_TEST_REQUIRE(store.ok());
  std::set<std::string> types;
  std::size_t n = 0, bad = 0;
  Status s = store.value()->ForEach(1, [&](const RecordedEvent& e) {
    const json line = events::ExportJson(e);
    std::string why = Why(line);
    if (!why.empty() && ++bad <= 3) {
      BOOST_TEST(why == "", "position " << e.position << " " << e.type);
    }
    types.insert(e.type);
    ++n;
    return true;
  });
  BOOST_TEST_REQUIRE(s.ok());
  BOOST_TEST(bad == 0u);
  BOOST_TEST(n > 1000u);
  BOOST_TEST(types.count("CheckInRecorded") == 1u);
}

// Events the demo has none of, made by the server itself: a KPI-fed
// check-in (actor kpi:<id>, source kpi), a link, a signed checkpoint.
BOOST_FIXTURE_TEST_CASE(server_made_events_are_valid, EventsSchema) {
  KeyPairPem pair = GenerateSigningKey().value();
  auto signer = std::move(ChainSigner::FromPem(pair.private_pem).value());
  testing::ApiHarness api("2026-08-01T09:00:00Z", signer.get());
  const std::vector<std::pair<std::string, std::string>> root = {
      {"Authorization", "Bearer root-token-0001"}};
  auto post = [&](const std::string& method, const std::string& target,
                  const json& body) {
    testing::HttpResult r = api.Request(method, target, body.dump(), root);
    BOOST_TEST_REQUIRE(r.status / 100 == 2, target << ": " << r.body);
  };
  post("POST", "/v1/cycles",
       {{"id", "q3"}, {"starts_on", "2026-07-01"}, {"ends_on", "2026-09-30"}});
  post("POST", "/v1/cycles/q3/start", json::object());
  post("POST", "/v1/objectives",
       {{"id", "o"}, {"cycle_id", "q3"}, {"title", "O"}, {"level", "team"}});
  post("POST", "/v1/objectives/o/activate", json::object());
  post("POST", "/v1/objectives/o/key-results",
       {{"id", "k"}, {"title", "K"}, {"kind", "metric"}, {"target", 10}});
  post("POST", "/v1/kpis", {{"id", "m"}, {"name", "M"}, {"unit", "u"}});
  post("PATCH", "/v1/key-results/k", {{"kpi_id", "m"}});
  post("POST", "/v1/kpis/m/measurements", {{"value", 4}});
  CheckpointDriver driver(&api.engine().engine(), signer.get(),
                          std::chrono::seconds(3600));
  BOOST_TEST_REQUIRE(driver.RunOnce());
  std::set<std::string> seen;
  Status s =
      api.engine().engine().store().ForEach(1, [&](const RecordedEvent& e) {
        const json line = events::ExportJson(e);
        BOOST_TEST(Why(line) == "", e.type << " at " << e.position);
        seen.insert(e.type + "/" + e.actor);
        return true;
      });
  BOOST_TEST_REQUIRE(s.ok());
  BOOST_TEST(seen.count("CheckInRecorded/kpi:m") == 1u);
  BOOST_TEST(seen.count("KeyResultKpiLinked/root") == 1u);
  BOOST_TEST(seen.count("ChainHeadSigned/okr-checkpoints") == 1u);
}

BOOST_FIXTURE_TEST_CASE(edited_events_are_invalid, EventsSchema) {
  const std::vector<json> golden = GoldenLines();
  auto of = [&](const std::string& type) {
    for (const json& l : golden) {
      if (l["type"] == type) return l;
    }
    BOOST_FAIL("no golden " << type);
    return json();
  };
  struct Edit {
    const char* what;
    std::string type;
    std::function<void(json&)> apply;
  };
  const std::vector<Edit> edits = {
      {"a field missing", "KeyResultAdded",
       [](json& l) { l["data"].erase("target"); }},
      {"an unknown field", "CycleStarted",
       [](json& l) { l["data"]["extra"] = 1; }},
      {"a number as text", "KpiMeasured",
       [](json& l) { l["data"]["value"] = "12"; }},
      {"a bad date", "CheckInRecorded",
       [](json& l) { l["data"]["date"] = "14/08/2026"; }},
      {"a confidence over 10", "CheckInRecorded",
       [](json& l) { l["data"]["confidence"] = 11; }},
      {"an unknown level", "ObjectiveCreated",
       [](json& l) { l["data"]["level"] = "galaxy"; }},
      {"a null where the field is not optional", "ObjectiveUnaligned",
       [](json& l) { l["data"]["previous_parent_id"] = nullptr; }},
      {"the stream of another kind", "CycleCreated",
       [](json& l) { l["stream"] = "kr/2026-q3"; }},
      {"an unknown type", "CycleCreated",
       [](json& l) { l["type"] = "CycleRenamed"; }},
      {"a v1 check-in with a source", "CheckInRecorded",
       [](json& l) { l["data"]["source"] = "api"; }},
      {"a short hash", "CycleCreated", [](json& l) { l["hash"] = "abc"; }},
      {"recorded_at not in the canonical form", "CycleCreated",
       [](json& l) { l["recorded_at"] = "2026-05-28T20:26:40Z"; }},
      {"an envelope member more", "CycleCreated",
       [](json& l) { l["comment"] = "x"; }},
  };
  for (const Edit& e : edits) {
    json line = of(e.type);
    BOOST_TEST_REQUIRE(Why(line) == "", e.what);
    e.apply(line);
    BOOST_TEST(Why(line) != "", e.what);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
