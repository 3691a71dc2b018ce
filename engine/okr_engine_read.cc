// OkrEngine, part 3 of 3: reads of the past. The state as of an instant
// (a bound snapshot plus the log up to the instant's position) and the audit
// history of an objective or key result; and the free functions they share
// with start-up (ChainHashAt, ReplayInto).
#include "engine/okr_engine.h"
#include "engine/okr_engine_internal.h"
#include "events/event_codec.h"

namespace okr {
namespace internal {

Status Undecodable(std::uint64_t position, const std::string& error) {
  return Status::Corruption("position " + std::to_string(position) +
                            " does not decode: " + error);
}

}  // namespace internal

using internal::Undecodable;

Result<std::optional<Hash>> ChainHashAt(const EventStore& store,
                                        std::uint64_t position) {
  if (position == 0) return std::optional<Hash>(Hash{});
  auto got = store.ReadAll(position, 1);
  if (!got.ok()) return got.status();
  if (got->empty() || got->front().position != position) {
    return std::optional<Hash>();
  }
  return std::optional<Hash>(got->front().hash);
}

Status OkrEngine::ReadBoundSnapshot(std::uint64_t at, std::string* body) const {
  Hash bound{};
  if (Status s = snapshots_.ReadBody(at, body, &bound); !s.ok()) return s;
  auto log_hash = ChainHashAt(*store_, at);
  if (!log_hash.ok()) return log_hash.status();
  return SnapshotStore::CheckBinding(snapshots_.PathOf(at), at, bound,
                                     log_hash.value());
}

Status ReplayInto(const EventStore& store, OkrState* state,
                  std::uint64_t to_position,
                  const std::function<void(std::uint64_t)>& progress) {
  if (to_position != 0 && state->last_position() >= to_position) {
    return Status::OK();
  }
  Status failed;
  events::Event event;
  std::string error;
  Status s =
      store.ForEach(state->last_position() + 1, [&](const RecordedEvent& e) {
        if (to_position != 0 && e.position > to_position) return false;
        if (!events::Decode(e, &event, &error)) {
          failed = Undecodable(e.position, error);
          return false;
        }
        state->Apply(e, event);
        if (progress && e.position % 65536 == 0) progress(e.position);
        return true;
      });
  if (!s.ok()) return s;
  if (progress) progress(state->last_position());
  return failed;
}

Status OkrEngine::ReadAsOf(std::int64_t as_of_us,
                           const std::function<void(const OkrState&)>& fn) {
  auto position = store_->PositionAsOf(as_of_us);
  if (!position.ok()) return position.status();
  const std::uint64_t p = position.value();
  WaitApplied(p, std::chrono::seconds(10));
  {
    std::shared_lock lock(read_mu_);
    if (read_state_.last_position() == p) {
      fn(read_state_);
      return Status::OK();
    }
  }
  std::lock_guard lock(as_of_mu_);
  std::uint64_t base = as_of_cache_ && as_of_cache_->last_position() <= p
                           ? as_of_cache_->last_position()
                           : 0;
  std::vector<std::uint64_t> snaps = snapshots_.List();
  for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
    if (*it > p) continue;
    if (*it <= base) break;  // the cached state is at least as close
    auto loaded = std::make_unique<OkrState>();
    std::string body;
    Status s = ReadBoundSnapshot(*it, &body);
    if (s.ok()) s = SnapshotStore::Parse(body, *it, loaded.get());
    if (s.ok()) {
      as_of_cache_ = std::move(loaded);
      base = *it;
      break;
    }
    if (!s.IsNotFound()) {  // NotFound: pruned since List()
      Warn("snapshot ignored for time travel: " + s.ToString());
    }
  }
  if (p == 0) {  // before the first event: nothing to replay
    OkrState empty;
    fn(empty);
    return Status::OK();
  }
  if (!as_of_cache_ || as_of_cache_->last_position() > p) {
    as_of_cache_ = std::make_unique<OkrState>();
  }
  if (Status s = ReplayInto(*store_, as_of_cache_.get(), p); !s.ok()) {
    as_of_cache_.reset();
    return s;
  }
  fn(*as_of_cache_);
  return Status::OK();
}

Result<std::vector<HistoryEntry>> OkrEngine::History(HistoryOf kind,
                                                     const std::string& id) {
  std::vector<std::string> streams;
  std::uint64_t upto = 0;
  Read([&](const OkrState& s) {
    upto = s.last_position();
    if (kind == HistoryOf::kObjective) {
      if (const Objective* o = s.FindObjective(id)) {
        streams.push_back("objective/" + id);
        for (const std::string& k : o->key_results) {
          streams.push_back("kr/" + k);
        }
      }
    } else if (s.FindKeyResult(id) != nullptr) {
      streams.push_back("kr/" + id);
    }
  });
  if (streams.empty()) return Status::NotFound("no such " + id);
  std::vector<RecordedEvent> all;
  for (const std::string& stream : streams) {
    auto got = store_->ReadStream(stream, 1, std::size_t{1} << 30);
    if (!got.ok()) return got.status();
    for (RecordedEvent& e : *got) {
      if (e.position <= upto) all.push_back(std::move(e));
    }
  }
  std::sort(all.begin(), all.end(),
            [](const RecordedEvent& a, const RecordedEvent& b) {
              return a.position < b.position;
            });
  AuditHistory history;
  events::Event event;
  std::string error;
  for (const RecordedEvent& e : all) {
    if (!events::Decode(e, &event, &error)) {
      return Undecodable(e.position, error);
    }
    history.Apply(e, event);
  }
  return history.entries();
}

}  // namespace okr
