#include "adapters/cli/export_import.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <unordered_map>

#include "adapters/cli/cli_app.h"
#include "adapters/http/json_body.h"
#include "adapters/http/json_text.h"
#include "adapters/http/views.h"
#include "engine/event_store.h"
#include "engine/storage_format.h"
#include "events/export_format.h"
#include "events/instant.h"

namespace okr {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// What export writes: text that is not UTF-8 shows U+FFFD (the bytes travel
// in base64 members beside it).
std::string Dump(const json& j) { return http::JsonText(j); }

// Opens `path` for writing ("" or "-": stdout). False if it cannot.
bool OpenOut(const std::string& path, std::ofstream* file, std::ostream** out) {
  *out = &std::cout;
  if (path.empty() || path == "-") return true;
  file->open(path, std::ios::trunc);
  if (!*file) return false;
  *out = file;
  return true;
}

}  // namespace

std::string EncodeIdempotencyLine(const EventStore::IdempotencyEntry& entry) {
  const format::IdempotencyRecord& r = entry.record;
  return Dump(json{{"actor", entry.actor},
                   {"key_b64", events::Base64Encode(entry.key)},
                   {"fingerprint_b64", events::Base64Encode(r.fingerprint)},
                   {"first_position", r.first_position},
                   {"last_position", r.last_position},
                   {"recorded_at", FormatInstant(r.recorded_at_us)},
                   {"command_id", r.command_id},
                   {"response_b64", events::Base64Encode(r.response)}});
}

bool DecodeIdempotencyLine(std::string_view line,
                           EventStore::IdempotencyEntry* entry,
                           std::string* why) {
  static const char* kMembers[] = {
      "actor",         "key_b64",     "fingerprint_b64", "first_position",
      "last_position", "recorded_at", "command_id",      "response_b64"};
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded()) {
    *why = "not valid JSON";
    return false;
  }
  if (!j.is_object()) {
    *why = "not a JSON object";
    return false;
  }
  for (const char* m : kMembers) {
    if (!j.contains(m)) {
      *why = std::string("missing ") + m;
      return false;
    }
  }
  if (j.size() != std::size(kMembers)) {
    *why = "unknown members";
    return false;
  }
  for (const char* m : kMembers) {
    bool number = std::string_view(m).ends_with("_position");
    if (number ? !j[m].is_number_unsigned() : !j[m].is_string()) {
      *why = std::string(m) +
             (number ? " must be an integer" : " must be a string");
      return false;
    }
  }
  format::IdempotencyRecord& r = entry->record;
  entry->actor = j["actor"].get<std::string>();
  r.command_id = j["command_id"].get<std::string>();
  r.first_position = j["first_position"].get<std::uint64_t>();
  r.last_position = j["last_position"].get<std::uint64_t>();
  std::optional<std::int64_t> at =
      ParseInstant(j["recorded_at"].get<std::string>());
  if (!at) {
    *why = "recorded_at is not an RFC 3339 instant";
    return false;
  }
  r.recorded_at_us = *at;
  for (auto [name, out] : {std::pair{"key_b64", &entry->key},
                           std::pair{"fingerprint_b64", &r.fingerprint},
                           std::pair{"response_b64", &r.response}}) {
    if (!events::Base64Decode(j[name].get<std::string>(), out)) {
      *why = std::string(name) + " is not canonical base64";
      return false;
    }
  }
  return true;
}

int RunExport(const std::string& data_dir, const std::string& out_path,
              const std::string& idempotency_out) {
  auto store = EventStore::Open(data_dir, StoreOptions{});
  if (!store.ok()) {
    std::cerr << "okr export: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  std::ofstream file;
  std::ostream* out = nullptr;
  if (!OpenOut(out_path, &file, &out)) {
    std::cerr << "okr export: cannot write " << out_path << "\n";
    return kExitFailure;
  }
  Status s = store.value()->ForEach(1, [&](const RecordedEvent& e) {
    // Stored text that is not UTF-8 reads as U+FFFD in `data`; `data_b64`
    // keeps its bytes, and import restores from those.
    *out << events::ExportLine(e) << '\n';
    return static_cast<bool>(*out);
  });
  out->flush();
  if (!s.ok() || !*out) {
    std::cerr << "okr export: " << (s.ok() ? "write failed" : s.ToString())
              << "\n";
    return kExitFailure;
  }
  if (idempotency_out.empty()) return kExitOk;
  std::ofstream idem_file;
  std::ostream* idem = nullptr;
  if (!OpenOut(idempotency_out, &idem_file, &idem)) {
    std::cerr << "okr export: cannot write " << idempotency_out << "\n";
    return kExitFailure;
  }
  s = store.value()->ForEachIdempotency(
      [&](const EventStore::IdempotencyEntry& entry) {
        *idem << EncodeIdempotencyLine(entry) << '\n';
        return static_cast<bool>(*idem);
      });
  idem->flush();
  if (!s.ok() || !*idem) {
    std::cerr << "okr export: " << idempotency_out << ": "
              << (s.ok() ? "write failed" : s.ToString()) << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

bool DecodeExportLine(std::string_view line, RecordedEvent* e,
                      std::string* why) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded()) {
    *why = "not valid JSON";
    return false;
  }
  return events::FromExportJson(j, e, why);
}

namespace {

// Reads a JSON Lines file line by line; calls fn(line number, line) for each
// line that is not empty. On failure *error names the line.
bool ReadLines(const std::string& path,
               const std::function<bool(std::size_t, const std::string&,
                                        std::string*)>& fn,
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
    std::string why;
    if (!fn(n, line, &why)) {
      *error = path + ": line " + std::to_string(n) + ": " + why;
      return false;
    }
  }
  if (in.bad()) {
    *error = "cannot read " + path;
    return false;
  }
  return true;
}

// Reads the export line by line; calls fn(line number, event).
bool ReadExport(const std::string& path,
                const std::function<bool(std::size_t, const RecordedEvent&,
                                         std::string*)>& fn,
                std::string* error) {
  return ReadLines(
      path,
      [&](std::size_t n, const std::string& line, std::string* why) {
        RecordedEvent e;
        return DecodeExportLine(line, &e, why) && fn(n, e, why);
      },
      error);
}

// Pass 1: the whole export checked, nothing written. The number of events.
bool CheckExport(const std::string& path, std::uint64_t* events,
                 Hash* last_hash, std::string* error) {
  Hash prev{};
  std::uint64_t next = 1;
  std::int64_t last_time = 0;
  std::unordered_map<std::string, std::uint64_t> versions;
  bool ok = ReadExport(
      path,
      [&](std::size_t, const RecordedEvent& e, std::string* why) {
        auto fail = [&](const std::string& what) {
          *why = "position " + std::to_string(e.position) + ": " + what;
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
      error);
  *events = next - 1;
  *last_hash = prev;
  return ok;
}

// Fsyncs a folder so that a rename in it is durable.
bool SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Writes the checked export (and idempotency records) into the new store at
// `dir`. False with *error on any failure.
bool WriteStore(const std::string& dir, const std::string& in_path,
                std::uint64_t events, const Hash& last_hash,
                const std::vector<EventStore::IdempotencyEntry>& idem,
                std::string* error) {
  std::uint64_t seen = 0;
  Hash last{};
  auto store = EventStore::Open(dir, StoreOptions{});
  if (!store.ok()) {
    *error = store.status().ToString();
    return false;
  }
  std::vector<RecordedEvent> batch;
  Status written;
  auto flush = [&] {
    if (batch.empty() || !written.ok()) return;
    written = store.value()->ImportBatch(batch);
    batch.clear();
  };
  bool ok = ReadExport(
      in_path,
      [&](std::size_t, const RecordedEvent& e, std::string* why) {
        ++seen;
        last = e.hash;
        batch.push_back(e);
        if (batch.size() >= 10'000) flush();
        if (!written.ok()) *why = written.ToString();
        return written.ok();
      },
      error);
  flush();
  if (ok && !written.ok()) {
    *error = written.ToString();
    ok = false;
  }
  // The file is read twice: what was written must be what was checked (a
  // file that changed in between is refused).
  if (ok && (seen != events || last != last_hash)) {
    *error = in_path + " changed while it was imported";
    ok = false;
  }
  if (ok) {
    Status s = store.value()->ImportIdempotency(idem);
    if (!s.ok()) {
      *error = "idempotency: " + s.ToString();
      ok = false;
    }
  }
  return ok;
}

}  // namespace

int RunVerifyExport(const std::string& in_path) {
  std::string error;
  std::uint64_t events = 0;
  Hash last_hash{};
  if (!CheckExport(in_path, &events, &last_hash, &error)) {
    std::cerr << "okr verify: FAILED: " << error << "\n";
    return kExitFailure;
  }
  std::cout << "ok: " << events << " events, chain head " << events << " "
            << HashToHex(last_hash) << "\n";
  return kExitOk;
}

int RunImport(const std::string& data_dir, const std::string& in_path,
              const std::string& idempotency_in) {
  auto refuse = [](const std::string& why) {
    std::cerr << "okr import: " << why << "; nothing written\n";
    return kExitFailure;
  };
  // Pass 1: check everything before writing anything.
  // It is read twice (checked, then written): a pipe would be empty the
  // second time.
  struct stat st;
  if (::stat(in_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return refuse(in_path +
                  " is not a regular file (import reads it twice: "
                  "save a stream to a file first)");
  }
  std::string error;
  std::uint64_t events = 0;
  Hash last_hash{};
  if (!CheckExport(in_path, &events, &last_hash, &error)) {
    return refuse(error);
  }
  std::vector<EventStore::IdempotencyEntry> idem;
  if (!idempotency_in.empty() &&
      !ReadLines(
          idempotency_in,
          [&](std::size_t, const std::string& line, std::string* why) {
            EventStore::IdempotencyEntry entry;
            if (!DecodeIdempotencyLine(line, &entry, why)) return false;
            if (entry.record.last_position > events) {
              *why = "points past the end of the export (position " +
                     std::to_string(events) + ")";
              return false;
            }
            idem.push_back(std::move(entry));
            return true;
          },
          &error)) {
    return refuse(error);
  }

  // The destination: absent, or an empty folder (so that no snapshot, token
  // or store of an earlier life is mixed with the restored log).
  fs::path dest = fs::path(data_dir).lexically_normal();
  if (dest.filename().empty()) dest = dest.parent_path();
  std::error_code ec;
  if (fs::exists(dest / "snapshots", ec)) {
    return refuse(data_dir +
                  " is not empty: it holds snapshots (of another log: they "
                  "must not be read against this one); import restores into "
                  "a folder that does not exist or is empty");
  }
  if (fs::exists(dest, ec)) {
    if (!fs::is_directory(dest, ec) || !fs::is_empty(dest, ec) || ec) {
      return refuse(data_dir +
                    " is not empty; import restores into a folder that does "
                    "not exist or is empty");
    }
  }
  fs::path parent = dest.has_parent_path() ? dest.parent_path() : ".";
  fs::create_directories(parent, ec);
  // Pass 2: write into a sibling temporary folder (mode 0700), then rename
  // it into place: a failure at any point leaves `dest` as it was.
  std::string tmp =
      (parent / ("." + dest.filename().string() + ".import-XXXXXX")).string();
  if (::mkdtemp(tmp.data()) == nullptr) {
    return refuse("cannot create a temporary folder beside " + data_dir);
  }
  bool ok = WriteStore(tmp, in_path, events, last_hash, idem, &error);
  if (ok && ::rename(tmp.c_str(), dest.c_str()) != 0) {
    error = "cannot rename the restored store into " + data_dir;
    ok = false;
  }
  if (!ok) {
    fs::remove_all(tmp, ec);
    return refuse(error);
  }
  SyncDir(parent);
  std::cout << "okr import: " << events << " events";
  if (!idem.empty()) std::cout << " and " << idem.size() << " idempotency keys";
  std::cout << " restored into " << data_dir << "\n";
  return kExitOk;
}

}  // namespace okr
