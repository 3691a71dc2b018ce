#include "tests/support/smtp_sink.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#ifndef OKR_TESTS_SUPPORT_DIR
#error "OKR_TESTS_SUPPORT_DIR (tests/support) must be defined"
#endif

namespace okr::testing {
namespace {

namespace fs = std::filesystem;

// aiosmtpd is Debian's (python3-aiosmtpd): the system interpreter has it,
// not necessarily the first python3 on PATH (pyenv, a virtualenv).
// OKR_PYTHON3 names another.
std::string Python() {
  const char* env = std::getenv("OKR_PYTHON3");
  if (env != nullptr && *env != '\0') return env;
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("SmtpSink: cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The numbers n of the msg-<n>.json in `dir`, in increasing order.
std::vector<long> MessageNumbers(const std::string& dir) {
  std::vector<long> numbers;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    constexpr std::string_view kPrefix = "msg-", kSuffix = ".json";
    if (name.size() <= kPrefix.size() + kSuffix.size() ||
        !name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
      continue;
    }
    const std::string digits = name.substr(
        kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    if (!std::all_of(digits.begin(), digits.end(),
                     [](unsigned char c) { return std::isdigit(c); })) {
      continue;
    }
    numbers.push_back(std::stol(digits));
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

// meta[key] if it is a string, else "" (null, say).
std::string StringOr(const nlohmann::json& meta, const char* key) {
  auto it = meta.find(key);
  return it != meta.end() && it->is_string() ? it->get<std::string>() : "";
}

// True once `pid` has exited (reaped here) or is not our child any more.
bool Reaped(pid_t pid) {
  const pid_t r = ::waitpid(pid, nullptr, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD);
}

// The port in `path` once the whole file is there (it comes by rename).
int PortIn(const std::string& path) {
  std::ifstream in(path);
  int port = 0;
  if (in >> port && port > 0) return port;
  return 0;
}

std::string Trim(const std::string& s) {
  const auto ws = [](unsigned char c) { return c == ' ' || c == '\t'; };
  auto b = std::find_if_not(s.begin(), s.end(), ws);
  auto e = std::find_if_not(s.rbegin(), s.rend(), ws).base();
  return b < e ? std::string(b, e) : std::string();
}

bool EqualsIgnoringCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](unsigned char x, unsigned char y) {
                      return std::tolower(x) == std::tolower(y);
                    });
}

// `raw` split at its first empty line.
struct Split {
  std::vector<std::string> header_lines;    // line ends (CRLF or LF) dropped
  std::size_t body_at = std::string::npos;  // npos: no empty line
};
Split SplitMessage(const std::string& raw) {
  Split split;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const std::size_t eol = raw.find('\n', pos);
    const std::size_t end = eol == std::string::npos ? raw.size() : eol;
    std::string line = raw.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = eol == std::string::npos ? raw.size() : eol + 1;
    if (line.empty() && eol != std::string::npos) {
      split.body_at = pos;
      break;
    }
    split.header_lines.push_back(std::move(line));
  }
  return split;
}

}  // namespace

SmtpSink::SmtpSink(const std::string& dir, const std::string& cert_file,
                   const std::string& key_file, const std::string& auth,
                   bool implicit_tls)
    : dir_(dir), implicit_tls_(implicit_tls) {
  const std::string port_file = dir_ + "/port";
  std::error_code ec;
  fs::remove(port_file, ec);  // a sink before this one's

  // Everything the child needs, made before fork(): after it, in a process
  // with threads, the child may only make async-signal-safe calls.
  const std::string python = Python();
  std::vector<std::string> args = {
      python,   std::string(OKR_TESTS_SUPPORT_DIR) + "/smtp_sink.py",
      "--dir",  dir_,
      "--cert", cert_file,
      "--key",  key_file};
  if (!auth.empty()) {
    args.push_back("--auth");
    args.push_back(auth);
  }
  if (implicit_tls) args.push_back("--implicit-tls");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log_file = dir_ + "/smtp_sink.log";
  const int log =
      ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null < 0) {
    if (log >= 0) ::close(log);
    if (null >= 0) ::close(null);
    throw std::runtime_error("SmtpSink: cannot open " + log_file);
  }
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ == 0) {
    // Gone with the test process, even if it crashes.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    // None of the test's descriptors (listening sockets, say) live on in
    // the sink.
    ::close_range(3, ~0U, 0);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log);
  ::close(null);
  if (pid_ < 0) throw std::runtime_error("SmtpSink: fork failed");

  bool exited = false;
  Eventually([&] {
    port_ = PortIn(port_file);
    if (port_ > 0) return true;
    exited = Reaped(pid_);
    return exited;
  });
  if (port_ > 0) return;
  if (!exited) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
  throw std::runtime_error("SmtpSink: " + python + " " + args[1] +
                           (exited ? " exited" : " did not start") +
                           "; its output:\n" + Log());
}

SmtpSink::~SmtpSink() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  // It stops at once; the deadline only bounds a sink that hangs.
  if (!Eventually([&] { return Reaped(pid_); }, std::chrono::seconds(20))) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string SmtpSink::Url() const {
  return std::string(implicit_tls_ ? "smtps" : "smtp") +
         "://127.0.0.1:" + std::to_string(port_);
}

std::vector<SmtpSink::Message> SmtpSink::Messages() const {
  std::vector<Message> messages;
  for (long n : MessageNumbers(dir_)) {
    const std::string base = dir_ + "/msg-" + std::to_string(n);
    const nlohmann::json meta =
        nlohmann::json::parse(ReadFile(base + ".json"), nullptr, false);
    if (!meta.is_object()) {
      throw std::runtime_error("SmtpSink: " + base + ".json is not JSON");
    }
    Message m;
    m.raw = ReadFile(base + ".eml");
    m.mail_from = StringOr(meta, "mail_from");
    if (meta.contains("rcpt_tos") && meta["rcpt_tos"].is_array()) {
      for (const nlohmann::json& r : meta["rcpt_tos"]) {
        if (r.is_string()) m.rcpt_tos.push_back(r.get<std::string>());
      }
    }
    m.tls = meta.contains("tls") && meta["tls"].is_boolean() &&
            meta["tls"].get<bool>();
    m.authenticated_as = StringOr(meta, "authenticated_as");  // null: ""
    messages.push_back(std::move(m));
  }
  return messages;
}

std::size_t SmtpSink::Count() const { return MessageNumbers(dir_).size(); }

bool SmtpSink::WaitForCount(std::size_t n,
                            std::chrono::milliseconds timeout) const {
  return Eventually([&] { return Count() >= n; }, timeout);
}

std::string SmtpSink::Log() const {
  std::ifstream in(dir_ + "/smtp_sink.log", std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string HeaderOf(const std::string& raw, const std::string& name) {
  // Unfolded fields: a line that starts with white space continues the one
  // before it (RFC 5322 2.2.3: unfolding drops the CRLF, keeps the space).
  std::vector<std::string> fields;
  for (std::string& line : SplitMessage(raw).header_lines) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') &&
        !fields.empty()) {
      fields.back() += line;
    } else {
      fields.push_back(std::move(line));
    }
  }
  for (const std::string& field : fields) {
    const std::size_t colon = field.find(':');
    if (colon == std::string::npos) continue;
    if (EqualsIgnoringCase(Trim(field.substr(0, colon)), name)) {
      return Trim(field.substr(colon + 1));
    }
  }
  return "";
}

std::string BodyOf(const std::string& raw) {
  const std::size_t at = SplitMessage(raw).body_at;
  return at == std::string::npos ? "" : raw.substr(at);
}

}  // namespace okr::testing
