// JetStream: the parts of the NATS C client (Debian's libnats, which speaks
// JetStream) that OKR Ledger uses, behind owning types. A connection that
// reconnects by itself for as long as it lives; a stream made if missing;
// publishing with the two headers that make the stream's sequence follow
// the log's positions exactly once (Nats-Msg-Id, Nats-Expected-Last-
// Sequence); reading a stream in order from a sequence on. No protocol of
// our own: every byte on the wire is the library's.
//
// Thread safety: one JetStream object is used from one thread at a time;
// the library's own threads call back into it (Connected()).
#ifndef OKR_ADAPTERS_NATS_JETSTREAM_H_
#define OKR_ADAPTERS_NATS_JETSTREAM_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/status.h"

// The library's types, kept out of every header but this one's .cc.
struct __natsConnection;
struct __jsCtx;
struct __natsSubscription;

namespace okr::nats {

struct AckSink;  // jetstream.cc

// A stream name JetStream takes (no '.', '*', '>', '/', '\\', whitespace)
// and a subject token (no '.', '*', '>', whitespace): one rule for both,
// letters, digits, '-' and '_', 1 to 64 of them.
bool IsNameToken(const std::string& s);

// One message of a stream, as stored.
struct StreamMessage {
  std::uint64_t sequence = 0;
  std::string subject;
  std::string data;
  std::string msg_id;  // the Nats-Msg-Id header, "" without one
};

// What one batch of asynchronous publishes came to.
struct PublishOutcome {
  std::uint64_t acked = 0;          // stored by this batch, new
  std::uint64_t duplicates = 0;     // already in the stream (same Msg-Id)
  std::uint64_t last_sequence = 0;  // the highest sequence acknowledged
  // The first refusal or failure, empty if none. wrong_last_sequence: the
  // stream's last sequence was not the one expected (a gap or a message
  // from elsewhere): read the stream's state again.
  std::string error;
  bool wrong_last_sequence = false;
};

class JetStream {
 public:
  // Connects to `url` (nats://HOST:PORT) without waiting for the server:
  // while it is unreachable the connection keeps trying, every 250 ms or
  // so, for as long as the object lives. `wait` bounds each request.
  static Result<std::unique_ptr<JetStream>> Connect(
      const std::string& url, std::chrono::milliseconds wait);
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  // Connected to a server now.
  bool Connected() const;

  // Makes the stream if missing (file storage, `subjects`, limits
  // retention, a 2-minute duplicate window) and returns its last
  // sequence (0 when empty).
  Result<std::uint64_t> EnsureStream(const std::string& name,
                                     const std::vector<std::string>& subjects);
  // The stream's last sequence; NotFound when there is no such stream.
  Result<std::uint64_t> LastSequence(const std::string& name);

  // Publishes messages in order without waiting for each answer; message i
  // carries Nats-Msg-Id ids[i] and expects the stream's last sequence to
  // be first_expected + i (so the batch lands contiguously after it, or
  // not at all past the first refusal). Waits for every answer, at most
  // `wait` (the connection's) past the last.
  struct Message {
    std::string subject, data, msg_id;
  };
  PublishOutcome PublishInOrder(const std::vector<Message>& batch,
                                std::uint64_t first_expected);

  // The message at `sequence`; NotFound when the stream has none there.
  Result<StreamMessage> Get(const std::string& stream, std::uint64_t sequence);

  // Reads the stream in order from `start` (>= 1) on: an ordered consumer,
  // which the library makes again by itself after the server came back.
  // Next() waits up to `timeout` for the next message; nullopt when none
  // came (or while the server is away).
  class Reader {
   public:
    ~Reader();
    Result<std::optional<StreamMessage>> Next(
        std::chrono::milliseconds timeout);

   private:
    friend class JetStream;
    Reader() = default;
    __natsSubscription* sub_ = nullptr;
  };
  Result<std::unique_ptr<Reader>> Read(const std::string& stream,
                                       const std::string& subjects,
                                       std::uint64_t start);

 private:
  JetStream();
  // Forgets the publishes still waiting for an answer.
  void DropPending();
  std::unique_ptr<AckSink> sink_;  // the answers to PublishInOrder
  __natsConnection* nc_ = nullptr;
  __jsCtx* js_ = nullptr;
  std::chrono::milliseconds wait_{5000};
  bool published_async_ = false;
};

}  // namespace okr::nats

#endif  // OKR_ADAPTERS_NATS_JETSTREAM_H_
