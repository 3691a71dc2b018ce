#include "events/event_codec.h"

#include <date/date.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <random>
#include <set>

namespace okr::events {
namespace {

std::string FromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::vector<nlohmann::json> GoldenV1() {
  std::ifstream in(OKR_TESTS_DIR "/events/v1_events.jsonl");
  BOOST_REQUIRE(in.good());
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

BOOST_AUTO_TEST_SUITE(event_codec)

// tests/events/v1_events.jsonl is frozen: every version-1 event type, its
// stored bytes and its JSON form. These bytes must decode forever.
BOOST_AUTO_TEST_CASE(version_one_events_of_every_type_decode_forever) {
  std::set<std::string> covered;
  for (const nlohmann::json& line : GoldenV1()) {
    const std::string type = line["type"];
    const std::string bytes = FromHex(line["data_hex"]);
    BOOST_TEST_CONTEXT(type) {
      Event e;
      std::string error;
      BOOST_TEST(Decode(type, 1, bytes, &e, &error), error);
      BOOST_TEST(std::string(TypeOf(e)) == type);
      nlohmann::json as_stored;
      BOOST_TEST(StoredDataToJson(type, 1, bytes, &as_stored, &error));
      BOOST_TEST(as_stored == line["json"]);
      std::string rebuilt;
      BOOST_TEST(StoredDataFromJson(type, 1, line["json"], &rebuilt, &error));
      BOOST_TEST((rebuilt == bytes));
    }
    covered.insert(type);
  }
  for (const KnownVersion& v : KnownVersions()) {
    if (v.schema_version == 1) {
      BOOST_TEST(covered.count(v.type) == 1u, "no golden event for " << v.type);
    }
  }
}

BOOST_AUTO_TEST_CASE(check_in_version_one_upcasts_to_version_two) {
  for (const nlohmann::json& line : GoldenV1()) {
    if (line["type"] != "CheckInRecorded") continue;
    Event e;
    std::string error;
    BOOST_REQUIRE(
        Decode("CheckInRecorded", 1, FromHex(line["data_hex"]), &e, &error));
    const auto& c = std::get<CheckInRecorded>(e);
    BOOST_TEST(c.kr_id == "nps-60");
    BOOST_TEST(c.value == 52.5);
    BOOST_TEST(c.confidence.value() == 7);
    BOOST_TEST(c.date.ToString() == "2026-08-14");
    BOOST_TEST(c.source == "api");  // the upcaster's default
    BOOST_TEST(SchemaVersionOf(e) == 2u);
    return;
  }
  BOOST_FAIL("golden file has no CheckInRecorded");
}

BOOST_AUTO_TEST_CASE(current_events_round_trip_through_bytes_and_json) {
  CheckInRecorded c;
  c.kr_id = "k1";
  c.value = 0.1 + 0.2;  // not representable exactly: must survive anyway
  c.date = *Date::Parse("2026-11-27");
  c.source = "import";
  Event e = c;
  NewEvent ne = ToNewEvent(e);
  BOOST_TEST(ne.stream == "kr/k1");
  BOOST_TEST(ne.type == "CheckInRecorded");
  BOOST_TEST(ne.schema_version == 2u);
  Event back;
  std::string error;
  BOOST_REQUIRE(Decode(ne.type, ne.schema_version, ne.data, &back, &error));
  BOOST_TEST(std::get<CheckInRecorded>(back).value == 0.1 + 0.2);
  BOOST_TEST(!std::get<CheckInRecorded>(back).confidence.has_value());
  nlohmann::json j;
  BOOST_REQUIRE(StoredDataToJson(ne.type, 2, ne.data, &j, &error));
  BOOST_TEST(j["confidence"].is_null());
  BOOST_TEST(j["source"] == "import");
  std::string rebuilt;
  BOOST_REQUIRE(StoredDataFromJson(ne.type, 2, j, &rebuilt, &error));
  BOOST_TEST((rebuilt == ne.data));
}

BOOST_AUTO_TEST_CASE(malformed_payloads_and_json_are_refused) {
  Event e;
  std::string error;
  std::string bytes = EncodeData(Event(CycleStarted{"q1"}));
  BOOST_TEST(!Decode("CycleStarted", 1, bytes + "x", &e, &error));
  BOOST_TEST(error.find("trailing") != std::string::npos);
  BOOST_TEST(!Decode("CycleStarted", 1, bytes.substr(0, 5), &e, &error));
  BOOST_TEST(!Decode("CycleStarted", 7, bytes, &e, &error));
  BOOST_TEST(error.find("unknown event type CycleStarted version 7") !=
             std::string::npos);
  BOOST_TEST(!Decode("NoSuchEvent", 1, bytes, &e, &error));

  std::string data;
  auto j = nlohmann::json::parse(R"({"cycle_id":"q1","extra":1})");
  BOOST_TEST(!StoredDataFromJson("CycleStarted", 1, j, &data, &error));
  BOOST_TEST(error.find("unknown member 'extra'") != std::string::npos);
  j = nlohmann::json::parse(R"({"kr_id":"k","value":"7","date":"2026-01-01"})");
  BOOST_TEST(!StoredDataFromJson("KpiMeasured", 1, j, &data, &error));
  j = nlohmann::json::parse(R"({"kpi_id":"k","value":7,"date":"2026-02-30"})");
  BOOST_TEST(!StoredDataFromJson("KpiMeasured", 1, j, &data, &error));
  BOOST_TEST(error.find("'date'") != std::string::npos);
  j = nlohmann::json::parse(R"({"kpi_id":"k","value":7})");
  BOOST_TEST(!StoredDataFromJson("KpiMeasured", 1, j, &data, &error));
  BOOST_TEST(error.find("lacks 'date'") != std::string::npos);
}

// Little-endian fixed64, as cereal writes a size.
std::string Fixed64(std::uint64_t v) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

// Found by tests/fuzz/fuzz_event_cereal (regressions/fuzz_event_cereal/):
// cereal resized the string to the size its prefix claimed before reading
// it, so ten bytes made the decoder allocate terabytes.
BOOST_AUTO_TEST_CASE(a_size_prefix_over_the_bytes_left_allocates_nothing) {
  Event e;
  std::string error;
  // "\x01" (little-endian writer), then cycle_id's size: 1 TiB, 3 GiB, 9.
  for (std::uint64_t size :
       {std::uint64_t{1} << 40, std::uint64_t{3} << 30, std::uint64_t{9}}) {
    BOOST_TEST_CONTEXT(size) {
      std::string payload = "\x01" + Fixed64(size) + "q1";
      BOOST_TEST(!Decode("CycleStarted", 1, payload, &e, &error));
      BOOST_TEST(error == "CycleStarted payload is malformed: size " +
                              std::to_string(size) +
                              " exceeds the 2 bytes left");
    }
  }
  // The fuzzer's own input (its first byte picked the type): the size
  // 0x2643c0c0c0c0c0c0, read big-endian because cereal took any flag but 1
  // for "big-endian". A flag is now 0 or 1.
  std::string fuzzed = "\x84\x26\x43\xc0\xc0\xc0\xc0\xc0\xc0";
  BOOST_TEST(!Decode("KeyResultTargetChanged", 1, fuzzed, &e, &error));
  BOOST_TEST(error ==
             "KeyResultTargetChanged payload is malformed: the byte order "
             "flag is 0 or 1, not 132");
  BOOST_TEST(!Decode("KeyResultTargetChanged", 1,
                     std::string("\x00\x26\x43\xc0\xc0\xc0\xc0\xc0\xc0", 9), &e,
                     &error));
  BOOST_TEST(error.find("size 2757259330980987072 exceeds the 0 bytes left") !=
             std::string::npos);
  // A size that fits still decodes.
  BOOST_TEST(Decode("CycleStarted", 1, "\x01" + Fixed64(2) + "q1", &e, &error));
  BOOST_TEST(std::get<CycleStarted>(e).cycle_id == "q1");
}

// A bool is stored as one byte, 0 or 1: any other byte used to be copied
// into the bool (undefined behaviour when read, and a payload that
// re-encodes to other bytes).
BOOST_AUTO_TEST_CASE(a_bool_byte_other_than_zero_or_one_is_refused) {
  KeyResultGraded graded{"kr-1", 0.5, std::nullopt, true};
  std::string bytes = EncodeData(Event(graded));
  BOOST_REQUIRE(bytes.back() == '\x01');
  Event e;
  std::string error;
  BOOST_TEST(Decode("KeyResultGraded", 1, bytes, &e, &error));
  bytes.back() = '\x02';
  BOOST_TEST(!Decode("KeyResultGraded", 1, bytes, &e, &error));
  BOOST_TEST(error ==
             "KeyResultGraded payload is malformed: a bool is 0 or 1, not 2");
}

// A payload written big-endian (cereal's portable format says so in its
// first byte) still reads.
BOOST_AUTO_TEST_CASE(big_endian_payloads_decode_to_the_same_event) {
  std::string be = std::string(8, '\0') + "\x02" + "q1";
  Event e;
  std::string error;
  BOOST_REQUIRE(Decode("CycleStarted", 1, be, &e, &error));
  BOOST_TEST(std::get<CycleStarted>(e).cycle_id == "q1");
}

// Found by tests/fuzz/fuzz_event_cereal (regressions/.../date-overflow): a
// CycleCreated whose starts_on was 2147372295 days decoded, and rendering
// it overflowed the calendar arithmetic (UBSan). A stored date is now one
// the JSON form can write: years 0000 to 9999.
BOOST_AUTO_TEST_CASE(dates_outside_the_years_json_writes_are_refused) {
  const std::string fuzzed(
      "\x01\x07\0\0\0\0\0\0\0"
      "2 26,q3"
      "\x07\0\0\0\0\0\0\0"
      "2026\0Z\x11"
      "\x07\x4d\xfe\x7f"
      "\0\x00"
      "3\x02",
      39);
  Event e;
  std::string error;
  BOOST_TEST(!Decode("CycleCreated", 1, fuzzed, &e, &error));
  BOOST_TEST(
      error ==
      "CycleCreated payload has 'starts_on' outside the years 0000-9999");
  nlohmann::json j;
  BOOST_TEST(!StoredDataToJson("CycleCreated", 1, fuzzed, &j, &error));

  CycleCreated edge{"c", "C", *Date::Parse("0000-01-01"),
                    *Date::Parse("9999-12-31")};
  BOOST_REQUIRE(Decode("CycleCreated", 1, EncodeData(Event(edge)), &e, &error));
  BOOST_TEST(ToJson(e)["ends_on"] == "9999-12-31");
  edge.ends_on = edge.ends_on.AddDays(1);
  BOOST_TEST(!Decode("CycleCreated", 1, EncodeData(Event(edge)), &e, &error));
  BOOST_TEST(error ==
             "CycleCreated payload has 'ends_on' outside the years 0000-9999");
}

BOOST_AUTO_TEST_CASE(dates_parse_strictly_and_count_days) {
  BOOST_TEST(Date::Parse("2026-07-01")->days() == 20635);  // by hand
  BOOST_TEST(Date::Parse("1970-01-01")->days() == 0);
  BOOST_TEST(Date::Parse("2024-02-29").has_value());
  BOOST_TEST(!Date::Parse("2026-02-29").has_value());
  BOOST_TEST(!Date::Parse("2026-7-01").has_value());
  BOOST_TEST(!Date::Parse("2026-07-01T00").has_value());
  BOOST_TEST(Date::Parse("2026-09-30")->DaysSince(*Date::Parse("2026-07-01")) ==
             91);
  // 2026-11-27T23:59:59.999999Z is still the 27th.
  BOOST_TEST(Date::FromMicros(1'795'823'999'999'999).ToString() ==
             "2026-11-27");
  BOOST_TEST(Date::FromMicros(-1).ToString() == "1969-12-31");
}

// Dates and instants are written by hand (fast); they must agree with the
// date library's formatting everywhere, negative instants included.
BOOST_AUTO_TEST_CASE(hand_written_formatting_agrees_with_the_date_library) {
  using std::chrono::microseconds;
  BOOST_TEST(FormatInstant(0) == "1970-01-01T00:00:00.000000Z");
  BOOST_TEST(FormatInstant(-1) == "1969-12-31T23:59:59.999999Z");
  BOOST_TEST(FormatInstant(1'795'823'999'999'999) ==
             "2026-11-27T23:59:59.999999Z");
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::int64_t> any(-62'000'000'000'000'000,
                                                  253'000'000'000'000'000);
  for (int i = 0; i < 20000; ++i) {
    std::int64_t t = any(rng);
    date::sys_time<microseconds> tp{microseconds{t}};
    BOOST_TEST_REQUIRE(FormatInstant(t) == date::format("%FT%TZ", tp));
    Date d = Date::FromMicros(t);
    BOOST_TEST_REQUIRE(
        d.ToString() ==
        date::format("%F", date::sys_days{date::days{d.days()}}));
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::events
