#include "adapters/http/server.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/http/json_text.h"
#include "adapters/http/problem.h"
#include "adapters/http/routes.h"
#include "adapters/http/tenants.h"
#include "adapters/http/views.h"
#include "engine/event_store.h"
#include "events/export_format.h"
#include "events/utf8.h"

namespace okr::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// The security headers as raw header lines, for the answers written by hand
// (the 503 of the connection cap, the event stream's head).
std::string RawSecurityHeaders() {
  std::string out;
  for (const auto& [name, value] : SecurityHeaders(/*html=*/false)) {
    out += name + ": " + value + "\r\n";
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SecurityHeaders(bool html) {
  return {
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
      {"Content-Security-Policy",
       html ? "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
            : "default-src 'none'; frame-ancestors 'none'"},
  };
}

// Server-Sent Events of the log: catch-up from a position, then live. A
// store's hub wakes its streams when a batch becomes durable; each reads
// what is new from the store on its own strand and writes it, one write at
// a time, with a comment line as heartbeat when nothing happens.
class SseStream : public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(beast::tcp_stream stream, EventStore& store, std::uint64_t after,
            std::chrono::milliseconds write_timeout, ServerStats& stats,
            Metrics& metrics)
      : stream_(std::move(stream)),
        store_(store),
        position_(after),
        write_timeout_(write_timeout),
        timer_(stream_.get_executor()),
        stats_(stats),
        metrics_(metrics) {
    ++stats_.open_connections;
    ++metrics_.event_streams_open;
  }
  ~SseStream() {
    SetLive(false);
    --metrics_.event_streams_open;
    --stats_.open_connections;
  }

  void Start() {
    out_ =
        "HTTP/1.1 200 OK\r\nServer: okr-ledger\r\nContent-Type: "
        "text/event-stream\r\n" +
        RawSecurityHeaders() + "Connection: close\r\n\r\n: connected\n\n";
    Write();
    Heartbeat();
  }
  // From any thread: new events may be there.
  void Wake() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->woken_ = true;
      if (!self->writing_) self->Pump();
    });
  }
  void Close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closed_ = true;
      beast::error_code ec;
      self->timer_.cancel();
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    });
  }
  bool closed() const { return closed_; }

 private:
  void Pump() {
    woken_ = false;
    if (closed_) return;
    // Nothing comes after the last position there can be.
    if (position_ == std::numeric_limits<std::uint64_t>::max()) return;
    try {
      auto page = store_.ReadAll(position_ + 1, 500);
      if (!page.ok()) return;
      // At the head: live, until a wake finds more.
      SetLive(page->empty());
      if (page->empty()) return;
      out_.clear();
      for (const RecordedEvent& e : *page) {
        // Event types are the catalogue's names; stored text in the data
        // that is not UTF-8 is written as U+FFFD (JsonText).
        out_ += "id: " + std::to_string(e.position) + "\nevent: " + e.type +
                "\ndata: " + JsonText(events::ExportJson(e)) + "\n\n";
      }
      position_ = page->back().position;
    } catch (const std::exception& e) {
      // One stream's failure ends that stream, never the server.
      std::cerr << "okr serve: event stream closed after position " << position_
                << ": " << e.what() << std::endl;
      closed_ = true;
      beast::error_code ec;
      timer_.cancel();
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      return;
    }
    woken_ = true;  // there may be more
    Write();
  }
  void Write() {
    writing_ = true;
    // A client that stops reading loses its stream instead of holding it.
    stream_.expires_after(write_timeout_);
    net::async_write(
        stream_, net::buffer(out_),
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->writing_ = false;
          if (ec) {
            self->closed_ = true;
            self->timer_.cancel();
            return;
          }
          if (self->woken_) self->Pump();
        });
  }
  // Counted in okr_event_streams{state="live"} while at the head.
  void SetLive(bool live) {
    if (live == live_) return;
    live_ = live;
    metrics_.event_streams_live += live ? 1 : -1;
  }
  void Heartbeat() {
    timer_.expires_after(std::chrono::seconds(15));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (!self->writing_) {
        self->out_ = ": heartbeat\n\n";
        self->Write();
      }
      self->Heartbeat();
    });
  }

  beast::tcp_stream stream_;
  EventStore& store_;
  std::uint64_t position_;
  std::chrono::milliseconds write_timeout_;
  net::steady_timer timer_;
  ServerStats& stats_;
  Metrics& metrics_;
  std::string out_;
  bool writing_ = false, woken_ = true, closed_ = false, live_ = false;
};

struct SseHub {
  std::mutex mu;
  std::vector<std::weak_ptr<SseStream>> streams;
  void Add(const std::shared_ptr<SseStream>& s) {
    std::lock_guard lock(mu);
    streams.erase(std::remove_if(streams.begin(), streams.end(),
                                 [](const auto& w) { return w.expired(); }),
                  streams.end());
    streams.push_back(s);
  }
  void WakeAll() {
    std::lock_guard lock(mu);
    for (auto& w : streams) {
      if (auto s = w.lock()) s->Wake();
    }
  }
  void CloseAll() {
    std::lock_guard lock(mu);
    for (auto& w : streams) {
      if (auto s = w.lock()) s->Close();
    }
  }
};

struct Server::Impl {
  std::vector<Tenant> tenants;  // empty for a bare handler
  Handler handler;
  ServerOptions options;
  ServerStats& stats;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer accept_pause;  // on the acceptor's strand
  std::chrono::steady_clock::time_point accept_warned{};
  net::signal_set signals;
  std::atomic<bool> stopping{false};
  std::function<void(int)> on_signal;
  // The event streams of each tenant's store, to wake when it grows.
  std::map<const Api*, std::shared_ptr<SseHub>> hubs;

  Impl(std::vector<Tenant> t, Handler h, ServerOptions o, ServerStats& s)
      : tenants(std::move(t)),
        handler(std::move(h)),
        options(std::move(o)),
        stats(s),
        ioc(options.threads),
        acceptor(net::make_strand(ioc)),
        accept_pause(acceptor.get_executor()),
        signals(ioc, SIGINT, SIGTERM) {
    for (const Tenant& t : tenants) hubs[t.api] = std::make_shared<SseHub>();
  }

  // One connection: read a request, let the Api answer, write, repeat.
  //
  // Reading a request: DoRead (a new parser; between requests, wait up to
  // idle_timeout for the next one's first byte) -> DoReadHead (the head by
  // head_deadline_) -> OnHead -> (the body within body_timeout) -> OnBody ->
  // OnRequest. Bytes of pipelined requests stay in buffer_ and are read
  // after the answer before them is written.
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(tcp::socket socket, Impl& server)
        : stream_(std::move(socket)), server_(server) {
      ++server_.stats.open_connections;
    }
    ~Session() { --server_.stats.open_connections; }

    void Start() {
      net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
        // The first request's head is due header_timeout after the accept:
        // a connection that sends nothing is closed by then.
        self->head_deadline_ =
            Clock::now() + self->server_.options.header_timeout;
        self->DoRead();
      });
    }

   private:
    using Clock = net::steady_timer::clock_type;

    void DoRead() {
      parser_.emplace();
      parser_->body_limit(server_.options.body_limit);
      parser_->header_limit(
          static_cast<std::uint32_t>(server_.options.header_limit));
      if (first_) {
        first_ = false;
        return DoReadHead();
      }
      if (buffer_.size() > 0) {  // pipelined: the next head is arriving
        head_deadline_ = Clock::now() + server_.options.header_timeout;
        return DoReadHead();
      }
      stream_.expires_after(server_.options.idle_timeout);
      stream_.async_read_some(buffer_.prepare(4096),
                              beast::bind_front_handler(&Session::OnFirstBytes,
                                                        shared_from_this()));
    }

    void OnFirstBytes(beast::error_code ec, std::size_t n) {
      if (ec) return;  // idle too long, or closed by the client: close
      buffer_.commit(n);
      head_deadline_ = Clock::now() + server_.options.header_timeout;
      DoReadHead();
    }

    void DoReadHead() {
      // One deadline for the whole head, however slowly it trickles in.
      stream_.expires_at(head_deadline_);
      bhttp::async_read_header(
          stream_, buffer_, *parser_,
          beast::bind_front_handler(&Session::OnHead, shared_from_this()));
    }

    void OnHead(beast::error_code ec, std::size_t) {
      if (ec) return OnReadError(ec);
      if (parser_->is_done()) return OnRequest();
      stream_.expires_after(server_.options.body_timeout);
      bhttp::async_read(
          stream_, buffer_, *parser_,
          beast::bind_front_handler(&Session::OnBody, shared_from_this()));
    }

    void OnBody(beast::error_code ec, std::size_t) {
      if (ec) return OnReadError(ec);
      OnRequest();
    }

    // A refusal answers and closes; a deadline, a reset or the client's
    // close just closes.
    void OnReadError(beast::error_code ec) {
      if (ec == bhttp::error::body_limit) {
        return Refuse(413, "body-too-large",
                      "the body is over " +
                          std::to_string(server_.options.body_limit) +
                          " bytes");
      }
      if (ec == bhttp::error::header_limit ||
          ec == bhttp::error::buffer_overflow) {
        return Refuse(431, "header-too-large",
                      "the request line and headers are over " +
                          std::to_string(server_.options.header_limit) +
                          " bytes");
      }
      if (ec.category() ==
              bhttp::make_error_code(bhttp::error::bad_method).category() &&
          ec != bhttp::error::end_of_stream &&
          ec != bhttp::error::partial_message) {
        // The parser's message names the rule broken, never the input.
        return Refuse(400, "malformed-request",
                      "not an HTTP/1.1 request (" + ec.message() + ")");
      }
    }

    void Refuse(int status, const std::string& slug,
                const std::string& detail) {
      draining_ = true;
      Send(status, "application/problem+json",
           JsonText(HttpProblemJson(status, slug, detail)), {},
           /*keep_alive=*/false);
    }

    void OnRequest() {
      auto& req = parser_->get();
      std::string target(req.target());
      Api* api = nullptr;
      if (!server_.tenants.empty()) {
        api = PickTenant(server_.tenants, &target);
        if (api == nullptr) {
          ++server_.stats.requests;
          return Send(404, "application/problem+json", NoTenantProblem(), {},
                      req.keep_alive() && !server_.stopping);
        }
        // The route table says which requests are the event stream.
        if (IsStreamRequest(View(req.method_string()), target)) {
          return StartEvents(req, *api, std::move(target));
        }
      }
      HttpRequest r;
      r.method = std::string(req.method_string());
      r.target = std::move(target);
      r.authorization = std::string(req[bhttp::field::authorization]);
      r.cookie = std::string(req[bhttp::field::cookie]);
      r.if_none_match = std::string(req[bhttp::field::if_none_match]);
      r.origin = std::string(req[bhttp::field::origin]);
      r.content_type = std::string(req[bhttp::field::content_type]);
      r.if_match = std::string(req[bhttp::field::if_match]);
      r.idempotency_key = std::string(req["Idempotency-Key"]);
      r.body = std::move(req.body());
      keep_alive_ = req.keep_alive();
      http10_ = req.version() < 11;
      ++server_.stats.requests;
      ++server_.stats.in_flight;
      stream_.expires_never();
      auto self = shared_from_this();
      auto respond = [self](HttpResponse response) {
        net::post(self->stream_.get_executor(),
                  [self, response = std::move(response)]() mutable {
                    bool keep = self->keep_alive_ && !self->server_.stopping;
                    // HTTP/1.0 knows no chunks: the body whole.
                    if (response.stream && self->http10_) {
                      CollectBody(&response);
                    }
                    if (response.stream) {
                      // In flight until its last chunk (a stop waits).
                      return self->SendStreamed(std::move(response), keep);
                    }
                    --self->server_.stats.in_flight;
                    self->Send(response.status, response.content_type,
                               std::move(response.body),
                               std::move(response.headers), keep);
                  });
      };
      if (api != nullptr) return api->Handle(r, std::move(respond));
      server_.handler(r, std::move(respond));
    }

    // The head every answer carries.
    template <class Body>
    static void SetHead(
        bhttp::response<Body>& res, const std::string& type,
        const std::vector<std::pair<std::string, std::string>>& headers) {
      res.set(bhttp::field::server, "okr-ledger");
      if (!type.empty()) res.set(bhttp::field::content_type, type);
      // The one place the security headers are set; a route may override.
      for (auto& [k, v] : SecurityHeaders(type.rfind("text/html", 0) == 0)) {
        res.set(k, v);
      }
      for (auto& [k, v] : headers) res.set(k, v);
    }

    void Send(int status, const std::string& type, std::string body,
              std::vector<std::pair<std::string, std::string>> headers,
              bool keep_alive) {
      auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
          static_cast<bhttp::status>(status), 11);
      SetHead(*res, type, headers);
      res->body() = std::move(body);
      res->keep_alive(keep_alive);
      res->prepare_payload();
      stream_.expires_after(server_.options.write_timeout);
      bhttp::async_write(stream_, *res,
                         [self = shared_from_this(), res, keep_alive](
                             beast::error_code ec, std::size_t) {
                           if (ec) return;
                           self->AfterAnswer(keep_alive);
                         });
    }

    void AfterAnswer(bool keep_alive) {
      if (!keep_alive) return draining_ ? DoLingeringClose() : DoClose();
      DoRead();
    }

    // An answer whose body is made as it goes (HttpResponse::stream): the
    // head, then one chunk per piece, each written before the next is
    // made, so at most one piece is held; then the last chunk. The whole
    // answer must be written within write_timeout, as any answer: a client
    // that reads slowly is cut off then. Counted in flight until it ends
    // (`in_flight`, released by the last handler of the chain).
    void SendStreamed(HttpResponse response, bool keep_alive) {
      auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(
          static_cast<bhttp::status>(response.status), 11);
      SetHead(*res, response.content_type, response.headers);
      res->keep_alive(keep_alive);
      res->chunked(true);
      auto sr =
          std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*res);
      auto next = std::make_shared<Producer>(std::move(response.stream),
                                             server_.stats.in_flight);
      stream_.expires_after(server_.options.write_timeout);
      bhttp::async_write_header(
          stream_, *sr,
          [self = shared_from_this(), res, sr, next, keep_alive](
              beast::error_code ec, std::size_t) {
            if (ec) return;
            self->WritePiece(next, keep_alive);
          });
    }

    // A streamed body's maker and the buffer of its piece in hand (one at a
    // time is written), holding its answer in flight while it lives.
    struct Producer {
      Producer(std::function<bool(std::string&)> f,
               std::atomic<std::int64_t>& in_flight)
          : next(std::move(f)), in_flight(in_flight) {}
      ~Producer() { --in_flight; }
      Producer(const Producer&) = delete;
      Producer& operator=(const Producer&) = delete;
      std::function<bool(std::string&)> next;
      std::string piece;
      std::atomic<std::int64_t>& in_flight;
    };

    void WritePiece(std::shared_ptr<Producer> next, bool keep_alive) {
      std::string& piece = next->piece;
      piece.clear();
      bool more = false;
      try {
        more = next->next(piece);
      } catch (const std::exception& e) {
        // The head is gone: no status can tell. Ending the connection
        // without the last chunk tells the client the body is incomplete.
        std::cerr << "okr serve: internal error making an answer's body: "
                  << ToValidUtf8(e.what()) << std::endl;
        return DoClose();
      }
      auto done = [self = shared_from_this(), next, more, keep_alive](
                      beast::error_code ec, std::size_t) {
        if (ec) return;
        if (more) return self->WritePiece(next, keep_alive);
        self->WriteLastChunk(std::move(next), keep_alive);
      };
      if (piece.empty()) {
        // A zero-size chunk would end the body: post instead.
        return net::post(stream_.get_executor(),
                         [done] { done(beast::error_code(), 0); });
      }
      net::async_write(stream_, bhttp::make_chunk(net::buffer(piece)),
                       std::move(done));
    }

    void WriteLastChunk(std::shared_ptr<Producer> done, bool keep_alive) {
      net::async_write(stream_, bhttp::make_chunk_last(),
                       [self = shared_from_this(), done, keep_alive](
                           beast::error_code ec, std::size_t) {
                         if (ec) return;
                         self->AfterAnswer(keep_alive);
                       });
    }

    // GET /v1/events/stream (`target`, the tenant's prefix taken off) of
    // `api`: authenticate, then hand the connection to an SseStream
    // starting after `after` or Last-Event-ID.
    void StartEvents(const bhttp::request<bhttp::string_body>& req, Api& api,
                     std::string target) {
      // The Api checks it as any other request: UTF-8 at the door, the
      // token, and after= / Last-Event-ID with the parser of /v1/events.
      const Clock::time_point started = Clock::now();
      HttpRequest r;
      r.method = std::string(req.method_string());
      r.target = std::move(target);
      r.authorization = std::string(req[bhttp::field::authorization]);
      r.cookie = std::string(req[bhttp::field::cookie]);
      r.last_event_id = std::string(req["Last-Event-ID"]);
      std::uint64_t after = 0;
      if (std::optional<HttpResponse> refused = api.OpenStream(r, &after)) {
        CountEvents(api, refused->status, started);
        return Send(refused->status, refused->content_type,
                    std::move(refused->body), std::move(refused->headers),
                    false);
      }
      ++server_.stats.requests;
      CountEvents(api, 200, started);
      stream_.expires_never();
      auto sse = std::make_shared<SseStream>(
          std::move(stream_), api.engine().store(), after,
          server_.options.write_timeout, server_.stats, api.metrics());
      server_.hubs.at(&api)->Add(sse);
      sse->Start();
    }

    // The event stream's answers are counted in /metrics as the Api counts
    // its own: under the route's pattern, timed to the stream's head.
    void CountEvents(Api& api, int status, Clock::time_point started) {
      api.metrics().Record(
          MatchRoute("/v1/events/stream"), MethodLabel("GET"), status,
          std::chrono::duration<double>(Clock::now() - started).count());
    }

    // A lingering close: after a refusal, read and drop what the client is
    // still sending (3 s at most in all, however slowly it sends), so
    // closing does not reset the connection before it has read the answer.
    void DoLingeringClose() {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      stream_.expires_after(std::chrono::seconds(3));
      Drain();
    }
    void Drain() {
      stream_.async_read_some(
          net::buffer(scratch_),
          [self = shared_from_this()](beast::error_code e, std::size_t) {
            if (!e) self->Drain();
          });
    }

    void DoClose() {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    beast::tcp_stream stream_;
    Impl& server_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    Clock::time_point head_deadline_;
    bool first_ = true;  // no request read yet
    bool keep_alive_ = true;
    bool http10_ = false;  // the request in hand is HTTP/1.0
    bool draining_ = false;
    std::array<char, 16384> scratch_;
  };

  void DoAccept() {
    acceptor.async_accept(net::make_strand(ioc),
                          [this](beast::error_code ec, tcp::socket s) {
                            OnAccept(ec, std::move(s));
                          });
  }

  void OnAccept(beast::error_code ec, tcp::socket s) {
    if (ec) {
      if (stopping || !acceptor.is_open() ||
          ec == net::error::operation_aborted) {
        return;
      }
      if (ec == net::error::connection_aborted) return DoAccept();
      // Out of file descriptors (EMFILE, ENFILE) or memory: the connection
      // stays queued and an immediate retry would fail at once, forever.
      // Pause instead of spinning; closing connections free descriptors.
      auto now = std::chrono::steady_clock::now();
      if (now - accept_warned > std::chrono::seconds(10)) {
        accept_warned = now;
        std::cerr << "okr serve: cannot accept connections (" << ec.message()
                  << "); pausing accepts for 100 ms at a time\n";
      }
      accept_pause.expires_after(std::chrono::milliseconds(100));
      accept_pause.async_wait([this](beast::error_code e) {
        if (!e && !stopping && acceptor.is_open()) DoAccept();
      });
      return;
    }
    ++stats.connections;
    if (stats.open_connections.load() >=
        static_cast<std::int64_t>(options.max_connections)) {
      RefuseOverCap(std::move(s));
    } else {
      std::make_shared<Session>(std::move(s), *this)->Start();
    }
    DoAccept();
  }

  // Over the cap: a short 503, written synchronously (it fits any socket
  // buffer), then close. What the client already sent is read first so the
  // close does not reset the connection under the answer.
  static void RefuseOverCap(tcp::socket s) {
    std::string body = HttpProblemJson(503, "too-many-connections",
                                       "too many connections; retry")
                           .dump();
    std::string msg =
        "HTTP/1.1 503 Service Unavailable\r\nServer: okr-ledger\r\n"
        "Content-Type: application/problem+json\r\n" +
        RawSecurityHeaders() +
        "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    beast::error_code ignored;
    net::write(s, net::buffer(msg), ignored);
    s.shutdown(tcp::socket::shutdown_send, ignored);
    s.non_blocking(true, ignored);
    std::array<char, 4096> sink;
    for (int i = 0; i < 16; ++i) {
      s.read_some(net::buffer(sink), ignored);
      if (ignored) break;
    }
    s.close(ignored);
  }
};

Server::Server(Api& api, ServerOptions options)
    : Server(std::vector<Tenant>{{"", &api}}, std::move(options)) {}

Server::Server(std::vector<Tenant> tenants, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(tenants), nullptr,
                                   std::move(options), stats_)) {}

Server::Server(Handler handler, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::vector<Tenant>{}, std::move(handler),
                                   std::move(options), stats_)) {}

Server::~Server() = default;

Status Server::Start() {
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec)
    return Status::InvalidArgument("bad listen address " + impl_->options.host);
  tcp::endpoint ep{address, impl_->options.port};
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot listen on " + impl_->options.host + ":" +
                           std::to_string(impl_->options.port) + ": " +
                           ec.message());
  }
  impl_->DoAccept();
  for (const Tenant& t : impl_->tenants) {
    std::weak_ptr<SseHub> hub = impl_->hubs.at(t.api);
    t.api->engine().store().AddDurableListener([hub](std::uint64_t) {
      if (auto h = hub.lock()) h->WakeAll();
    });
  }
  impl_->signals.async_wait([this](beast::error_code e, int sig) {
    if (e) return;
    if (impl_->on_signal) {
      impl_->on_signal(sig);
    } else {
      Stop();
    }
  });
  return Status::OK();
}

std::uint16_t Server::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void Server::OnSignal(std::function<void(int)> fn) {
  impl_->on_signal = std::move(fn);
}

void Server::Run() {
  // A handler that throws ends that handler, not the I/O thread: logged,
  // then the thread goes back to serving.
  auto serve = [this] {
    for (;;) {
      try {
        impl_->ioc.run();
        return;
      } catch (const std::exception& e) {
        std::cerr << "okr serve: an I/O handler failed: " << e.what()
                  << std::endl;
      } catch (...) {
        std::cerr << "okr serve: an I/O handler failed" << std::endl;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < impl_->options.threads; ++i) pool.emplace_back(serve);
  serve();
  for (auto& t : pool) t.join();
}

void Server::Stop() {
  if (impl_->stopping.exchange(true)) return;
  net::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->accept_pause.cancel();
    impl_->signals.cancel(ec);
    for (auto& [api, hub] : impl_->hubs) hub->CloseAll();
    // Wait for the requests in flight, then stop the I/O.
    auto timer = std::make_shared<net::steady_timer>(impl_->ioc);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::shared_ptr<std::function<void()>> poll =
        std::make_shared<std::function<void()>>();
    *poll = [this, timer, deadline, poll] {
      if (stats_.in_flight.load() <= 0 ||
          std::chrono::steady_clock::now() > deadline) {
        // Give the last writes a moment to leave.
        timer->expires_after(std::chrono::milliseconds(50));
        timer->async_wait([this, poll](beast::error_code) {
          impl_->ioc.stop();
          *poll = nullptr;  // break the cycle
        });
        return;
      }
      timer->expires_after(std::chrono::milliseconds(20));
      timer->async_wait([poll](beast::error_code) {
        if (*poll) (*poll)();
      });
    };
    (*poll)();
  });
}

}  // namespace okr::http
