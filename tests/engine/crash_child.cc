// The child of the crash test: appends with durability `sync` from several
// threads, forever, and reports each acknowledged append on stdout as one
// line "ACK <position> <stream> <version> <hash hex>\n". The parent kills it
// with SIGKILL at a random moment.
//
// Usage: okr_crash_child DATA_DIR THREADS
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "engine/event_store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: okr_crash_child DATA_DIR THREADS\n");
    return 2;
  }
  auto opened = okr::EventStore::Open(argv[1], okr::StoreOptions{});
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  okr::EventStore& store = *opened.value();
  // A ~150-byte payload, like a check-in.
  const std::string payload =
      "{\"value\":42.5,\"confidence\":7,\"note\":\"steady progress on the "
      "onboarding funnel, two experiments shipped this week\",\"date\":"
      "\"2026-11-27\"}";
  int threads = std::stoi(argv[2]);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (long i = 0;; ++i) {
        std::string stream =
            "kr/t" + std::to_string(t) + "-" + std::to_string(i % 50);
        okr::CommandMeta meta;
        meta.actor = "crash-" + std::to_string(t);
        // Every fifth command carries two events: atomicity across a kill.
        std::vector<okr::NewEvent> events(i % 5 == 0 ? 2 : 1,
                                          {"", "CheckIn", 1, payload});
        auto r = store.Append(stream, std::nullopt, events, meta);
        if (!r.ok()) continue;
        char line[200];
        int n =
            std::snprintf(line, sizeof line, "ACK %llu %llu %s\n",
                          (unsigned long long)r->first_position,
                          (unsigned long long)r->last_position, stream.c_str());
        // One write(2) of < PIPE_BUF bytes: lines never interleave.
        if (write(STDOUT_FILENO, line, n) != n) _exit(3);
      }
    });
  }
  for (auto& w : workers) w.join();
}
