// The retrospective of a scripted quarter, every number worked out by hand
// below, through the real engine on RocksDB (grading at close included);
// the same after a restart from a snapshot and after a replay without one.
#include "projections/retrospective.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/engine_harness.h"

namespace okr::testing {
namespace {

using nlohmann::json;

// Quarter 2026-07-01 .. 2026-09-30: 92 days, ceil(92 / 7) = 14 weeks; week
// i is the days 7i .. 7i + 6 after 07-01. Today is 2026-10-01.
//
// love (maria, team, active)
//   nps    45 -> 60, moved to 65 by root ("board raised the bar").
//          check-ins 07-03 47 c7 (w0), 07-10 50 (w1, confidence 7 carried),
//          07-24 52 c5 (w3), 08-20 55 (w7, 5 carried), 09-29 58 c6 (w12).
//          close: (58-45)/(65-45) = 0.65 -> yellow; coverage 5/14.
//   churn  20 -> 10, weight 3. 07-02 19 (w0), 07-05 18 (w0), 09-30 9 (w13).
//          close: (9-20)/(10-20) = 1.1 -> score 1, green, too easy;
//          coverage 2/14.
//   old    0 -> 10, one check-in 07-08 3 (w1), then removed: no score.
//   love = (1 x 0.65 + 3 x 1) / 4 = 0.9125 -> green.
// ship (john, team, active), created under company, realigned under love,
//   then unaligned: 2 alignment changes.
//   launch boolean, 08-01 0 c3 (w4); graded 0.3 by hand by john: red.
//   ship = 0.3 -> red.
// company (root, company, active)
//   revenue 100 -> 200: 07-15 120 (w2), 08-15 150 (w6), 09-15 170 (w10).
//          close: 70/100 = 0.7 -> green (the boundary); coverage 3/14.
//   company = 0.7 -> green.
// idea (maria, draft): pilot 0 -> 5 (no check-in: drafts take none). Not
// scored.
// dropped (john, abandoned): x 0 -> 10, no check-ins. Not scored.
//
// Summary: average (0.9125 + 0.3 + 0.7) / 3 = 0.6375; green 2, yellow 0,
// red 1; too easy 1; check-ins 5 + 3 + 1 + 1 + 3 = 13; target changes
// 1; alignment changes 2; removals 1; abandoned 1.
// Participation: john 1 check-in, weeks {4} -> 1/14; maria 9, weeks
// {0,1,3,7,12,13} -> 6/14; root 3, weeks {2,6,10} -> 3/14.
struct Retro : EngineHarness {
  Retro() : EngineHarness("2026-10-01") {
    Must(Admin(CreateCycle{"q3", "2026-Q3", D("2026-07-01"), D("2026-09-30")}));
    Must(Admin(StartCycle{"q3"}));
    Objective("root", "company", "company", std::nullopt, true);
    Objective("maria", "love", "team", std::nullopt, true);
    Objective("john", "ship", "team", "company", true);
    Objective("maria", "idea", "team", std::nullopt, false);
    Objective("john", "dropped", "team", std::nullopt, false);

    KeyResult("maria", "love", "nps", "metric", 45, 60, 1);
    KeyResult("maria", "love", "churn", "metric", 20, 10, 3);
    KeyResult("maria", "love", "old", "metric", 0, 10, 1);
    KeyResult("john", "ship", "launch", "boolean", 0, 1, 1);
    KeyResult("root", "company", "revenue", "metric", 100, 200, 1);
    KeyResult("maria", "idea", "pilot", "metric", 0, 5, 1);
    KeyResult("john", "dropped", "x", "metric", 0, 10, 1);
    Must(
        Member("john", TransitionObjective{"dropped", ObjectiveAction::kAbandon,
                                           "not this quarter"}));

    CheckIn("maria", "nps", 47, "2026-07-03", 7);
    CheckIn("maria", "nps", 50, "2026-07-10");
    CheckIn("maria", "nps", 52, "2026-07-24", 5);
    CheckIn("maria", "nps", 55, "2026-08-20");
    CheckIn("maria", "nps", 58, "2026-09-29", 6);
    CheckIn("maria", "churn", 19, "2026-07-02");
    CheckIn("maria", "churn", 18, "2026-07-05");
    CheckIn("maria", "churn", 9, "2026-09-30");
    CheckIn("maria", "old", 3, "2026-07-08");
    CheckIn("john", "launch", 0, "2026-08-01", 3);
    CheckIn("root", "revenue", 120, "2026-07-15");
    CheckIn("root", "revenue", 150, "2026-08-15");
    CheckIn("root", "revenue", 170, "2026-09-15");

    UpdateKeyResult move;
    move.kr_id = "nps";
    move.target = 65;
    move.reason = "board raised the bar";
    Must(Admin(move));
    Must(Member("maria", RemoveKeyResult{"old", "measured elsewhere"}));
    Must(Member("john", SetParent{"ship", "love"}));
    Must(Member("john", SetParent{"ship", std::nullopt}));
    Must(Member("john", GradeKeyResult{"launch", 0.3, "shipped late"}));
  }

  void Objective(const std::string& owner, const std::string& id,
                 const std::string& level, OptText parent, bool activate) {
    CreateObjective c;
    c.id = id;
    c.cycle_id = "q3";
    c.title = "Objective " + id;
    c.level = level;
    c.parent_id = parent;
    Must(Run(owner, owner == "root" ? Role::kAdmin : Role::kMember, c));
    if (activate) {
      Must(Run(
          owner, owner == "root" ? Role::kAdmin : Role::kMember,
          TransitionObjective{id, ObjectiveAction::kActivate, std::nullopt}));
    }
  }
  void KeyResult(const std::string& owner, const std::string& objective,
                 const std::string& id, const std::string& kind, double start,
                 double target, double weight) {
    AddKeyResult k;
    k.objective_id = objective;
    k.id = id;
    k.title = "KR " + id;
    k.kind = kind;
    if (kind == "metric") {
      k.start = start;
      k.target = target;
    }
    k.weight = weight;
    Must(Run(owner, owner == "root" ? Role::kAdmin : Role::kMember, k));
  }
  void CheckIn(const std::string& owner, const std::string& kr, double value,
               const char* date, std::optional<std::int64_t> confidence = {}) {
    RecordCheckIn c;
    c.kr_id = kr;
    c.value = value;
    c.date = D(date);
    c.confidence = confidence;
    Must(Run(owner, owner == "root" ? Role::kAdmin : Role::kMember, c));
  }

  json RetroJson(const char* at = "2026-10-01") {
    json out;
    engine().Read([&](const OkrState& s) {
      out = RetrospectiveJson(BuildRetrospective(s, "q3", D(at)));
    });
    return out;
  }
};

// Objective or key result `id` in a retrospective's JSON.
const json& Find(const json& retro, const std::string& id) {
  for (const json& o : retro["objectives"]) {
    if (o["id"] == id) return o;
    for (const json& k : o["key_results"]) {
      if (k["id"] == id) return k;
    }
  }
  throw std::runtime_error("no " + id + " in the retrospective");
}

bool Near(const json& v, double expected) {
  return v.is_number() && std::abs(v.get<double>() - expected) < 1e-9;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(retrospective, Retro)

BOOST_AUTO_TEST_CASE(final_numbers_of_a_closed_quarter_by_hand) {
  Must(Admin(CloseCycle{"q3"}));
  Must(Admin(AddRetrospectiveNote{"q3", std::nullopt, "Hiring froze"}));
  Must(Member("maria", AddRetrospectiveNote{"q3", "love", "The survey moved"}));
  json r = RetroJson();
  BOOST_TEST(r["closed"] == true);
  BOOST_TEST(r["provisional"] == false);
  BOOST_TEST(r["cycle"]["id"] == "q3");
  BOOST_TEST(r["weeks"] == 14);

  const json& nps = Find(r, "nps");
  BOOST_TEST(Near(nps["score"], 0.65));
  BOOST_TEST(nps["band"] == "yellow");
  BOOST_TEST(Near(nps["attainment"], 0.65));
  BOOST_TEST(Near(nps["original_target"], 60));
  BOOST_TEST(Near(nps["target"], 65));
  BOOST_TEST_REQUIRE(nps["target_changes"].size() == 1u);
  const json& move = nps["target_changes"][0];
  BOOST_TEST(move["actor"] == "root");
  BOOST_TEST(Near(move["before"], 60));
  BOOST_TEST(Near(move["after"], 65));
  BOOST_TEST(move["reason"] == "board raised the bar");
  BOOST_TEST(move["recorded_at"] == "2026-10-01T12:00:00.000000Z");
  BOOST_TEST(nps["check_ins"] == 5);
  BOOST_TEST(Near(nps["weekly_coverage"], 5.0 / 14));
  BOOST_TEST(nps["target_too_easy"] == false);
  BOOST_TEST(nps["manual"] == false);
  BOOST_TEST(nps["confidence_trend"] ==
             json::parse(R"([{"date":"2026-07-03","confidence":7},
                             {"date":"2026-07-10","confidence":7},
                             {"date":"2026-07-24","confidence":5},
                             {"date":"2026-08-20","confidence":5},
                             {"date":"2026-09-29","confidence":6}])"));
  BOOST_TEST(nps["value_series"] ==
             json::parse(R"([{"date":"2026-07-03","value":47.0},
                             {"date":"2026-07-10","value":50.0},
                             {"date":"2026-07-24","value":52.0},
                             {"date":"2026-08-20","value":55.0},
                             {"date":"2026-09-29","value":58.0}])"));

  const json& churn = Find(r, "churn");
  BOOST_TEST(Near(churn["score"], 1.0));
  BOOST_TEST(churn["band"] == "green");
  BOOST_TEST(Near(churn["attainment"], 1.1));
  BOOST_TEST(churn["target_too_easy"] == true);
  BOOST_TEST(churn["check_ins"] == 3);
  BOOST_TEST(Near(churn["weekly_coverage"], 2.0 / 14));

  const json& old = Find(r, "old");
  BOOST_TEST(old["state"] == "removed");
  BOOST_TEST(old["score"].is_null());
  BOOST_TEST(old["band"].is_null());
  BOOST_TEST(old["check_ins"] == 1);

  const json& launch = Find(r, "launch");
  BOOST_TEST(Near(launch["score"], 0.3));
  BOOST_TEST(launch["band"] == "red");
  BOOST_TEST(launch["manual"] == true);
  BOOST_TEST(Near(launch["attainment"], 0));
  BOOST_TEST(Near(launch["weekly_coverage"], 1.0 / 14));

  const json& revenue = Find(r, "revenue");
  BOOST_TEST(Near(revenue["score"], 0.7));
  BOOST_TEST(revenue["band"] == "green");
  BOOST_TEST(Near(revenue["weekly_coverage"], 3.0 / 14));

  BOOST_TEST(Near(Find(r, "love")["score"], 0.9125));
  BOOST_TEST(Find(r, "love")["band"] == "green");
  BOOST_TEST(Find(r, "love")["alignment_changes"] == 0);
  BOOST_TEST(Near(Find(r, "ship")["score"], 0.3));
  BOOST_TEST(Find(r, "ship")["band"] == "red");
  BOOST_TEST(Find(r, "ship")["alignment_changes"] == 2);
  const json& history = Find(r, "ship")["alignment_history"];
  BOOST_TEST_REQUIRE(history.size() == 2u);
  BOOST_TEST(history[0]["before"] == "company");
  BOOST_TEST(history[0]["after"] == "love");
  BOOST_TEST(history[1]["before"] == "love");
  BOOST_TEST(history[1]["after"].is_null());
  BOOST_TEST(Near(Find(r, "company")["score"], 0.7));
  BOOST_TEST(Find(r, "idea")["score"].is_null());
  BOOST_TEST(Find(r, "pilot")["score"].is_null());
  BOOST_TEST(Find(r, "pilot")["check_ins"] == 0);
  BOOST_TEST(Find(r, "dropped")["score"].is_null());
  BOOST_TEST(Find(r, "dropped")["state"] == "abandoned");

  const json& s = r["summary"];
  BOOST_TEST(Near(s["average_score"], 0.6375));
  BOOST_TEST(s["bands"] == json::parse(R"({"green":2,"yellow":0,"red":1})"));
  BOOST_TEST(s["target_too_easy"] == 1);
  BOOST_TEST(s["check_ins"] == 13);
  BOOST_TEST(s["target_changes"] == 1);
  BOOST_TEST(s["alignment_changes"] == 2);
  BOOST_TEST(s["removals"] == 1);
  BOOST_TEST(s["abandoned"] == 1);
  BOOST_TEST(s["score_histogram"] ==
             json::parse("[0,0,0,1,0,0,0,1,0,1]"));  // 0.3, 0.7, 0.9125

  const json& p = r["participation"];
  BOOST_TEST_REQUIRE(p.size() == 3u);
  BOOST_TEST(p[0]["owner"] == "john");
  BOOST_TEST(p[0]["check_ins"] == 1);
  BOOST_TEST(Near(p[0]["weekly_coverage"], 1.0 / 14));
  BOOST_TEST(p[1]["owner"] == "maria");
  BOOST_TEST(p[1]["check_ins"] == 9);
  BOOST_TEST(Near(p[1]["weekly_coverage"], 6.0 / 14));
  BOOST_TEST(p[2]["owner"] == "root");
  BOOST_TEST(p[2]["check_ins"] == 3);
  BOOST_TEST(Near(p[2]["weekly_coverage"], 3.0 / 14));

  BOOST_TEST_REQUIRE(r["notes"].size() == 2u);
  BOOST_TEST(r["notes"][0]["text"] == "Hiring froze");
  BOOST_TEST(r["notes"][0]["objective_id"].is_null());
  BOOST_TEST(r["notes"][1]["actor"] == "maria");
  BOOST_TEST(r["notes"][1]["objective_id"] == "love");
}

// Before the close, at 2026-08-01: nps at 52 -> 7/20 = 0.35; churn at 18 ->
// 0.2; love (0.35 + 3 x 0.2) / 4 = 0.2375; launch's hand grade 0.3 stands;
// revenue at 120 -> 0.2. Average (0.2375 + 0.3 + 0.2) / 3; all red; nothing
// too easy yet.
BOOST_AUTO_TEST_CASE(an_active_cycle_gives_a_provisional_retrospective) {
  json r = RetroJson("2026-08-01");
  BOOST_TEST(r["closed"] == false);
  BOOST_TEST(r["provisional"] == true);
  BOOST_TEST(r["at"] == "2026-08-01");
  BOOST_TEST(Near(Find(r, "nps")["score"], 0.35));
  BOOST_TEST(Near(Find(r, "churn")["score"], 0.2));
  BOOST_TEST(Near(Find(r, "love")["score"], 0.2375));
  BOOST_TEST(Near(Find(r, "launch")["score"], 0.3));
  BOOST_TEST(Find(r, "launch")["manual"] == true);
  BOOST_TEST(Near(Find(r, "revenue")["score"], 0.2));
  BOOST_TEST(Near(r["summary"]["average_score"], (0.2375 + 0.3 + 0.2) / 3));
  BOOST_TEST(r["summary"]["bands"] ==
             json::parse(R"({"green":0,"yellow":0,"red":3})"));
  BOOST_TEST(r["summary"]["target_too_easy"] == 0);
  // Only check-ins dated on or before 08-01 count: nps 07-03, 07-10, 07-24;
  // churn 07-02, 07-05; old 07-08; launch 08-01; revenue 07-15.
  BOOST_TEST(r["summary"]["check_ins"] == 8);
  BOOST_TEST(Find(r, "nps")["value_series"].size() == 3u);
  BOOST_TEST(Near(Find(r, "nps")["weekly_coverage"], 3.0 / 14));  // w0 w1 w3
}

BOOST_AUTO_TEST_CASE(same_after_restart_from_a_snapshot_and_after_a_replay) {
  Must(Admin(CloseCycle{"q3"}));
  Must(Admin(AddRetrospectiveNote{"q3", "ship", "Launch slipped"}));
  json before = RetroJson();
  Reopen();  // a clean close leaves a snapshot; the reopen loads it
  BOOST_TEST(RetroJson() == before);
  engine().Close();
  std::filesystem::remove_all(data_dir() + "/snapshots");
  Reopen();  // no snapshot: the whole log folded again
  BOOST_TEST(RetroJson() == before);
  BOOST_TEST(Near(before["summary"]["average_score"], 0.6375));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace okr::testing
