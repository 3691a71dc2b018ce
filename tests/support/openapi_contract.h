// Every answer the tests receive, held to docs/openapi.yaml: the path and
// method must be an operation of the document (else the answer must be a
// problem), the status one of its responses (or its `default`), the media
// type one listed there, and a JSON body valid against that media type's
// schema (valijson, draft 7 reading of the OpenAPI 3.1 schemas). So the
// document and the server cannot drift apart unnoticed.
//
// The document is read from the JSON the build makes of it
// (tests/support/openapi_json.py; OKR_OPENAPI_JSON).
//
// Thread safety: all functions may be called from any thread.
#ifndef OKR_TESTS_SUPPORT_OPENAPI_CONTRACT_H_
#define OKR_TESTS_SUPPORT_OPENAPI_CONTRACT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace okr::testing {

// Why the answer breaks the document; "" when it conforms.
std::string ContractViolation(std::string_view method, std::string_view target,
                              int status, std::string_view content_type,
                              const std::string& body);

// Why `value` (JSON text) breaks the schema at `pointer` ("/components/
// schemas/Cycle"), or "" when it is valid.
std::string SchemaViolation(const std::string& pointer,
                            const std::string& value);

// The document itself, as the checks read it.
const nlohmann::json& ContractDocument();

// Records a violation of ContractViolation as a test error: at once on the
// main thread (Boost.Test is called from it only), else at the next call
// from the main thread or when the test program ends.
void ExpectConforms(std::string_view method, std::string_view target,
                    int status, std::string_view content_type,
                    const std::string& body);

// Raises the violations recorded from other threads (main thread only).
void RaisePendingViolations();

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_OPENAPI_CONTRACT_H_
