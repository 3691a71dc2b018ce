// OkrEngine, part 3 of 3: reads of the past. The state as of an instant
// (a bound snapshot plus the log up to the instant's position) and the audit
// history of an objective or key result; and the free functions they share
// with start-up (ChainHashAt, ReplayInto).
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "engine/okr_engine.h"
#include "engine/okr_engine_internal.h"
#include "events/event_codec.h"
#include "events/instant.h"
#include "projections/state_view.h"

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

Status OkrEngine::LoadBoundSnapshot(std::uint64_t at, OkrState* state) const {
  Hash bound{};
  if (Status s = snapshots_.Load(at, state, &bound); !s.ok()) return s;
  auto log_hash = ChainHashAt(*store_, at);
  if (!log_hash.ok()) return log_hash.status();
  return SnapshotStore::CheckBinding(snapshots_.PathOf(at), at, bound,
                                     log_hash.value());
}

// Two stages on two threads, so that a rebuild runs at about the speed of
// the slower of them rather than of both added up: a reader scans and
// decodes the log into batches, the caller's thread folds them. At most
// kQueued batches wait between them.
Status ReplayInto(const EventStore& store, OkrState* state,
                  std::uint64_t to_position,
                  const std::function<void(std::uint64_t)>& progress) {
  if (to_position != 0 && state->last_position() >= to_position) {
    return Status::OK();
  }
  struct Batch {
    std::vector<RecordedEvent> recorded;  // without their data bytes
    std::vector<events::Event> decoded;
  };
  constexpr std::size_t kBatch = 4096, kQueued = 4;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Batch> queue;     // guarded by mu
  bool read_done = false;      // guarded by mu
  bool fold_stopped = false;   // guarded by mu
  Status read_status, failed;  // the reader's; read after join()
  const std::uint64_t from = state->last_position() + 1;
  std::thread reader([&] {
    Batch batch;
    auto hand_over = [&] {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return queue.size() < kQueued || fold_stopped; });
      if (fold_stopped) return false;
      queue.push_back(std::move(batch));
      batch = Batch();
      cv.notify_all();
      return true;
    };
    events::Event event;
    std::string error;
    Status s = store.ForEach(from, [&](const RecordedEvent& e) {
      if (to_position != 0 && e.position > to_position) return false;
      if (!events::Decode(e, &event, &error)) {
        failed = Undecodable(e.position, error);
        return false;
      }
      RecordedEvent& r = batch.recorded.emplace_back();
      r.position = e.position;
      r.stream = e.stream;
      r.version = e.version;
      r.type = e.type;
      r.schema_version = e.schema_version;
      r.recorded_at_us = e.recorded_at_us;
      r.actor = e.actor;
      batch.decoded.push_back(std::move(event));
      return batch.recorded.size() < kBatch || hand_over();
    });
    if (!batch.recorded.empty()) hand_over();
    std::lock_guard lock(mu);
    read_status = s;
    read_done = true;
    cv.notify_all();
  });
  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return !queue.empty() || read_done; });
      if (queue.empty()) break;
      batch = std::move(queue.front());
      queue.pop_front();
      cv.notify_all();
    }
    for (std::size_t i = 0; i < batch.recorded.size(); ++i) {
      state->Apply(batch.recorded[i], batch.decoded[i]);
      if (progress && batch.recorded[i].position % 65536 == 0) {
        progress(batch.recorded[i].position);
      }
    }
    // A compact state lets go of the cycles closed in the batch.
    state->ArchiveClosedCycles();
  }
  {
    std::lock_guard lock(mu);
    fold_stopped = true;
    cv.notify_all();
  }
  reader.join();
  if (!read_status.ok()) return read_status;
  if (progress) progress(state->last_position());
  return failed;
}

Status OkrEngine::ReadAsOf(std::int64_t as_of_us,
                           const std::function<void(const StateView&)>& fn) {
  return ReadWindow(as_of_us, as_of_us,
                    [&](const StateView& at, const StateView&) { fn(at); });
}

Status OkrEngine::ReadWindow(
    std::int64_t from_us, std::int64_t to_us,
    const std::function<void(const StateView&, const StateView&)>& fn) {
  auto from = store_->PositionAsOf(from_us);
  if (!from.ok()) return from.status();
  auto to = from_us == to_us ? from : store_->PositionAsOf(to_us);
  if (!to.ok()) return to.status();
  const std::uint64_t last = std::max(from.value(), to.value());
  WaitApplied(last, std::chrono::seconds(10));
  std::shared_lock lock(read_mu_);
  if (read_state_.last_position() < last) {
    return Status::IOError("the state has not reached position " +
                           std::to_string(last) + " of the log yet");
  }
  fn(StateView(read_state_, from.value()), StateView(read_state_, to.value()));
  return Status::OK();
}

Status OkrEngine::FoldAsOf(
    std::int64_t as_of_us,
    const std::function<void(const OkrState&)>& fn) const {
  std::lock_guard one_at_a_time(fold_mu_);
  auto position = store_->PositionAsOf(as_of_us);
  if (!position.ok()) return position.status();
  OkrState state;
  if (position.value() != 0) {
    Status s = ReplayInto(*store_, &state, position.value());
    if (!s.ok()) return s;
  }
  fn(state);
  return Status::OK();
}

Result<std::vector<HistoryEntry>> OkrEngine::History(
    HistoryOf kind, const std::string& id,
    std::optional<std::uint64_t> as_of_position) {
  std::vector<std::string> streams;
  std::uint64_t upto = 0;
  Read([&](const OkrState& state) {
    upto = std::min(as_of_position.value_or(state.last_position()),
                    state.last_position());
    StateView s(state, upto);
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

namespace okr {

Result<ChainHead> OkrEngine::Head() const {
  ChainHead head;
  head.hash_hex = std::string(64, '0');
  const std::uint64_t last = store_->LastPosition();
  if (last == 0) return head;
  auto got = store_->ReadAll(last, 1);
  if (!got.ok()) return got.status();
  if (got->empty()) return Status::IOError("the head event cannot be read");
  const RecordedEvent& e = got->front();
  head.position = e.position;
  head.hash_hex = HashToHex(e.hash);
  head.recorded_at = FormatInstant(e.recorded_at_us);
  head.type = e.type;
  return head;
}

Result<std::optional<events::ChainHeadSigned>> OkrEngine::CheckpointAt(
    std::uint64_t position) const {
  const std::string stream = "chain/head";
  // How many there are: the read state's count (the store's would scan the
  // stream's index). The checkpoints' positions grow with their versions:
  // the last version at or before `position`, by binary search over point
  // reads.
  const std::uint64_t count =
      Read([&](const OkrState& s) { return s.StreamVersion(stream); });
  std::optional<RecordedEvent> found;
  std::uint64_t lo = 1, hi = count;
  while (lo <= hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    auto got = store_->ReadStream(stream, mid, 1);
    if (!got.ok()) return got.status();
    if (got->empty()) return Status::IOError("a checkpoint cannot be read");
    if (got->front().position <= position) {
      found = std::move(got->front());
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (!found) return std::optional<events::ChainHeadSigned>();
  events::Event event;
  std::string error;
  if (!events::Decode(*found, &event, &error)) {
    return Status::Corruption("position " + std::to_string(found->position) +
                              ": " + error);
  }
  const auto* signed_head = std::get_if<events::ChainHeadSigned>(&event);
  if (signed_head == nullptr) {
    return Status::Corruption("chain/head holds a " + found->type);
  }
  return std::optional<events::ChainHeadSigned>(*signed_head);
}

}  // namespace okr
