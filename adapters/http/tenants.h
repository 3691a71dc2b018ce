// Tenants: the organisations one server answers for. `okr replica --org A
// --org B` serves each organisation's API under /orgs/<org>/ ("/orgs/a/v1/
// cycles" is organisation a's "/v1/cycles"), each with its own store,
// tokens file and sessions. With one organisation its API also answers
// without the prefix, as `okr serve` does.
#ifndef OKR_ADAPTERS_HTTP_TENANTS_H_
#define OKR_ADAPTERS_HTTP_TENANTS_H_

#include <string>
#include <string_view>
#include <vector>

namespace okr::http {

class Api;

struct Tenant {
  std::string org;  // the path segment after /orgs/
  Api* api = nullptr;
};

// The path prefix of organisation `org`: "/orgs/<org>".
std::string TenantPrefix(std::string_view org);

// The tenant whose API answers `*target` (path and query), with the
// prefix taken off `*target` ("/orgs/a" alone becomes "/"). Without the
// prefix: the only tenant when there is one; with several, the web app's
// files ("/app/...", the same for every organisation) go to the first and
// anything else to none (null).
Api* PickTenant(const std::vector<Tenant>& tenants, std::string* target);

// The answer to a target no tenant takes: a 404 problem+json body saying
// the path names no organisation here. It does not list them: which
// organisations a server hosts is not for anyone who asks.
std::string NoTenantProblem();

}  // namespace okr::http

#endif  // OKR_ADAPTERS_HTTP_TENANTS_H_
