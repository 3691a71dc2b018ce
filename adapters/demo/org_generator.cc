#include "adapters/demo/org_generator.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <iterator>
#include <mutex>
#include <random>
#include <vector>

namespace okr {
namespace {

constexpr std::int64_t kDayUs = 86'400'000'000;
constexpr std::int64_t kHourUs = 3'600'000'000;

std::int64_t At(Date d, int hour) {
  return static_cast<std::int64_t>(d.days()) * kDayUs + hour * kHourUs;
}

}  // namespace

Date AddQuarters(Date d, int n) {
  std::string iso = d.ToString();
  int y = std::stoi(iso.substr(0, 4)), m = std::stoi(iso.substr(5, 2));
  int months = (y * 12 + m - 1) + 3 * n;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-01", months / 12, months % 12 + 1);
  return *Date::Parse(buf);
}

namespace {

std::string Num(const char* prefix, int n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%0*d", prefix, width, n);
  return buf;
}

constexpr const char* kFirstNames[] = {
    "amara", "ben",   "chen",  "dara",  "emil",  "farah", "gus",  "hana",
    "ivan",  "jonas", "kai",   "lena",  "malik", "nora",  "omar", "priya",
    "quinn", "rosa",  "sami",  "tara",  "umar",  "vera",  "wei",  "xena",
    "yusuf", "zoe",   "aiko",  "bruno", "cleo",  "diego", "elif", "felix",
    "greta", "hugo",  "ines",  "jakob", "kira",  "luca",  "maya", "nils",
    "olga",  "pablo", "rania", "sven",  "tomas", "ula",   "vik",  "wanda"};
constexpr const char* kTeamNames[] = {
    "platform", "mobile",   "web",     "data",    "billing",  "growth",
    "sales-eu", "sales-us", "success", "support", "security", "design"};
constexpr const char* kDepartmentNames[] = {"engineering", "go-to-market",
                                            "customers", "operations"};
constexpr const char* kCompanyTitles[] = {
    "Become the tool teams trust for their weekly planning",
    "Grow revenue without growing churn",
    "Build a company people love to join"};
constexpr const char* kDepartmentTitles[] = {
    "Ship reliable software every week",
    "Make onboarding effortless",
    "Win the mid-market",
    "Turn customers into advocates",
    "Run a calm, well-oiled company",
    "Know our numbers every Monday"};
constexpr const char* kTeamTitles[] = {"Cut time-to-first-value in half",
                                       "Make the app fast everywhere",
                                       "Make releases boring",
                                       "Grow weekly active teams",
                                       "Remove the top support drivers",
                                       "Close the enterprise gaps",
                                       "Make billing self-serve",
                                       "Earn five new case studies"};
constexpr const char* kIndividualTitles[] = {
    "Automate the release checklist", "Grow as a mentor",
    "Own the onboarding funnel",      "Tame the flaky test suite",
    "Learn the customer's day",       "Halve the on-call pages",
    "Write the pricing playbook",     "Speak at a community meetup"};
struct KrTemplate {
  const char* title;
  const char* unit;
};
constexpr KrTemplate kMetricKrs[] = {{"Raise NPS", "points"},
                                     {"Weekly active teams", "teams"},
                                     {"p95 page load", "ms"},
                                     {"Monthly churn", "%"},
                                     {"New annual contracts", "deals"},
                                     {"Tickets solved within a day", "%"},
                                     {"Onboarding completion", "%"},
                                     {"Deploys per week", "deploys"},
                                     {"Case studies published", "docs"},
                                     {"Pages per on-call week", "pages"}};
constexpr const char* kBooleanKrs[] = {
    "Launch the new pricing page", "Pass the SOC 2 audit", "Ship offline mode",
    "Hire a second designer"};

template <std::size_t N>
const char* Pick(const char* const (&pool)[N], std::size_t i) {
  return pool[i % N];
}

struct PlannedKr {
  std::string id;
  std::size_t objective;  // index into the quarter's objectives
  std::string owner;
  bool boolean = false;
  double start = 0, target = 0, performance = 1;
  int slot = 0;         // day of the week it checks in on
  int flip_week = 0;    // boolean: the week it becomes true
  int change_day = -1;  // day of the quarter its target moves, or -1
  int confidence = 7;
};

struct PlannedObjective {
  std::string id, owner, level;
  Caller caller;
  std::vector<std::string> alternatives;  // other parents it may move to
  int realign_day = -1, abandon_day = -1;
  bool abandoned = false;
};

}  // namespace

// One quarter as the generator plans it: the cycle and what it sends.
struct PlannedQuarter {
  int q = 0;
  std::string cycle;
  Date start, ends, stop;
  bool last = false;
  std::vector<PlannedObjective> objectives;
  std::vector<PlannedKr> krs;
};

struct OrgGenerator::Impl {
  OkrEngine& engine;
  ManualClock& clock;
  const OrgShape& shape;
  std::mt19937 rng;
  OrgStats stats;
  const int teams = shape.departments * shape.teams_per_department;
  const int people = teams * shape.people_per_team;
  // Real first names and team names for a small organisation (okr demo).
  const bool names = shape.names &&
                     people <= static_cast<int>(std::size(kFirstNames)) &&
                     teams <= static_cast<int>(std::size(kTeamNames));
  const Caller ceo{shape.admin, Role::kAdmin};

  std::mutex mu;
  std::condition_variable cv;
  std::size_t in_flight = 0;

  Impl(OkrEngine& e, ManualClock& c, const OrgShape& s)
      : engine(e), clock(c), shape(s), rng(s.seed) {}

  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  }
  int Int(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  }

  std::string Person(int i) const {
    return names ? std::string(kFirstNames[i]) : Num("p", i, 5);
  }
  std::string TeamName(int t) const {
    return names ? std::string(kTeamNames[t]) : Num("t", t, 4);
  }
  std::string DepartmentName(int d) const {
    return names && d < static_cast<int>(std::size(kDepartmentNames))
               ? std::string(kDepartmentNames[d])
               : Num("d", d, 2);
  }

  void Send(const Caller& caller, Command command) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < shape.window; });
      ++in_flight;
      ++stats.commands;
    }
    CommandRequest r;
    r.caller = caller;
    r.command = std::move(command);
    engine.Submit(std::move(r), [this](Outcome<CommandResult> o) {
      std::lock_guard lock(mu);
      if (!o.ok()) {
        ++stats.refused;
        if (stats.first_refusal.empty()) {
          stats.first_refusal = o.error().slug + ": " + o.error().detail;
        }
      }
      --in_flight;
      cv.notify_all();
    });
  }

  void Drain() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }

  // The clock moves only once every command sent so far is decided, so
  // each is recorded on the simulated day it belongs to.
  void SetClock(std::int64_t us) {
    if (shape.clock_limit_us != 0) us = std::min(us, shape.clock_limit_us);
    if (us <= clock.NowMicros()) return;
    Drain();
    clock.Set(us);
  }

  PlannedQuarter Quarter(int q) const {
    PlannedQuarter p;
    p.q = q;
    p.start = AddQuarters(shape.first_quarter_start, q);
    p.ends = AddQuarters(shape.first_quarter_start, q + 1).AddDays(-1);
    p.last = q == shape.quarters - 1;
    p.stop = p.last && shape.stop_at ? *shape.stop_at : p.ends;
    std::string iso = p.start.ToString();
    p.cycle = iso.substr(0, 4) + "-q" +
              std::to_string((std::stoi(iso.substr(5, 2)) - 1) / 3 + 1);
    return p;
  }

  // One key result of the objective just added, planned and sent.
  void AddKeyResult(PlannedQuarter& p, const std::string& id,
                    const std::string& owner, const Caller& caller, int k) {
    PlannedKr kr;
    kr.id = id + "-k" + std::to_string(k);
    kr.objective = p.objectives.size() - 1;
    kr.owner = owner;
    kr.boolean = Uniform(0, 1) < 0.1;
    if (kr.boolean) {
      kr.start = 0;
      kr.target = 1;
      kr.flip_week = Int(3, 16);  // some never flip
    } else if (Uniform(0, 1) < 0.2) {
      kr.start = Int(30, 90);  // decrease to
      kr.target = kr.start - Int(5, 25);
    } else {
      kr.start = Int(0, 50);
      kr.target = kr.start + Int(10, 60);
    }
    kr.performance = Uniform(0.3, 1.15);
    kr.slot = Int(0, 4);
    kr.confidence = Int(4, 8);
    if (Uniform(0, 1) < shape.target_change_rate) kr.change_day = Int(14, 70);
    okr::AddKeyResult a;
    a.objective_id = id;
    a.id = kr.id;
    std::size_t pick = p.krs.size() * 7 + static_cast<std::size_t>(k);
    a.kind = kr.boolean ? "boolean" : "metric";
    if (kr.boolean) {
      a.title = Pick(kBooleanKrs, pick);
    } else {
      const KrTemplate& t = kMetricKrs[pick % std::size(kMetricKrs)];
      a.title = t.title;
      a.start = kr.start;
      a.target = kr.target;
      a.unit = t.unit;
    }
    Send(caller, a);
    p.krs.push_back(std::move(kr));
    ++stats.key_results;
  }

  // An objective and its key results, planned and sent.
  void AddObjective(PlannedQuarter& p, const std::string& id,
                    const std::string& owner, const Caller& caller,
                    const std::string& level, std::optional<std::string> parent,
                    const std::string& team) {
    CreateObjective c;
    c.id = id;
    c.cycle_id = p.cycle;
    std::size_t pick = p.objectives.size() + static_cast<std::size_t>(p.q);
    c.title = level == "company"      ? Pick(kCompanyTitles, pick)
              : level == "department" ? Pick(kDepartmentTitles, pick)
              : level == "team"       ? Pick(kTeamTitles, pick)
                                      : Pick(kIndividualTitles, pick);
    c.level = level;
    if (!caller.admin() || owner != caller.actor) c.owner = owner;
    c.team = team;
    c.parent_id = std::move(parent);
    Send(caller, c);
    p.objectives.push_back(PlannedObjective{id, owner, level, caller, {}});
    for (int k = 1; k <= shape.key_results_per_objective; ++k) {
      AddKeyResult(p, id, owner, caller, k);
    }
    ++stats.objectives;
  }

  // Kick-off: every objective, top-down, company to individual.
  void PlanObjectives(PlannedQuarter& p) {
    std::vector<std::string> company, department;
    for (int i = 1; i <= 3; ++i) {
      company.push_back(p.cycle + "-co-" + std::to_string(i));
      AddObjective(p, company.back(), ceo.actor, ceo, "company", std::nullopt,
                   "");
    }
    for (int d = 0; d < shape.departments; ++d) {
      std::string head =
          Person(d * shape.teams_per_department * shape.people_per_team);
      Caller as{head, Role::kMember};
      for (int i = 1; i <= 2; ++i) {
        department.push_back(p.cycle + "-" + DepartmentName(d) + "-" +
                             std::to_string(i));
        AddObjective(p, department.back(), head, as, "department",
                     company[(d + i) % company.size()], DepartmentName(d));
      }
    }
    for (int t = 0; t < teams; ++t) PlanTeam(p, t, department);
  }

  // A team's two objectives and its people's own.
  void PlanTeam(PlannedQuarter& p, int t,
                const std::vector<std::string>& department) {
    const int d = t / shape.teams_per_department;
    const std::string team = TeamName(t);
    std::string lead = Person(t * shape.people_per_team);
    Caller as{lead, Role::kMember};
    std::string team_ids[2];
    for (int i = 0; i < 2; ++i) {
      team_ids[i] = p.cycle + "-" + team + "-" + std::to_string(i + 1);
      AddObjective(p, team_ids[i], lead, as, "team", department[d * 2 + i],
                   team);
    }
    for (int n = 0; n < shape.people_per_team; ++n) {
      const int who = t * shape.people_per_team + n;
      Caller me{Person(who), Role::kMember};
      // Leads hold team objectives too: one of their own keeps them within
      // the focus limit.
      const int own = n == 0 ? 1 : 2;
      for (int i = 0; i < own; ++i) {
        std::string id = p.cycle + "-" + me.actor + "-" + std::to_string(i + 1);
        AddObjective(p, id, me.actor, me, "individual", team_ids[i], team);
        PlannedObjective& o = p.objectives.back();
        o.alternatives = {team_ids[1 - i]};
        if (Uniform(0, 1) < shape.realign_rate) o.realign_day = Int(7, 60);
        if (Uniform(0, 1) < shape.abandon_rate) o.abandon_day = Int(20, 60);
      }
    }
  }

  // Day n of the quarter: realignments, abandonments, moved targets and the
  // check-ins on each key result's weekday.
  void LiveDay(PlannedQuarter& p, Date day, int n, int weeks) {
    for (PlannedObjective& o : p.objectives) {
      if (o.abandoned) continue;
      if (n == o.realign_day) {
        Send(o.caller, SetParent{o.id, o.alternatives[0]});
      }
      if (n == o.abandon_day) {
        Send(o.caller, TransitionObjective{o.id, ObjectiveAction::kAbandon,
                                           "priorities changed"});
        o.abandoned = true;
      }
    }
    for (PlannedKr& kr : p.krs) {
      const PlannedObjective& o = p.objectives[kr.objective];
      if (o.abandoned) continue;
      if (n == kr.change_day && !kr.boolean) {
        UpdateKeyResult u;
        u.kr_id = kr.id;
        kr.target = kr.target + (kr.target - kr.start) * 0.25;
        u.target = kr.target;
        u.reason = "the first weeks went better than planned";
        Send(o.caller, u);
      }
      if (n % 7 != kr.slot) continue;
      CheckIn(kr, o, day, n / 7, weeks);
    }
  }

  void CheckIn(PlannedKr& kr, const PlannedObjective& o, Date day, int week,
               int weeks) {
    RecordCheckIn c;
    c.kr_id = kr.id;
    c.date = day;
    if (kr.boolean) {
      c.value = week >= kr.flip_week ? 1 : 0;
    } else {
      double ideal = (kr.target - kr.start) * (week + 1) / weeks;
      double noise = Uniform(-0.04, 0.04) * (kr.target - kr.start);
      c.value =
          std::round((kr.start + ideal * kr.performance + noise) * 100) / 100;
    }
    if (Uniform(0, 1) < 0.7) {
      kr.confidence = std::clamp(kr.confidence + Int(-1, 1), 0, 10);
      c.confidence = kr.confidence;
    }
    if (Uniform(0, 1) < 0.1) c.note = "steady progress this week";
    Send(o.caller, c);
    ++stats.check_ins;
  }
};

OrgGenerator::OrgGenerator(OkrEngine& engine, ManualClock& clock,
                           OrgShape shape)
    : engine_(engine), clock_(clock), shape_(std::move(shape)) {}

OrgStats OrgGenerator::Run(
    const std::function<void(Date, std::uint64_t)>& progress) {
  Impl g(engine_, clock_, shape_);
  g.stats.people = static_cast<std::uint64_t>(g.people) + 1;
  std::string previous_cycle;
  for (int q = 0; q < shape_.quarters; ++q) {
    PlannedQuarter p = g.Quarter(q);
    // Kick-off on the quarter's first morning: the cycle and its
    // objectives, top-down, then the start.
    g.SetClock(At(p.start, 7));
    g.Send(g.ceo, CreateCycle{p.cycle, std::nullopt, p.start, p.ends});
    g.PlanObjectives(p);
    for (const PlannedObjective& o : p.objectives) {
      g.Send(o.caller, TransitionObjective{o.id, ObjectiveAction::kActivate,
                                           std::nullopt});
    }
    g.SetClock(At(p.start, 8));
    g.Send(g.ceo, StartCycle{p.cycle});

    // The quarter, day by day.
    const int weeks = (p.ends.DaysSince(p.start) + 1 + 6) / 7;
    for (Date day = p.start; day <= p.stop; day = day.AddDays(1)) {
      const int n = day.DaysSince(p.start);
      g.SetClock(At(day, 9));
      if (q > 0 && n == 2) {
        // The previous quarter is graded and closed two days in.
        g.SetClock(At(day, 17));
        g.Send(g.ceo, CloseCycle{previous_cycle});
      }
      g.LiveDay(p, day, n, weeks);
      if (progress) progress(day, g.stats.commands);
    }
    if (p.last && shape_.close_last_quarter) {
      g.SetClock(At(p.ends.AddDays(3), 10));
      g.Send(g.ceo, CloseCycle{p.cycle});
    }
    previous_cycle = p.cycle;
  }
  g.Drain();
  return g.stats;
}

}  // namespace okr
