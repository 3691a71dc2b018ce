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

std::string Replica::Import(std::vector<RecordedEvent>& batch) {
  EventStore& store = engine_->store();
  Status s = store.ImportBatch(batch);
  if (s.ok() || batch.size() == 1) return s.ok() ? "" : s.ToString();
  // Nothing of the batch was written: the events before the bad one go in
  // one by one, so the replica holds all it can.
  for (const RecordedEvent& e : batch) {
    if (Status one = store.ImportBatch({e}); !one.ok()) return one.ToString();
  }
  return "";
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
        std::string earlier = batch.empty() ? "" : Import(batch);
        Set("stopped", earlier.empty() ? why : earlier);
        return true;
      }
      batch.push_back(std::move(e));
      if (batch.size() < options_.batch) continue;
    }
    if (batch.empty()) continue;
    if (std::string why = Import(batch); !why.empty()) {
      Set("stopped", why);
      return true;
    }
    head = store.LastPosition();
    batch.clear();
  }
  return false;
}

}  // namespace okr::nats
