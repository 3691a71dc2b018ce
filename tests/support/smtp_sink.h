// SmtpSink: a real SMTP server on 127.0.0.1 (any free port) for tests of
// mail delivery: tests/support/smtp_sink.py (aiosmtpd) run as a child
// process, each message it accepts kept as files in a folder of the test's.
// By default plain SMTP that offers STARTTLS and refuses MAIL (530) until
// the client has used it; with implicit_tls, TLS from the first byte
// (smtps). With auth "USER:PASSWORD", AUTH PLAIN/LOGIN is offered once
// encrypted and required before MAIL, and only that pair passes; with ""
// no AUTH is offered or needed. The certificate and key are PEM files,
// e.g. a TestCa's "good".
//
// HeaderOf() and BodyOf() take a raw message (RFC 5322) apart.
//
// Thread safety: one object per test, made on a thread that outlives it
// (the test's: the child gets SIGTERM when the thread that started it
// ends, so that a crashed test leaves no sink behind); port(), Url(),
// Messages(), WaitForCount() and Log() may be called from any thread (they
// only read files).
#ifndef OKR_TESTS_SUPPORT_SMTP_SINK_H_
#define OKR_TESTS_SUPPORT_SMTP_SINK_H_

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "tests/support/eventually.h"

namespace okr::testing {

class SmtpSink {
 public:
  struct Message {
    std::string raw;  // as sent after DATA (dot-unstuffed), CRLFs kept
    std::string mail_from;
    std::vector<std::string> rcpt_tos;
    bool tls = false;              // the message came over TLS
    std::string authenticated_as;  // "" when the client did not AUTH
  };

  // Starts the sink and waits (at most kPatience) until it accepts
  // connections. `dir` exists; the sink writes its port, its log
  // (smtp_sink.log) and the messages there. Throws std::runtime_error
  // (with the sink's log) if it does not start.
  SmtpSink(const std::string& dir, const std::string& cert_file,
           const std::string& key_file, const std::string& auth = "",
           bool implicit_tls = false);
  // SIGTERM, and waits for the child to exit (SIGKILL if it has not).
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // "smtp://127.0.0.1:PORT", or "smtps://..." with implicit_tls.
  std::string Url() const;
  // Every message accepted so far, in the order it was accepted.
  std::vector<Message> Messages() const;
  // Waits until at least `n` messages were accepted (true) or `timeout`
  // passes (false).
  bool WaitForCount(std::size_t n,
                    std::chrono::milliseconds timeout = kPatience) const;
  // What the sink wrote to stdout and stderr so far (for failure messages).
  std::string Log() const;

 private:
  std::size_t Count() const;

  std::string dir_;
  bool implicit_tls_ = false;
  pid_t pid_ = -1;
  int port_ = 0;
};

// The value of header `name` (case-insensitive) in `raw`, continuation
// lines unfolded (each CRLF before white space removed) and the white space
// around it trimmed; "" if the message has no such header. The first one
// if there are several.
std::string HeaderOf(const std::string& raw, const std::string& name);
// Everything after the first empty line (CRLFs as they are); "" if none.
std::string BodyOf(const std::string& raw);

}  // namespace okr::testing

#endif  // OKR_TESTS_SUPPORT_SMTP_SINK_H_
