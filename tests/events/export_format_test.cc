// The export format (events/export_format.h): base64 in its canonical form
// only; an event survives export and import byte for byte, also with text
// that is not UTF-8; an edit of any member, or of a text and its "_b64"
// bytes apart, is refused.
#include "events/export_format.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "events/catalogue.h"
#include "events/event_codec.h"

namespace okr::events {
namespace {

using nlohmann::json;

RecordedEvent CheckIn(const std::string& actor, const std::string& note) {
  NewEvent ne = ToNewEvent(
      CheckInRecorded{"nps", 52.5, 7, note, *Date::Parse("2026-07-14"), "api"});
  RecordedEvent e;
  e.position = 3;
  e.stream = ne.stream;
  e.version = 2;
  e.type = ne.type;
  e.schema_version = ne.schema_version;
  e.recorded_at_us = 1'784'030'400'123'456;  // 2026-07-14T12:00:00.123456Z
  e.actor = actor;
  e.command_id = "cmd-3";
  e.data = ne.data;
  e.prev_hash.fill(0xab);
  e.hash.fill(0x01);
  return e;
}

std::string Text(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

BOOST_AUTO_TEST_SUITE(export_format)

// RFC 4648 §10 vectors; decoding takes what encoding writes and nothing
// else.
BOOST_AUTO_TEST_CASE(base64_is_rfc4648_and_canonical_only) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    BOOST_TEST(Base64Encode(bytes) == text);
    std::string back = "unchanged";
    BOOST_TEST_REQUIRE(Base64Decode(text, &back));
    BOOST_TEST(back == bytes);
  }
  for (const char* bad :
       {"Zg", "Zg=", "Zh==", "Zm9v\n", "Z m9v", "Zm9*", "====", "Zg==Zg=="}) {
    std::string out = "unchanged";
    BOOST_TEST(!Base64Decode(bad, &out), bad);
    BOOST_TEST(out == "unchanged");
  }
}

BOOST_AUTO_TEST_CASE(an_event_goes_out_and_back_byte_for_byte) {
  RecordedEvent e = CheckIn("maria", "on track");
  json j = ExportJson(e);
  BOOST_TEST(j["recorded_at"] == "2026-07-14T12:00:00.123456Z");
  BOOST_TEST(j["data"]["value"] == 52.5);
  BOOST_TEST(j["data_b64"] == Base64Encode(e.data));
  BOOST_TEST(!j.contains("actor_b64"));
  RecordedEvent back;
  std::string error;
  BOOST_TEST_REQUIRE(FromExportJson(json::parse(Text(j)), &back, &error),
                     error);
  BOOST_TEST((back == e));
}

// An actor that is not UTF-8 (a tokens file of an older release) travels
// as actor_b64 too; the text shows U+FFFD and the bytes come back exact.
BOOST_AUTO_TEST_CASE(text_that_is_not_utf8_comes_back_exact) {
  RecordedEvent e = CheckIn("ma\xFFria", "bad \xFE note");
  json j = json::parse(Text(ExportJson(e)));
  BOOST_TEST(j["actor"] == "ma\uFFFDria");
  BOOST_TEST(j.contains("actor_b64"));
  BOOST_TEST(j["data"]["note"] == "bad \uFFFD note");
  RecordedEvent back;
  std::string error;
  BOOST_TEST_REQUIRE(FromExportJson(j, &back, &error), error);
  BOOST_TEST((back == e));
}

BOOST_AUTO_TEST_CASE(edits_are_refused_naming_what_is_wrong) {
  const json good = json::parse(Text(ExportJson(CheckIn("ma\xFFria", "x"))));
  struct Edit {
    const char* what;
    void (*apply)(json&);
    const char* error_has;
  };
  const Edit edits[] = {
      {"data and its bytes disagree", [](json& j) { j["data"]["value"] = 60; },
       "data does not match"},
      {"the bytes edited",
       [](json& j) {
         std::string bytes;
         Base64Decode(j["data_b64"].get<std::string>(), &bytes);
         bytes.back() ^= 1;
         j["data_b64"] = Base64Encode(bytes);
       },
       "data_b64"},
      {"actor text edited", [](json& j) { j["actor"] = "john"; }, "actor_b64"},
      {"a member missing", [](json& j) { j.erase("hash"); }, "missing hash"},
      {"an unknown member", [](json& j) { j["extra"] = 1; }, "unknown members"},
      {"a bad instant", [](json& j) { j["recorded_at"] = "yesterday"; },
       "recorded_at"},
      {"a short hash", [](json& j) { j["hash"] = "ab"; }, "64 hex digits"},
      {"a negative position", [](json& j) { j["position"] = -1; }, "integers"},
      {"a string version", [](json& j) { j["version"] = "2"; }, "integers"},
  };
  for (const Edit& edit : edits) {
    json j = good;
    edit.apply(j);
    RecordedEvent e;
    std::string error;
    BOOST_TEST(!FromExportJson(j, &e, &error), edit.what);
    BOOST_TEST(error.find(edit.error_has) != std::string::npos,
               edit.what << ": " << error);
  }
  RecordedEvent e;
  std::string error;
  BOOST_TEST(!FromExportJson(json::array(), &e, &error));
  BOOST_TEST(error == "not a JSON object");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::events
