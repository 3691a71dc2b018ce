// engine/snapshot_store.h: the checks on snapshot files and bodies, with
// the inputs tests/fuzz/fuzz_snapshot found (regressions/fuzz_snapshot/).
#include "engine/snapshot_store.h"

#include <sys/resource.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <map>

#include "events/event_codec.h"
#include "tests/support/temp_dir.h"

namespace okr {
namespace {

using namespace events;

// A state with one cycle, objective and key result (and one check-in), at
// position 4.
OkrState SmallState() {
  OkrState state;
  std::uint64_t position = 0;
  std::map<std::string, std::uint64_t> versions;
  auto apply = [&](Event e) {
    RecordedEvent r;
    r.position = ++position;
    r.stream = StreamOf(e);
    r.version = ++versions[r.stream];
    r.type = TypeOf(e);
    r.actor = "root";
    r.recorded_at_us = 1'790'000'000'000'000 + position;
    state.Apply(r, e);
  };
  apply(CycleCreated{"q3", "Q3", *Date::Parse("2026-07-01"),
                     *Date::Parse("2026-09-30")});
  ObjectiveCreated o;
  o.objective_id = "o-1";
  o.cycle_id = "q3";
  o.title = "Grow";
  o.level = "company";
  o.owner = "ann";
  apply(o);
  KeyResultAdded k;
  k.kr_id = "kr-1";
  k.objective_id = "o-1";
  k.title = "ARR";
  k.kind = "metric";
  k.target = 100;
  apply(k);
  CheckInRecorded c;
  c.kr_id = "kr-1";
  c.value = 5;
  c.date = *Date::Parse("2026-07-02");
  apply(c);
  return state;
}

// The file SnapshotStore::Write makes of `state`, and its body.
std::string FileOf(const OkrState& state, std::string* body) {
  testing::TempDir dir;
  SnapshotStore store(dir.path());
  BOOST_REQUIRE(store.Write(state, Hash{}).ok());
  std::ifstream in(store.PathOf(state.last_position()), std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  BOOST_REQUIRE(store.ReadBody(state.last_position(), body).ok());
  return file;
}

std::string Fixed64(std::uint64_t v) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

BOOST_AUTO_TEST_SUITE(snapshot_store)

BOOST_AUTO_TEST_CASE(a_written_body_parses_back_to_the_same_state) {
  OkrState state = SmallState();
  std::string body;
  FileOf(state, &body);
  OkrState loaded;
  BOOST_TEST(SnapshotStore::Parse(body, 4, &loaded).ok());
  BOOST_TEST((loaded == state));
  BOOST_TEST(loaded.FindKeyResult("kr-1")->check_ins.size() == 1u);
}

BOOST_AUTO_TEST_CASE(files_that_do_not_check_out_are_corruption) {
  std::string body;
  std::string file = FileOf(SmallState(), &body);
  std::string out;
  BOOST_TEST(SnapshotStore::CheckFile(file, 4, "f", &out).ok());
  BOOST_TEST((out == body));

  auto refused = [&](std::string bytes, std::uint64_t position) {
    Status s = SnapshotStore::CheckFile(std::move(bytes), position, "f", &out);
    BOOST_TEST(s.IsCorruption());
    return s.ToString();
  };
  BOOST_TEST(refused("", 4).find("not a snapshot file") != std::string::npos);
  BOOST_TEST(refused(file.substr(0, 59), 4).find("not a snapshot file") !=
             std::string::npos);
  std::string bad = file;
  bad[8] = 9;  // format version
  BOOST_TEST(refused(bad, 4).find("snapshot format 9") != std::string::npos);
  BOOST_TEST(refused(file, 5).find("header does not match") !=
             std::string::npos);
  BOOST_TEST(refused(file + "x", 4).find("header does not match") !=
             std::string::npos);
  bad = file;
  bad.back() ^= 1;
  BOOST_TEST(refused(bad, 4).find("digest mismatch") != std::string::npos);
}

// Load() reads the file a chunk (1 MiB) at a time, through the digest and
// then the parser: a state whose check-ins span several chunks loads
// equal, with its chain hash, and every file CheckFile() refuses, Load()
// refuses for the same reason.
BOOST_AUTO_TEST_CASE(a_streamed_load_equals_the_state_and_checks_the_file) {
  OkrState state = SmallState();
  {
    // 100,000 more check-ins: 2.4 MB of check-in block in one key result.
    RecordedEvent r;
    r.stream = "key_result/kr-1";
    r.type = "CheckInRecorded";
    r.actor = "root";
    for (int i = 0; i < 100'000; ++i) {
      r.position = state.last_position() + 1;
      r.version = 3 + static_cast<std::uint64_t>(i);
      r.recorded_at_us = 1'790'000'000'000'000 + r.position;
      CheckInRecorded c;
      c.kr_id = "kr-1";
      c.value = i % 97;
      c.date = *Date::Parse("2026-07-02");
      state.Apply(r, c);
    }
  }
  const std::uint64_t at = state.last_position();
  Hash chain{};
  chain[0] = 7;
  chain[31] = 9;
  testing::TempDir dir;
  SnapshotStore store(dir.path());
  BOOST_REQUIRE(store.Write(state, chain).ok());
  OkrState loaded;
  Hash bound{};
  BOOST_TEST(store.Load(at, &loaded, &bound).ok());
  BOOST_TEST((loaded == state));
  BOOST_TEST((bound == chain));
  BOOST_TEST(loaded.FindKeyResult("kr-1")->check_ins.size() == 100'001u);

  std::ifstream in(store.PathOf(at), std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  in.close();
  auto refused = [&](const std::string& bytes) {
    std::ofstream(store.PathOf(at), std::ios::binary | std::ios::trunc)
        << bytes;
    OkrState s;
    Status streamed = store.Load(at, &s);
    std::string body;
    Status whole = SnapshotStore::CheckFile(bytes, at, store.PathOf(at), &body);
    BOOST_TEST(streamed.IsCorruption());
    BOOST_TEST(whole.IsCorruption());
    BOOST_TEST(streamed.ToString() == whole.ToString());
    return streamed.ToString();
  };
  BOOST_TEST(refused("").find("not a snapshot file") != std::string::npos);
  BOOST_TEST(refused(file.substr(0, 59)).find("not a snapshot file") !=
             std::string::npos);
  std::string bad = file;
  bad[8] = 9;  // format version
  BOOST_TEST(refused(bad).find("snapshot format 9") != std::string::npos);
  BOOST_TEST(refused(file + "x").find("header does not match") !=
             std::string::npos);
  BOOST_TEST(
      refused(file.substr(0, file.size() - 1)).find("header does not match") !=
      std::string::npos);
  // No byte of a damaged file is parsed: a body that would not parse (its
  // byte order flag, the first byte after the 92-byte header, made 2) is
  // refused by its digest, as CheckFile() refuses it, not by the parser.
  bad = file;
  bad[92] = 2;
  BOOST_TEST(refused(bad).find("digest mismatch") != std::string::npos);
  // A value flipped inside the check-in block, past the first chunk: the
  // body still parses, the digest does not match.
  bad = file;
  bad[file.size() / 2] ^= 0x40;
  BOOST_TEST(refused(bad).find("digest mismatch") != std::string::npos);
  bad = file;
  bad.back() ^= 1;
  BOOST_TEST(refused(bad).find("digest mismatch") != std::string::npos);
}

// Found by fuzz_snapshot: a string's size prefix of 2^40 made cereal
// allocate a terabyte before the read failed.
BOOST_AUTO_TEST_CASE(a_size_prefix_over_the_bytes_left_is_corruption) {
  // The first map (cycles) claims 1, then its first key claims 2^40 bytes.
  std::string body = "\x01" + Fixed64(1) + Fixed64(std::uint64_t{1} << 40);
  OkrState state;
  Status s = SnapshotStore::Parse(body, 0, &state);
  BOOST_TEST(s.IsCorruption());
  BOOST_TEST(s.ToString().find("size 1099511627776 exceeds the 0 bytes left") !=
             std::string::npos);
  // The map itself may not claim more entries than there are bytes.
  body = "\x01" + Fixed64(std::uint64_t{1} << 60);
  s = SnapshotStore::Parse(body, 0, &state);
  BOOST_TEST(s.IsCorruption());
  BOOST_TEST(s.ToString().find("exceeds the 0 bytes left") !=
             std::string::npos);
}

// Found by fuzz_snapshot: a key result's check-in count (up to 2^32) was
// allocated whole before its bytes were read. Now at most one block more
// than the bytes there is allocated.
BOOST_AUTO_TEST_CASE(a_check_in_count_over_the_bytes_left_is_corruption) {
  std::string body;
  FileOf(SmallState(), &body);
  // The body ends: check-in count (8), the check-in (sizeof(CheckIn)),
  // KPIs (8), reminders (8), digests (8), checkpoints (8), position (8),
  // recorded_at (8).
  std::size_t count_at = body.size() - 48 - sizeof(CheckIn) - 8;
  BOOST_REQUIRE((body.substr(count_at, 8) == Fixed64(1)));
  long rss_before = PeakRssKb();
  for (std::uint64_t n :
       {std::uint64_t{1} << 32, std::uint64_t{1} << 27, std::uint64_t{2}}) {
    BOOST_TEST_CONTEXT(n) {
      std::string bad = body;
      bad.replace(count_at, 8, Fixed64(n));
      OkrState state;
      Status s = SnapshotStore::Parse(bad, 4, &state);
      BOOST_TEST(s.IsCorruption());
      if (n > 2) {
        BOOST_TEST(s.ToString().find("Failed to read") != std::string::npos);
      }
    }
  }
  // 2^27 check-ins would be 3 GiB; a block is 1.5 MiB.
  BOOST_TEST(PeakRssKb() - rss_before < 256 * 1024);
}

// Found by fuzz_snapshot (UBSan: "load of value 255, which is not a valid
// value for type 'bool'"): check-ins are copied in as raw bytes, and the
// flag of their optional confidence is a bool.
BOOST_AUTO_TEST_CASE(
    a_check_in_whose_confidence_flag_is_not_a_bool_is_corruption) {
  std::string body;
  FileOf(SmallState(), &body);
  std::size_t check_in_at = body.size() - 48 - sizeof(CheckIn);
  CheckIn probe;
  std::size_t confidence_at = reinterpret_cast<const char*>(&probe.confidence) -
                              reinterpret_cast<const char*>(&probe);
  std::string bad = body;
  for (std::size_t i = 0; i < sizeof(probe.confidence); ++i) {
    bad[check_in_at + confidence_at + i] = '\xff';
  }
  for (History h : {History::kFull, History::kLatestOnly}) {
    OkrState state(h);
    Status s = SnapshotStore::Parse(bad, 4, &state);
    BOOST_TEST(s.IsCorruption());
    BOOST_TEST(s.ToString().find("check-in 0 of kr-1 is corrupt") !=
               std::string::npos);
  }
  // The same bytes with the flag 0 or 1 are a check-in.
  OkrState state;
  BOOST_TEST(SnapshotStore::Parse(body, 4, &state).ok());
  BOOST_TEST(!state.FindKeyResult("kr-1")->check_ins[0].confidence.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
