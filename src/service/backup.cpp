#include "service/backup.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "domain/error.hpp"
#include "domain/utf8.hpp"
#include "store/audit_repo.hpp"
#include "store/schema.hpp"

namespace crm {
namespace {

Error backup_failed(const std::string& path, const char* why) {
  return Error(Status::cantopen, "cannot back up to \"" + path + "\": " + why,
               "无法备份到“" + path + "”：" + why);
}

// A path as the path part of a file: URI (%, ?, # escaped).
std::string uri_path(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

}  // namespace

std::int64_t backup_database(Session& s, const std::string& path, int pages_per_step,
                             const BackupProgress& progress) {
  s.authorize(Perm::backup_run);
  if (path.empty() || !is_valid_utf8(path) || path == ":memory:")
    throw Error(Status::invalid_arg, "a backup needs a file path", "备份须指定文件路径");
  if (pages_per_step < 0)
    throw Error(Status::invalid_arg, "pages_per_step is 0 (256) or more",
                "每步页数须为 0（256）或更多");
  // A stopped or failed backup leaves `path` as it was: SQLite rolls the
  // copy back, and a file this call created is removed.
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  auto undo = [&] {
    if (!existed)
      for (const char* suffix : {"", "-journal", "-wal", "-shm"})
        std::filesystem::remove(path + suffix, ec);
  };
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string why = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    undo();
    throw backup_failed(path, why.c_str());
  }
  std::unique_ptr<sqlite3, Closer> dest(raw);
  sqlite3* src = s.db().conn().db().getHandle();
  sqlite3_backup* b = sqlite3_backup_init(dest.get(), "main", src, "main");
  if (!b) {
    std::string why = sqlite3_errmsg(dest.get());
    dest.reset();
    undo();
    throw backup_failed(path, why.c_str());
  }
  const int step = pages_per_step == 0 ? 256 : pages_per_step;
  int rc = SQLITE_OK;
  bool stopped = false;
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    rc = sqlite3_backup_step(b, step);
    const std::int64_t total = sqlite3_backup_pagecount(b);
    const std::int64_t done = total - sqlite3_backup_remaining(b);
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    // After every step, the last one too (done == total then; its answer
    // no longer matters).
    if (progress && !progress(done, total) && rc != SQLITE_DONE) {
      stopped = true;
      break;
    }
    if (rc == SQLITE_DONE) break;
  }
  const std::int64_t pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (stopped || rc != SQLITE_DONE) {
    dest.reset();
    undo();
  }
  if (stopped)
    throw Error(Status::state,
                "backup to \"" + path + "\" stopped by the caller; the file is as it was before",
                "备份到“" + path + "”已被调用方中止，文件保持原样");
  if (rc != SQLITE_DONE) throw backup_failed(path, sqlite3_errstr(rc));
  store::WriteTransaction tx(s.db().conn());
  s.audit("backup.run", "backup", path + "; pages=" + std::to_string(pages));
  tx.commit();
  return pages;
}

Record verify_backup(const std::string& path) {
  Record r;
  std::unique_ptr<SQLite::Database> db;
  try {
    // Without a write-ahead log beside it (a backup has none), the file is
    // read as immutable: no lock files are made next to it.
    std::error_code ec;
    const bool wal = std::filesystem::exists(path + "-wal", ec);
    if (wal) {
      db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY);
    } else {
      if (!std::filesystem::exists(path, ec))
        throw Error(Status::cantopen, "no file \"" + path + "\"", "文件“" + path + "”不存在");
      db = std::make_unique<SQLite::Database>("file:" + uri_path(path) + "?immutable=1",
                                              SQLite::OPEN_READONLY | SQLite::OPEN_URI);
    }
    db->exec("PRAGMA query_only = 1");
  } catch (const SQLite::Exception& e) {
    throw Error(Status::cantopen, "cannot open \"" + path + "\": " + e.what(),
                "无法打开“" + path + "”：" + e.what());
  }
  auto one = [&](const std::string& sql) -> SQLite::Column {
    SQLite::Statement q(*db, sql);
    q.executeStep();
    return q.getColumn(0);
  };
  std::string integrity;
  try {
    integrity = one("PRAGMA integrity_check(1)").getString();
  } catch (const SQLite::Exception& e) {
    integrity = e.what();
  }
  r.append("integrity", integrity);
  bool libcrm = false;
  try {
    libcrm = one("PRAGMA application_id").getInt() == store::kApplicationId;
  } catch (const SQLite::Exception&) {
  }
  r.append("application", libcrm ? Value{std::string("CRM1")} : Value{});
  std::int64_t version = 0;
  try {
    version = one("PRAGMA user_version").getInt64();
  } catch (const SQLite::Exception&) {
  }
  r.append("schema_version", version);
  bool audit_ok = false;
  if (libcrm && version >= 8 && integrity == "ok") {
    store::AuditBreak b = store::verify_audit(*db, std::nullopt);
    audit_ok = b.seq == 0;
    r.append("audit_ok", std::int64_t{audit_ok ? 1 : 0});
    r.append("audit_seq", b.seq);
    r.append("audit_problem", b.problem.empty() ? Value{} : Value{b.problem});
    r.append("audit_rows", b.checked);
    SQLite::Statement h(*db, "SELECT lower(hex(hash)) FROM audit_log ORDER BY seq DESC LIMIT 1");
    r.append("audit_head", h.executeStep() ? Value{h.getColumn(0).getString()}
                                           : Value{std::string(store::kAuditGenesis)});
  } else {
    for (const char* f : {"audit_ok", "audit_seq", "audit_problem", "audit_rows", "audit_head"})
      r.append_null(f);
  }
  for (const char* table : {"customers", "contacts", "users", "departments", "followup_records",
                            "followup_plans", "outbox"}) {
    Value n;
    try {
      n = one(std::string("SELECT count(*) FROM ") + table).getInt64();
    } catch (const SQLite::Exception&) {
    }
    r.append(table, n);
  }
  r.set("ok", std::int64_t{libcrm && integrity == "ok" && audit_ok ? 1 : 0});
  return r;
}

}  // namespace crm
