// Spreadsheets in and out: POST /v1/cycles/{id}/import (text/csv) and
// GET /v1/cycles/{id}/export?format=csv through Api::Handle on a real
// engine. A good file becomes one command; a bad one is refused whole with
// every bad line named (the header is line 1) and nothing appended; the
// export gives back what was imported, and imports again the same.
#include "adapters/csv/okr_csv.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/support/api_harness.h"

namespace okr {
namespace {

using nlohmann::json;
using testing::HttpResult;

const std::string kHeader =
    "id,title,level,parent,owner,team,kind,start,target,unit,weight\r\n";

struct Sheet {
  testing::ApiHarness api{"2026-08-01T09:00:00Z"};

  Sheet() {
    HttpResult r = Call("POST", "/v1/cycles",
                        R"({"id":"q3","starts_on":"2026-07-01",)"
                        R"("ends_on":"2026-09-30"})");
    BOOST_TEST_REQUIRE(r.status == 201, r.body);
  }
  HttpResult Call(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::string& token = "root-token-0001",
                  const std::string& type = "application/json") {
    return api.Request(
        method, target, body,
        {{"Authorization", "Bearer " + token}, {"Content-Type", type}});
  }
  HttpResult Import(const std::string& csv,
                    const std::string& token = "root-token-0001") {
    return Call("POST", "/v1/cycles/q3/import", csv, token, "text/csv");
  }
  std::uint64_t Head() {
    return Call("GET", "/v1/chain/head")
        .json()["position"]
        .get<std::uint64_t>();
  }
};

// Two objectives (one aligned under the other, a title with a comma and
// quotes) and three key results: metric up, metric down, boolean.
const std::string kGood =
    kHeader +
    "co,\"Delight customers, everywhere\",company,,,,,,,,\r\n"
    "nps,Raise NPS,,co,,,metric,45,60,pts,2\r\n"
    "eng,\"Ship \"\"faster\"\"\",department,co,maria,eng,,,,,\r\n"
    "lead,Cut lead time,,eng,,,metric,10,5.5,days,\r\n"
    "v2,Launch v2,,eng,,,boolean,,,,\r\n";

BOOST_AUTO_TEST_SUITE(okr_csv)

BOOST_FIXTURE_TEST_CASE(a_good_file_becomes_one_command, Sheet) {
  const std::uint64_t before = Head();
  HttpResult r = Import(kGood);
  BOOST_TEST_REQUIRE(r.status == 201, r.body);
  BOOST_TEST(r.header("location") == "/v1/cycles/q3/tree");
  BOOST_TEST(r.json()["objectives"] == json({"co", "eng"}));
  BOOST_TEST(r.json()["key_results"] == json({"nps", "lead", "v2"}));
  BOOST_TEST(Head() == before + 5);
  json events = Call("GET", "/v1/events?after=" + std::to_string(before))
                    .json()["events"];
  for (const json& e : events) {
    BOOST_TEST(e["command_id"] == events[0]["command_id"]);  // one command
  }
  json co = Call("GET", "/v1/objectives/co").json();
  BOOST_TEST(co["title"] == "Delight customers, everywhere");
  BOOST_TEST(co["owner"] == "root");  // empty owner: the importer
  BOOST_TEST(co["state"] == "draft");
  json eng = Call("GET", "/v1/objectives/eng").json();
  BOOST_TEST(eng["title"] == "Ship \"faster\"");
  BOOST_TEST(eng["parent_id"] == "co");
  BOOST_TEST(eng["owner"] == "maria");
  BOOST_TEST(eng["team"] == "eng");
  json nps = Call("GET", "/v1/key-results/nps").json();
  BOOST_TEST(nps["objective_id"] == "co");
  BOOST_TEST(nps["start"].get<double>() == 45.0);
  BOOST_TEST(nps["target"].get<double>() == 60.0);
  BOOST_TEST(nps["weight"].get<double>() == 2.0);
  BOOST_TEST(nps["unit"] == "pts");
  json lead = Call("GET", "/v1/key-results/lead").json();
  BOOST_TEST(lead["target"].get<double>() == 5.5);
  BOOST_TEST(lead["weight"].get<double>() == 1.0);  // the default
  json v2 = Call("GET", "/v1/key-results/v2").json();
  BOOST_TEST(v2["kind"] == "boolean");
  BOOST_TEST(v2["target"].get<double>() == 1.0);
}

BOOST_FIXTURE_TEST_CASE(the_export_is_the_import_and_imports_again, Sheet) {
  BOOST_TEST_REQUIRE(Import(kGood).status == 201);
  HttpResult out = Call("GET", "/v1/cycles/q3/export?format=csv");
  BOOST_TEST_REQUIRE(out.status == 200, out.body);
  BOOST_TEST(out.header("content-type") == "text/csv; charset=utf-8");
  // Worked by hand: owners and defaults filled in, parents first.
  const std::string want =
      kHeader +
      "co,\"Delight customers, everywhere\",company,,root,,,,,,\r\n"
      "nps,Raise NPS,,co,,,metric,45,60,pts,2\r\n"
      "eng,\"Ship \"\"faster\"\"\",department,co,maria,eng,,,,,\r\n"
      "lead,Cut lead time,,eng,,,metric,10,5.5,days,1\r\n"
      "v2,Launch v2,,eng,,,boolean,0,1,,1\r\n";
  BOOST_TEST(out.body == want);

  Sheet other;
  HttpResult again = other.Import(out.body);
  BOOST_TEST_REQUIRE(again.status == 201, again.body);
  BOOST_TEST(other.Call("GET", "/v1/cycles/q3/export").body == want);
}

BOOST_FIXTURE_TEST_CASE(every_bad_row_is_named_and_nothing_is_written, Sheet) {
  BOOST_TEST_REQUIRE(Import(kGood).status == 201);
  const std::uint64_t before = Head();
  const std::string bad =
      kHeader +
      "ok1,Fine,team,co,,,,,,,\r\n"          // line 2: fine
      "co,Taken,company,,,,,,,,\r\n"         // 3: duplicate id
      "x1,,team,,,,,,,,\r\n"                 // 4: empty title
      "k1,Same,,ok1,,,metric,5,5,,\r\n"      // 5: start = target
      "k2,Orphan,,x1,,,metric,1,2,,\r\n"     // 6: its objective refused
      "low,Up,company,ok1,,,,,,,\r\n"        // 7: above its parent
      "k3,Nowhere,,nope,,,metric,1,2,,\r\n"  // 8: no such objective
      "k4,Heavy,,ok1,,,metric,1,2,,0\r\n";   // 9: weight 0
  HttpResult r = Import(bad);
  BOOST_TEST_REQUIRE(r.status == 422, r.body);
  json p = r.json();
  BOOST_TEST(p["type"] == "urn:okr-ledger:problem:import-refused");
  struct Want {
    int line;
    const char* field;
  };
  const Want want[] = {{3, "id"},     {4, "title"},  {5, "target"},
                       {6, "parent"}, {7, "parent"}, {8, "parent"},
                       {9, "weight"}};
  BOOST_TEST_REQUIRE(p["errors"].size() == std::size(want), p.dump());
  for (std::size_t i = 0; i < std::size(want); ++i) {
    BOOST_TEST_CONTEXT(p["errors"][i].dump()) {
      BOOST_TEST(p["errors"][i]["line"] == want[i].line);
      BOOST_TEST(p["errors"][i]["field"] == want[i].field);
      BOOST_TEST(!p["errors"][i]["detail"].get<std::string>().empty());
    }
  }
  BOOST_TEST(p["errors"][0]["type"] == "urn:okr-ledger:problem:duplicate-id");
  BOOST_TEST(Head() == before);  // nothing appended
  BOOST_TEST(Call("GET", "/v1/objectives/ok1").status == 404);
}

BOOST_FIXTURE_TEST_CASE(the_focus_limit_counts_the_rows_before, Sheet) {
  std::string csv = kHeader;
  for (int i = 1; i <= 6; ++i) {
    csv += "o" + std::to_string(i) + ",Goal " + std::to_string(i) +
           ",team,,maria,,,,,,\r\n";
  }
  HttpResult r = Import(csv);
  BOOST_TEST_REQUIRE(r.status == 422, r.body);
  BOOST_TEST_REQUIRE(r.json()["errors"].size() == 1u);
  BOOST_TEST(r.json()["errors"][0]["line"] == 7);
  BOOST_TEST(r.json()["errors"][0]["type"] ==
             "urn:okr-ledger:problem:focus-limit");
}

BOOST_FIXTURE_TEST_CASE(unreadable_files_are_400_naming_lines, Sheet) {
  const std::uint64_t before = Head();
  // Quoting that is not RFC 4180.
  HttpResult q = Import(kHeader + "a,\"open quote,team,,,,,,,,\r\n");
  BOOST_TEST(q.status == 400);
  BOOST_TEST(q.json()["type"] == "urn:okr-ledger:problem:malformed-csv");
  // Another header.
  HttpResult h = Import("id,title,level\r\na,b,team\r\n");
  BOOST_TEST(h.status == 400);
  BOOST_TEST(h.json()["detail"].get<std::string>().find("line 1") !=
             std::string::npos);
  // Rows that cannot be read: each named, with its column.
  HttpResult rows = Import(kHeader +
                           "a,A,team,,,,,,,,\r\n"
                           "b,B,team,,,\r\n"
                           "c,C,,,,,,,,,\r\n"
                           "d,D,team,,,,metric,,,,\r\n"
                           "e,E,,a,,,metric,x,2,,\r\n");
  BOOST_TEST_REQUIRE(rows.status == 400, rows.body);
  json e = rows.json()["errors"];
  BOOST_TEST_REQUIRE(e.size() == 4u, e.dump());
  BOOST_TEST(e[0]["line"] == 3);  // 6 fields
  BOOST_TEST(e[1]["line"] == 4);  // neither level nor kind
  BOOST_TEST(e[2]["line"] == 5);  // both
  BOOST_TEST(e[3]["line"] == 6);
  BOOST_TEST(e[3]["field"] == "start");
  BOOST_TEST(Head() == before);
}

BOOST_FIXTURE_TEST_CASE(quoted_newlines_a_bom_and_crlf_or_lf_are_read, Sheet) {
  const std::string csv =
      "\xEF\xBB\xBF"
      "id,title,level,parent,owner,team,kind,start,target,unit,weight\n"
      "a,\"Two\nlines\",team,,,,,,,,\n"
      "b,Plain,team,,,,,,,,\n";
  HttpResult r = Import(csv);
  BOOST_TEST_REQUIRE(r.status == 201, r.body);
  BOOST_TEST(Call("GET", "/v1/objectives/a").json()["title"] == "Two\nlines");
  // Lines are the file's: the quoted newline is inside line 2-3, so the
  // next row is line 4; a blank line is a line too (CRLF, LF or CR).
  HttpResult bad =
      Import(kHeader + "c,\"x\ny\",team,,,,,,,,\r\nd,,team,,,,,,,,\r\n");
  BOOST_TEST_REQUIRE(bad.status == 422, bad.body);
  BOOST_TEST(bad.json()["errors"][0]["line"] == 4);
  HttpResult blank =
      Import(kHeader +
             "\r\n\ne,,team,,,,,,,,\r\n\rf,F,team,,,,,,,,\rg,,team,,,,,,,,\n");
  BOOST_TEST_REQUIRE(blank.status == 422, blank.body);
  BOOST_TEST_REQUIRE(blank.json()["errors"].size() == 2u, blank.body);
  BOOST_TEST(blank.json()["errors"][0]["line"] == 4);
  BOOST_TEST(blank.json()["errors"][1]["line"] == 7);
  // A header of other fields that joins to the same text is not it.
  BOOST_TEST(Import("\"id,title\",level,parent,owner,team,kind,start,target,"
                    "unit,weight\r\n")
                 .status == 400);
}

BOOST_FIXTURE_TEST_CASE(a_key_result_under_another_cycles_objective_is_refused,
                        Sheet) {
  BOOST_TEST_REQUIRE(Import(kGood).status == 201);
  BOOST_TEST_REQUIRE(Call("POST", "/v1/cycles",
                          R"({"id":"q4","starts_on":"2026-10-01",)"
                          R"("ends_on":"2026-12-31"})")
                         .status == 201);
  const std::uint64_t before = Head();
  // The objective row is refused (parent in q3), and so is the key result
  // under q3's objective: never added to another cycle.
  HttpResult r = Call("POST", "/v1/cycles/q4/import",
                      kHeader +
                          "child,Child,individual,co,,,,,,,\r\n"
                          "kx,KR,,co,,,metric,0,1,,\r\n",
                      "root-token-0001", "text/csv");
  BOOST_TEST_REQUIRE(r.status == 422, r.body);
  json e = r.json()["errors"];
  BOOST_TEST_REQUIRE(e.size() == 2u, e.dump());
  BOOST_TEST(e[0]["type"] == "urn:okr-ledger:problem:alignment-cycle");
  BOOST_TEST(e[1]["type"] == "urn:okr-ledger:problem:import-other-cycle");
  BOOST_TEST(e[1]["field"] == "parent");
  BOOST_TEST(Head() == before);
}

BOOST_FIXTURE_TEST_CASE(members_closed_cycles_and_other_bodies_are_refused,
                        Sheet) {
  BOOST_TEST(Import(kGood, "maria-token-001").status == 403);
  BOOST_TEST(Call("POST", "/v1/cycles/q3/import", kGood, "root-token-0001",
                  "application/json")
                 .status == 415);
  BOOST_TEST(Call("POST", "/v1/cycles/nope/import", kGood, "root-token-0001",
                  "text/csv")
                 .status == 404);
  BOOST_TEST(Call("GET", "/v1/cycles/q3/export?format=xlsx").status == 400);
  BOOST_TEST(Call("POST", "/v1/cycles/q3/start", "{}").status == 200);
  BOOST_TEST(Call("POST", "/v1/cycles/q3/close", "{}").status == 200);
  HttpResult closed = Import(kGood);
  BOOST_TEST(closed.status == 409);
  BOOST_TEST(closed.json()["type"] == "urn:okr-ledger:problem:cycle-closed");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
