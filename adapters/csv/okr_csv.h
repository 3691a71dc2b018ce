// A cycle's objectives and key results as CSV (RFC 4180), for spreadsheets:
// POST /v1/cycles/{id}/import, `okr import-okrs`, and
// GET /v1/cycles/{id}/export?format=csv. The header is exactly
//   id,title,level,parent,owner,team,kind,start,target,unit,weight
// A row with a `level` is an objective (`parent`: the objective it aligns
// under, or empty); a row with a `kind` is a key result (`parent`: its
// objective). docs/domain-rules.md ("Spreadsheets") has the whole shape.
//
// Reading is libcsv's (strict RFC 4180 quoting); this file translates rows
// to commands and holds no rule: the engine decides every row
// (ImportOkrs). A "line" is the row's number in the file, the header being
// line 1 (a quoted field that spans lines is still one row).
//
// Thread safety: pure functions.
#ifndef OKR_ADAPTERS_CSV_OKR_CSV_H_
#define OKR_ADAPTERS_CSV_OKR_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "engine/commands.h"
#include "engine/domain_error.h"
#include "projections/state_view.h"

namespace okr::csv {

// The rows of `text` as an ImportOkrs for `cycle_id` (the caller fills in
// nothing else), or the refusal: a 400 (slug malformed-csv) listing every
// line that cannot be read (quoting, the number of fields, the header, a
// number that is not one, a row that is neither or both kinds), each with
// the column at fault.
Outcome<ImportOkrs> ParseOkrCsv(std::string_view text,
                                const std::string& cycle_id);

// `e` with each line's field named as the file's column (the engine names
// the request's: objective_id and parent_id are the column parent).
DomainError InColumns(DomainError e);

// The objectives of the cycle and their key results that are not removed,
// as CSV with the header above: each objective before the objectives
// aligned under it and followed by its key results, roots and children by
// id. Its own ParseOkrCsv gives the same rows back.
std::string WriteOkrCsv(const StateView& state, const std::string& cycle_id);

}  // namespace okr::csv

#endif  // OKR_ADAPTERS_CSV_OKR_CSV_H_
