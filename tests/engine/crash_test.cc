// Crash test: a child process appends with `sync` from several threads and
// reports every acknowledged append; the parent SIGKILLs it at random
// moments, reopens the store and checks that nothing acknowledged was lost,
// that the log is a gapless prefix, and that the chain verifies.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "engine/event_store.h"
#include "engine/verifier.h"
#include "tests/support/temp_dir.h"

namespace okr {
namespace {

struct Ack {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::string stream;
};

// Starts the child with its stdout on a pipe; returns the pid and read end.
pid_t Spawn(const std::string& dir, int* read_fd) {
  int fds[2];
  BOOST_REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(OKR_CRASH_CHILD, OKR_CRASH_CHILD, dir.c_str(), "4",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  *read_fd = fds[0];
  return pid;
}

std::vector<Ack> ParseAcks(const std::string& text) {
  std::vector<Ack> acks;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    Ack a;
    BOOST_REQUIRE_EQUAL(word, "ACK");
    BOOST_REQUIRE(in >> a.first >> a.last >> a.stream);
    acks.push_back(a);
  }
  return acks;
}

BOOST_AUTO_TEST_CASE(sigkill_never_loses_an_acknowledged_append) {
  testing::TempDir dir;
  std::mt19937 rng(20261127);
  std::uniform_int_distribution<int> kill_after_ms(5, 120);
  const int kRounds = 24;
  std::map<std::uint64_t, Ack> acknowledged;  // by first position
  std::uint64_t total_killed_with_acks = 0;

  for (int round = 0; round < kRounds; ++round) {
    int fd = -1;
    pid_t pid = Spawn(dir.path(), &fd);
    // Wait for the first acknowledgement so the child is really appending,
    // then let it run a random while longer.
    std::string text;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    BOOST_REQUIRE_MESSAGE(n > 0, "child produced no acknowledgement");
    text.append(buf, n);
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
    BOOST_REQUIRE(kill(pid, SIGKILL) == 0);
    int status = 0;
    BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
    BOOST_REQUIRE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    // Every line in the pipe was acknowledged before the kill.
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, n);
    close(fd);
    std::vector<Ack> acks = ParseAcks(text);
    BOOST_REQUIRE(!acks.empty());
    ++total_killed_with_acks;
    for (const Ack& a : acks) acknowledged[a.first] = a;

    auto store = EventStore::Open(dir.path(), StoreOptions{});
    BOOST_REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    std::uint64_t last = store.value()->LastPosition();
    // Everything acknowledged so far, in this round and every earlier one.
    for (const auto& [first, a] : acknowledged) {
      BOOST_REQUIRE_MESSAGE(a.last <= last, "acknowledged position "
                                                << a.last << " lost; log ends "
                                                << last);
      auto events = store.value()->ReadAll(a.first, a.last - a.first + 1);
      BOOST_REQUIRE(events.ok());
      BOOST_REQUIRE_EQUAL(events->size(), a.last - a.first + 1);
      for (const auto& e : events.value()) {
        BOOST_REQUIRE_EQUAL(e.stream, a.stream);
        BOOST_REQUIRE_EQUAL(e.command_id, events->front().command_id);
      }
    }
    // A gapless prefix: positions 1..last, each once.
    std::uint64_t expected = 1;
    Status s = store.value()->ForEach(
        1, [&](const RecordedEvent& e) { return e.position == expected++; });
    BOOST_REQUIRE(s.ok());
    BOOST_REQUIRE_EQUAL(expected, last + 1);
    store.value().reset();
    auto report = VerifyStore(dir.path());
    BOOST_REQUIRE(report.ok());
    BOOST_REQUIRE_MESSAGE(report->ok,
                          "round " << round << ": " << report->problem);
    BOOST_REQUIRE_EQUAL(report->events, last);
  }
  BOOST_TEST(total_killed_with_acks == std::uint64_t(kRounds));
  BOOST_TEST_MESSAGE("crash test: " << kRounds << " SIGKILLs, "
                                    << acknowledged.size()
                                    << " acknowledged commands, none lost");
}

}  // namespace
}  // namespace okr
