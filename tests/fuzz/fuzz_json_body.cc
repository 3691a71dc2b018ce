// Fuzz target: the JSON body of a command (adapters/http/json_body.h), read
// field by field the way each route handler (adapters/http/*_routes.cc)
// reads it, and the text parsers of query parameters (ParseInstant,
// Date::Parse).
//
// Input: byte 0 picks a route (kRoutes), the rest is the body. Invariants:
//   - a body Parse() refuses gives every getter nullopt, and Finish() the
//     same malformed-json error;
//   - a body Finish() accepts is one JSON object whose members are all
//     fields of the route, every required field present, every value read
//     back as the JSON holds it (strings equal, numbers finite, integers
//     whole, dates that print back to the same text);
//   - every error is a 400 problem whose JSON renders (as the API sends it);
//   - an instant ParseInstant accepts prints (FormatInstant) to text that
//     parses to the same instant; a date Date::Parse accepts prints back to
//     the same text.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/json_body.h"
#include "adapters/http/problem.h"
#include "events/envelope.h"
#include "events/instant.h"

namespace {

using okr::http::JsonBody;

enum class Op {
  kString,
  kRequireString,
  kNumber,
  kRequireNumber,
  kInteger,
  kRequireNumberOrBool,
  kDate,
  kRequireDate,
  kHas,
};

struct Field {
  Op op;
  const char* name;
};

struct Route {
  bool empty_is_object;
  std::vector<Field> fields;
};

// The reads of the route handlers' mutations, each in its handler's order.
const std::vector<Route>& Routes() {
  static const auto* routes = new std::vector<Route>{
      // POST /v1/cycles
      {false,
       {{Op::kString, "id"},
        {Op::kString, "name"},
        {Op::kRequireDate, "starts_on"},
        {Op::kRequireDate, "ends_on"}}},
      // POST /v1/cycles/{id}/start, /close; POST /v1/reminders/run
      {true, {}},
      // POST /v1/cycles/{id}/retrospective/notes
      {false, {{Op::kString, "objective_id"}, {Op::kRequireString, "text"}}},
      // POST /v1/objectives
      {false,
       {{Op::kString, "id"},
        {Op::kRequireString, "cycle_id"},
        {Op::kRequireString, "title"},
        {Op::kString, "description"},
        {Op::kRequireString, "level"},
        {Op::kString, "owner"},
        {Op::kString, "team"},
        {Op::kString, "parent_id"}}},
      // PATCH /v1/objectives/{id}
      {false,
       {{Op::kString, "title"},
        {Op::kString, "description"},
        {Op::kString, "owner"},
        {Op::kString, "team"}}},
      // PUT /v1/objectives/{id}/parent
      {false, {{Op::kHas, "parent_id"}, {Op::kString, "parent_id"}}},
      // POST /v1/objectives/{id}/activate, achieve, abandon;
      // DELETE /v1/key-results/{id}
      {true, {{Op::kString, "reason"}}},
      // POST /v1/objectives/{id}/key-results
      {false,
       {{Op::kString, "id"},
        {Op::kRequireString, "title"},
        {Op::kRequireString, "kind"},
        {Op::kNumber, "start"},
        {Op::kNumber, "target"},
        {Op::kString, "unit"},
        {Op::kNumber, "weight"}}},
      // PATCH /v1/key-results/{id}
      {false,
       {{Op::kString, "title"},
        {Op::kNumber, "target"},
        {Op::kNumber, "weight"},
        {Op::kString, "reason"}}},
      // POST /v1/key-results/{id}/check-ins
      {false,
       {{Op::kRequireNumberOrBool, "value"},
        {Op::kInteger, "confidence"},
        {Op::kString, "note"},
        {Op::kDate, "date"}}},
      // POST /v1/key-results/{id}/grade
      {false, {{Op::kRequireNumber, "score"}, {Op::kString, "note"}}},
      // POST /v1/kpis
      {false,
       {{Op::kString, "id"},
        {Op::kRequireString, "name"},
        {Op::kRequireString, "unit"},
        {Op::kString, "owner"},
        {Op::kNumber, "healthy_min"},
        {Op::kNumber, "healthy_max"},
        {Op::kInteger, "cadence_days"}}},
      // POST /v1/kpis/{id}/measurements
      {false, {{Op::kRequireNumber, "value"}, {Op::kDate, "date"}}},
  };
  return *routes;
}

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool IsRequired(Op op) {
  return op == Op::kRequireString || op == Op::kRequireNumber ||
         op == Op::kRequireNumberOrBool || op == Op::kRequireDate;
}

// Reads `f` as the route handlers do; true if a value came back. Checks the
// value against the parsed JSON `j` (nullptr when the body did not parse).
bool Read(JsonBody& b, const Field& f, const nlohmann::json* j) {
  const nlohmann::json* member = nullptr;
  if (j != nullptr && j->contains(f.name)) member = &(*j)[f.name];
  bool had_error = b.error().has_value();
  bool got = false;
  switch (f.op) {
    case Op::kString:
    case Op::kRequireString: {
      std::optional<std::string> v = b.String(f.name);
      if (f.op == Op::kRequireString) b.RequireString(f.name);
      if (v) Check(member && member->is_string() && *member == *v);
      got = v.has_value();
      break;
    }
    case Op::kNumber:
    case Op::kRequireNumber: {
      std::optional<double> v = b.Number(f.name);
      if (f.op == Op::kRequireNumber) b.RequireNumber(f.name);
      if (v) Check(member && member->is_number() && std::isfinite(*v));
      got = v.has_value();
      break;
    }
    case Op::kInteger: {
      std::optional<std::int64_t> v = b.Integer(f.name);
      if (v) {
        Check(member && member->is_number());
        if (member->is_number_float()) {
          Check(static_cast<double>(*v) == member->get<double>());
        } else {
          Check(*v == member->get<std::int64_t>());
        }
      }
      got = v.has_value();
      break;
    }
    case Op::kRequireNumberOrBool: {
      std::optional<double> v = b.NumberOrBool(f.name);
      b.RequireNumberOrBool(f.name);
      if (v) {
        Check(member && (member->is_number() || member->is_boolean()));
        Check(std::isfinite(*v));
      }
      got = v.has_value();
      break;
    }
    case Op::kDate:
    case Op::kRequireDate: {
      std::optional<okr::Date> v = b.DateField(f.name);
      if (f.op == Op::kRequireDate) b.RequireDate(f.name);
      if (v) {
        Check(member && member->is_string());
        Check(v->ToString() == member->get<std::string>());
      }
      got = v.has_value();
      break;
    }
    case Op::kHas:
      Check(b.Has(f.name) == (member != nullptr));
      return member != nullptr;
  }
  // Once an error is set, getters return nothing.
  if (had_error) Check(!got);
  return got;
}

void CheckProblem(const okr::DomainError& e) {
  Check(e.kind == okr::ErrorKind::kInvalid);
  Check(!e.slug.empty());
  nlohmann::json p = okr::http::ProblemJson(e);
  Check(p["status"] == 400);
  std::string text = p.dump();  // throws on invalid UTF-8
  Check(!text.empty());
}

void CheckTextParsers(std::string_view text) {
  if (std::optional<std::int64_t> t = okr::ParseInstant(text)) {
    std::string printed = okr::FormatInstant(*t);
    std::optional<std::int64_t> again = okr::ParseInstant(printed);
    Check(again.has_value() && *again == *t);
  }
  if (std::optional<okr::Date> d = okr::Date::Parse(text)) {
    Check(d->ToString() == text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 1) return 0;
  const Route& route = Routes()[data[0] % Routes().size()];
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (body.size() <= 64) CheckTextParsers(body);

  JsonBody b = JsonBody::Parse(body, route.empty_is_object);
  bool parsed = !b.error().has_value();
  nlohmann::json j;
  bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (parsed && !blank) {
    j = nlohmann::json::parse(body, nullptr, false);
    Check(!j.is_discarded() && j.is_object());
  }
  std::set<std::string> names;
  bool required_present = true;
  for (const Field& f : route.fields) {
    names.insert(f.name);
    bool got = Read(b, f, parsed && !blank ? &j : nullptr);
    if (!parsed) Check(!got || f.op == Op::kHas);
    if (IsRequired(f.op) && !got) required_present = false;
  }
  std::optional<okr::DomainError> error = b.Finish();
  if (!parsed) {
    Check(error.has_value() && error->slug == "malformed-json");
  }
  if (error) {
    CheckProblem(*error);
    return 0;
  }
  Check(required_present);
  if (!blank) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      Check(names.count(it.key()) == 1);
    }
  }
  return 0;
}
