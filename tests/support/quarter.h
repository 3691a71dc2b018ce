// QuarterPlan: the requests that set up a test quarter over HTTP (a cycle,
// started; objectives, active or left as drafts; key results; check-ins),
// written once as data so that each end-to-end suite sends them with its own
// client (and its own retries) and every answer is checked the same way.
//
//   QuarterPlan plan("q", start);          // POST /v1/cycles, .../start
//   plan.Objective("love", "maria")        // created and activated by maria
//       .KeyResult("love", "nps", 45, 60);
//   SendPlan(plan, [&](const SetupRequest& r) { return Send(r); });
//
// Thread safety: a plan is a value; SendPlan asserts, so it runs on the
// test's main thread only.
#ifndef OKR_TESTS_SUPPORT_QUARTER_H_
#define OKR_TESTS_SUPPORT_QUARTER_H_

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "events/date.h"
#include "tests/support/http_client.h"

namespace okr::testing {

// Today (UTC) by the machine's clock: for servers without a test clock.
inline Date MachineToday() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return Date::FromMicros(
      std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

// One request of a plan, and the status it must be answered with.
struct SetupRequest {
  std::string actor;  // "root" for the cycle, else the objective's owner
  std::string method;
  std::string target;
  nlohmann::json body;  // null: no body
  int status = 0;
};

class QuarterPlan {
 public:
  // A cycle `id` from `starts_on` to `starts_on + days`, created and started
  // by root. `fields` are added to (or replace) the created cycle's body.
  QuarterPlan(std::string id, Date starts_on, int days = 90,
              const nlohmann::json& fields = nlohmann::json::object())
      : cycle_(std::move(id)) {
    nlohmann::json body{{"id", cycle_},
                        {"starts_on", starts_on.ToString()},
                        {"ends_on", starts_on.AddDays(days).ToString()}};
    body.update(fields);
    Add("root", "POST", "/v1/cycles", body, 201);
    Add("root", "POST", "/v1/cycles/" + cycle_ + "/start", nullptr, 200);
  }

  // A team objective of the cycle created by `actor` (its owner), titled as
  // its id unless `fields` say otherwise; activated unless `draft`.
  QuarterPlan& Objective(
      const std::string& id, const std::string& actor, bool draft = false,
      const nlohmann::json& fields = nlohmann::json::object()) {
    nlohmann::json body{
        {"id", id}, {"cycle_id", cycle_}, {"title", id}, {"level", "team"}};
    body.update(fields);
    owners_[id] = actor;
    Add(actor, "POST", "/v1/objectives", body, 201);
    if (!draft) {
      Add(actor, "POST", "/v1/objectives/" + id + "/activate", nullptr, 200);
    }
    return *this;
  }
  QuarterPlan& Draft(const std::string& id, const std::string& actor,
                     const nlohmann::json& fields = nlohmann::json::object()) {
    return Objective(id, actor, /*draft=*/true, fields);
  }

  // A metric key result of `objective` from `start` to `target`, added by
  // the objective's owner.
  QuarterPlan& KeyResult(
      const std::string& objective, const std::string& id, double start,
      double target, const nlohmann::json& fields = nlohmann::json::object()) {
    nlohmann::json body{{"id", id},
                        {"title", id},
                        {"kind", "metric"},
                        {"start", start},
                        {"target", target}};
    body.update(fields);
    krs_[id] = owners_.at(objective);
    Add(krs_[id], "POST", "/v1/objectives/" + objective + "/key-results", body,
        201);
    return *this;
  }

  // A check-in on key result `kr` by its owner.
  QuarterPlan& CheckIn(const std::string& kr, const nlohmann::json& body) {
    Add(krs_.at(kr), "POST", "/v1/key-results/" + kr + "/check-ins", body, 201);
    return *this;
  }

  const std::vector<SetupRequest>& requests() const { return requests_; }

 private:
  void Add(std::string actor, std::string method, std::string target,
           nlohmann::json body, int status) {
    requests_.push_back(SetupRequest{std::move(actor), std::move(method),
                                     std::move(target), std::move(body),
                                     status});
  }

  std::string cycle_;
  std::map<std::string, std::string> owners_;  // objective -> actor
  std::map<std::string, std::string> krs_;     // key result -> actor
  std::vector<SetupRequest> requests_;
};

// Sends every request of `plan` in order with `send(const SetupRequest&)`,
// which returns an HttpResult, and requires each expected answer.
template <typename Send>
void SendPlan(const QuarterPlan& plan, Send&& send) {
  for (const SetupRequest& r : plan.requests()) {
    HttpResult got = send(r);
    BOOST_TEST_REQUIRE(got.status == r.status,
                       r.method << " " << r.target << ": " << got.body);
  }
}

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_QUARTER_H_
