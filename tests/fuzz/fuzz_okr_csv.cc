// Fuzz target: a spreadsheet of OKRs (POST /v1/cycles/{id}/import, `okr
// import-okrs`; adapters/csv/okr_csv.h) as libcsv reads it and the rows
// become commands.
//
// Input: the bytes are the body.
// Invariants:
//   - nothing crashes or reads out of bounds (ASan, UBSan);
//   - a file that parses has rows on lines 2 and up, strictly increasing,
//     each an objective with a level or a key result with a kind and an
//     objective, its numbers finite;
//   - a refusal is malformed-csv, and each line it names is 1 or more.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/csv/okr_csv.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool Finite(const std::optional<double>& v) { return !v || std::isfinite(*v); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  okr::Outcome<okr::ImportOkrs> got = okr::csv::ParseOkrCsv(text, "q3");
  if (!got.ok()) {
    Check(got.error().slug == "malformed-csv");
    for (const okr::LineError& l : got.error().lines) Check(l.line >= 1);
    return 0;
  }
  int last = 1;
  for (const okr::ImportRow& row : got.value().rows) {
    Check(row.line > last);
    last = row.line;
    if (const auto* o = std::get_if<okr::CreateObjective>(&row.command)) {
      Check(!o->level.empty() && o->cycle_id == "q3");
    } else {
      const auto& k = std::get<okr::AddKeyResult>(row.command);
      Check(!k.kind.empty() && !k.objective_id.empty());
      Check(Finite(k.start) && Finite(k.target) && Finite(k.weight));
    }
  }
  return 0;
}
