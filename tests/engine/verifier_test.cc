#include "engine/verifier.h"

#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>

#include "engine/event_store.h"
#include "engine/storage_format.h"
#include "tests/support/raw_rocks.h"
#include "tests/support/temp_dir.h"

namespace okr {
namespace {

using testing::RawRocks;
using testing::TempDir;

// A store of 20 events over 4 streams, one idempotent command among them,
// closed again.
struct TamperFixture {
  TamperFixture() {
    ManualClock clock(1'790'000'000'000'000);
    StoreOptions options;
    options.clock = &clock;
    auto store = EventStore::Open(dir.path(), options).value();
    for (int i = 0; i < 20; ++i) {
      CommandMeta meta;
      meta.actor = "alice";
      if (i == 12) meta.idempotency_key = "k12";
      clock.Advance(1000);
      auto r = store->Append(
          "kr/s" + std::to_string(i % 4), std::nullopt,
          {NewEvent{"", "CheckIn", 1, "value " + std::to_string(i)}}, meta);
      BOOST_REQUIRE(r.ok());
    }
  }

  VerifyReport Verify() {
    auto report = VerifyStore(dir.path());
    BOOST_REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    return report.value();
  }

  RecordedEvent Load(RawRocks& raw, std::uint64_t position) {
    RecordedEvent e;
    BOOST_REQUIRE(format::DecodeLogValue(
        raw.Get(RawRocks::kLog, format::PositionKey(position)), &e));
    return e;
  }

  TempDir dir;
};

BOOST_FIXTURE_TEST_SUITE(verifier, TamperFixture)

BOOST_AUTO_TEST_CASE(honest_store_verifies) {
  VerifyReport r = Verify();
  BOOST_TEST(r.ok);
  BOOST_TEST(r.events == 20u);
  BOOST_TEST(r.streams == 4u);
  BOOST_TEST(r.first_bad_position == 0u);
}

BOOST_AUTO_TEST_CASE(edited_event_is_named_by_position) {
  {
    RawRocks raw(dir.path());
    std::string value = raw.Get(RawRocks::kLog, format::PositionKey(7));
    std::size_t at = value.find("value 6");
    BOOST_REQUIRE(at != std::string::npos);
    value[at + 6] = '9';  // the check-in now says 9
    raw.Put(RawRocks::kLog, format::PositionKey(7), value);
  }
  VerifyReport r = Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_bad_position == 7u);
  BOOST_TEST(r.problem.find("edited") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(edited_event_with_recomputed_hash_breaks_the_next_link) {
  {
    RawRocks raw(dir.path());
    RecordedEvent e = Load(raw, 7);
    e.data = "value 99";
    e.hash = format::ComputeHash(e);
    raw.Put(RawRocks::kLog, format::PositionKey(7), format::EncodeLogValue(e));
  }
  VerifyReport r = Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_bad_position == 8u);
  BOOST_TEST(r.problem.find("prev_hash") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(deleted_event_is_named_by_position) {
  {
    RawRocks raw(dir.path());
    raw.Delete(RawRocks::kLog, format::PositionKey(5));
  }
  VerifyReport r = Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_bad_position == 5u);
  BOOST_TEST(r.problem.find("missing") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(deleted_last_event_is_caught_by_the_head) {
  {
    RawRocks raw(dir.path());
    raw.Delete(RawRocks::kLog, format::PositionKey(20));
  }
  VerifyReport r = Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_bad_position == 20u);
}

BOOST_AUTO_TEST_CASE(swapped_events_are_named_by_the_first_position) {
  {
    RawRocks raw(dir.path());
    std::string a = raw.Get(RawRocks::kLog, format::PositionKey(3));
    std::string b = raw.Get(RawRocks::kLog, format::PositionKey(9));
    raw.Put(RawRocks::kLog, format::PositionKey(3), b);
    raw.Put(RawRocks::kLog, format::PositionKey(9), a);
  }
  VerifyReport r = Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_bad_position == 3u);
  BOOST_TEST(r.problem.find("reordered") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(swapped_and_renumbered_events_break_the_chain) {
  // A cleverer swap rewrites the positions too; the chain still catches it.
  {
    RawRocks raw(dir.path());
    RecordedEvent a = Load(raw, 3);
    RecordedEvent b = Load(raw, 9);
    std::swap(a.position, b.position);
    raw.Put(RawRocks::kLog, format::PositionKey(3), format::EncodeLogValue(b));
    raw.Put(RawRocks::kLog, format::PositionKey(9), format::EncodeLogValue(a));
  }
  VerifyReport r = Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_bad_position == 3u);
}

BOOST_AUTO_TEST_CASE(missing_stream_index_entry_is_named) {
  {
    RawRocks raw(dir.path());
    // Position 10 is the third event of stream kr/s1 (i = 9).
    raw.Delete(RawRocks::kStreams, format::StreamIndexKey("kr/s1", 3));
  }
  VerifyReport r = Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_bad_position == 10u);
  BOOST_TEST(r.problem.find("index") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(extra_stream_index_entry_is_caught) {
  {
    RawRocks raw(dir.path());
    raw.Put(RawRocks::kStreams, format::StreamIndexKey("kr/zz", 1),
            format::PositionKey(4));
  }
  VerifyReport r = Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.problem.find("index") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(idempotency_record_pointing_elsewhere_is_caught) {
  {
    RawRocks raw(dir.path());
    format::IdempotencyRecord rec;
    BOOST_REQUIRE(format::DecodeIdempotency(
        raw.Get(RawRocks::kIdem, format::PairKey("alice", "k12")), &rec));
    BOOST_TEST(rec.first_position == 13u);
    rec.first_position = rec.last_position = 14;
    raw.Put(RawRocks::kIdem, format::PairKey("alice", "k12"),
            format::EncodeIdempotency(rec));
  }
  VerifyReport r = Verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_bad_position == 14u);
}

// The command line: exit status and the message on stderr.
int RunOkr(const std::string& args, std::string* output) {
  std::string cmd = std::string(OKR_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  char buf[512];
  output->clear();
  while (fgets(buf, sizeof buf, pipe) != nullptr) output->append(buf);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

BOOST_AUTO_TEST_CASE(okr_verify_exits_zero_then_names_the_tampered_position) {
  std::string out;
  BOOST_TEST(RunOkr("verify --data " + dir.path(), &out) == 0);
  BOOST_TEST(out.find("ok: 20 events") != std::string::npos);
  {
    RawRocks raw(dir.path());
    raw.Delete(RawRocks::kLog, format::PositionKey(11));
  }
  BOOST_TEST(RunOkr("verify --data " + dir.path(), &out) == 1);
  BOOST_TEST(out.find("position 11") != std::string::npos);
  BOOST_TEST(RunOkr("verify", &out) == 2);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
