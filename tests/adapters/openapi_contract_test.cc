// docs/openapi.yaml as a contract: every operation has an operationId, a
// summary, a 4xx answer and an example of each request body and success
// answer; every example is valid against its own schema; the security of
// each operation is the route table's access; and the checker that holds
// every answer of the tests to the document (tests/support/
// openapi_contract.cc) catches each kind of drift. Redocly's lint
// (tools/lint_openapi.sh) checks the document's form; this checks it
// against the server's table, with the validator the tests use.
#include "tests/support/openapi_contract.h"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "adapters/http/routes.h"

namespace okr {
namespace {

using nlohmann::json;
using testing::ContractDocument;
using testing::ContractViolation;
using testing::SchemaViolation;

const std::set<std::string> kMethods{"get",    "post", "put",    "patch",
                                     "delete", "head", "options"};

// `node`, or what its "$ref" (#/...) names.
const json& Resolve(const json& node) {
  if (!node.contains("$ref")) return node;
  return ContractDocument().at(
      json::json_pointer(node["$ref"].get<std::string>().substr(1)));
}

template <class F>
void ForEachOperation(F&& f) {
  for (const auto& [path, item] : ContractDocument()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (kMethods.count(method) == 1) f(path, method, op);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_operation_is_named_summarised_and_exemplified) {
  std::set<std::string> ids;
  int operations = 0;
  ForEachOperation(
      [&](const std::string& path, const std::string& method, const json& op) {
        BOOST_TEST_CONTEXT(method << " " << path) {
          ++operations;
          const std::string id = op.value("operationId", "");
          BOOST_TEST(!id.empty());
          BOOST_TEST(ids.insert(id).second, "operationId " << id << " twice");
          BOOST_TEST(!op.value("summary", "").empty());
          bool success = false, client_error = false;
          for (const auto& [status, r] : op["responses"].items()) {
            success = success || status.front() == '2';
            client_error = client_error || status.front() == '4';
            if (status.front() != '2') continue;
            const json& response = Resolve(r);
            if (!response.contains("content")) continue;
            for (const auto& [media, m] : response["content"].items()) {
              BOOST_TEST(m.contains("schema"), status << " " << media);
              // Replays of a creation (200 beside 201) share the 201's example.
              if (!(status == "200" && op["responses"].contains("201"))) {
                BOOST_TEST(m.contains("example"), status << " " << media);
              }
            }
          }
          BOOST_TEST(success);
          BOOST_TEST(client_error);
          if (op.contains("requestBody")) {
            for (const auto& [media, m] :
                 Resolve(op["requestBody"])["content"].items()) {
              BOOST_TEST(m.contains("schema"), media);
              BOOST_TEST(m.contains("example"), media);
            }
          }
        }
      });
  BOOST_TEST(operations == static_cast<int>(http::Routes().size()));
}

BOOST_AUTO_TEST_CASE(every_json_example_is_valid_against_its_schema) {
  int checked = 0;
  auto check = [&](const std::string& pointer, const json& media_object) {
    if (!media_object.contains("example")) return;
    ++checked;
    BOOST_TEST(SchemaViolation(pointer + "/schema",
                               media_object["example"].dump()) == "",
               pointer);
  };
  ForEachOperation([&](const std::string& path, const std::string& method,
                       const json& op) {
    std::string escaped;
    for (char c : path)
      escaped += c == '/' ? std::string("~1") : std::string(1, c);
    const std::string at = "/paths/" + escaped + "/" + method;
    if (op.contains("requestBody") && !op["requestBody"].contains("$ref")) {
      for (const auto& [media, m] : op["requestBody"]["content"].items()) {
        if (media == "application/json") {
          check(at + "/requestBody/content/application~1json", m);
        }
      }
    }
    for (const auto& [status, r] : op["responses"].items()) {
      if (r.contains("$ref") || !r.contains("content")) continue;
      for (const auto& [media, m] : r["content"].items()) {
        if (media == "application/json") {
          check(at + "/responses/" + status + "/content/application~1json", m);
        }
      }
    }
  });
  for (const auto& [name, r] :
       ContractDocument()["components"]["responses"].items()) {
    for (const auto& [media, m] : r["content"].items()) {
      std::string escaped = media;
      escaped.replace(escaped.find('/'), 1, "~1");
      check("/components/responses/" + name + "/content/" + escaped, m);
    }
  }
  for (const auto& [name, r] :
       ContractDocument()["components"]["requestBodies"].items()) {
    check("/components/requestBodies/" + name + "/content/application~1json",
          r["content"]["application/json"]);
  }
  BOOST_TEST(checked >= 40);
}

BOOST_AUTO_TEST_CASE(the_security_of_each_operation_is_the_table_s_access) {
  for (const http::Route& r : http::Routes()) {
    std::string method(r.method);
    for (char& c : method) c = static_cast<char>(std::tolower(c));
    BOOST_TEST_CONTEXT(r.method << " " << r.pattern) {
      const json& op =
          ContractDocument()["paths"][std::string(r.pattern)][method];
      BOOST_TEST_REQUIRE(op.is_object());
      const json none = json::array();
      const bool open = op.contains("security") && op["security"] == none;
      bool optional = false;  // {} among the alternatives: no token needed
      for (const json& alt : op.value("security", json::array())) {
        optional = optional || alt == json::object();
      }
      BOOST_TEST(open == (r.access == http::Access::kPublic));
      BOOST_TEST(optional == (r.access == http::Access::kProbe));
    }
  }
}

// What the tests' checker must refuse, one kind of drift at a time.
BOOST_AUTO_TEST_CASE(the_checker_catches_each_kind_of_drift) {
  const json cycle = {{"id", "2026-q4"},           {"name", "2026-Q4"},
                      {"starts_on", "2026-10-01"}, {"ends_on", "2026-12-31"},
                      {"state", "active"},         {"expected", 0.5},
                      {"objectives", 3},           {"version", 2}};
  const std::string kJson = "application/json";
  auto why = [&](const json& body, int status = 200,
                 const std::string& media = "application/json",
                 const std::string& target = "/v1/cycles/2026-q4") {
    return ContractViolation("GET", target, status, media, body.dump());
  };
  BOOST_TEST(why(cycle) == "");
  BOOST_TEST(why(cycle, 200, "application/json; charset=utf-8") == "");
  json missing = cycle;
  missing.erase("version");
  BOOST_TEST(why(missing) != "");
  json extra = cycle;
  extra["owner"] = "maria";
  BOOST_TEST(why(extra) != "");
  json wrong_type = cycle;
  wrong_type["objectives"] = "3";
  BOOST_TEST(why(wrong_type) != "");
  json wrong_enum = cycle;
  wrong_enum["state"] = "open";
  BOOST_TEST(why(wrong_enum) != "");
  json bad_date = cycle;
  bad_date["starts_on"] = "2026-13-01";
  BOOST_TEST(why(bad_date) != "");
  // A list of them, through $ref.
  BOOST_TEST(why(json{{"cycles", {cycle}}}, 200, kJson, "/v1/cycles") == "");
  BOOST_TEST(why(json{{"cycles", {missing}}}, 200, kJson, "/v1/cycles") != "");
  // The media type must be listed; a refusal must be a problem.
  BOOST_TEST(why(cycle, 200, "text/plain") != "");
  const json problem = {{"type", "urn:okr-ledger:problem:not-found"},
                        {"title", "Not found"},
                        {"status", 404},
                        {"detail", "no cycle"},
                        {"field", "id"}};
  BOOST_TEST(why(problem, 404, "application/problem+json") == "");
  BOOST_TEST(why(problem, 404, kJson) != "");
  json bad_problem = problem;
  bad_problem["type"] = "about:blank";
  BOOST_TEST(why(bad_problem, 404, "application/problem+json") != "");
  // Not an operation: only a problem may answer.
  BOOST_TEST(why(cycle, 200, kJson, "/v1/nothing") != "");
  BOOST_TEST(why(problem, 404, "application/problem+json", "/v1/nothing") ==
             "");
  BOOST_TEST(ContractViolation("PUT", "/v1/cycles", 200, kJson,
                               json{{"cycles", json::array()}}.dump()) != "");
  // A body where the document has none; none where it has one is fine.
  BOOST_TEST(ContractViolation("DELETE", "/v1/session", 204, "", "x") != "");
  BOOST_TEST(ContractViolation("DELETE", "/v1/session", 204, "", "") == "");
  BOOST_TEST(why(json(nullptr), 200, kJson, "/v1/cycles") != "");
}

}  // namespace
}  // namespace okr
