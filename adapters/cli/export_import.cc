#include "adapters/cli/export_import.h"

#include <fstream>
#include <iostream>
#include <unordered_map>

#include "adapters/cli/cli_app.h"
#include "adapters/http/views.h"
#include "engine/event_store.h"
#include "engine/storage_format.h"

namespace okr {

int RunExport(const std::string& data_dir, const std::string& out_path) {
  auto store = EventStore::Open(data_dir, StoreOptions{});
  if (!store.ok()) {
    std::cerr << "okr export: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!out_path.empty() && out_path != "-") {
    file.open(out_path, std::ios::trunc);
    if (!file) {
      std::cerr << "okr export: cannot write " << out_path << "\n";
      return kExitFailure;
    }
    out = &file;
  }
  Status s = store.value()->ForEach(1, [&](const RecordedEvent& e) {
    *out << http::EventJson(e).dump() << '\n';
    return static_cast<bool>(*out);
  });
  out->flush();
  if (!s.ok() || !*out) {
    std::cerr << "okr export: " << (s.ok() ? "write failed" : s.ToString())
              << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

bool DecodeExportLine(std::string_view line, RecordedEvent* e,
                      std::string* why) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) {
    *why = "not valid JSON";
    return false;
  }
  return http::EventFromJson(j, e, why);
}

namespace {

// Reads the export line by line; calls fn(line number, event).
bool ReadExport(
    const std::string& path,
    const std::function<bool(std::size_t, const RecordedEvent&)>& fn,
    std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    RecordedEvent e;
    std::string why;
    if (!DecodeExportLine(line, &e, &why)) {
      // why is set
    } else if (!fn(n, e)) {
      return false;  // fn set *error
    } else {
      continue;
    }
    *error = "line " + std::to_string(n) + ": " + why;
    return false;
  }
  return true;
}

}  // namespace

int RunImport(const std::string& data_dir, const std::string& in_path) {
  // Pass 1: check everything before writing anything.
  std::string error;
  Hash prev{};
  std::uint64_t next = 1;
  std::int64_t last_time = 0;
  std::unordered_map<std::string, std::uint64_t> versions;
  bool ok = ReadExport(
      in_path,
      [&](std::size_t line, const RecordedEvent& e) {
        auto fail = [&](const std::string& why) {
          error = "line " + std::to_string(line) + " (position " +
                  std::to_string(e.position) + "): " + why;
          return false;
        };
        if (e.position != next) {
          return fail("expected position " + std::to_string(next));
        }
        if (e.prev_hash != prev) return fail("prev_hash breaks the chain");
        if (format::ComputeHash(e) != e.hash) {
          return fail(
              "hash does not match the event: the chain does not "
              "verify");
        }
        if (e.recorded_at_us < last_time) return fail("recorded_at goes back");
        std::uint64_t& v = versions[e.stream];
        if (e.version != v + 1) return fail("stream version gap");
        v = e.version;
        prev = e.hash;
        last_time = e.recorded_at_us;
        ++next;
        return true;
      },
      &error);
  if (!ok) {
    std::cerr << "okr import: " << error << "; nothing written\n";
    return kExitFailure;
  }
  auto store = EventStore::Open(data_dir, StoreOptions{});
  if (!store.ok()) {
    std::cerr << "okr import: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  if (store.value()->LastPosition() != 0) {
    std::cerr << "okr import: " << data_dir
              << " is not empty; import restores into an empty store\n";
    return kExitFailure;
  }
  // Pass 2: write, a batch at a time.
  std::vector<RecordedEvent> batch;
  Status written;
  auto flush = [&] {
    if (batch.empty() || !written.ok()) return;
    written = store.value()->ImportBatch(batch);
    batch.clear();
  };
  ok = ReadExport(
      in_path,
      [&](std::size_t, const RecordedEvent& e) {
        batch.push_back(e);
        if (batch.size() >= 10'000) flush();
        return written.ok();
      },
      &error);
  flush();
  if (!ok || !written.ok()) {
    std::cerr << "okr import: " << (written.ok() ? error : written.ToString())
              << "\n";
    return kExitFailure;
  }
  std::cout << "okr import: " << next - 1 << " events restored into "
            << data_dir << "\n";
  return kExitOk;
}

}  // namespace okr
