// The retrospective as a Markdown document: summary, each objective with a
// table of its key results, target moves, alignment changes and notes, the
// participation table and the cycle's notes.
//
// Thread safety: pure function.
#ifndef OKR_ADAPTERS_REPORT_RETRO_MARKDOWN_H_
#define OKR_ADAPTERS_REPORT_RETRO_MARKDOWN_H_

#include <string>

#include "projections/retrospective.h"

namespace okr::report {

std::string RetrospectiveMarkdown(const Retrospective& r);

}  // namespace okr::report

#endif  // OKR_ADAPTERS_REPORT_RETRO_MARKDOWN_H_
