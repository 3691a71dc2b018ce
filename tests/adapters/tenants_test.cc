// Which organisation's Api answers a request target (http::PickTenant).
#include "adapters/http/tenants.h"

#include <boost/test/unit_test.hpp>

namespace okr::http {
namespace {

// Distinct addresses stand for the Apis: PickTenant only compares them.
Api* const kAcme = reinterpret_cast<Api*>(0x10);
Api* const kGlobex = reinterpret_cast<Api*>(0x20);

struct Picked {
  Api* api;
  std::string target;
};
Picked Pick(const std::vector<Tenant>& tenants, std::string target) {
  Api* api = PickTenant(tenants, &target);
  return {api, target};
}

BOOST_AUTO_TEST_SUITE(tenants)

BOOST_AUTO_TEST_CASE(several_organisations_answer_under_their_prefix_only) {
  const std::vector<Tenant> two{{"acme", kAcme}, {"globex", kGlobex}};
  Picked p = Pick(two, "/orgs/globex/v1/cycles?state=active");
  BOOST_TEST(p.api == kGlobex);
  BOOST_TEST(p.target == "/v1/cycles?state=active");
  p = Pick(two, "/orgs/acme");
  BOOST_TEST(p.api == kAcme);
  BOOST_TEST(p.target == "/");
  p = Pick(two, "/orgs/acme?x=1");
  BOOST_TEST(p.api == kAcme);
  BOOST_TEST(p.target == "/?x=1");
  // Another organisation, a prefix of one, or none: nobody's.
  for (const char* t :
       {"/v1/cycles", "/orgs/initech/v1/cycles", "/orgs/acm/",
        "/orgs/acmex/v1/kpis", "/orgs//v1/kpis", "/orgs/", "/healthz", "/"}) {
    BOOST_TEST(Pick(two, t).api == nullptr, t);
  }
  // The web app's files are the same for all.
  p = Pick(two, "/app/main.mjs");
  BOOST_TEST(p.api == kAcme);
  BOOST_TEST(p.target == "/app/main.mjs");
}

BOOST_AUTO_TEST_CASE(one_organisation_answers_with_and_without_its_prefix) {
  const std::vector<Tenant> one{{"acme", kAcme}};
  Picked p = Pick(one, "/orgs/acme/v1/kpis");
  BOOST_TEST(p.api == kAcme);
  BOOST_TEST(p.target == "/v1/kpis");
  p = Pick(one, "/v1/kpis");
  BOOST_TEST(p.api == kAcme);
  BOOST_TEST(p.target == "/v1/kpis");
  // Another organisation's prefix is a path like any: its routes 404 it.
  p = Pick(one, "/orgs/globex/v1/kpis");
  BOOST_TEST(p.api == kAcme);
  BOOST_TEST(p.target == "/orgs/globex/v1/kpis");
  // okr serve: no organisation, every target as it came.
  p = Pick({{"", kAcme}}, "/orgs//v1/kpis");
  BOOST_TEST(p.api == kAcme);
  BOOST_TEST(p.target == "/orgs//v1/kpis");
}

BOOST_AUTO_TEST_CASE(the_refusal_is_a_404_that_lists_no_organisation) {
  const std::string body = NoTenantProblem();
  BOOST_TEST(body.find("\"status\":404") != std::string::npos, body);
  BOOST_TEST(body.find("urn:okr-ledger:problem:not-found") !=
             std::string::npos);
  BOOST_TEST(body.find("/orgs/<org>/") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr::http
