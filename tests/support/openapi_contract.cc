#include "tests/support/openapi_contract.h"

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>
#include <vector>

namespace okr::testing {
namespace {

using nlohmann::json;
using valijson::adapters::NlohmannJsonAdapter;

const std::thread::id kMainThread = std::this_thread::get_id();

// "%71" -> "q", as the server reads a path; a bad escape stays as it is.
std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() &&
        std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(
          std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The non-empty segments of a path, percent-decoded.
std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < path.size()) {
    std::size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    if (end > at) out.push_back(PercentDecoded(path.substr(at, end - at)));
    at = end + 1;
  }
  return out;
}

// "~" and "/" escaped as a JSON Pointer token (RFC 6901).
std::string PointerToken(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

class Contract {
 public:
  Contract() {
    std::ifstream in(OKR_OPENAPI_JSON);
    doc_ = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!doc_.is_object()) {
      doc_ = json::object();
      broken_ = "cannot read " OKR_OPENAPI_JSON;
    }
  }

  std::string Check(std::string_view method, std::string_view target,
                    int status, std::string_view content_type,
                    const std::string& body) {
    if (!broken_.empty()) return broken_;
    const std::string where = std::string(method) + " " +
                              std::string(target.substr(0, 200)) + " -> " +
                              std::to_string(status) + ": ";
    std::string lower_method;
    for (char c : method) lower_method += static_cast<char>(std::tolower(c));
    std::string media(content_type.substr(0, content_type.find(';')));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    for (char& c : media) c = static_cast<char>(std::tolower(c));

    std::string_view path = target.substr(0, target.find('?'));
    // The document's second server: one of several organisations'
    // replicas, under /orgs/{org}.
    if (path.starts_with("/orgs/")) {
      const std::size_t end = path.find('/', 6);
      path = end == std::string_view::npos ? "/" : path.substr(end);
    }
    const std::string path_key = PathKey(path);
    const json* operation = nullptr;
    if (!path_key.empty()) {
      const json& item = doc_["paths"][path_key];
      if (item.contains(lower_method)) operation = &item[lower_method];
    }
    // The answer to HEAD has no body to check.
    const bool head = method == "HEAD";
    if (operation == nullptr) {
      // Not an operation of the document: only a problem may answer it.
      if (media != "application/problem+json") {
        return where + "not an operation of the document, and not a problem";
      }
      return head ? "" : Validate("/components/schemas/Problem", body, where);
    }
    const json& responses = (*operation)["responses"];
    std::string status_key = std::to_string(status);
    if (!responses.contains(status_key)) status_key = "default";
    Covered(method, path_key, status_key, media);
    if (!responses.contains(status_key)) {
      return where + "status not documented for " + path_key;
    }
    std::string pointer = "/paths/" + PointerToken(path_key) + "/" +
                          lower_method + "/responses/" + status_key;
    const json* response = &responses[status_key];
    if (response->contains("$ref")) {
      pointer = (*response)["$ref"].get<std::string>().substr(1);
      response = &doc_.at(json::json_pointer(pointer));
    }
    const bool no_content = !response->contains("content");
    if (no_content) {
      return body.empty() ? "" : where + "a body where the document has none";
    }
    if (!(*response)["content"].contains(media)) {
      if (body.empty() && (head || status == 304)) return "";
      return where + "media type '" + media + "' not listed";
    }
    const json& media_object = (*response)["content"][media];
    const bool is_json = media == "application/json" ||
                         (media.size() > 5 && media.ends_with("+json"));
    if (!is_json || !media_object.contains("schema") || head) {
      return "";
    }
    return Validate(pointer + "/content/" + PointerToken(media) + "/schema",
                    body, where);
  }

  // The key of `paths` that `path` is an instance of (most literal
  // segments first), or "".
  std::string PathKey(std::string_view path) const {
    const std::vector<std::string> got = Segments(path);
    std::string best;
    int best_literals = -1;
    for (const auto& [key, item] : doc_["paths"].items()) {
      const std::vector<std::string> want = Segments(key);
      if (want.size() != got.size()) continue;
      if (got.empty() && want.empty() && path != key) continue;
      int literals = 0;
      bool match = true;
      for (std::size_t i = 0; i < want.size() && match; ++i) {
        const bool param = want[i].size() > 2 && want[i].front() == '{' &&
                           want[i].back() == '}';
        if (!param) {
          match = want[i] == got[i];
          ++literals;
        }
      }
      if (match && literals > best_literals) {
        best = key;
        best_literals = literals;
      }
    }
    return best;
  }

  const json& doc() const { return doc_; }

  // With OKR_CONTRACT_LOG=FILE, each answer's operation, response and
  // media type, one line each, appended: which parts of the document the
  // tests reach (sort -u the file).
  static void Covered(std::string_view method, const std::string& path_key,
                      const std::string& status_key, const std::string& media) {
    static const char* file = std::getenv("OKR_CONTRACT_LOG");
    if (file == nullptr) return;
    std::ofstream(file, std::ios::app) << method << " " << path_key << " "
                                       << status_key << " " << media << "\n";
  }

  std::string Validate(const std::string& pointer, const std::string& body,
                       const std::string& where) {
    const json value = json::parse(body, nullptr, false);
    if (value.is_discarded()) return where + "the body is not JSON";
    const valijson::Schema& schema = SchemaAt(pointer);
    valijson::Validator validator;
    valijson::ValidationResults results;
    NlohmannJsonAdapter target(value);
    if (validator.validate(schema, target, &results)) return "";
    std::ostringstream why;
    why << where << "breaks " << pointer;
    valijson::ValidationResults::Error e;
    for (int i = 0; i < 4 && results.popError(e); ++i) {
      why << "\n    ";
      for (const std::string& c : e.context) why << c;
      why << ": " << e.description;
    }
    why << "\n    body: " << body.substr(0, 300);
    return why.str();
  }

  const valijson::Schema& SchemaAt(const std::string& pointer) {
    auto& slot = schemas_[pointer];
    if (!slot) {
      // The whole document is the root, so "#/components/..." resolves.
      json root = doc_;
      root["$ref"] = "#" + pointer;
      slot = std::make_unique<valijson::Schema>();
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      NlohmannJsonAdapter adapter(root);
      parser.populateSchema(adapter, *slot);
    }
    return *slot;
  }

 private:
  json doc_;
  std::string broken_;
  std::map<std::string, std::unique_ptr<valijson::Schema>> schemas_;
};

std::mutex mu;
std::vector<std::string> pending;  // guarded by mu

Contract& TheContract() {
  static Contract contract;
  return contract;
}

}  // namespace

std::string ContractViolation(std::string_view method, std::string_view target,
                              int status, std::string_view content_type,
                              const std::string& body) {
  Contract& contract = TheContract();
  std::lock_guard<std::mutex> lock(mu);
  return contract.Check(method, target, status, content_type, body);
}

std::string SchemaViolation(const std::string& pointer,
                            const std::string& value) {
  Contract& contract = TheContract();
  std::lock_guard<std::mutex> lock(mu);
  return contract.Validate(pointer, value, pointer + ": ");
}

const nlohmann::json& ContractDocument() { return TheContract().doc(); }

void RaisePendingViolations() {
  std::vector<std::string> raise;
  {
    std::lock_guard<std::mutex> lock(mu);
    raise.swap(pending);
  }
  for (const std::string& why : raise) BOOST_ERROR("OpenAPI: " << why);
}

void ExpectConforms(std::string_view method, std::string_view target,
                    int status, std::string_view content_type,
                    const std::string& body) {
  std::string why =
      ContractViolation(method, target, status, content_type, body);
  if (!why.empty()) {
    std::lock_guard<std::mutex> lock(mu);
    pending.push_back(std::move(why));
  }
  if (std::this_thread::get_id() == kMainThread) RaisePendingViolations();
}

namespace {
// What worker threads found after the main thread's last request.
struct RaiseAtExit {
  ~RaiseAtExit() { RaisePendingViolations(); }
};
BOOST_TEST_GLOBAL_FIXTURE(RaiseAtExit);
}  // namespace

}  // namespace okr::testing
