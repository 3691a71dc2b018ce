#include "adapters/http/tenants.h"

#include "adapters/http/json_text.h"
#include "adapters/http/problem.h"

namespace okr::http {

std::string TenantPrefix(std::string_view org) {
  return "/orgs/" + std::string(org);
}

Api* PickTenant(const std::vector<Tenant>& tenants, std::string* target) {
  constexpr std::string_view kOrgs = "/orgs/";
  std::string_view t = *target;
  if (t.starts_with(kOrgs)) {
    std::string_view rest = t.substr(kOrgs.size());
    const std::size_t end = rest.find_first_of("/?");
    const std::string_view org = rest.substr(0, end);
    for (const Tenant& tenant : tenants) {
      if (tenant.org.empty() || tenant.org != org) continue;
      std::string inner(end == std::string_view::npos ? std::string_view()
                                                      : rest.substr(end));
      if (inner.empty() || inner.front() == '?') inner.insert(0, "/");
      *target = std::move(inner);
      return tenant.api;
    }
  }
  if (tenants.size() == 1) return tenants.front().api;
  if (!tenants.empty() && t.starts_with("/app/")) return tenants.front().api;
  return nullptr;
}

std::string NoTenantProblem() {
  return JsonText(ProblemJson(DomainError{
      ErrorKind::kNotFound, "not-found", "",
      "no organisation here by that path: this server answers under "
      "/orgs/<org>/ for the organisations it hosts"}));
}

}  // namespace okr::http
