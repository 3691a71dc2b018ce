#include "adapters/nats/replica.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "adapters/nats/jetstream.h"
#include "events/export_format.h"

namespace okr::nats {

Replica::Replica(OkrEngine* engine, ReplicaOptions options)
    : engine_(engine), options_(std::move(options)) {}

Replica::~Replica() { Stop(); }

void Replica::Start() {
  Set("down", "not connected yet to " + options_.url);
  thread_ = std::thread([this] { Run(); });
}

void Replica::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Replica::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
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
  s.position = engine_->store().LastPosition();
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
  // Reads answer from the engine's read state: it holds what was imported
  // before the replica says so.
  engine_->WaitApplied(store.LastPosition(), std::chrono::seconds(10));
  return s;
}

// Stops for good on an event that does not chain; anything else (a full
// disk, a store closing) is tried again from the store's head.
bool Replica::Failed(const Status& s) {
  if (s.IsCorruption()) {
    Set("stopped", s.ToString());
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
  std::vector<RecordedEvent> batch;
  const std::string id_prefix = options_.org + "/";
  while (SleepFor(std::chrono::milliseconds(0))) {
    // A short wait while a batch fills; a longer one when idle.
    auto next =
        reader.value()->Next(batch.empty() ? std::chrono::milliseconds(200)
                                           : std::chrono::milliseconds(5));
    if (!next.ok()) {
      Set("down", next.status().message());
      return false;
    }
    if (next.value().has_value()) {
      const StreamMessage& m = *next.value();
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
        Set("stopped", why);
        return true;
      }
      batch.push_back(std::move(e));
      if (batch.size() < options_.batch) continue;
    }
    if (batch.empty()) continue;
    if (Status s = Import(batch); !s.ok()) return Failed(s);
    head = store.LastPosition();
    batch.clear();
  }
  return false;
}

}  // namespace okr::nats
