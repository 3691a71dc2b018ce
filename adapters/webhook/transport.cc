#include "adapters/webhook/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

namespace okr::webhook {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using List = std::unique_ptr<curl_slist, ListDeleter>;

// Appends to a curl_slist, keeping ownership in `list`.
void Append(List& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown != nullptr) {
    (void)list.release();
    list.reset(grown);
  }
}

// The status decides, not the body: the first bytes of a body end the
// transfer (returning less than given does), so a long, slow or endless
// answer cannot turn a 2xx into a failure or hold the worker.
std::size_t DropBody(char*, std::size_t, std::size_t, void*) { return 0; }

// The options every delivery sets: deadline, TLS, no signals (threads).
Easy NewHandle(const std::string& url, const char* protocols, const Tls& tls,
               std::chrono::milliseconds timeout, char* errbuf) {
  GlobalInit();
  Easy h(curl_easy_init());
  if (!h) return h;
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_SSLVERSION,
                   static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!tls.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
  }
  curl_easy_setopt(c, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  return h;
}

SendResult Finish(CURL* c, CURLcode code, const char* errbuf,
                  std::chrono::milliseconds timeout) {
  SendResult r;
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  r.status = static_cast<int>(status);
  // A body cut short (DropBody), or one that never ends, after the status
  // line and headers: the status is the answer.
  if ((code == CURLE_WRITE_ERROR || code == CURLE_OPERATION_TIMEDOUT) &&
      r.status != 0) {
    code = CURLE_OK;
  }
  if (code != CURLE_OK) {
    r.error = code == CURLE_OPERATION_TIMEDOUT
                  ? "timed out after " + std::to_string(timeout.count()) + " ms"
                  : std::string(curl_easy_strerror(code));
    if (errbuf[0] != '\0' && code != CURLE_OPERATION_TIMEDOUT) {
      r.error += ": " + std::string(errbuf);
    }
    return r;
  }
  return r;
}

}  // namespace

std::optional<Endpoint> ParseEndpoint(const std::string& url,
                                      const std::vector<std::string>& schemes) {
  if (url.empty() || url.size() > 2000) return std::nullopt;
  for (unsigned char ch : url) {
    if (ch <= 0x20 || ch >= 0x7f) return std::nullopt;
  }
  GlobalInit();
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(),
                                                        &curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  auto part = [&](CURLUPart what) -> std::optional<std::string> {
    char* p = nullptr;
    if (curl_url_get(u.get(), what, &p, 0) != CURLUE_OK || p == nullptr) {
      return std::nullopt;
    }
    std::string s(p);
    curl_free(p);
    return s;
  };
  Endpoint e;
  std::optional<std::string> scheme = part(CURLUPART_SCHEME);
  std::optional<std::string> host = part(CURLUPART_HOST);
  if (!scheme || !host || host->empty()) return std::nullopt;
  if (std::find(schemes.begin(), schemes.end(), *scheme) == schemes.end()) {
    return std::nullopt;
  }
  if (part(CURLUPART_USER) || part(CURLUPART_PASSWORD)) return std::nullopt;
  e.scheme = *scheme;
  e.host = *host;
  if (std::optional<std::string> port = part(CURLUPART_PORT)) {
    e.port = std::atoi(port->c_str());
  }
  return e;
}

std::string Redacted(const std::string& url) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "(not a URL)";
  std::size_t end = url.find_first_of("/?#", scheme + 3);
  std::string authority = url.substr(scheme + 3, end - (scheme + 3));
  if (std::size_t at = authority.rfind('@'); at != std::string::npos) {
    authority = "…@" + authority.substr(at + 1);
  }
  std::string out = url.substr(0, scheme + 3) + authority;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return end == std::string::npos ? out : out + "/…";
}

SendResult Post(const std::string& url, const Headers& headers,
                const std::string& body, const Tls& tls,
                std::chrono::milliseconds timeout) {
  char errbuf[CURL_ERROR_SIZE] = {};
  Easy h = NewHandle(url, "http,https", tls, timeout, errbuf);
  if (!h) return {false, 0, "libcurl could not make a handle"};
  CURL* c = h.get();
  List list;
  for (const auto& [name, value] : headers) Append(list, name + ": " + value);
  Append(list, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "okr-ledger-delivery");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &DropBody);
  SendResult r = Finish(c, curl_easy_perform(c), errbuf, timeout);
  if (r.error.empty()) {
    r.ok = r.status >= 200 && r.status < 300;
    if (!r.ok) r.error = "HTTP " + std::to_string(r.status);
  }
  return r;
}

namespace {
struct Reader {
  const std::string* text;
  std::size_t at = 0;
};
std::size_t ReadMessage(char* out, std::size_t size, std::size_t n, void* arg) {
  auto* r = static_cast<Reader*>(arg);
  std::size_t len = std::min(size * n, r->text->size() - r->at);
  std::memcpy(out, r->text->data() + r->at, len);
  r->at += len;
  return len;
}
}  // namespace

SendResult SendMail(const MailServer& server, const std::string& to,
                    const std::string& message, const Tls& tls,
                    std::chrono::milliseconds timeout) {
  char errbuf[CURL_ERROR_SIZE] = {};
  Easy h = NewHandle(server.url, "smtp,smtps", tls, timeout, errbuf);
  if (!h) return {false, 0, "libcurl could not make a handle"};
  CURL* c = h.get();
  // smtp:// must upgrade with STARTTLS, or the attempt fails.
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  const std::string from = "<" + server.from + ">";
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  List rcpt;
  Append(rcpt, "<" + to + ">");
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  if (!server.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, server.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, server.password.c_str());
  }
  Reader reader{&message};
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadMessage);
  curl_easy_setopt(c, CURLOPT_READDATA, &reader);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                   static_cast<curl_off_t>(message.size()));
  SendResult r = Finish(c, curl_easy_perform(c), errbuf, timeout);
  r.ok = r.error.empty();
  return r;
}

}  // namespace okr::webhook
