#include "adapters/nats/jetstream.h"

#include <nats/nats.h>

#include <cstdlib>
#include <mutex>
#include <string_view>

namespace okr::nats {

// What the acknowledgements of one PublishInOrder call came to; written by
// the library's thread (OnAck), read by the caller after the batch.
struct AckSink {
  std::mutex mu;
  PublishOutcome outcome;
};

namespace {

// JSStreamWrongLastSequenceErr: Nats-Expected-Last-Sequence did not hold.
constexpr int kWrongLastSequence = 10071;

Status Failed(std::string_view what, natsStatus s, int code = 0) {
  std::string text = std::string(what) + ": " + natsStatus_GetText(s);
  if (code != 0) text += " (JetStream error " + std::to_string(code) + ")";
  return Status::IOError(text);
}

void OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae,
           void* closure) {
  auto* sink = static_cast<AckSink*>(closure);
  {
    std::lock_guard lock(sink->mu);
    PublishOutcome& o = sink->outcome;
    // The sequence this message was due at: one past the one it expected.
    const char* expected = nullptr;
    std::uint64_t due = 0;
    if (natsMsgHeader_Get(msg, "Nats-Expected-Last-Sequence", &expected) ==
            NATS_OK &&
        expected != nullptr) {
      due = std::strtoull(expected, nullptr, 10) + 1;
    }
    if (pa != nullptr && pa->Sequence != due && o.error.empty()) {
      // Stored (or known by its id) elsewhere: the stream is not this
      // log's copy any more.
      o.error = "a message due at sequence " + std::to_string(due) + " is at " +
                std::to_string(pa->Sequence);
    } else if (pa != nullptr) {
      (pa->Duplicate ? o.duplicates : o.acked) += 1;
      o.last_sequence = std::max(o.last_sequence, pa->Sequence);
    } else if (pae != nullptr && o.error.empty()) {
      o.wrong_last_sequence = pae->ErrCode == kWrongLastSequence;
      o.error =
          pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err);
      if (pae->ErrCode != 0) {
        o.error += " (JetStream error " + std::to_string(pae->ErrCode) + ")";
      }
    }
  }
  natsMsg_Destroy(msg);  // the handler owns it
}

// The message as a value; destroys `msg`.
StreamMessage Taken(natsMsg* msg, std::uint64_t sequence) {
  StreamMessage out;
  out.sequence = sequence;
  out.subject = natsMsg_GetSubject(msg);
  out.data.assign(natsMsg_GetData(msg),
                  static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  const char* id = nullptr;  // the message's own memory
  if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id != nullptr) {
    out.msg_id = id;
  }
  natsMsg_Destroy(msg);
  return out;
}

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

bool IsNameToken(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

Result<std::unique_ptr<JetStream>> JetStream::Connect(
    const std::string& url, std::chrono::milliseconds wait) {
  std::unique_ptr<JetStream> out(new JetStream());
  out->wait_ = wait;
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);  // forever
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 250);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 2000);
  // A request in flight when the connection drops fails at once rather
  // than waiting out its timeout.
  if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(opts, true);
  if (s == NATS_OK) {
    s = natsOptions_SetRetryOnFailedConnect(opts, true, nullptr, nullptr);
  }
  if (s != NATS_OK) {
    natsOptions_Destroy(opts);
    return Failed("NATS options for " + url, s);
  }
  s = natsConnection_Connect(&out->nc_, opts);
  natsOptions_Destroy(opts);  // the connection keeps its own copy
  // Not yet connected is fine: it goes on trying in the background.
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return Failed("connecting to " + url, s);
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = wait.count();
  jo.PublishAsync.AckHandler = OnAck;
  jo.PublishAsync.AckHandlerClosure = out->sink_.get();
  jo.PublishAsync.MaxPending = 4096;
  s = natsConnection_JetStream(&out->js_, out->nc_, &jo);
  if (s != NATS_OK) return Failed("JetStream context", s);
  return out;
}

JetStream::JetStream() : sink_(std::make_unique<AckSink>()) {}

void JetStream::DropPending() {
  // The library keeps no pending list before the first asynchronous
  // publish, and asking for it then crashes (libnats 3.4).
  if (!published_async_) return;
  natsMsgList pending{};
  if (js_PublishAsyncGetPendingList(&pending, js_) == NATS_OK) {
    natsMsgList_Destroy(&pending);
  }
}

JetStream::~JetStream() {
  if (js_ != nullptr) DropPending();  // no answer may reach sink_ after
  if (nc_ != nullptr) natsConnection_Close(nc_);
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) natsConnection_Destroy(nc_);
}

bool JetStream::Connected() const {
  return natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

Result<std::uint64_t> JetStream::LastSequence(const std::string& name) {
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js_, name.c_str(), nullptr, &code);
  if (s == NATS_NOT_FOUND) return Status::NotFound("no stream " + name);
  if (s != NATS_OK) return Failed("stream " + name, s, code);
  const std::uint64_t last = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  return last;
}

Result<std::uint64_t> JetStream::EnsureStream(
    const std::string& name, const std::vector<std::string>& subjects) {
  Result<std::uint64_t> last = LastSequence(name);
  if (!last.status().IsNotFound()) return last;
  std::vector<const char*> subject_ptrs;
  for (const std::string& subject : subjects) {
    subject_ptrs.push_back(subject.c_str());
  }
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name.c_str();
  cfg.Subjects = subject_ptrs.data();
  cfg.SubjectsLen = static_cast<int>(subject_ptrs.size());
  cfg.Storage = js_FileStorage;
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&si, js_, &cfg, nullptr, &code);
  if (s != NATS_OK) return Failed("making stream " + name, s, code);
  const std::uint64_t seq = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  return seq;
}

PublishOutcome JetStream::PublishInOrder(const std::vector<Message>& batch,
                                         std::uint64_t first_expected) {
  AckSink& sink = *sink_;
  {
    std::lock_guard lock(sink.mu);
    sink.outcome = PublishOutcome{};
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = wait_.count();
  published_async_ = true;
  std::string failed;
  for (std::size_t i = 0; i < batch.size() && failed.empty(); ++i) {
    const Message& m = batch[i];
    natsMsg* msg = nullptr;
    natsStatus s =
        natsMsg_Create(&msg, m.subject.c_str(), nullptr, m.data.data(),
                       static_cast<int>(m.data.size()));
    // Set by hand rather than through jsPubOptions: the library leaves
    // out an expected last sequence of 0, which the first message needs.
    if (s == NATS_OK)
      s = natsMsgHeader_Set(msg, "Nats-Msg-Id", m.msg_id.c_str());
    const std::string expected = std::to_string(first_expected + i);
    if (s == NATS_OK) {
      s = natsMsgHeader_Set(msg, "Nats-Expected-Last-Sequence",
                            expected.c_str());
    }
    // Each its own deadline: an answer lost with a crashed server comes
    // back as a timeout instead of staying pending for ever.
    if (s == NATS_OK) s = js_PublishMsgAsync(js_, &msg, &po);
    natsMsg_Destroy(msg);  // null when the library took it
    if (s != NATS_OK) failed = Failed("publishing", s).message();
  }
  natsStatus done = js_PublishAsyncComplete(js_, &po);
  if (done != NATS_OK) DropPending();  // their answers no longer count
  std::lock_guard lock(sink.mu);
  PublishOutcome out = sink.outcome;
  if (out.error.empty() && !failed.empty()) out.error = failed;
  if (out.error.empty() && done != NATS_OK) {
    out.error = Failed("waiting for acknowledgements", done).message();
  }
  return out;
}

Result<StreamMessage> JetStream::Get(const std::string& stream,
                                     std::uint64_t sequence) {
  natsMsg* msg = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&msg, js_, stream.c_str(), sequence, nullptr, &code);
  if (s == NATS_NOT_FOUND) {
    return Status::NotFound("no message " + std::to_string(sequence));
  }
  if (s != NATS_OK) return Failed("reading " + stream, s, code);
  StreamMessage out = Taken(msg, natsMsg_GetSequence(msg));
  return out;
}

Result<std::unique_ptr<JetStream::Reader>> JetStream::Read(
    const std::string& stream, const std::string& subjects,
    std::uint64_t start) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = start;
  std::unique_ptr<Reader> reader(new Reader());
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&reader->sub_, js_, subjects.c_str(), nullptr,
                                  &so, &code);
  if (s != NATS_OK) return Failed("reading " + stream, s, code);
  return reader;
}

JetStream::Reader::~Reader() {
  if (sub_ != nullptr) {
    natsSubscription_Unsubscribe(sub_);  // the ephemeral consumer goes too
    natsSubscription_Destroy(sub_);
  }
}

Result<std::optional<StreamMessage>> JetStream::Reader::Next(
    std::chrono::milliseconds timeout) {
  natsMsg* msg = nullptr;
  natsStatus s = natsSubscription_NextMsg(&msg, sub_, timeout.count());
  if (s == NATS_TIMEOUT) return std::optional<StreamMessage>();
  if (s != NATS_OK) return Failed("reading the stream", s);
  // A consumed message knows its stream sequence from its metadata.
  jsMsgMetaData* meta = nullptr;
  s = natsMsg_GetMetaData(&meta, msg);
  if (s != NATS_OK) {
    natsMsg_Destroy(msg);
    return Failed("a message without its stream sequence", s);
  }
  const std::uint64_t sequence = meta->Sequence.Stream;
  jsMsgMetaData_Destroy(meta);
  return std::optional<StreamMessage>(Taken(msg, sequence));
}

}  // namespace okr::nats
