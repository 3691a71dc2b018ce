#include "adapters/nats/replica.h"

#include <deque>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "adapters/nats/jetstream.h"
#include "events/export_format.h"

namespace okr::nats {
namespace {

// Reads the stream on a thread of its own into a bounded queue, so that
// messages keep coming while the replica imports: an ordered consumer's
// flow control holds the server back until the client has taken what it
// was sent, so a reader that stops to import stalls the stream each time.
class Prefetch {
 public:
  // `reader` must outlive the Prefetch; nothing else may read it.
  Prefetch(JetStream::Reader* reader, std::size_t limit)
      : reader_(reader), limit_(limit), thread_([this] { Run(); }) {}
  ~Prefetch() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;

  // What was read, up to `max` messages in stream order, waiting up to
  // `wait` for the first; the reading's failure once all before it were
  // taken.
  Result<std::vector<StreamMessage>> Take(std::size_t max,
                                          std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait,
                 [this] { return !queue_.empty() || !failed_.ok(); });
    if (queue_.empty() && !failed_.ok()) return failed_;
    std::vector<StreamMessage> out;
    while (!queue_.empty() && out.size() < max) {
      out.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    cv_.notify_all();  // room again
    return out;
  }

 private:
  void Run() {
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || queue_.size() < limit_; });
        if (stopping_) return;
      }
      auto next = reader_->Next(std::chrono::milliseconds(100));
      std::lock_guard lock(mu_);
      if (!next.ok()) {
        failed_ = next.status();
        cv_.notify_all();
        return;
      }
      if (next.value().has_value()) {
        queue_.push_back(std::move(*next.value()));
        cv_.notify_all();
      }
    }
  }

  JetStream::Reader* const reader_;
  const std::size_t limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<StreamMessage> queue_;  // guarded by mu_
  Status failed_;                    // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  std::thread thread_;               // last: it uses the members above
};

}  // namespace

Replica::Replica(OkrEngine* engine, ReplicaOptions options)
    : engine_(engine), options_(std::move(options)) {}

Replica::~Replica() { Stop(); }

void Replica::Start() {
  Set("down", "not connected yet to " + options_.url);
  worker_.Start([this] { Run(); });
}

void Replica::RequestStop() { worker_.RequestStop(); }

void Replica::Stop() { worker_.Stop(); }

bool Replica::SleepFor(std::chrono::milliseconds d) {
  return worker_.SleepFor(d);
}

void Replica::Set(const std::string& state, const std::string& error) {
  std::lock_guard lock(mu_);
  if ((state != state_ || error != error_) && !error.empty()) {
    std::cerr << "okr replica: " << state << ": " << error << "\n";
  }
  state_ = state;
  error_ = error;
}

ReplicaStatus Replica::status() const {
  ReplicaStatus s;
  // What reads answer from: the read state, a moment behind the store.
  s.position = engine_->Stats().applied_position;
  std::lock_guard lock(mu_);
  s.state = state_;
  s.error = error_;
  return s;
}

void Replica::Run() {
  Result<std::unique_ptr<JetStream>> js =
      JetStream::Connect(options_.url, options_.wait);
  if (!js.ok()) return Set("down", js.status().message());
  while (SleepFor(std::chrono::milliseconds(0))) {
    if (!js.value()->Connected()) {
      Set("down", "not connected to " + options_.url + " (retrying)");
      if (!SleepFor(std::chrono::milliseconds(100))) return;
      continue;
    }
    if (Follow(*js.value())) return;  // stopped for good
    if (!SleepFor(std::chrono::milliseconds(250))) return;
  }
}

Status Replica::Import(const std::vector<RecordedEvent>& batch) {
  EventStore& store = engine_->store();
  Status s = store.ImportBatch(batch);
  if (s.IsCorruption() && batch.size() > 1) {
    // Nothing of the batch was written: the events before the bad one go
    // in one by one, so the replica holds all it can.
    for (const RecordedEvent& e : batch) {
      if (s = store.ImportBatch({e}); !s.ok()) break;
    }
  }
  return s;
}

void Replica::Halt(const std::string& why) {
  // What it holds is applied before it says where it stopped.
  engine_->WaitApplied(engine_->store().LastPosition(),
                       std::chrono::seconds(10));
  Set("stopped", why);
}

// Stops for good on an event that does not chain; anything else (a full
// disk, a store closing) is tried again from the store's head.
bool Replica::Failed(const Status& s) {
  if (s.IsCorruption()) {
    Halt(s.ToString());
    return true;
  }
  Set("down", s.ToString());
  return false;
}

bool Replica::Follow(JetStream& js) {
  EventStore& store = engine_->store();
  std::uint64_t head = store.LastPosition();
  Result<std::unique_ptr<JetStream::Reader>> reader =
      js.Read(options_.stream, "okr." + options_.org + ".>", head + 1);
  if (!reader.ok()) {
    Set("down", reader.status().message());
    return false;
  }
  Set("ok", "");
  Prefetch prefetch(reader.value().get(), 8 * options_.batch);
  std::vector<RecordedEvent> batch;
  const std::string id_prefix = options_.org + "/";
  while (SleepFor(std::chrono::milliseconds(0))) {
    // What came while the last batch was imported is the next batch.
    auto taken = prefetch.Take(options_.batch, std::chrono::milliseconds(200));
    if (!taken.ok()) {
      Set("down", taken.status().message());
      return false;
    }
    for (const StreamMessage& m : taken.value()) {
      const std::uint64_t position = head + batch.size() + 1;
      if (m.sequence < position) continue;  // delivered again: held already
      RecordedEvent e;
      std::string why;
      nlohmann::json j = nlohmann::json::parse(m.data, nullptr, false);
      if (m.sequence != position) {
        why = "message " + std::to_string(m.sequence) + " where " +
              std::to_string(position) + " was due";
      } else if (j.is_discarded()) {
        why = "message " + std::to_string(position) + " is not JSON";
      } else if (!events::FromExportJson(j, &e, &why)) {
        why = "message " + std::to_string(position) + ": " + why;
      } else if (e.position != position ||
                 m.msg_id != id_prefix + std::to_string(position)) {
        why = "message " + std::to_string(position) +
              " holds another position (" + std::to_string(e.position) +
              ", Nats-Msg-Id " + m.msg_id + ")";
      }
      if (!why.empty()) {
        // What came before it still goes in.
        if (Status earlier = Import(batch); !earlier.ok()) {
          return Failed(earlier);
        }
        Halt(why);
        return true;
      }
      batch.push_back(std::move(e));
    }
    if (batch.empty()) continue;
    if (Status s = Import(batch); !s.ok()) return Failed(s);
    head = store.LastPosition();
    batch.clear();
  }
  return false;
}

}  // namespace okr::nats
