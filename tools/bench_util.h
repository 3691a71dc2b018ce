// Helpers shared by the okr-bench subcommands: timing, figures printed as
// "<figure>: <value> <unit>", and the process's memory.
//
// Thread safety: Figure() and Ratio() write whole lines to stdout.
#ifndef OKR_TOOLS_BENCH_UTIL_H_
#define OKR_TOOLS_BENCH_UTIL_H_

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

namespace okr::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

inline void Figure(const std::string& name, double value,
                   const std::string& unit, int decimals = 0) {
  std::printf("%-64s %14.*f %s\n", (name + ":").c_str(), decimals, value,
              unit.c_str());
  std::fflush(stdout);
}

inline void Ratio(const std::string& name, double ours, double base) {
  std::printf("%-64s %14.2f x\n", (name + ":").c_str(),
              base > 0 ? ours / base : 0.0);
  std::fflush(stdout);
}

// A field of /proc/self/status in KiB ("VmRSS:", "VmHWM:"); -1 if absent.
inline long RssKiB(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string want(field);
  while (std::getline(status, line)) {
    if (line.rfind(want, 0) == 0) return std::stol(line.substr(want.size()));
  }
  return -1;
}

}  // namespace okr::bench

#endif  // OKR_TOOLS_BENCH_UTIL_H_
