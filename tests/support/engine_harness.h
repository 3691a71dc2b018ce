// EngineHarness: an OkrEngine on a real RocksDB store in a temporary
// folder, with a manual clock, and shorthands to send commands as an admin
// or a member.
//
// Thread safety: one harness per test; Run() may be called from several
// threads (the engine is thread-safe).
#ifndef OKR_TESTS_SUPPORT_ENGINE_HARNESS_H_
#define OKR_TESTS_SUPPORT_ENGINE_HARNESS_H_

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/okr_engine.h"
#include "events/event_codec.h"
#include "tests/support/temp_dir.h"

namespace okr::testing {

// Noon UTC of a date, in microseconds since the epoch.
inline std::int64_t NoonOf(const char* date) {
  return static_cast<std::int64_t>(Date::Parse(date)->days()) * 86'400'000'000 +
         43'200'000'000;
}
inline Date D(const char* date) { return *Date::Parse(date); }

class EngineHarness {
 public:
  explicit EngineHarness(const char* today = "2026-08-15",
                         Limits limits = Limits{},
                         std::uint64_t snapshot_every = 0)
      : clock_(NoonOf(today)) {
    options_.store.clock = &clock_;
    options_.limits = limits;
    options_.snapshot_every = snapshot_every;
    options_.warn = [this](std::string_view w) { warnings.emplace_back(w); };
    Reopen();
  }

  // Closes the engine (if open) and opens it again on the same folder.
  void Reopen() {
    if (engine_) engine_->Close();
    engine_.reset();
    auto e = OkrEngine::Open(dir_.Sub("data"), options_);
    if (!e.ok()) throw std::runtime_error(e.status().ToString());
    engine_ = std::move(e).value();
  }

  // Appends `e` to the log as `actor` past the engine, as a store written
  // by an older release may hold it (the engine is closed and opened
  // again around it). Returns its position.
  std::uint64_t AppendPastTheEngine(const events::Event& e,
                                    const std::string& actor) {
    engine_->Close();
    engine_.reset();
    std::uint64_t position = 0;
    {
      auto store = EventStore::Open(dir_.Sub("data"), options_.store);
      if (!store.ok()) throw std::runtime_error(store.status().ToString());
      NewEvent ne = events::ToNewEvent(e);
      CommandMeta meta;
      meta.actor = actor;
      std::string stream = ne.stream;
      auto r = store.value()->Append(stream, std::nullopt, {std::move(ne)},
                                     std::move(meta));
      if (!r.ok()) throw std::runtime_error(r.status().ToString());
      position = r.value().last_position;
      store.value()->Close();
    }
    Reopen();
    return position;
  }

  Outcome<CommandResult> Run(const std::string& actor, Role role, Command cmd,
                             std::optional<std::uint64_t> if_match = {},
                             std::string key = "",
                             std::string fingerprint = "") {
    CommandRequest r;
    r.caller = Caller{actor, role};
    r.command = std::move(cmd);
    r.if_match = if_match;
    r.idempotency_key = std::move(key);
    r.fingerprint = std::move(fingerprint);
    return engine_->Execute(std::move(r));
  }
  Outcome<CommandResult> Admin(Command cmd) {
    return Run("root", Role::kAdmin, std::move(cmd));
  }
  Outcome<CommandResult> Member(const std::string& who, Command cmd) {
    return Run(who, Role::kMember, std::move(cmd));
  }
  // Runs `cmd` and throws unless it succeeds (for setting up a scenario).
  CommandResult Must(Outcome<CommandResult> r) {
    if (!r.ok()) {
      throw std::runtime_error("refused: " + r.error().slug + ": " +
                               r.error().detail);
    }
    return r.value();
  }

  std::uint64_t LastPosition() { return engine_->store().LastPosition(); }
  OkrEngine& engine() { return *engine_; }
  ManualClock& clock() { return clock_; }
  const std::string& dir() const { return dir_.path(); }
  std::string data_dir() const { return dir_.Sub("data"); }
  EngineOptions& options() { return options_; }

  std::vector<std::string> warnings;

 private:
  TempDir dir_;
  ManualClock clock_;
  EngineOptions options_;
  std::unique_ptr<OkrEngine> engine_;
};

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_ENGINE_HARNESS_H_
