#include "adapters/report/retro_markdown.h"

#include <sstream>

#include "adapters/report/report_text.h"

namespace okr::report {
namespace {

std::string BandText(const std::optional<formulas::Band>& b) {
  return b ? formulas::BandName(*b) : "—";
}

std::string Parent(const std::optional<std::string>& p) {
  return p ? Markdown(*p) : "(none)";
}

}  // namespace

std::string RetrospectiveMarkdown(const Retrospective& r) {
  std::ostringstream md;
  const RetroSummary& s = r.summary;
  md << "# Retrospective: " << Markdown(r.cycle_name) << " (" << r.cycle_id
     << ")\n\n";
  if (r.scope) {
    md << "Scope: objective " << Markdown(*r.scope)
       << " and what is aligned under it, " << r.objectives.size()
       << (r.objectives.size() == 1 ? " objective" : " objectives")
       << " in all.\n\n";
  }
  if (r.closed) {
    md << "**Final**: the cycle is closed; scores are the grades given.\n\n";
  } else {
    md << "**Provisional** as of " << r.at.ToString() << ": the cycle is "
       << ToString(r.cycle_state) << "; scores are progress so far.\n\n";
  }
  md << r.starts_on.ToString() << " to " << r.ends_on.ToString() << ", "
     << r.weeks << " weeks.\n\n";

  md << "## Summary\n\n| | |\n|---|---|\n";
  md << "| Average score | " << Score(s.average_score) << " |\n";
  md << "| Bands | " << s.green << " green, " << s.yellow << " yellow, "
     << s.red << " red |\n";
  md << "| Objectives scored | " << s.scored_objectives << " of "
     << s.objectives << " (" << s.abandoned << " abandoned) |\n";
  md << "| Key results | " << s.key_results << " (" << s.removals
     << " removed) |\n";
  md << "| Targets too easy | " << s.target_too_easy << " |\n";
  md << "| Check-ins | " << s.check_ins << " |\n";
  md << "| Target changes | " << s.target_changes << " |\n";
  md << "| Alignment changes | " << s.alignment_changes << " |\n\n";

  md << "Score distribution (scored objectives):\n\n| Score | Objectives |\n"
        "|---|---|\n";
  for (int i = 0; i < 10; ++i) {
    md << "| " << Number(i / 10.0, 1) << "–" << Number((i + 1) / 10.0, 1)
       << " | " << s.score_histogram[i] << " |\n";
  }
  md << "\n## Objectives\n";
  for (const RetroObjective& o : r.objectives) {
    md << "\n### " << Markdown(o.title) << " (" << o.id << ")\n\n";
    md << "Owner " << Markdown(o.owner) << ", level " << o.level;
    if (!o.team.empty()) md << ", team " << Markdown(o.team);
    md << ", " << ToString(o.state) << ". Score **" << Score(o.score) << "** ("
       << BandText(o.band) << "). Aligned under " << Parent(o.parent_id)
       << ".\n\n";
    if (!o.key_results.empty()) {
      md << "| Key result | Score | Band | Attainment | Original target | "
            "Target | Check-ins | Weekly coverage | Notes |\n"
            "|---|---|---|---|---|---|---|---|---|\n";
      for (const RetroKeyResult& k : o.key_results) {
        std::string notes;
        if (k.removed) notes += "removed ";
        if (k.manual) notes += "graded by hand ";
        if (k.target_too_easy) notes += "target too easy ";
        if (!notes.empty()) notes.pop_back();
        md << "| " << Markdown(k.title) << " (" << k.id << ") | "
           << Score(k.score) << " | " << BandText(k.band) << " | "
           << Number(k.attainment) << " | " << Number(k.original_target, 4)
           << " | " << Number(k.target, 4) << " | " << k.check_ins << " | "
           << Percent(k.weekly_coverage) << " | " << notes << " |\n";
      }
      md << "\n";
    }
    for (const RetroKeyResult& k : o.key_results) {
      for (const TargetChange& t : k.target_changes) {
        md << "- Target of " << k.id << " moved from " << Number(t.before, 4)
           << " to " << Number(t.after, 4) << " by " << Markdown(t.record.actor)
           << " at " << FormatInstant(t.record.recorded_at_us);
        if (t.record.reason) md << ": " << Markdown(*t.record.reason);
        md << "\n";
      }
    }
    for (const AlignmentChange& a : o.alignment_changes) {
      md << "- Realigned from " << Parent(a.before) << " to " << Parent(a.after)
         << " by " << Markdown(a.record.actor) << " at "
         << FormatInstant(a.record.recorded_at_us) << "\n";
    }
    for (const RetroNote& n : r.notes) {
      if (n.objective_id != o.id) continue;
      md << "- Note by " << Markdown(n.record.actor) << ": " << Markdown(n.text)
         << "\n";
    }
  }

  md << "\n## Participation\n\n| Owner | Objectives | Check-ins | Weekly "
        "coverage |\n|---|---|---|---|\n";
  for (const RetroParticipant& p : r.participation) {
    md << "| " << Markdown(p.owner) << " | " << p.objectives << " | "
       << p.check_ins << " | " << Percent(p.weekly_coverage) << " |\n";
  }
  md << "\n## Notes\n\n";
  if (r.notes.empty()) md << "No notes yet.\n";
  for (const RetroNote& n : r.notes) {
    md << "- " << Markdown(n.record.actor) << " ("
       << FormatInstant(n.record.recorded_at_us);
    if (n.objective_id) md << ", about " << *n.objective_id;
    md << "): " << Markdown(n.text) << "\n";
  }
  md << "\n## Signed checkpoint\n\n" << Markdown(AnchorText(r.anchor)) << "\n";
  return std::move(md).str();
}

}  // namespace okr::report
