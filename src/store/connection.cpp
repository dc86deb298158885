#include "store/connection.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "domain/error.hpp"
#include "store/schema.hpp"
#include "store/search_repo.hpp"

namespace crm::store {
namespace {

bool is_memory(const std::string& path) { return path == ":memory:" || path.empty(); }

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

// Looks at the file before SQLite does: a missing directory, a file that is
// not SQLite, and a file shorter than its header says are each refused here
// with their own status, so that nothing ever writes to them.
void precheck_file(const OpenOptions& o) {
  struct stat st {};
  if (::stat(o.path.c_str(), &st) != 0) {
    std::string dir = parent_dir(o.path);
    struct stat dst {};
    if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode))
      throw Error(Status::cantopen,
                  "cannot open " + o.path + ": directory " + dir + " does not exist",
                  "无法打开 " + o.path + "：目录 " + dir + " 不存在");
    if (o.nocreate || o.readonly)
      throw Error(Status::cantopen, "cannot open " + o.path + ": no such file",
                  "无法打开 " + o.path + "：文件不存在");
    return;
  }
  if (S_ISDIR(st.st_mode))
    throw Error(Status::cantopen, "cannot open " + o.path + ": it is a directory",
                "无法打开 " + o.path + "：这是一个目录");
  if (st.st_size == 0) return;  // an empty file is an empty database
  std::FILE* f = std::fopen(o.path.c_str(), "rb");
  if (!f)
    throw Error(Status::cantopen, "cannot open " + o.path + ": " + std::strerror(errno),
                "无法打开 " + o.path + "：" + std::strerror(errno));
  unsigned char h[100];
  size_t n = std::fread(h, 1, sizeof h, f);
  std::fclose(f);
  if (n < sizeof h || std::memcmp(h, "SQLite format 3", 16) != 0)
    throw Error(Status::notadb, o.path + " is not a libcrm database (not an SQLite file)",
                o.path + " 不是 libcrm 数据库（不是 SQLite 文件）");
  // The size check only means something for a file no connection is using:
  // while another connection checkpoints its write-ahead log, page 1 may be
  // rewritten before the file has grown.  A live database has a -wal file.
  struct stat wal {};
  if (::stat((o.path + "-wal").c_str(), &wal) == 0) return;
  std::uint32_t page_size = (std::uint32_t{h[16]} << 8) | h[17];
  if (page_size == 1) page_size = 65536;
  std::uint32_t pages = be32(h + 28);
  bool size_valid = pages != 0 && be32(h + 24) == be32(h + 92);
  if (size_valid &&
      static_cast<std::uint64_t>(st.st_size) < static_cast<std::uint64_t>(pages) * page_size)
    throw Error(Status::corrupt,
                o.path + " is truncated: " + std::to_string(st.st_size) + " bytes of " +
                    std::to_string(static_cast<std::uint64_t>(pages) * page_size),
                o.path + " 已被截断：应有 " +
                    std::to_string(static_cast<std::uint64_t>(pages) * page_size) + " 字节，实有 " +
                    std::to_string(st.st_size) + " 字节");
}

bool directory_writable(const std::string& path) {
  return ::access(parent_dir(path).c_str(), W_OK) == 0;
}

// "file:" URI for a path, with the characters URIs reserve escaped.
std::string file_uri(const std::string& path, const char* query) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      uri += buf;
    } else {
      uri += c;
    }
  }
  return uri + "?" + query;
}

}  // namespace

void rethrow(const SQLite::Exception& e, const char* what) {
  int code = e.getErrorCode() & 0xFF;
  std::string detail = e.what();
  std::string en = std::string(what) + ": " + detail;
  std::string zh = std::string(what) + "：" + detail;
  switch (code) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error(Status::busy, "database is busy (locked by another connection): " + detail,
                  "数据库正忙（被其他连接锁定）：" + detail);
    case SQLITE_CORRUPT:
      throw Error(Status::corrupt, "database file is damaged: " + detail,
                  "数据库文件已损坏：" + detail);
    case SQLITE_NOTADB:
      throw Error(Status::notadb, "file is not a libcrm database: " + detail,
                  "文件不是 libcrm 数据库：" + detail);
    case SQLITE_READONLY:
      throw Error(Status::readonly, "database is read-only: " + detail, "数据库为只读：" + detail);
    case SQLITE_CANTOPEN:
      throw Error(Status::cantopen, "cannot open database: " + detail, "无法打开数据库：" + detail);
    case SQLITE_NOMEM:
      throw Error(Status::nomem, "out of memory", "内存不足");
    case SQLITE_FULL:
      throw Error(Status::internal, "disk full: " + detail, "磁盘已满：" + detail);
    case SQLITE_CONSTRAINT:
      throw Error(Status::conflict, en, zh);
    default:
      throw Error(Status::internal, en, zh);
  }
}

Connection::Connection(const OpenOptions& o) {
  const bool memory = is_memory(o.path);
  if (!memory) precheck_file(o);
  int flags = o.readonly ? SQLite::OPEN_READONLY
                         : (SQLite::OPEN_READWRITE | (o.nocreate ? 0 : SQLite::OPEN_CREATE));
  flags |= SQLITE_OPEN_NOMUTEX;  // the handle's own mutex serialises calls
  try {
    db_ =
        std::make_unique<SQLite::Database>(memory ? ":memory:" : o.path, flags, o.busy_timeout_ms);
    register_zh_collation(*db_);
    if (o.readonly && !memory) {
      // Reading a WAL database needs its -shm file, which SQLite cannot
      // create in a directory this process may not write (an archive, a
      // mounted backup).  With no -wal file no writer is active, so the file
      // is read as an immutable snapshot instead.
      try {
        db_->execAndGet("PRAGMA user_version");
      } catch (const SQLite::Exception& e) {
        struct stat wal {};
        bool no_wal = ::stat((o.path + "-wal").c_str(), &wal) != 0;
        if ((e.getErrorCode() & 0xFF) != SQLITE_READONLY || directory_writable(o.path) || !no_wal)
          throw;
        db_.reset();
        db_ = std::make_unique<SQLite::Database>(file_uri(o.path, "immutable=1"),
                                                 flags | SQLITE_OPEN_URI, o.busy_timeout_ms);
        register_zh_collation(*db_);
      }
    }
    // Several handles opening one new file at once contend for the locks
    // that creating the schema and switching to WAL take, and SQLite does not
    // send every such step through its busy handler: retry the whole
    // initialisation, with backoff, until the busy timeout has passed.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(o.busy_timeout_ms);
    for (int attempt = 0;; ++attempt) {
      try {
        initialise(o, memory);
        break;
      } catch (const SQLite::Exception& e) {
        if ((e.getErrorCode() & 0xFF) != SQLITE_BUSY ||
            std::chrono::steady_clock::now() >= deadline)
          throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(1 << std::min(attempt, 5)));
      }
    }
  } catch (const SQLite::Exception& e) {
    rethrow(e, ("cannot open " + o.path).c_str());
  }
}

void Connection::initialise(const OpenOptions& o, bool memory) {
  {
    // Read-only questions first: nothing below writes until the file is known
    // to be ours, of a version we understand, and writable.
    // One statement, so one snapshot: another handle may be creating the
    // schema right now, and three separate reads could see half of it.
    SQLite::Statement probe(*db_,
                            "SELECT (SELECT application_id FROM pragma_application_id), "
                            "(SELECT user_version FROM pragma_user_version), "
                            "(SELECT count(*) FROM sqlite_schema)");
    probe.executeStep();
    const int app_id = probe.getColumn(0).getInt();
    const int version = probe.getColumn(1).getInt();
    const int objects = probe.getColumn(2).getInt();
    probe.reset();
    if (app_id != kApplicationId && (app_id != 0 || version != 0 || objects != 0))
      throw Error(Status::notadb, o.path + " is an SQLite database of another application",
                  o.path + " 是其他应用程序的 SQLite 数据库");
    const int latest = latest_schema_version();
    if (version > latest)
      throw Error(Status::version,
                  o.path + " has schema version " + std::to_string(version) +
                      ", newer than this libcrm understands (" + std::to_string(latest) +
                      "); upgrade libcrm",
                  o.path + " 的数据结构版本为 " + std::to_string(version) +
                      "，高于本版 libcrm 支持的 " + std::to_string(latest) + "，请升级 libcrm");
    if (o.readonly) {
      if (version < latest)
        throw Error(Status::readonly,
                    o.path + " needs a schema upgrade, which a read-only open cannot do",
                    o.path + " 需要升级数据结构，只读方式无法升级");
      readonly_ = true;
      db_->exec("PRAGMA query_only = ON");
    } else {
      if (sqlite3_db_readonly(db_->getHandle(), "main") == 1)
        throw Error(Status::readonly,
                    o.path + " is read-only; open it with CRM_OPEN_READONLY to read it",
                    o.path + " 为只读文件，请以 CRM_OPEN_READONLY 方式打开");
      if (!memory) db_->exec("PRAGMA journal_mode = WAL");
      // NORMAL is durable across application crashes in WAL mode; a power
      // loss may lose the last commits but never corrupts the file.
      db_->exec("PRAGMA synchronous = NORMAL");
      // Every call inside a host transaction is a SAVEPOINT, whose statement
      // journal SQLite keeps in a temporary file once it passes 64 KiB; in
      // memory, a batch of creates writes nothing but the WAL.
      db_->exec("PRAGMA temp_store = MEMORY");
      if (version < latest) {
        db_->exec("BEGIN IMMEDIATE");
        try {
          // Another process may have migrated while we waited for the lock.
          int now_version = db_->execAndGet("PRAGMA user_version").getInt();
          if (now_version < latest) migrate(*db_, now_version, latest, o.time_zone);
          db_->exec("COMMIT");
        } catch (...) {
          db_->exec("ROLLBACK");
          throw;
        }
      }
    }
    db_->exec("PRAGMA foreign_keys = ON");
    // 16 MiB of pages per handle instead of SQLite's 2 MiB: a customer write
    // touches a dozen index pages at random places (name, phone, search and
    // match keys), which stop fitting in 2 MiB at about 10 000 customers;
    // reading them back from the file made an import of 100 000 rows 1.5
    // times slower.  Memory grows to this only as pages are read.
    // docs/performance.md, "After the search-index work".
    db_->exec("PRAGMA cache_size = -16384");
  }
}

Connection::~Connection() {
  cache_.clear();  // statements must finalize before the connection closes
  text_cache_.clear();
}

CachedStatement::~CachedStatement() { st_.tryReset(); }

CachedStatement Connection::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    it = cache_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
  } else {
    it->second->clearBindings();
  }
  return CachedStatement(*it->second);
}

CachedStatement Connection::prepare_text(const std::string& sql) {
  auto it = text_cache_.find(sql);
  if (it == text_cache_.end()) {
    it = text_cache_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
  } else {
    it->second->clearBindings();
  }
  return CachedStatement(*it->second);
}

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_->getHandle()) == 0; }

int Connection::schema_version() { return db_->execAndGet("PRAGMA user_version").getInt(); }

std::string Connection::meta(const std::string& key) {
  auto q = prepare("SELECT value FROM meta WHERE key = ?");
  q->bind(1, key);
  std::string v;
  if (q->executeStep()) v = q->getColumn(0).getString();
  return v;
}

void Connection::exec(const char* sql) { db_->exec(sql); }

// Transaction control runs through cached statements: re-parsing SAVEPOINT
// and RELEASE on every write was a measurable share of a create.
void Connection::run(const char* sql) { prepare(sql)->exec(); }

std::vector<std::int64_t> Connection::search_refreshes(std::size_t& position) const {
  position = search_log_.size();
  return std::vector<std::int64_t>(
      search_log_.begin() + static_cast<std::ptrdiff_t>(search_flushed_), search_log_.end());
}

void Connection::forget_queued() {
  search_log_.clear();
  search_flushed_ = 0;
  marks_.clear();
}

void Connection::savepoint_opened() { marks_.push_back({search_log_.size(), search_flushed_}); }

void Connection::savepoint_released() {
  if (!marks_.empty()) marks_.pop_back();
}

void Connection::savepoint_rolled_back() {
  if (marks_.empty()) return;
  const SavepointMark m = marks_.back();
  marks_.pop_back();
  // Queued after the savepoint: that work is undone.  Written after it (a
  // search inside the transaction flushes): SQLite undid the writing, so
  // what was queued before the savepoint is due again.
  if (search_log_.size() > m.queued) search_log_.resize(m.queued);
  if (search_flushed_ > m.flushed) search_flushed_ = m.flushed;
}

void Connection::commit_outermost() {
  if (search_refresh_pending()) flush_customer_search(*this);
  run("COMMIT");
  forget_queued();
}

void Connection::begin_explicit() {
  exec("BEGIN IMMEDIATE");
  forget_queued();
}

void Connection::commit_explicit() { commit_outermost(); }

void Connection::rollback_explicit() {
  forget_queued();
  if (in_transaction()) exec("ROLLBACK");
}

WriteTransaction::WriteTransaction(Connection& c) : c_(c), nested_(c.in_transaction()) {
  if (c_.readonly())
    throw Error(Status::readonly, "database was opened read-only", "数据库以只读方式打开");
  c_.run(nested_ ? "SAVEPOINT crm_write" : "BEGIN IMMEDIATE");
  if (nested_)
    c_.savepoint_opened();
  else
    c_.forget_queued();
  ++c_.scopes_;
}

void WriteTransaction::commit() {
  if (nested_) {
    c_.run("RELEASE crm_write");
    c_.savepoint_released();
  } else {
    c_.commit_outermost();
  }
  done_ = true;
}

WriteTransaction::~WriteTransaction() {
  --c_.scopes_;
  if (done_) return;
  c_.note_rollback();
  try {
    if (nested_) {
      c_.savepoint_rolled_back();
      c_.exec("ROLLBACK TO crm_write");
      c_.exec("RELEASE crm_write");
    } else {
      c_.forget_queued();
      if (c_.in_transaction()) c_.exec("ROLLBACK");
    }
  } catch (...) {
    // Nothing sensible to do in a destructor; SQLite rolls back on close.
  }
}

ReadTransaction::ReadTransaction(Connection& c) : c_(c), own_(!c.in_transaction()) {
  if (own_) c_.run("BEGIN");
  ++c_.scopes_;
}

ReadTransaction::~ReadTransaction() {
  --c_.scopes_;
  if (!own_) return;
  try {
    c_.commit_outermost();
  } catch (...) {
    // A read-only transaction has nothing to lose; SQLite ends it on close.
  }
}

}  // namespace crm::store
