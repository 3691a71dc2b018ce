// Durability end to end, on the real okr binary: `okr backup` under write
// load (consistent copies that verify, hold every write acknowledged before
// they were asked for, and serve as a restore), and a real filesystem that
// fills up (a 16 MiB tmpfs): 503 problem answers while it is full, reads
// going on, writes resuming once room is made, without a restart, and
// nothing acknowledged lost across a SIGKILL.
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "events/date.h"
#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/quarter.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tokens_file.h"

namespace okr {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::HttpRequest;
using testing::HttpResult;

struct Run {
  int status;
  std::string out, err;
};

std::string Slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Run Okr(const testing::TempDir& dir, const std::string& args,
        const std::string& wrapper = "") {
  static std::atomic<int> n{0};
  std::string tag = std::to_string(n++);
  std::string out = dir.Sub("stdout" + tag), err = dir.Sub("stderr" + tag);
  std::string cmd =
      wrapper + OKR_BINARY + " " + args + " > " + out + " 2> " + err;
  int raw = std::system(cmd.c_str());
  return Run{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, Slurp(out), Slurp(err)};
}

// A server on `data` with an admin token; a started quarter with maria's
// active objective and a key result "nps" to check in on.
struct Served {
  Served(const testing::TempDir& dir, std::string data)
      : data(std::move(data)), tokens(dir.Sub("tokens")) {
    testing::WriteTokensFile(tokens, "root-token-0001 root admin\n");
    Start();
  }
  void Start() {
    process = std::make_unique<testing::ServerProcess>(
        OKR_BINARY, std::vector<std::string>{
                        "serve", "--data", data, "--listen", "127.0.0.1:0",
                        "--tokens", tokens, "--reminder-interval", "0"});
  }
  HttpResult Call(const std::string& method, const std::string& target,
                  const json& body = nullptr) {
    return HttpRequest(process->port(), method, target,
                       body.is_null() ? "" : body.dump(),
                       {{"Authorization", "Bearer root-token-0001"}});
  }
  void Quarter() {
    testing::QuarterPlan plan("q", testing::MachineToday().AddDays(-30));
    plan.Objective("o", "root").KeyResult("o", "nps", 0, 1'000'000);
    testing::SendPlan(plan, [&](const testing::SetupRequest& r) {
      return Call(r.method, r.target, r.body);
    });
  }
  HttpResult CheckIn(const std::string& note, double value = 1) {
    return Call("POST", "/v1/key-results/nps/check-ins",
                {{"value", value}, {"note", note}});
  }

  std::string data, tokens;
  std::unique_ptr<testing::ServerProcess> process;
};

// The notes of every check-in in an export (JSON Lines), by position.
std::map<std::uint64_t, std::string> NotesIn(const std::string& export_text) {
  std::map<std::uint64_t, std::string> notes;
  std::istringstream in(export_text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json e = json::parse(line);
    if (e["type"] == "CheckInRecorded") {
      notes[e["position"].get<std::uint64_t>()] =
          e["data"]["note"].get<std::string>();
    }
  }
  return notes;
}

// A client of <data>/control.sock (the server's control channel); -1 if
// it cannot connect.
int ConnectControl(const std::string& data) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = data + "/control.sock";
  if (path.size() >= sizeof addr.sun_path) return -1;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// What `fd` receives until its peer closes it (`closed`), or 60 s pass.
std::string ReadUntilClosed(int fd, bool* closed) {
  std::string got;
  *closed = false;
  const auto end = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

// One request line on the control socket, its answer (up to the close).
std::string AskControl(const std::string& data, const std::string& line) {
  int fd = ConnectControl(data);
  if (fd < 0) return "(cannot connect)";
  std::string out = line + "\n";
  (void)::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  bool closed = false;
  std::string answer = ReadUntilClosed(fd, &closed);
  ::close(fd);
  return answer;
}

// Sends SIGTERM and waits for the process to exit, seen through a pidfd
// without reaping it (so p.Stop() still collects the status). The 60 s are
// a guard against a hang, not a speed bound: false only if it never
// exits (the destructor kills it then).
bool ExitsOnSigterm(testing::ServerProcess& p) {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, p.pid(), 0));
  if (pidfd < 0) return false;
  ::kill(p.pid(), SIGTERM);
  pollfd exited{pidfd, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&exited, 1, 60'000);  // readable once the process exits
  } while (ready < 0 && errno == EINTR);
  ::close(pidfd);
  return ready == 1;
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// Entries of `dir` whose name starts with `prefix`.
std::size_t CountPrefixed(const std::string& dir, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    n += e.path().filename().string().rfind(prefix, 0) == 0;
  }
  return n;
}

BOOST_AUTO_TEST_SUITE(durability)

// Three writers check in without pause while `okr backup` copies the store
// three times. Each copy verifies; holds every check-in acknowledged before
// the backup was asked for; is exactly the first P events of the final log
// (P as the backup reported); and serves as a restore: a server started on
// it answers and continues the chain at P + 1.
BOOST_AUTO_TEST_CASE(backup_under_write_load_is_consistent_and_restores) {
  testing::TempDir dir;
  Served s(dir, dir.Sub("data"));
  s.Quarter();

  std::mutex mu;
  std::condition_variable more_acked;
  std::vector<std::string> acked;  // notes acknowledged, guarded by mu
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        std::string note = "w" + std::to_string(w) + "-" + std::to_string(i);
        HttpResult r = s.CheckIn(note, i);
        if (r.status != 201) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mu);
        acked.push_back(note);
        more_acked.notify_all();
      }
    });
  }
  struct Copy {
    std::string dir;
    std::uint64_t position = 0;
    std::set<std::string> acked_before;
  };
  std::vector<Copy> copies;
  bool loaded = true;
  for (int b = 0; b < 3 && loaded; ++b) {
    Copy c;
    c.dir = dir.Sub("backup" + std::to_string(b));
    {
      // Each copy is taken once ten more check-ins were acknowledged: the
      // writers keep going while it is taken.
      std::unique_lock lock(mu);
      const std::size_t want = 10 * (b + 1);
      loaded = more_acked.wait_for(lock, testing::kPatience,
                                   [&] { return acked.size() >= want; });
      c.acked_before.insert(acked.begin(), acked.end());
    }
    if (!loaded) break;  // asserted once the writers are joined
    Run r = Okr(dir, "backup --data " + s.data + " --out " + c.dir);
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out.find("taken by the running server") != std::string::npos,
               r.out);
    auto at = r.out.find("holds events 1..");
    BOOST_TEST_REQUIRE(at != std::string::npos);
    c.position = std::stoull(r.out.substr(at + 16));
    BOOST_TEST(!std::filesystem::exists(c.dir + "/control.sock"));
    copies.push_back(std::move(c));
  }
  stop = true;
  for (auto& t : writers) t.join();
  BOOST_TEST_REQUIRE(loaded);
  BOOST_TEST_REQUIRE(copies.size() == 3u);
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(copies[0].acked_before.size() >= 10u);
  BOOST_TEST(copies[2].position > copies[0].position);

  // A backup into an existing folder is refused and writes nothing there.
  Run again = Okr(dir, "backup --data " + s.data + " --out " + copies[0].dir);
  BOOST_TEST(again.status == 2);
  BOOST_TEST(again.err.find("exists") != std::string::npos);

  BOOST_TEST_REQUIRE(s.process->Stop(SIGTERM) == 0);
  Run full = Okr(dir, "export --data " + s.data);
  BOOST_TEST_REQUIRE(full.status == 0, full.err);
  std::vector<std::string> full_lines;
  {
    std::istringstream in(full.out);
    for (std::string l; std::getline(in, l);) full_lines.push_back(l);
  }
  for (const Copy& c : copies) {
    Run v = Okr(dir, "verify --data " + c.dir);
    BOOST_TEST(v.status == 0, v.out + v.err);
    Run e = Okr(dir, "export --data " + c.dir);
    BOOST_TEST_REQUIRE(e.status == 0, e.err);
    std::vector<std::string> lines;
    std::istringstream in(e.out);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    BOOST_TEST(lines.size() == c.position);
    BOOST_TEST_REQUIRE(lines.size() <= full_lines.size());
    BOOST_TEST((std::equal(lines.begin(), lines.end(), full_lines.begin())));
    std::set<std::string> notes;
    for (const auto& [position, note] : NotesIn(e.out)) notes.insert(note);
    std::size_t missing = 0;
    for (const std::string& note : c.acked_before)
      missing += !notes.count(note);
    BOOST_TEST(missing == 0u);
  }

  // Restore: serve the last copy; it answers and continues the chain.
  Served restored(dir, copies[2].dir);
  HttpResult kr = restored.Call("GET", "/v1/key-results/nps");
  BOOST_TEST(kr.status == 200);
  HttpResult next = restored.CheckIn("after-restore");
  BOOST_TEST(next.status == 201);
  BOOST_TEST(restored.Call("GET", "/healthz").json()["last_position"] ==
             copies[2].position + 1);
  BOOST_TEST_REQUIRE(restored.process->Stop(SIGTERM) == 0);
  Run v = Okr(dir, "verify --data " + copies[2].dir);
  BOOST_TEST(v.status == 0, v.out + v.err);
}

// A real filesystem that fills up: a 16 MiB tmpfs holding a 4 MiB filler
// file and the store. Check-ins of 1 KiB until the disk is full: the failed
// one is a 503 problem (store-unavailable, Retry-After), later ones too,
// without touching the disk; reads and /healthz ("degraded") answer; after
// the filler is removed writes resume without a restart. SIGKILL, restart:
// every acknowledged check-in is there and the chain verifies.
BOOST_AUTO_TEST_CASE(a_full_disk_refuses_writes_then_resumes) {
  testing::TempDir dir;
  const std::string mnt = dir.Sub("tmpfs");
  std::filesystem::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=16m") != 0) {
    BOOST_TEST_MESSAGE("skipped: cannot mount a tmpfs here ("
                       << std::strerror(errno) << "); needs root");
    BOOST_TEST(true);
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  {
    std::ofstream filler(mnt + "/filler", std::ios::binary);
    std::string mib(1 << 20, '\1');
    for (int i = 0; i < 4; ++i) filler << mib;
  }
  std::set<std::string> acked;
  std::uint64_t acked_last = 0;
  {
    Served s(dir, mnt + "/data");
    s.Quarter();
    const std::string pad(1000, 'x');
    HttpResult refused;
    for (int i = 0; i < 100'000; ++i) {
      std::string note = "n" + std::to_string(i) + pad;
      HttpResult r = s.CheckIn(note, i);
      if (r.status != 201) {
        refused = r;
        break;
      }
      acked.insert(note);
    }
    BOOST_TEST_MESSAGE("disk full after " << acked.size() << " check-ins");
    BOOST_TEST_REQUIRE(refused.status == 503, refused.body);
    BOOST_TEST(acked.size() >= 100u);
    json p = refused.json();
    BOOST_TEST(p["type"] == "urn:okr-ledger:problem:store-unavailable");
    BOOST_TEST(p["status"] == 503);
    BOOST_TEST(p["detail"].get<std::string>().find("No space left") !=
               std::string::npos);
    BOOST_TEST(refused.header("content-type") == "application/problem+json");
    BOOST_TEST(refused.header("retry-after") == "1");

    // Refused while full; reads and health answer. The store reopens
    // itself 250 ms after a failed write, and RocksDB may open on a full
    // disk (to fail again at the next write): health says degraded from a
    // failed write until then, so it is asked right after one, until one
    // answer falls in that window (no outcome depends on how fast).
    json health;
    int taken = 0;
    BOOST_TEST(testing::Eventually([&] {
      taken += s.CheckIn("while-full").status != 503 ? 1 : 0;
      health = s.Call("GET", "/healthz").json();
      return taken > 0 || health["status"] == "degraded";
    }));
    BOOST_TEST(taken == 0);
    BOOST_TEST(health["status"] == "degraded");
    BOOST_TEST(health["writes"] == "unavailable");
    HttpResult kr = s.Call("GET", "/v1/key-results/nps");
    BOOST_TEST(kr.status == 200);
    BOOST_TEST(kr.json()["check_ins"] == acked.size());
    acked_last = health["last_position"].get<std::uint64_t>();
    BOOST_TEST(
        s.Call("GET", "/v1/events?after=" + std::to_string(acked_last - 3))
            .status == 200);

    std::filesystem::remove(mnt + "/filler");
    bool resumed = testing::Eventually(
        [&] { return s.Call("GET", "/healthz").json()["status"] == "ok"; });
    BOOST_TEST_REQUIRE(resumed);
    for (int i = 0; i < 20; ++i) {
      std::string note = "after-" + std::to_string(i);
      HttpResult r = s.CheckIn(note);
      BOOST_TEST_REQUIRE(r.status == 201, r.body);
      acked.insert(note);
    }
    s.process->Stop(SIGKILL);
    Served back(dir, mnt + "/data");
    HttpResult kr2 = back.Call("GET", "/v1/key-results/nps");
    BOOST_TEST(kr2.json()["check_ins"].get<std::size_t>() >= acked.size());
    back.process->Stop(SIGTERM);
  }
  Run e = Okr(dir, "export --data " + mnt + "/data");
  BOOST_TEST_REQUIRE(e.status == 0, e.err);
  std::set<std::string> notes;
  for (const auto& [position, note] : NotesIn(e.out)) notes.insert(note);
  std::size_t lost = 0;
  for (const std::string& note : acked) lost += !notes.count(note);
  BOOST_TEST(lost == 0u);
  Run v = Okr(dir, "verify --data " + mnt + "/data");
  BOOST_TEST(v.status == 0, v.out + v.err);
}

// Clients of the control socket that connect and send nothing (or half a
// line) neither stop a following `okr backup` from being served nor hold
// up SIGTERM: they are dropped with an error once their deadline passes,
// and closed unanswered when the server stops. The backup folder is mode
// 0700.
BOOST_AUTO_TEST_CASE(silent_control_clients_block_neither_backup_nor_shutdown) {
  testing::TempDir dir;
  Served s(dir, dir.Sub("data"));
  s.Quarter();
  int silent = ConnectControl(s.data);
  int half = ConnectControl(s.data);
  BOOST_TEST_REQUIRE(silent >= 0);
  BOOST_TEST_REQUIRE(half >= 0);
  (void)::send(half, "backup /tm", 10, MSG_NOSIGNAL);

  // Bounded: `timeout` ends a backup that would wait for ever.
  const std::string out = dir.Sub("copy");
  Run r = Okr(dir, "backup --data " + s.data + " --out " + out, "timeout 60 ");
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  BOOST_TEST(r.out.find("taken by the running server") != std::string::npos,
             r.out);
  BOOST_TEST(ModeOf(out) == 0700u);
  BOOST_TEST(ModeOf(out + "/snapshots") == 0700u);
  BOOST_TEST(CountPrefixed(dir.path(), ".okr-backup-") == 0u);
  Run v = Okr(dir, "verify --data " + out);
  BOOST_TEST(v.status == 0, v.out + v.err);

  // The silent clients are dropped, with a reason, once their time is up.
  for (int fd : {silent, half}) {
    bool closed = false;
    std::string got = ReadUntilClosed(fd, &closed);
    BOOST_TEST(closed);
    BOOST_TEST(got.rfind("error no request line within", 0) == 0, got);
    ::close(fd);
  }

  // SIGTERM with a silent client connected: the server stops cleanly and
  // closes it without waiting for its deadline (no answer at all).
  int waiting = ConnectControl(s.data);
  BOOST_TEST_REQUIRE(waiting >= 0);
  BOOST_TEST(s.Call("GET", "/healthz").status == 200);
  BOOST_TEST_REQUIRE(ExitsOnSigterm(*s.process));
  BOOST_TEST(s.process->Stop(SIGTERM) == 0);
  BOOST_TEST(s.process->Output().find("stopped cleanly") != std::string::npos);
  bool closed = false;
  std::string got = ReadUntilClosed(waiting, &closed);
  BOOST_TEST(closed);
  BOOST_TEST(got.empty(), got);
  ::close(waiting);
  BOOST_TEST(!std::filesystem::exists(s.data + "/control.sock"));
}

// A backup into a folder that exists (or a dangling symbolic link) is
// refused naming it, by `okr backup` and by the server itself when asked
// on the control socket; nothing there changes and no staging folder is
// left behind.
BOOST_AUTO_TEST_CASE(backup_into_an_existing_destination_is_refused) {
  testing::TempDir dir;
  Served s(dir, dir.Sub("data"));
  s.Quarter();
  const std::string taken = dir.Sub("taken");
  std::filesystem::create_directories(taken);
  { std::ofstream(taken + "/keep") << "mine"; }
  const std::string dangling = dir.Sub("dangling");
  std::filesystem::create_symlink(dir.Sub("nowhere"), dangling);

  for (const std::string& dest : {taken, dangling}) {
    Run r = Okr(dir, "backup --data " + s.data + " --out " + dest);
    BOOST_TEST(r.status == 2, r.out + r.err);
    BOOST_TEST(r.err.find(dest) != std::string::npos, r.err);
    BOOST_TEST(r.err.find("exists") != std::string::npos, r.err);
    std::string answer = AskControl(s.data, "backup " + dest);
    BOOST_TEST(answer.rfind("error ", 0) == 0, answer);
    BOOST_TEST(answer.find(dest + " exists") != std::string::npos, answer);
  }
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(taken)) {
    BOOST_TEST(e.path().filename() == "keep");
    ++entries;
  }
  BOOST_TEST(entries == 1u);
  BOOST_TEST(Slurp(taken + "/keep") == "mine");
  BOOST_TEST(std::filesystem::is_symlink(dangling));
  BOOST_TEST(!std::filesystem::exists(dir.Sub("nowhere")));
  BOOST_TEST(CountPrefixed(dir.path(), ".okr-backup-") == 0u);
  // The server goes on serving backups.
  std::string ok = AskControl(s.data, "backup " + dir.Sub("fresh"));
  BOOST_TEST(ok.rfind("ok ", 0) == 0, ok);
  BOOST_TEST(ModeOf(dir.Sub("fresh")) == 0700u);
  BOOST_TEST(s.process->Stop(SIGTERM) == 0);
}

// Only the server's own user (or root) may use the control socket: a peer
// of another uid is refused after accept() (SO_PEERCRED), even when the
// socket file's mode would let it connect. Needs root, to be another uid.
BOOST_AUTO_TEST_CASE(another_uid_is_refused_on_the_control_socket) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: needs root to connect as another uid");
    BOOST_TEST(true);
    return;
  }
  testing::TempDir dir;
  Served s(dir, dir.Sub("data"));
  // Loosen what the filesystem would refuse, so the peer check is what
  // stands: uid 65534 can reach and connect to the socket.
  namespace fs = std::filesystem;
  for (const std::string& p : {dir.path(), s.data}) {
    fs::permissions(
        p,
        fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
        fs::perm_options::replace);
  }
  fs::permissions(s.data + "/control.sock", fs::perms::all,
                  fs::perm_options::replace);
  const std::string dest = dir.Sub("stolen");
  int pipe_fds[2];
  BOOST_TEST_REQUIRE(::pipe(pipe_fds) == 0);
  pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    std::string answer = AskControl(s.data, "backup " + dest);
    (void)::write(pipe_fds[1], answer.data(), answer.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string answer;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) {
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST_REQUIRE(WEXITSTATUS(status) == 0);
  BOOST_TEST(answer.rfind("error refused: uid 65534", 0) == 0, answer);
  BOOST_TEST(!fs::exists(dest));
  // The server's own user is still served.
  std::string ok = AskControl(s.data, "backup " + dir.Sub("mine"));
  BOOST_TEST(ok.rfind("ok ", 0) == 0, ok);
  BOOST_TEST(s.process->Stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
