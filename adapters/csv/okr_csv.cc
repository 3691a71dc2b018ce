#include "adapters/csv/okr_csv.h"

#include <csv.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>

namespace okr::csv {
namespace {

constexpr std::array<std::string_view, 11> kColumns = {
    "id",   "title", "level",  "parent", "owner", "team",
    "kind", "start", "target", "unit",   "weight"};
enum Column {
  kId,
  kTitle,
  kLevel,
  kParent,
  kOwner,
  kTeam,
  kKind,
  kStart,
  kTarget,
  kUnit,
  kWeight
};

// The records of a CSV text, as libcsv reads them, each with the physical
// line it starts on (the header's is 1). libcsv reports every unquoted
// line end (CSV_REPALL_NL), empty lines included; a CRLF is one line end,
// and the newlines inside quoted fields are counted too.
struct Reader {
  struct Record {
    int line;
    std::vector<std::string> fields;
  };
  std::vector<Record> records;
  std::vector<std::string> current;
  int line = 1;           // where the current record starts
  int inside = 0;         // newlines inside its quoted fields
  bool after_cr = false;  // the last line end was a CR

  static void Field(void* s, std::size_t n, void* self) {
    auto* r = static_cast<Reader*>(self);
    r->current.emplace_back(
        s == nullptr ? "" : std::string(static_cast<const char*>(s), n));
    r->inside += static_cast<int>(
        std::count(r->current.back().begin(), r->current.back().end(), '\n'));
    r->after_cr = false;
  }
  static void End(int c, void* self) {
    auto* r = static_cast<Reader*>(self);
    const bool lf_of_crlf = c == '\n' && r->after_cr && r->current.empty();
    if (!r->current.empty()) {
      r->records.push_back({r->line, std::move(r->current)});
      r->current.clear();
    }
    if (!lf_of_crlf && c != -1) r->line += 1 + r->inside;
    r->inside = 0;
    r->after_cr = c == '\r';
  }
};

// No trimming: a space is part of the field, as RFC 4180 says.
int NoSpace(unsigned char) { return 0; }

// Strict RFC 4180; false with *why on a quoting error.
bool ReadRecords(std::string_view text, Reader* r, std::string* why) {
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL |
                       CSV_REPALL_NL) != 0) {
    *why = "the CSV reader cannot start";
    return false;
  }
  csv_set_space_func(&p, NoSpace);
  bool ok = csv_parse(&p, text.data(), text.size(), Reader::Field, Reader::End,
                      r) == text.size() &&
            csv_fini(&p, Reader::Field, Reader::End, r) == 0;
  if (!ok) {
    *why = "not RFC 4180 CSV in the row of line " + std::to_string(r->line) +
           ": " + csv_strerror(csv_error(&p)) +
           " (a quote inside a field must be doubled, and the field quoted)";
  }
  csv_free(&p);
  return ok;
}

std::optional<double> Number(const std::string& text) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

OptText Given(const std::string& text) {
  return text.empty() ? OptText() : OptText(text);
}

// One data row as the command it stands for; false with *error naming the
// column otherwise.
bool RowCommand(const std::vector<std::string>& f, const std::string& cycle_id,
                ImportRow* row, LineError* error) {
  auto fail = [&](Column c, std::string detail) {
    *error = {row->line, std::string(kColumns[c]), "malformed-csv",
              std::move(detail)};
    return false;
  };
  const bool objective = !f[kLevel].empty(), key_result = !f[kKind].empty();
  if (objective == key_result) {
    return fail(objective ? kKind : kLevel,
                "a row is an objective (level) or a key result (kind): give "
                "exactly one of the two");
  }
  if (objective) {
    for (Column c : {kStart, kTarget, kUnit, kWeight}) {
      if (!f[c].empty())
        return fail(c, "an objective row has no " + std::string(kColumns[c]));
    }
    row->command = CreateObjective{
        Given(f[kId]), cycle_id,         f[kTitle],       std::nullopt,
        f[kLevel],     Given(f[kOwner]), Given(f[kTeam]), Given(f[kParent])};
    return true;
  }
  for (Column c : {kOwner, kTeam}) {
    if (!f[c].empty()) {
      return fail(c, "a key result row has no " + std::string(kColumns[c]) +
                         ": its objective's is its own");
    }
  }
  if (f[kParent].empty()) {
    return fail(kParent, "a key result row names its objective in parent");
  }
  AddKeyResult k{f[kParent],   Given(f[kId]), f[kTitle],       f[kKind],
                 std::nullopt, std::nullopt,  Given(f[kUnit]), std::nullopt};
  for (auto [c, out] : {std::pair{kStart, &k.start},
                        {kTarget, &k.target},
                        {kWeight, &k.weight}}) {
    if (f[c].empty()) continue;
    *out = Number(f[c]);
    if (!*out)
      return fail(
          c, std::string(kColumns[c]) + " \"" + f[c] + "\" is not a number");
  }
  row->command = std::move(k);
  return true;
}

std::string Quoted(std::string_view s) {
  bool plain = std::none_of(s.begin(), s.end(), [](char c) {
    return c == ',' || c == '"' || c == '\n' || c == '\r';
  });
  if (plain) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string NumberText(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "";
}

void WriteLine(std::string* out, const std::array<std::string, 11>& f) {
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(Quoted(f[i]));
  }
  out->append("\r\n");
}

}  // namespace

DomainError InColumns(DomainError e) {
  for (LineError& l : e.lines) {
    if (l.field == "objective_id" || l.field == "parent_id") l.field = "parent";
  }
  return e;
}

Outcome<ImportOkrs> ParseOkrCsv(std::string_view text,
                                const std::string& cycle_id) {
  auto refuse = [](std::string detail, std::vector<LineError> lines = {}) {
    DomainError e{ErrorKind::kInvalid, "malformed-csv", "", std::move(detail)};
    e.lines = std::move(lines);
    return e;
  };
  // Spreadsheets often begin a UTF-8 file with a byte-order mark.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  Reader r;
  std::string why;
  if (!ReadRecords(text, &r, &why)) return refuse(why);
  if (r.records.empty()) {
    return refuse("the file is empty: it needs the header");
  }
  const std::vector<std::string>& header = r.records[0].fields;
  if (r.records[0].line != 1 || header.size() != kColumns.size() ||
      !std::equal(header.begin(), header.end(), kColumns.begin())) {
    std::string want;
    for (std::string_view c : kColumns) {
      want += (want.empty() ? "" : ",") + std::string(c);
    }
    return refuse("the header (line 1) must be exactly the " +
                  std::to_string(kColumns.size()) + " fields " + want);
  }
  ImportOkrs cmd;
  cmd.cycle_id = cycle_id;
  std::vector<LineError> errors;
  for (std::size_t i = 1; i < r.records.size(); ++i) {
    ImportRow row;
    row.line = r.records[i].line;
    const std::vector<std::string>& f = r.records[i].fields;
    if (f.size() != kColumns.size()) {
      errors.push_back({row.line, "", "malformed-csv",
                        std::to_string(f.size()) + " fields; the header has " +
                            std::to_string(kColumns.size())});
      continue;
    }
    LineError e;
    if (RowCommand(f, cycle_id, &row, &e)) {
      cmd.rows.push_back(std::move(row));
    } else {
      errors.push_back(std::move(e));
    }
  }
  if (!errors.empty()) {
    return refuse(std::to_string(errors.size()) +
                      " lines cannot be read (errors lists each); nothing "
                      "was imported",
                  std::move(errors));
  }
  return cmd;
}

std::string WriteOkrCsv(const StateView& state, const std::string& cycle_id) {
  std::string out;
  WriteLine(&out, {"id", "title", "level", "parent", "owner", "team", "kind",
                   "start", "target", "unit", "weight"});
  std::map<std::string, std::vector<const Objective*>> children;  // by parent
  for (const Objective* o : state.Objectives(&cycle_id)) {
    // (A parent is always of the same cycle: the alignment rule.)
    children[o->parent_id.value_or("")].push_back(o);
  }
  for (auto& [parent, list] : children) {
    std::sort(
        list.begin(), list.end(),
        [](const Objective* a, const Objective* b) { return a->id < b->id; });
  }
  // Depth first, so that every parent comes before the rows that name it.
  std::vector<const Objective*> stack(children[""].rbegin(),
                                      children[""].rend());
  while (!stack.empty()) {
    const Objective* o = stack.back();
    stack.pop_back();
    WriteLine(&out, {o->id, o->title, o->level, o->parent_id.value_or(""),
                     o->owner, o->team, "", "", "", "", ""});
    for (const std::string& kid : o->key_results) {
      const KeyResult* k = state.FindKeyResult(kid);
      if (k == nullptr || k->removed) continue;
      WriteLine(&out, {k->id, k->title, "", o->id, "", "", k->kind,
                       NumberText(k->start), NumberText(k->target), k->unit,
                       NumberText(k->weight)});
    }
    auto it = children.find(o->id);
    if (it != children.end()) {
      stack.insert(stack.end(), it->second.rbegin(), it->second.rend());
    }
  }
  return out;
}

}  // namespace okr::csv
