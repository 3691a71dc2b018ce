// The TLS test helpers themselves, with Debian's curl command as the only
// client: the TestCa's certificates are what a real TLS stack accepts or
// refuses; the HTTPS WebhookReceiver records what a trusting client sends,
// counts a refused handshake and serves on; the SMTP sink (STARTTLS or
// smtps, with or without AUTH) keeps each message it accepts.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
// clang-format off
#include <utility>  // before Boost.Asio: 1.74's awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
// clang-format on
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/smtp_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ca.h"
#include "tests/support/webhook_receiver.h"

namespace okr::testing {
namespace {

struct Run {
  int rc = -1;         // curl's exit code
  std::string output;  // its stdout and stderr
};

std::string Quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// curl with `args`: no ~/.curlrc (-q), no proxy from the environment, and a
// deadline that only bounds a failure.
Run Curl(const std::string& args) {
  const std::string command =
      "curl -q -sS --noproxy '*' --max-time 60 " + args + " 2>&1";
  Run run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf;
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;) {
    run.output.append(buf.data(), n);
  }
  const int status = ::pclose(pipe);
  run.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

// curl started with `args` in the background, its output into `out`: its
// pid (-1 if it did not start).
pid_t CurlInBackground(const std::string& args, const std::string& out) {
  std::string command = "exec curl -q -sS --noproxy '*' --max-time 60 " + args +
                        " > " + Quoted(out) + " 2>&1";
  std::string sh = "sh", c = "-c";
  char* argv[] = {sh.data(), c.data(), command.data(), nullptr};
  pid_t pid = -1;
  if (::posix_spawnp(&pid, "sh", nullptr, nullptr, argv, environ) != 0) {
    return -1;
  }
  return pid;
}

std::string Header(const WebhookReceiver::Request& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

struct Tls {
  TempDir tmp;
  std::string Dir(const std::string& name) {
    const std::string d = tmp.Sub(name);
    ::mkdir(d.c_str(), 0700);
    return d;
  }
  TestCa ca = TestCa::Make(Dir("ca"));
  std::string Post(const WebhookReceiver& r, const std::string& cacert) {
    return "--cacert " + Quoted(cacert) +
           " -H 'Content-Type: application/json' -d '{}' " + Quoted(r.Url());
  }
};

BOOST_FIXTURE_TEST_SUITE(test_support_tls, Tls)

BOOST_AUTO_TEST_CASE(https_receiver_records_what_a_trusting_client_posts) {
  WebhookReceiver receiver({ca.cert("good"), ca.key("good")});
  BOOST_TEST(receiver.Url() ==
             "https://127.0.0.1:" + std::to_string(receiver.port()) + "/hook");

  Run run = Curl(Post(receiver, ca.ca_file()) + " -H 'X-Okr-Signature: s1'");
  BOOST_TEST_REQUIRE(run.rc == 0, run.output);
  BOOST_TEST(run.output == "ok");
  // By name, too: the certificate also names localhost.
  run = Curl("--cacert " + Quoted(ca.ca_file()) + " -d x " +
             Quoted(receiver.UrlWithHost("localhost", "/other")));
  BOOST_TEST_REQUIRE(run.rc == 0, run.output);

  auto got = receiver.Requests();
  BOOST_TEST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0].body == "{}");
  BOOST_TEST(got[0].target == "/hook");
  BOOST_TEST(got[0].signature == "s1");
  BOOST_TEST(got[0].content_type == "application/json");
  BOOST_TEST(Header(got[0], "Content-Type") == "application/json");
  BOOST_TEST(Header(got[0], "Host") ==
             "127.0.0.1:" + std::to_string(receiver.port()));
  BOOST_TEST(got[1].target == "/other");
  BOOST_TEST(got[1].body == "x");
  BOOST_TEST(receiver.tls_failures() == 0);

  // A key that is not the certificate's is refused at once.
  const WebhookReceiver::TlsOptions mismatched{ca.cert("good"),
                                               ca.key("wrong-host")};
  BOOST_CHECK_THROW(WebhookReceiver{mismatched}, std::runtime_error);
}

BOOST_AUTO_TEST_CASE(refused_handshake_is_counted_and_the_receiver_serves_on) {
  WebhookReceiver receiver({ca.cert("good"), ca.key("good")});
  Run run = Curl(Post(receiver, ca.other_ca_file()));
  BOOST_TEST(run.rc == 60, run.output);  // CURLE_PEER_FAILED_VERIFICATION
  // Plain HTTP to the HTTPS port fails the handshake as well.
  run = Curl("-d '{}' " +
             Quoted("http://127.0.0.1:" + std::to_string(receiver.port())));
  BOOST_TEST(run.rc != 0, run.output);
  BOOST_TEST(receiver.WaitForTlsFailures(2));

  run = Curl(Post(receiver, ca.ca_file()));
  BOOST_TEST_REQUIRE(run.rc == 0, run.output);
  BOOST_TEST(receiver.Requests().size() == 1u);
  BOOST_TEST(receiver.tls_failures() == 2);
}

BOOST_AUTO_TEST_CASE(
    a_client_that_never_shakes_hands_is_dropped_at_the_deadline) {
  WebhookReceiver::TlsOptions tls{ca.cert("good"), ca.key("good")};
  tls.handshake_deadline = std::chrono::milliseconds(200);
  WebhookReceiver receiver(tls);
  // Connected, silent: no ClientHello ever comes.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket silent(ioc);
  silent.connect({boost::asio::ip::make_address("127.0.0.1"),
                  static_cast<unsigned short>(receiver.port())});
  BOOST_TEST(receiver.WaitForTlsFailures(1));
  // The receiver closed it.
  char byte;
  boost::system::error_code ec;
  silent.read_some(boost::asio::buffer(&byte, 1), ec);
  BOOST_TEST(ec == boost::asio::error::eof);

  Run run = Curl(Post(receiver, ca.ca_file()));
  BOOST_TEST(run.rc == 0, run.output);
  BOOST_TEST(receiver.Requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(wrong_host_and_expired_certificates_are_refused) {
  for (const char* name : {"wrong-host", "expired"}) {
    BOOST_TEST_CONTEXT(name) {
      WebhookReceiver receiver({ca.cert(name), ca.key(name)});
      Run run = Curl(Post(receiver, ca.ca_file()));
      BOOST_TEST(run.rc == 60, run.output);
      BOOST_TEST(receiver.WaitForTlsFailures(1));
      BOOST_TEST(receiver.Requests().empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(the_policy_applies_over_tls) {
  WebhookReceiver receiver({ca.cert("good"), ca.key("good")},
                           [](int n, const WebhookReceiver::Request&) {
                             WebhookReceiver::Action a;
                             if (n == 1) a.status = 202;
                             if (n == 2) a.close_without_answer = true;
                             if (n == 3) a.hold_until_closed = true;
                             return a;
                           });
  Run run =
      Curl(Post(receiver, ca.ca_file()) + " -o /dev/null -w '%{http_code}'");
  BOOST_TEST(run.rc == 0, run.output);
  BOOST_TEST(run.output == "202");
  run = Curl(Post(receiver, ca.ca_file()));
  BOOST_TEST(run.rc != 0, run.output);  // no answer
  // Held: curl waits for an answer until it is killed, which ends the hold
  // (the receiver's destructor would wait for it otherwise).
  const pid_t held =
      CurlInBackground(Post(receiver, ca.ca_file()), Dir("held") + "/curl.out");
  BOOST_TEST_REQUIRE(held > 0);
  BOOST_TEST(
      receiver.WaitFor([](const std::vector<WebhookReceiver::Request>& got) {
        return got.size() == 3;
      }));
  ::kill(held, SIGTERM);
  int status = 0;
  ::waitpid(held, &status, 0);
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM));
  BOOST_TEST(receiver.tls_failures() == 0);
}

// The message curl sends: a folded Subject, a line that starts with a dot.
constexpr char kMail[] =
    "From: okr@example.com\r\n"
    "To: maria@example.com\r\n"
    "Subject: Check-in due\r\n"
    " for NPS\r\n"
    "\r\n"
    "Hello Maria,\r\n"
    ".dot survives\r\n";

std::string MailArgs(const std::string& dir) {
  const std::string file = dir + "/mail.txt";
  FILE* f = std::fopen(file.c_str(), "wb");
  std::fwrite(kMail, 1, sizeof kMail - 1, f);
  std::fclose(f);
  return " --mail-from okr@example.com --mail-rcpt maria@example.com"
         " --mail-rcpt lead@example.com --upload-file " +
         Quoted(file);
}

BOOST_AUTO_TEST_CASE(smtp_sink_takes_mail_over_starttls_only) {
  const std::string dir = Dir("smtp");
  SmtpSink sink(dir, ca.cert("good"), ca.key("good"));
  BOOST_TEST(sink.Url() == "smtp://127.0.0.1:" + std::to_string(sink.port()));

  // Without STARTTLS: MAIL refused (530), nothing kept.
  Run run = Curl("--url " + sink.Url() + MailArgs(dir));
  BOOST_TEST(run.rc == 55, run.output);  // CURLE_SEND_ERROR: MAIL failed
  BOOST_TEST(run.output.find("530") != std::string::npos, run.output);
  // A client that does not trust the certificate does not send.
  run = Curl("--url " + sink.Url() + " --ssl-reqd --cacert " +
             Quoted(ca.other_ca_file()) + MailArgs(dir));
  BOOST_TEST(run.rc == 60, run.output);

  run = Curl("--url " + sink.Url() + " --ssl-reqd --cacert " +
             Quoted(ca.ca_file()) + MailArgs(dir));
  BOOST_TEST_REQUIRE(run.rc == 0, run.output);
  BOOST_TEST_REQUIRE(sink.WaitForCount(1), sink.Log());
  auto got = sink.Messages();
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].raw == kMail);
  BOOST_TEST(got[0].mail_from == "okr@example.com");
  BOOST_TEST((got[0].rcpt_tos == std::vector<std::string>{"maria@example.com",
                                                          "lead@example.com"}));
  BOOST_TEST(got[0].tls);
  BOOST_TEST(got[0].authenticated_as == "");
  BOOST_TEST(HeaderOf(got[0].raw, "subject") == "Check-in due for NPS");
  BOOST_TEST(HeaderOf(got[0].raw, "TO") == "maria@example.com");
  BOOST_TEST(HeaderOf(got[0].raw, "Cc") == "");
  BOOST_TEST(BodyOf(got[0].raw) == "Hello Maria,\r\n.dot survives\r\n");
}

BOOST_AUTO_TEST_CASE(smtp_sink_over_implicit_tls_requires_its_login) {
  const std::string dir = Dir("smtps");
  SmtpSink sink(dir, ca.cert("good"), ca.key("good"), "alice:s3cret", true);
  BOOST_TEST(sink.Url() == "smtps://127.0.0.1:" + std::to_string(sink.port()));
  const std::string tls = "--url " + sink.Url() + " --cacert " +
                          Quoted(ca.ca_file()) + MailArgs(dir);

  Run run = Curl(tls);  // no AUTH: MAIL refused
  BOOST_TEST(run.rc == 55, run.output);
  run = Curl(tls + " --user alice:wrong");
  BOOST_TEST(run.rc == 67, run.output);  // CURLE_LOGIN_DENIED
  run = Curl(tls + " --user alice:s3cret --login-options AUTH=LOGIN");
  BOOST_TEST_REQUIRE(run.rc == 0, run.output);

  BOOST_TEST_REQUIRE(sink.WaitForCount(1), sink.Log());
  auto got = sink.Messages();
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].tls);
  BOOST_TEST(got[0].authenticated_as == "alice");
  BOOST_TEST(got[0].raw == kMail);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(header_of_and_body_of_take_a_message_apart) {
  const std::string raw =
      "Subject: a\r\n\tb \r\nX-Empty:\r\nx-dup: 1\r\nX-Dup: 2\r\n\r\n"
      "body\r\n\r\nmore\r\n";
  BOOST_TEST(HeaderOf(raw, "SUBJECT") == "a\tb");
  BOOST_TEST(HeaderOf(raw, "x-empty") == "");
  BOOST_TEST(HeaderOf(raw, "X-Dup") == "1");
  BOOST_TEST(HeaderOf(raw, "body") == "");
  BOOST_TEST(BodyOf(raw) == "body\r\n\r\nmore\r\n");
  BOOST_TEST(BodyOf("Subject: no body\r\n") == "");
  BOOST_TEST(BodyOf("A: 1\n\nlf only\n") == "lf only\n");
}

}  // namespace
}  // namespace okr::testing
