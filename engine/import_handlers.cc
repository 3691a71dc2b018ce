// The handler of ImportOkrs (engine/commands.h): a spreadsheet's
// objectives and key results, each row decided by the handler of the
// command it stands for (CreateObjective, AddKeyResult), so that a row is
// refused exactly as the same request to the API would be.
#include <map>
#include <string>

#include "engine/handler_support.h"
#include "events/event_codec.h"

namespace okr::handlers {
namespace {

struct Batch {
  Batch(const Context& context, OkrState s, const std::string& cycle)
      : cycle_id(cycle),
        c(context),
        scratch(std::move(s)),
        sc{scratch, c.limits, c.caller, c.today},
        all{{}, "cycle/" + cycle, cycle} {}

  const std::string cycle_id;
  const Context& c;
  OkrState scratch;
  Context sc;
  Decision all;
  std::vector<LineError> errors;
  std::map<std::string, int> refused;  // objective id -> its refused line
  std::size_t objectives = 0, key_results = 0;  // made by the batch

  // An id for a row without one, free in the state and the batch.
  std::string FreshId(bool objective) {
    if (objective) {
      return NewId("o", c.state.ObjectiveCount() + objectives + 1,
                   [&](const std::string& x) {
                     return c.state.ObjectiveIdTaken(x) ||
                            scratch.ObjectiveIdTaken(x);
                   });
    }
    return NewId("kr", c.state.KeyResultCount() + key_results + 1,
                 [&](const std::string& x) {
                   return c.state.KeyResultIdTaken(x) ||
                          scratch.KeyResultIdTaken(x);
                 });
  }

  // The refusal of a row before its handler runs: an id another cycle
  // holds (the scratch state has this cycle's only), or an objective whose
  // own row was refused.
  using IdTaken = bool (OkrState::*)(const std::string&) const;
  Check TakenElsewhere(const std::optional<std::string>& id, IdTaken taken,
                       const char* what) {
    if (!id || (scratch.*taken)(*id) || !(c.state.*taken)(*id)) {
      return std::nullopt;  // free, or the handler says it is taken
    }
    return DomainError::Conflict(
        "duplicate-id", std::string(what) + " \"" + *id + "\" already exists",
        "id");
  }
  Check Before(const CreateObjective& o) {
    if (Check e =
            TakenElsewhere(o.id, &OkrState::ObjectiveIdTaken, "an objective")) {
      return e;
    }
    return Refused("parent", o.parent_id);
  }
  Check Before(const AddKeyResult& k) {
    if (Check e =
            TakenElsewhere(k.id, &OkrState::KeyResultIdTaken, "a key result")) {
      return e;
    }
    if (Check e = Refused("parent", k.objective_id)) return e;
    // A spreadsheet is one cycle's: a key result under another cycle's
    // objective is not what the file is about.
    const Objective* o = scratch.FindObjective(k.objective_id);
    if (o != nullptr && o->cycle_id != cycle_id) {
      return DomainError::Rule("import-other-cycle", "parent",
                               "objective \"" + o->id + "\" is of cycle " +
                                   o->cycle_id + ", not " + cycle_id);
    }
    return std::nullopt;
  }
  Check Refused(const std::string& field,
                const std::optional<std::string>& objective) {
    if (!objective || refused.count(*objective) == 0) return std::nullopt;
    return DomainError::Rule(
        "row-refused", field,
        "objective \"" + *objective + "\" is not imported: its row (line " +
            std::to_string(refused[*objective]) + ") is refused");
  }

  void Row(const ImportRow& row) {
    std::variant<CreateObjective, AddKeyResult> command = row.command;
    const bool objective = command.index() == 0;
    std::optional<std::string>& id =
        objective ? std::get<0>(command).id : std::get<1>(command).id;
    if (!id) id = FreshId(objective);
    Check early = std::visit([&](const auto& x) { return Before(x); }, command);
    Outcome<Decision> d =
        early
            ? Outcome<Decision>(*early)
            : std::visit([&](const auto& x) { return Handle(sc, x); }, command);
    if (!d.ok()) {
      const DomainError& e = d.error();
      // A refusal of no one field is of the row's objective for a key
      // result (its state, its cycle), of the row itself otherwise.
      errors.push_back({row.line,
                        !e.field.empty() ? e.field
                        : objective      ? ""
                                         : "parent",
                        e.slug, e.detail});
      if (objective) refused.emplace(*id, row.line);
      return;
    }
    (objective ? objectives : key_results) += 1;
    for (events::Event& e : d.value().events) {
      RecordedEvent r;
      r.position = scratch.last_position() + 1;
      r.stream = events::StreamOf(e);
      r.version = scratch.StreamVersion(r.stream) + 1;
      r.type = events::TypeOf(e);
      r.recorded_at_us = scratch.last_recorded_at_us();
      r.actor = c.caller.actor;
      scratch.Apply(r, e);
      all.events.push_back(std::move(e));
    }
  }
};

// The objectives of other cycles the rows name as parents: the scratch
// state holds them too, so that the alignment rule says "another cycle".
std::vector<std::string> ParentsNamed(const ImportOkrs& cmd) {
  std::vector<std::string> out;
  for (const ImportRow& row : cmd.rows) {
    if (const auto* o = std::get_if<CreateObjective>(&row.command)) {
      if (o->parent_id) out.push_back(*o->parent_id);
    }
  }
  return out;
}

}  // namespace

Outcome<Decision> Handle(const Context& c, const ImportOkrs& cmd) {
  if (!c.caller.admin()) {
    return DomainError::Forbidden("only admins import objectives");
  }
  auto cycle = GetCycle(c.state, "cycle_id", cmd.cycle_id);
  if (!cycle.ok()) return cycle.error();
  if (Check e = Unlocked(*cycle.value())) return *e;
  if (cmd.rows.empty()) {
    return DomainError::Invalid("rows", "the file has no rows to import");
  }
  Batch b(c, c.state.CycleScratch(cmd.cycle_id, ParentsNamed(cmd)),
          cmd.cycle_id);
  for (const ImportRow& row : cmd.rows) b.Row(row);
  if (!b.errors.empty()) {
    DomainError e = DomainError::Rule(
        "import-refused", "",
        std::to_string(b.errors.size()) + " of " +
            std::to_string(cmd.rows.size()) +
            " rows are refused (errors lists each); nothing was imported");
    e.lines = std::move(b.errors);
    return e;
  }
  return std::move(b.all);
}

}  // namespace okr::handlers
