// `okr demo`: seeds an empty store with a believable organisation.
//
// Thread safety: RunDemo is called once, from main.
#ifndef OKR_ADAPTERS_CLI_DEMO_H_
#define OKR_ADAPTERS_CLI_DEMO_H_

#include <string>

namespace okr {

struct DemoOptions {
  std::string data_dir = "./okr-data";
  std::string today;  // YYYY-MM-DD; empty: the current UTC date
  std::uint32_t seed = 7;
};

// A company, 3 departments, 9 teams and 45 people (admin "admin"); the
// previous quarter with its full history, closed and graded, and the
// current quarter in progress up to today. Refuses a store that is not
// empty. Exit status.
int RunDemo(const DemoOptions& options);

}  // namespace okr

#endif  // OKR_ADAPTERS_CLI_DEMO_H_
