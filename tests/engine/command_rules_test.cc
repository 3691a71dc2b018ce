// Every workflow rule of DESIGN §3: its refusal, the kind and slug of the
// error, the field it names, and that nothing was appended.
#include <boost/test/unit_test.hpp>

#include "engine/okr_engine.h"
#include "events/event_codec.h"
#include "tests/support/engine_harness.h"

namespace okr {
namespace {

using testing::D;
using testing::EngineHarness;
namespace tt = boost::test_tools;

// A started quarter 2026-07-01 .. 2026-09-30, today 2026-08-15, with maria's
// active team objective "love" and two key results: nps 45 -> 60 and churn
// 20 -> 10 (weight 3).
struct Quarter : EngineHarness {
  Quarter() {
    Must(Admin(CreateCycle{"q3", "2026-Q3", D("2026-07-01"), D("2026-09-30")}));
    Must(Admin(StartCycle{"q3"}));
    Must(Member("maria", Objective("love", "team")));
    Must(Member("maria", TransitionObjective{"love", ObjectiveAction::kActivate,
                                             std::nullopt}));
    Must(Member("maria", Metric("love", "nps", 45, 60)));
    AddKeyResult churn = Metric("love", "churn", 20, 10);
    churn.weight = 3;
    Must(Member("maria", churn));
  }

  static CreateObjective Objective(const std::string& id,
                                   const std::string& level,
                                   const std::string& cycle = "q3") {
    CreateObjective c;
    c.id = id;
    c.cycle_id = cycle;
    c.title = "Objective " + id;
    c.level = level;
    return c;
  }
  static AddKeyResult Metric(const std::string& objective,
                             const std::string& id, double start,
                             double target) {
    AddKeyResult k;
    k.objective_id = objective;
    k.id = id;
    k.title = "KR " + id;
    k.kind = "metric";
    k.start = start;
    k.target = target;
    return k;
  }
  static RecordCheckIn CheckIn(const std::string& kr, double value,
                               std::optional<const char*> date = {},
                               std::optional<std::int64_t> confidence = {}) {
    RecordCheckIn c;
    c.kr_id = kr;
    c.value = value;
    if (date) c.date = D(*date);
    c.confidence = confidence;
    return c;
  }

  // Asserts the refusal and that the log did not move.
  void ExpectRefused(const Outcome<CommandResult>& r, ErrorKind kind,
                     const std::string& slug, const std::string& field,
                     std::uint64_t position_before) {
    BOOST_TEST_REQUIRE(!r.ok());
    BOOST_TEST(ErrorKindName(r.error().kind) == ErrorKindName(kind));
    BOOST_TEST(r.error().slug == slug);
    BOOST_TEST(r.error().field == field);
    BOOST_TEST(!r.error().detail.empty());
    BOOST_TEST(LastPosition() == position_before);
  }
};

#define EXPECT_REFUSED(expr, kind, slug, field)                   \
  do {                                                            \
    std::uint64_t before_ = LastPosition();                       \
    ExpectRefused((expr), ErrorKind::kind, slug, field, before_); \
  } while (0)

BOOST_FIXTURE_TEST_SUITE(cycle_rules, Quarter)

BOOST_AUTO_TEST_CASE(only_admins_create_start_and_close_cycles) {
  EXPECT_REFUSED(Member("maria", CreateCycle{"q4", std::nullopt,
                                             D("2026-10-01"), D("2026-12-31")}),
                 kForbidden, "forbidden", "");
  Must(
      Admin(CreateCycle{"q4", std::nullopt, D("2026-10-01"), D("2026-12-31")}));
  EXPECT_REFUSED(Member("maria", StartCycle{"q4"}), kForbidden, "forbidden",
                 "");
  EXPECT_REFUSED(Member("maria", CloseCycle{"q3"}), kForbidden, "forbidden",
                 "");
}

BOOST_AUTO_TEST_CASE(ends_on_must_follow_starts_on) {
  EXPECT_REFUSED(
      Admin(CreateCycle{"bad", "x", D("2026-10-01"), D("2026-10-01")}), kRule,
      "cycle-dates", "ends_on");
  EXPECT_REFUSED(
      Admin(CreateCycle{"bad", "x", D("2026-10-02"), D("2026-10-01")}), kRule,
      "cycle-dates", "ends_on");
}

BOOST_AUTO_TEST_CASE(default_name_is_the_quarter_and_id_follows_it) {
  CommandResult r = Must(Admin(CreateCycle{std::nullopt, std::nullopt,
                                           D("2026-10-01"), D("2026-12-31")}));
  BOOST_TEST(r.decision.id == "2026-q4");
  engine().Read([](const OkrState& s) {
    BOOST_TEST(s.FindCycle("2026-q4")->name == "2026-Q4");
    BOOST_TEST(ToString(s.FindCycle("2026-q4")->state) == "planning");
  });
  // The same name again gets a generated id, not a clash.
  CommandResult again = Must(Admin(CreateCycle{
      std::nullopt, std::nullopt, D("2026-10-01"), D("2026-12-31")}));
  BOOST_TEST(again.decision.id != "2026-q4");
}

BOOST_AUTO_TEST_CASE(duplicate_and_malformed_ids_are_refused) {
  EXPECT_REFUSED(
      Admin(CreateCycle{"q3", "x", D("2026-10-01"), D("2026-12-31")}),
      kConflict, "duplicate-id", "id");
  EXPECT_REFUSED(
      Admin(CreateCycle{"Q3!", "x", D("2026-10-01"), D("2026-12-31")}),
      kInvalid, "invalid-id", "id");
  EXPECT_REFUSED(Admin(CreateCycle{std::string(65, 'a'), "x", D("2026-10-01"),
                                   D("2026-12-31")}),
                 kInvalid, "invalid-id", "id");
}

BOOST_AUTO_TEST_CASE(cycle_transitions_only_from_the_right_state) {
  EXPECT_REFUSED(Admin(StartCycle{"q3"}), kConflict, "cycle-state", "");
  Must(
      Admin(CreateCycle{"q4", std::nullopt, D("2026-10-01"), D("2026-12-31")}));
  EXPECT_REFUSED(Admin(CloseCycle{"q4"}), kConflict, "cycle-state", "");
  Must(Admin(CloseCycle{"q3"}));
  EXPECT_REFUSED(Admin(CloseCycle{"q3"}), kConflict, "cycle-state", "");
  EXPECT_REFUSED(Admin(StartCycle{"q3"}), kConflict, "cycle-state", "");
  EXPECT_REFUSED(Admin(StartCycle{"nope"}), kNotFound, "not-found", "cycle_id");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(objective_rules, Quarter)

BOOST_AUTO_TEST_CASE(malformed_objectives_are_invalid_input) {
  CreateObjective c = Objective("x", "tribe");
  EXPECT_REFUSED(Member("maria", c), kInvalid, "invalid-level", "level");
  c = Objective("x", "team");
  c.title = "";
  EXPECT_REFUSED(Member("maria", c), kInvalid, "invalid-title", "title");
  c.title = std::string(201, 't');
  EXPECT_REFUSED(Member("maria", c), kInvalid, "invalid-title", "title");
  c.title = std::string(200, 't');  // 200 is allowed
  Must(Member("maria", c));
  // Characters, not bytes: 200 two-byte characters are fine.
  CreateObjective u = Objective("u", "team");
  u.title.clear();
  for (int i = 0; i < 200; ++i) u.title += "\xC3\xA9";  // é
  Must(Member("maria", u));
  c = Objective("y", "team");
  c.description = std::string(4001, 'd');
  EXPECT_REFUSED(Member("maria", c), kInvalid, "invalid-description",
                 "description");
}

BOOST_AUTO_TEST_CASE(objective_in_unknown_or_closed_cycle) {
  EXPECT_REFUSED(Member("maria", Objective("x", "team", "q9")), kNotFound,
                 "not-found", "cycle_id");
  Must(Admin(CloseCycle{"q3"}));
  EXPECT_REFUSED(Member("maria", Objective("x", "team")), kConflict,
                 "cycle-closed", "");
}

BOOST_AUTO_TEST_CASE(members_create_only_their_own_objectives) {
  CreateObjective c = Objective("x", "company");
  c.owner = "john";
  EXPECT_REFUSED(Member("maria", c), kForbidden, "forbidden", "");
  CommandResult r = Must(Admin(c));  // admins create for others
  engine().Read([](const OkrState& s) {
    BOOST_TEST(s.FindObjective("x")->owner == "john");
  });
  // A member may create at any level, owned by itself (the default).
  Must(Member("maria", Objective("y", "company")));
  engine().Read([](const OkrState& s) {
    BOOST_TEST(s.FindObjective("y")->owner == "maria");
    BOOST_TEST(ToString(s.FindObjective("y")->state) == "draft");
  });
}

BOOST_AUTO_TEST_CASE(focus_limit_counts_draft_and_active_only) {
  // maria has "love"; four more reach the limit of five.
  for (const char* id : {"a", "b", "c", "d"}) {
    Must(Member("maria", Objective(id, "individual")));
  }
  EXPECT_REFUSED(Member("maria", Objective("e", "individual")), kRule,
                 "focus-limit", "owner");
  // Abandoning one frees a place; achieved ones do not count either.
  Must(Member("maria",
              TransitionObjective{"a", ObjectiveAction::kAbandon, "dropped"}));
  Must(Member("maria", Objective("e", "individual")));
  Must(Member("maria",
              TransitionObjective{"love", ObjectiveAction::kAchieve, {}}));
  Must(Member("maria", Objective("f", "individual")));
  EXPECT_REFUSED(Member("maria", Objective("g", "individual")), kRule,
                 "focus-limit", "owner");
  // Other owners and other cycles have their own count.
  Must(Member("john", Objective("j", "individual")));
  Must(
      Admin(CreateCycle{"q4", std::nullopt, D("2026-10-01"), D("2026-12-31")}));
  Must(Member("maria", Objective("q4-a", "individual", "q4")));
}

BOOST_AUTO_TEST_CASE(focus_limit_is_a_server_option) {
  EngineHarness h("2026-08-15", Limits{2, 1});
  h.Must(h.Admin(CreateCycle{"q3", {}, D("2026-07-01"), D("2026-09-30")}));
  h.Must(h.Member("ann", Objective("a", "team")));
  h.Must(h.Member("ann", Objective("b", "team")));
  auto r = h.Member("ann", Objective("c", "team"));
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().slug == "focus-limit");
  BOOST_TEST(r.error().detail.find("limit is 2") != std::string::npos);
  h.Must(h.Member("ann", Metric("a", "k1", 0, 1)));
  auto k = h.Member("ann", Metric("a", "k2", 0, 1));
  BOOST_TEST_REQUIRE(!k.ok());
  BOOST_TEST(k.error().slug == "key-result-limit");
}

BOOST_AUTO_TEST_CASE(owner_change_respects_the_new_owners_limit) {
  for (const char* id : {"j1", "j2", "j3", "j4", "j5"}) {
    CreateObjective c = Objective(id, "team");
    Must(Member("john", c));
  }
  UpdateObjective u;
  u.objective_id = "love";
  u.owner = "john";
  EXPECT_REFUSED(Admin(u), kRule, "focus-limit", "owner");
  // A member cannot give its objective away; an admin can.
  u.owner = "ann";
  EXPECT_REFUSED(Member("maria", u), kForbidden, "forbidden", "");
  Must(Admin(u));
  engine().Read([](const OkrState& s) {
    BOOST_TEST(s.FindObjective("love")->owner == "ann");
    BOOST_TEST(s.OpenObjectives("q3", "ann") == 1);
    BOOST_TEST(s.OpenObjectives("q3", "maria") == 0);
  });
}

BOOST_AUTO_TEST_CASE(patch_with_the_same_values_appends_nothing) {
  UpdateObjective u;
  u.objective_id = "love";
  u.title = "Objective love";
  std::uint64_t before = LastPosition();
  CommandResult r = Must(Member("maria", u));
  BOOST_TEST(r.first_position == 0u);
  BOOST_TEST(LastPosition() == before);
  u.title = "Customers love us";
  r = Must(Member("maria", u));
  BOOST_TEST(r.first_position == before + 1);
}

BOOST_AUTO_TEST_CASE(objective_transitions) {
  Must(Member("maria", Objective("x", "team")));
  EXPECT_REFUSED(
      Member("maria", TransitionObjective{"x", ObjectiveAction::kAchieve, {}}),
      kConflict, "objective-state", "");
  EXPECT_REFUSED(
      Member("john", TransitionObjective{"x", ObjectiveAction::kActivate, {}}),
      kForbidden, "forbidden", "");
  Must(Admin(TransitionObjective{"x", ObjectiveAction::kActivate, {}}));
  EXPECT_REFUSED(
      Member("maria", TransitionObjective{"x", ObjectiveAction::kActivate, {}}),
      kConflict, "objective-state", "");
  Must(
      Member("maria", TransitionObjective{"x", ObjectiveAction::kAchieve, {}}));
  EXPECT_REFUSED(
      Member("maria", TransitionObjective{"x", ObjectiveAction::kAbandon, {}}),
      kConflict, "objective-state", "");
  Must(Member("maria", Objective("y", "team")));
  Must(Member("maria",
              TransitionObjective{"y", ObjectiveAction::kAbandon, "not now"}));
  EXPECT_REFUSED(
      Member("maria",
             TransitionObjective{"nope", ObjectiveAction::kAbandon, {}}),
      kNotFound, "not-found", "objective_id");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(alignment_rules, Quarter)

// company "co" <- department "dep" <- team "love" (maria's).
struct Tree : Quarter {
  Tree() {
    Must(Admin(Objective("co", "company")));
    Must(Admin(Objective("dep", "department")));
    Must(Admin(SetParent{"dep", "co"}));
    Must(Member("maria", SetParent{"love", "dep"}));
  }
};

BOOST_FIXTURE_TEST_CASE(alignment_refusals_name_the_rule, Tree) {
  EXPECT_REFUSED(Admin(SetParent{"co", "co"}), kRule, "alignment-self",
                 "parent_id");
  EXPECT_REFUSED(Admin(SetParent{"co", "love"}), kRule, "alignment-level",
                 "parent_id");
  // A department under a team: lower level, refused before the loop check.
  EXPECT_REFUSED(Admin(SetParent{"dep", "love"}), kRule, "alignment-level",
                 "parent_id");
  // Same level, but a descendant: a loop.
  Must(Admin(Objective("dep2", "department")));
  Must(Admin(SetParent{"dep2", "dep"}));
  EXPECT_REFUSED(Admin(SetParent{"dep", "dep2"}), kRule, "alignment-loop",
                 "parent_id");
  EXPECT_REFUSED(Admin(SetParent{"dep", "nope"}), kNotFound, "not-found",
                 "parent_id");
  Must(
      Admin(CreateCycle{"q4", std::nullopt, D("2026-10-01"), D("2026-12-31")}));
  Must(Admin(Objective("other", "company", "q4")));
  EXPECT_REFUSED(Admin(SetParent{"dep", "other"}), kRule, "alignment-cycle",
                 "parent_id");
  Must(Admin(Objective("gone", "company")));
  Must(Admin(TransitionObjective{"gone", ObjectiveAction::kAbandon, {}}));
  EXPECT_REFUSED(Admin(SetParent{"dep", "gone"}), kRule, "alignment-abandoned",
                 "parent_id");
  // The same rules when creating with a parent.
  CreateObjective c = Objective("t", "company");
  c.parent_id = "dep";
  EXPECT_REFUSED(Admin(c), kRule, "alignment-level", "parent_id");
}

BOOST_FIXTURE_TEST_CASE(a_member_aligns_its_own_under_anyones, Tree) {
  EXPECT_REFUSED(Member("maria", SetParent{"dep", "co"}), kForbidden,
                 "forbidden", "");
  Must(Member("maria", SetParent{"love", "co"}));
}

BOOST_FIXTURE_TEST_CASE(realignment_records_the_previous_parent, Tree) {
  Must(Member("maria", SetParent{"love", "co"}));
  Must(Member("maria", SetParent{"love", std::nullopt}));
  auto stream = engine().store().ReadStream("objective/love", 1, 100);
  BOOST_TEST_REQUIRE(stream.ok());
  std::vector<std::string> types;
  for (const RecordedEvent& e : *stream) types.push_back(e.type);
  BOOST_TEST(
      types == (std::vector<std::string>{
                   "ObjectiveCreated", "ObjectiveActivated", "ObjectiveAligned",
                   "ObjectiveAligned", "ObjectiveUnaligned"}),
      tt::per_element());
  events::Event e;
  std::string error;
  BOOST_TEST_REQUIRE(events::Decode((*stream)[3], &e, &error));
  const auto& aligned = std::get<events::ObjectiveAligned>(e);
  BOOST_TEST(aligned.parent_id == "co");
  BOOST_TEST(aligned.previous_parent_id.value_or("") == "dep");
  BOOST_TEST_REQUIRE(events::Decode((*stream)[4], &e, &error));
  BOOST_TEST(std::get<events::ObjectiveUnaligned>(e).previous_parent_id ==
             "co");
  engine().Read([](const OkrState& s) {
    BOOST_TEST(!s.FindObjective("love")->parent_id.has_value());
  });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(key_result_rules, Quarter)

BOOST_AUTO_TEST_CASE(metric_start_must_differ_from_target) {
  EXPECT_REFUSED(Member("maria", Metric("love", "x", 5, 5)), kRule,
                 "start-equals-target", "target");
  AddKeyResult no_target = Metric("love", "x", 5, 5);
  no_target.target.reset();
  EXPECT_REFUSED(Member("maria", no_target), kInvalid, "invalid-target",
                 "target");
  AddKeyResult kind = Metric("love", "x", 0, 1);
  kind.kind = "percent";
  EXPECT_REFUSED(Member("maria", kind), kInvalid, "invalid-kind", "kind");
}

BOOST_AUTO_TEST_CASE(boolean_key_results_go_from_0_to_1) {
  AddKeyResult b;
  b.objective_id = "love";
  b.id = "launched";
  b.title = "Launched";
  b.kind = "boolean";
  b.target = 5;
  EXPECT_REFUSED(Member("maria", b), kRule, "boolean-range", "target");
  b.target.reset();
  Must(Member("maria", b));
  engine().Read([](const OkrState& s) {
    BOOST_TEST(s.FindKeyResult("launched")->start == 0.0);
    BOOST_TEST(s.FindKeyResult("launched")->target == 1.0);
  });
  EXPECT_REFUSED(Member("maria", CheckIn("launched", 0.5)), kRule,
                 "boolean-value", "value");
  Must(Member("maria", CheckIn("launched", 1)));
}

BOOST_AUTO_TEST_CASE(weight_must_be_positive) {
  AddKeyResult k = Metric("love", "x", 0, 10);
  k.weight = 0;
  EXPECT_REFUSED(Member("maria", k), kRule, "weight-positive", "weight");
  k.weight = -1;
  EXPECT_REFUSED(Member("maria", k), kRule, "weight-positive", "weight");
  UpdateKeyResult u;
  u.kr_id = "nps";
  u.weight = 0;
  EXPECT_REFUSED(Member("maria", u), kRule, "weight-positive", "weight");
}

BOOST_AUTO_TEST_CASE(key_result_limit_counts_live_key_results) {
  for (const char* id : {"k3", "k4", "k5"}) {
    Must(Member("maria", Metric("love", id, 0, 10)));
  }
  EXPECT_REFUSED(Member("maria", Metric("love", "k6", 0, 10)), kRule,
                 "key-result-limit", "objective_id");
  Must(Member("maria", RemoveKeyResult{"k5", "merged"}));
  Must(Member("maria", Metric("love", "k6", 0, 10)));
}

BOOST_AUTO_TEST_CASE(members_change_only_key_results_they_own) {
  EXPECT_REFUSED(Member("john", Metric("love", "x", 0, 10)), kForbidden,
                 "forbidden", "");
  EXPECT_REFUSED(Member("john", CheckIn("nps", 50)), kForbidden, "forbidden",
                 "");
  EXPECT_REFUSED(Member("john", RemoveKeyResult{"nps", {}}), kForbidden,
                 "forbidden", "");
  Must(Admin(CheckIn("nps", 50)));
}

BOOST_AUTO_TEST_CASE(target_change_in_an_active_cycle_needs_a_reason) {
  UpdateKeyResult u;
  u.kr_id = "nps";
  u.target = 70;
  EXPECT_REFUSED(Member("maria", u), kRule, "reason-required", "reason");
  u.reason = "  ";
  EXPECT_REFUSED(Member("maria", u), kRule, "reason-required", "reason");
  u.target = 45;
  u.reason = "x";
  EXPECT_REFUSED(Member("maria", u), kRule, "start-equals-target", "target");
  u.target = 70;
  u.reason = "board asked for more";
  Must(Member("maria", u));
  engine().Read([](const OkrState& s) {
    BOOST_TEST(s.FindKeyResult("nps")->target == 70.0);
    BOOST_TEST(s.FindKeyResult("nps")->original_target == 60.0);
  });
}

BOOST_AUTO_TEST_CASE(target_change_in_planning_needs_no_reason) {
  Must(
      Admin(CreateCycle{"q4", std::nullopt, D("2026-10-01"), D("2026-12-31")}));
  Must(Member("maria", Objective("p", "team", "q4")));
  Must(Member("maria", Metric("p", "pk", 0, 10)));
  UpdateKeyResult u;
  u.kr_id = "pk";
  u.target = 12;
  Must(Member("maria", u));
}

BOOST_AUTO_TEST_CASE(removed_key_results_keep_history_and_take_nothing) {
  Must(Member("maria", CheckIn("nps", 50)));
  Must(Member("maria", RemoveKeyResult{"nps", "wrong metric"}));
  EXPECT_REFUSED(Member("maria", CheckIn("nps", 55)), kConflict,
                 "key-result-removed", "");
  EXPECT_REFUSED(Member("maria", RemoveKeyResult{"nps", {}}), kConflict,
                 "key-result-removed", "");
  engine().Read([](const OkrState& s) {
    const KeyResult& k = *s.FindKeyResult("nps");
    BOOST_TEST(k.removed);
    BOOST_TEST(k.check_ins.size() == 1u);
    // Progress of "love" is churn's alone: 0 before any churn check-in.
    BOOST_TEST(
        s.ViewObjective(*s.FindObjective("love"), D("2026-08-15")).progress ==
        0.0);
  });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(check_in_rules, Quarter)

BOOST_AUTO_TEST_CASE(check_in_dates_stay_in_their_window) {
  EXPECT_REFUSED(Member("maria", CheckIn("nps", 50, "2026-08-16")), kRule,
                 "check-in-date", "date");  // tomorrow
  EXPECT_REFUSED(Member("maria", CheckIn("nps", 50, "2026-06-30")), kRule,
                 "check-in-date", "date");  // before the cycle
  Must(Member("maria", CheckIn("nps", 50, "2026-07-01")));
  Must(Member("maria", CheckIn("nps", 51, "2026-08-15")));
  // 14 days after ends_on (2026-09-30) is 2026-10-14.
  clock().Set(testing::NoonOf("2026-10-20"));
  Must(Member("maria", CheckIn("nps", 52, "2026-10-14")));
  EXPECT_REFUSED(Member("maria", CheckIn("nps", 53, "2026-10-15")), kRule,
                 "check-in-date", "date");
  // Without a date: today, which is now past the window.
  EXPECT_REFUSED(Member("maria", CheckIn("nps", 53)), kRule, "check-in-date",
                 "date");
}

BOOST_AUTO_TEST_CASE(confidence_is_0_to_10) {
  EXPECT_REFUSED(Member("maria", CheckIn("nps", 50, {}, 11)), kRule,
                 "confidence-range", "confidence");
  EXPECT_REFUSED(Member("maria", CheckIn("nps", 50, {}, -1)), kRule,
                 "confidence-range", "confidence");
  Must(Member("maria", CheckIn("nps", 50, {}, 0)));
  Must(Member("maria", CheckIn("nps", 50, {}, 10)));
}

BOOST_AUTO_TEST_CASE(confidence_is_carried_forward) {
  Must(Member("maria", CheckIn("nps", 48, "2026-08-01", 6)));
  Must(Member("maria", CheckIn("nps", 50, "2026-08-08")));
  engine().Read([](const OkrState& s) {
    KeyResultView v = s.ViewKeyResult(*s.FindKeyResult("nps"), D("2026-08-15"));
    BOOST_TEST(v.current == 50.0);
    BOOST_TEST(v.confidence.value_or(-1) == 6);
  });
}

BOOST_AUTO_TEST_CASE(check_ins_need_an_active_objective_and_cycle) {
  Must(Member("maria", Objective("draft", "team")));
  Must(Member("maria", Metric("draft", "dk", 0, 10)));
  EXPECT_REFUSED(Member("maria", CheckIn("dk", 1)), kConflict,
                 "objective-not-active", "");
  Must(
      Admin(CreateCycle{"q4", std::nullopt, D("2026-07-01"), D("2026-12-31")}));
  Must(Member("maria", Objective("p", "team", "q4")));
  Must(Member("maria",
              TransitionObjective{"p", ObjectiveAction::kActivate, {}}));
  Must(Member("maria", Metric("p", "pk", 0, 10)));
  EXPECT_REFUSED(Member("maria", CheckIn("pk", 1)), kConflict,
                 "cycle-not-active", "");
  EXPECT_REFUSED(Member("maria", CheckIn("nope", 1)), kNotFound, "not-found",
                 "kr_id");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(closing_and_grading, Quarter)

// nps 45 -> 60 checked in at 52.5: progress 0.5. churn 20 -> 10 (weight 3)
// checked in at 14: 0.6. "love" = (1 x 0.5 + 3 x 0.6) / 4 = 0.575.
BOOST_AUTO_TEST_CASE(close_grades_every_key_result_from_progress) {
  Must(Member("maria", CheckIn("nps", 52.5, "2026-08-10")));
  Must(Member("maria", CheckIn("churn", 14, "2026-08-12")));
  Must(Member("maria", Objective("draft", "team")));
  Must(Member("maria", Metric("draft", "dk", 0, 10)));
  Must(Admin(CloseCycle{"q3"}));
  engine().Read([](const OkrState& s) {
    BOOST_TEST(ToString(s.FindCycle("q3")->state) == "closed");
    BOOST_TEST(s.FindKeyResult("nps")->grade->score == 0.5,
               tt::tolerance(1e-12));
    BOOST_TEST(!s.FindKeyResult("nps")->grade->manual);
    BOOST_TEST(s.FindKeyResult("churn")->grade->score == 0.6,
               tt::tolerance(1e-12));
    BOOST_TEST(*s.FindObjective("love")->score == 0.575, tt::tolerance(1e-12));
    // Draft objectives are not graded.
    BOOST_TEST(!s.FindObjective("draft")->score.has_value());
    BOOST_TEST(!s.FindKeyResult("dk")->grade.has_value());
  });
}

BOOST_AUTO_TEST_CASE(close_keeps_hand_grades) {
  Must(Member("maria", CheckIn("nps", 52.5, "2026-08-10")));
  EXPECT_REFUSED(Member("maria", GradeKeyResult{"churn", 1.5, {}}), kRule,
                 "score-range", "score");
  EXPECT_REFUSED(Member("john", GradeKeyResult{"churn", 0.9, {}}), kForbidden,
                 "forbidden", "");
  Must(Member("maria", GradeKeyResult{"churn", 0.9, "renegotiated scope"}));
  Must(Admin(CloseCycle{"q3"}));
  engine().Read([](const OkrState& s) {
    BOOST_TEST(s.FindKeyResult("churn")->grade->score == 0.9);
    BOOST_TEST(s.FindKeyResult("churn")->grade->manual);
    // (1 x 0.5 + 3 x 0.9) / 4 = 0.8
    BOOST_TEST(*s.FindObjective("love")->score == 0.8, tt::tolerance(1e-12));
  });
}

BOOST_AUTO_TEST_CASE(a_closed_cycle_is_locked_but_takes_hand_grades) {
  Must(Member("maria", CheckIn("nps", 52.5, "2026-08-10")));
  Must(Admin(CloseCycle{"q3"}));
  EXPECT_REFUSED(Member("maria", CheckIn("nps", 55)), kConflict, "cycle-closed",
                 "");
  EXPECT_REFUSED(Member("maria", Objective("late", "team")), kConflict,
                 "cycle-closed", "");
  UpdateKeyResult u;
  u.kr_id = "nps";
  u.target = 70;
  u.reason = "too late";
  EXPECT_REFUSED(Member("maria", u), kConflict, "cycle-closed", "");
  EXPECT_REFUSED(Member("maria", SetParent{"love", std::nullopt}), kConflict,
                 "cycle-closed", "");
  // A hand grade after the close moves the objective's score:
  // (1 x 0.5 + 3 x 1.0) / 4 = 0.875.
  Must(Member("maria", GradeKeyResult{"churn", 1.0, "done after all"}));
  engine().Read([](const OkrState& s) {
    BOOST_TEST(*s.FindObjective("love")->score == 0.875, tt::tolerance(1e-12));
  });
}

// The decision state archives a closed cycle's objectives and key results
// (OkrState::ArchiveClosedCycles) and brings back those a command names:
// every answer stays what the full state gives, before a restart (archived
// by the fold) and after one (archived as the state loads).
BOOST_AUTO_TEST_CASE(a_closed_cycle_decides_the_same_once_archived) {
  Must(Member("maria", CheckIn("nps", 52.5, "2026-08-10")));
  Must(Admin(CloseCycle{"q3"}));
  Must(Admin(CreateCycle{"q4", "2026-Q4", D("2026-08-01"), D("2026-12-31")}));
  Must(Admin(StartCycle{"q4"}));
  // Round 0 on the fold, 1 after a replay of the log, 2 after a snapshot.
  for (int round = 0; round < 3; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      // The decision state let go of q3: it holds q4's objective and key
      // result of each round before, and only the id of "love". (Each
      // command below that names "love" brings it back; the next decision
      // archives it again, so each one meets it archived.)
      EngineStats st = engine().Stats();
      BOOST_TEST(st.archived_objectives == 1u);
      BOOST_TEST(st.decision_objectives == static_cast<std::uint64_t>(round));
      BOOST_TEST(st.decision_key_results == static_cast<std::uint64_t>(round));
      // Refusals name the closed cycle, not an unknown id.
      EXPECT_REFUSED(Member("maria", CheckIn("nps", 55)), kConflict,
                     "cycle-closed", "");
      EXPECT_REFUSED(Member("maria", Metric("love", "late", 0, 1)), kConflict,
                     "cycle-closed", "");
      // Archived ids stay taken...
      EXPECT_REFUSED(Member("maria", Objective("love", "team", "q4")),
                     kConflict, "duplicate-id", "id");
      CreateObjective under = Objective("under", "team", "q4");
      under.parent_id = "love";
      EXPECT_REFUSED(Member("maria", under), kRule, "alignment-cycle",
                     "parent_id");
      // ...and counted: a new id follows every objective and key result
      // there is (1 objective and 2 key results before round 0).
      CreateObjective fresh = Objective("x", "team", "q4");
      fresh.id.reset();
      std::string o = Must(Member("maria", fresh)).decision.id;
      BOOST_TEST(o == "o-" + std::to_string(round + 2));
      AddKeyResult k = Metric(o, "x", 0, 1);
      k.id.reset();
      BOOST_TEST(Must(Member("maria", k)).decision.id ==
                 "kr-" + std::to_string(round + 3));
      // A note about an archived objective.
      Must(Member("maria",
                  AddRetrospectiveNote{"q3", std::string("love"),
                                       "round " + std::to_string(round)}));
      // A hand grade with If-Match at the version the read state shows:
      // (1 x 0.5 + 3 x g) / 4 moves the objective's score.
      std::uint64_t v = 0;
      engine().Read(
          [&](const OkrState& s) { v = s.FindKeyResult("churn")->version; });
      const double g = round / 2.0;
      CommandResult r =
          Must(Run("maria", Role::kMember, GradeKeyResult{"churn", g, {}}, v));
      BOOST_TEST(r.version == v + 1);
      // Archived again at the next decision.
      EXPECT_REFUSED(Member("maria", CheckIn("churn", 12)), kConflict,
                     "cycle-closed", "");
      BOOST_TEST(engine().Stats().archived_objectives == 1u);
      engine().Read([&](const OkrState& s) {
        BOOST_TEST(*s.FindObjective("love")->score == (0.5 + 3 * g) / 4,
                   tt::tolerance(1e-12));
        BOOST_TEST(s.FindCycle("q3")->notes.size() ==
                   static_cast<std::size_t>(round + 1));
      });
    }
    if (round == 2) BOOST_TEST(engine().Stats().opened_from_snapshot > 0u);
    options().snapshot_every = 1;
    Reopen();
  }
}

BOOST_AUTO_TEST_CASE(grading_needs_a_started_cycle_and_a_live_objective) {
  Must(Member("maria", Objective("draft", "team")));
  Must(Member("maria", Metric("draft", "dk", 0, 10)));
  EXPECT_REFUSED(Member("maria", GradeKeyResult{"dk", 0.5, {}}), kConflict,
                 "objective-state", "");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(concurrency_and_idempotency, Quarter)

BOOST_AUTO_TEST_CASE(stale_if_match_appends_nothing) {
  std::uint64_t v = 0;
  engine().Read(
      [&](const OkrState& s) { v = s.FindKeyResult("nps")->version; });
  Must(Run("maria", Role::kMember, CheckIn("nps", 50), v));
  EXPECT_REFUSED(Run("maria", Role::kMember, CheckIn("nps", 51), v), kStale,
                 "stale-version", "If-Match");
  CommandResult r =
      Must(Run("maria", Role::kMember, CheckIn("nps", 51), v + 1));
  BOOST_TEST(r.version == v + 2);
}

BOOST_AUTO_TEST_CASE(idempotent_replay_appends_nothing) {
  CommandRequest req;
  req.caller = Caller{"maria", Role::kMember};
  req.command = CheckIn("nps", 50);
  req.idempotency_key = "k-1";
  req.fingerprint = "body-a";
  req.render = [](const OkrState& s, const Decision& d) {
    return d.id + "@" + std::to_string(s.FindKeyResult(d.id)->version);
  };
  auto first = engine().Execute(req);
  BOOST_TEST_REQUIRE(first.ok());
  std::uint64_t after = LastPosition();
  auto again = engine().Execute(req);
  BOOST_TEST_REQUIRE(again.ok());
  BOOST_TEST(again.value().replayed);
  BOOST_TEST(again.value().response == first.value().response);
  BOOST_TEST(again.value().first_position == first.value().first_position);
  BOOST_TEST(LastPosition() == after);
  // Same key, other body: refused. Another actor's key is its own.
  req.fingerprint = "body-b";
  EXPECT_REFUSED(engine().Execute(req), kConflict, "idempotency-key-reused",
                 "Idempotency-Key");
  req.caller.actor = "root";
  req.caller.role = Role::kAdmin;
  BOOST_TEST(!engine().Execute(req).value().replayed);
}

BOOST_AUTO_TEST_CASE(a_refused_request_is_decided_afresh_on_retry) {
  auto r =
      Run("maria", Role::kMember, CheckIn("nps", 50, {}, 11), {}, "k-2", "f");
  BOOST_TEST(!r.ok());
  auto ok =
      Run("maria", Role::kMember, CheckIn("nps", 50, {}, 7), {}, "k-2", "f2");
  BOOST_TEST(ok.ok());
}

BOOST_AUTO_TEST_CASE(racing_duplicates_append_once) {
  std::vector<std::thread> threads;
  std::atomic<int> replays{0}, fresh{0};
  std::uint64_t before = LastPosition();
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r =
          Run("maria", Role::kMember, CheckIn("nps", 50), {}, "same", "fp");
      if (r.ok()) (r.value().replayed ? replays : fresh)++;
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(fresh.load() == 1);
  BOOST_TEST(replays.load() == 7);
  BOOST_TEST(LastPosition() == before + 1);
}

BOOST_AUTO_TEST_CASE(racing_creators_respect_the_focus_limit) {
  // maria has 1 of 5: of 12 concurrent creations exactly 4 succeed.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, limited{0};
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      auto r = Member("maria", Objective("r" + std::to_string(i), "team"));
      if (r.ok()) ++ok;
      if (!r.ok() && r.error().slug == "focus-limit") ++limited;
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(ok.load() == 4);
  BOOST_TEST(limited.load() == 8);
  engine().Read([](const OkrState& s) {
    BOOST_TEST(s.OpenObjectives("q3", "maria") == 5);
  });
}

BOOST_AUTO_TEST_CASE(an_answered_command_is_visible_to_reads) {
  for (int i = 0; i < 50; ++i) {
    CommandResult r = Must(Member("maria", CheckIn("nps", 45 + i * 0.1)));
    engine().Read([&](const OkrState& s) {
      BOOST_TEST(s.last_position() >= r.last_position);
      BOOST_TEST(s.FindKeyResult("nps")->check_ins.back().value ==
                 45 + i * 0.1);
    });
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
