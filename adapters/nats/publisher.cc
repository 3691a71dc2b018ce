#include "adapters/nats/publisher.h"

#include <iostream>
#include <vector>

#include "adapters/nats/jetstream.h"
#include "engine/subscription.h"
#include "events/export_format.h"

namespace okr::nats {

std::string CheckPublisherOptions(const PublisherOptions& o) {
  if (o.url.rfind("nats://", 0) != 0 || o.url.size() <= 7) {
    return "--publish must be a nats://HOST:PORT URL";
  }
  if (!IsNameToken(o.org)) {
    return "--org is required with --publish: 1 to 64 letters, digits, - "
           "or _ (it is a NATS subject token)";
  }
  if (!IsNameToken(o.stream)) {
    return "--publish-stream must be 1 to 64 letters, digits, - or _ (a "
           "JetStream stream name)";
  }
  return "";
}

std::string Publisher::SubjectOf(const std::string& org,
                                 const std::string& stream) {
  std::string kind = stream.substr(0, stream.find('/'));
  if (!IsNameToken(kind)) kind = "other";  // never a wildcard or a dot
  return "okr." + org + "." + kind;
}

Publisher::Publisher(OkrEngine* engine, PublisherOptions options)
    : engine_(engine),
      options_(std::move(options)),
      checkpoint_name_("publisher:" + options_.stream) {}

Publisher::~Publisher() { Stop(); }

void Publisher::Start() {
  Result<std::uint64_t> saved =
      engine_->store().LoadCheckpoint(checkpoint_name_);
  if (saved.ok()) stream_last_ = saved_ = saved.value();
  SetDown("not connected yet to " + options_.url);
  worker_.Start([this] { Run(); });
}

void Publisher::Stop() { worker_.Stop(); }

bool Publisher::SleepFor(std::chrono::milliseconds d) {
  return worker_.SleepFor(d);
}

void Publisher::SetDown(const std::string& why) {
  connected_ = false;
  std::lock_guard lock(mu_);
  if (why != error_ && !why.empty()) {
    std::cerr << "okr: publisher (" << options_.stream << "): " << why << "\n";
  }
  error_ = why;
}

PublisherStatus Publisher::status() const {
  PublisherStatus s;
  const std::uint64_t head = engine_->store().LastPosition();
  const std::uint64_t done = stream_last_.load();
  s.lag = head > done ? head - done : 0;
  s.published = published_.load();
  {
    std::lock_guard lock(mu_);
    s.error = error_;
  }
  s.state = !connected_.load() ? "down" : s.lag == 0 ? "ok" : "behind";
  return s;
}

void Publisher::SetPublished(std::uint64_t position, bool save) {
  stream_last_ = position;
  const auto now = std::chrono::steady_clock::now();
  if (position == saved_ ||
      (!save && now - saved_at_ < std::chrono::seconds(1))) {
    return;
  }
  saved_ = position;
  saved_at_ = now;
  Status s = engine_->store().SaveCheckpoint(checkpoint_name_, position, {});
  if (!s.ok()) {
    std::cerr << "okr: publisher checkpoint: " << s.ToString() << "\n";
  }
}

void Publisher::Run() {
  Result<std::unique_ptr<JetStream>> js =
      JetStream::Connect(options_.url, options_.wait);
  if (!js.ok()) return SetDown(js.status().message());
  while (SleepFor(std::chrono::milliseconds(0))) {
    if (!js.value()->Connected()) {
      SetDown("not connected to " + options_.url + " (retrying)");
      if (!SleepFor(std::chrono::milliseconds(100))) return;
      continue;
    }
    Serve(*js.value());
    SetPublished(stream_last_, true);  // what it published, saved however
                                       // the serving ended
    // After a failure: a pause, then the stream's state is read again.
    if (!SleepFor(std::chrono::milliseconds(250))) return;
  }
}

std::string Publisher::NotThisLog(JetStream& js, std::uint64_t last,
                                  std::uint64_t head) {
  if (last > head) {
    return "holds " + std::to_string(last) + " messages, more than the log's " +
           std::to_string(head) + " events";
  }
  if (last == 0) return "";
  // Its last message must be this log's event there, byte for byte (a
  // store restored from an older backup has other events after it).
  Result<StreamMessage> m = js.Get(options_.stream, last);
  auto e = engine_->store().ReadAll(last, 1);
  if (!m.ok() || !e.ok() || e.value().empty()) {
    return "cannot be compared with the log at " + std::to_string(last);
  }
  if (m.value().msg_id != options_.org + "/" + std::to_string(last) ||
      m.value().data != events::ExportLine(e.value().front())) {
    return "holds at " + std::to_string(last) +
           " another message than the log's event there";
  }
  return "";
}

void Publisher::Serve(JetStream& js) {
  Result<std::uint64_t> last =
      js.EnsureStream(options_.stream, {"okr." + options_.org + ".>"});
  if (!last.ok()) return SetDown(last.status().message());
  EventStore& store = engine_->store();
  const std::uint64_t head = store.LastPosition();
  if (std::string why = NotThisLog(js, last.value(), head); !why.empty()) {
    SetDown("stream " + options_.stream + " " + why +
            ": it is another log's; nothing is published");
    SleepFor(std::chrono::seconds(1));
    return;
  }
  SetPublished(last.value(), true);
  {
    std::lock_guard lock(mu_);
    error_.clear();
  }
  connected_ = true;
  std::unique_ptr<Subscription> sub = store.Subscribe(last.value());
  while (SleepFor(std::chrono::milliseconds(0))) {
    auto page = sub->Next(options_.batch, std::chrono::milliseconds(200));
    if (!page.ok()) return SetDown(page.status().ToString());
    if (page.value().empty()) {
      SetPublished(stream_last_, true);  // caught up: saved now
      if (sub->state() == Subscription::State::kClosed) return;
      if (!js.Connected()) return SetDown("connection to NATS lost");
      continue;
    }
    std::vector<JetStream::Message> batch;
    batch.reserve(page.value().size());
    for (const RecordedEvent& e : page.value()) {
      batch.push_back({SubjectOf(options_.org, e.stream), events::ExportLine(e),
                       options_.org + "/" + std::to_string(e.position)});
    }
    PublishOutcome out =
        js.PublishInOrder(batch, page.value().front().position - 1);
    published_ += out.acked;
    if (!out.error.empty()) {
      // Whatever was stored stays; the stream's last sequence says where
      // to go on from. A refusal of the expected sequence is not an outage.
      if (out.wrong_last_sequence) {
        std::cerr << "okr: publisher (" << options_.stream
                  << "): the stream moved (" << out.error << "); reading it "
                  << "again\n";
      } else {
        SetDown(out.error);
      }
      return;
    }
    SetPublished(page.value().back().position, false);
  }
}

}  // namespace okr::nats
