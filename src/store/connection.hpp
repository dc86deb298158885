// One SQLite connection with the checks libcrm makes before it trusts a file,
// a per-connection cache of prepared statements, and write transactions that
// nest inside a host's explicit transaction.  Only src/store contains SQL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace SQLite {
class Database;
class Statement;
class Exception;
}  // namespace SQLite

namespace crm::store {

struct OpenOptions {
  std::string path;  // file path or ":memory:"
  bool readonly = false;
  bool nocreate = false;
  int busy_timeout_ms = 5000;
  std::string time_zone;  // for a new database; validated by the caller
};

// A cached statement in use.  It is reset when it goes out of scope, even
// when a step threw: an unfinished statement keeps its read snapshot, and a
// handle whose BEGIN IMMEDIATE failed with BUSY would otherwise go on seeing
// the database as it was.
class CachedStatement {
 public:
  explicit CachedStatement(SQLite::Statement& st) : st_(st) {}
  ~CachedStatement();
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  SQLite::Statement* operator->() const { return &st_; }
  SQLite::Statement& operator*() const { return st_; }

 private:
  SQLite::Statement& st_;
};

class Connection {
 public:
  // Opens the file, refuses foreign, damaged, newer or unwritable files
  // without modifying them, then creates or migrates the schema.
  explicit Connection(const OpenOptions& opts);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  SQLite::Database& db() { return *db_; }

  // A cached prepared statement, reset and with bindings cleared.  `sql` must
  // have static storage (a string literal): the cache is keyed by address.
  CachedStatement prepare(const char* sql);

  // The same for SQL built at run time (a handful of shapes, e.g. list
  // filters), cached by text.
  CachedStatement prepare_text(const std::string& sql);

  // True while any transaction (explicit or internal) is open.
  bool in_transaction() const;

  int schema_version();
  std::string meta(const std::string& key);
  bool readonly() const { return readonly_; }

  // How many of the library's own transaction scopes (WriteTransaction,
  // ReadTransaction) are open: 0 between calls, even inside a host's
  // explicit transaction.
  int scopes() const { return scopes_; }

  // How many of this connection's writes were rolled back so far (a
  // WriteTransaction not committed, a host rollback): caches of what the
  // database holds compare it.
  std::uint64_t rollbacks() const { return rollbacks_; }
  void note_rollback() { ++rollbacks_; }

  void exec(const char* sql);
  // exec() through the statement cache; `sql` must be a literal.
  void run(const char* sql);

  // The host's explicit transaction (crm_db_begin / commit / rollback):
  // BEGIN IMMEDIATE; work queued for the end of the transaction, then
  // COMMIT; ROLLBACK.
  void begin_explicit();
  void commit_explicit();
  void rollback_explicit();

  // Customers whose name-search rows (store/search_repo.hpp) are rewritten
  // just before the outermost COMMIT instead of at once.  FTS5 writes its
  // pending terms out at every SAVEPOINT and RELEASE, so rows written
  // inside the per-call savepoints of a batch would each become an index
  // segment of their own.  A rollback to a savepoint forgets what was
  // queued after it.  Outside a transaction nothing is queued: the caller
  // writes at once.
  void queue_search_refresh(std::int64_t key) { search_log_.push_back(key); }
  // The queued keys not yet written, and the queue position after them;
  // once they are written, search_refreshes_written(position) counts them
  // as written (a rollback to a savepoint taken before then queues them
  // again).  A write that fails leaves them queued.
  std::vector<std::int64_t> search_refreshes(std::size_t& position) const;
  void search_refreshes_written(std::size_t position) {
    if (position > search_flushed_ && position <= search_log_.size()) search_flushed_ = position;
  }
  bool search_refresh_pending() const { return search_flushed_ < search_log_.size(); }

 private:
  // Checks the open file and creates or migrates its schema.
  void initialise(const OpenOptions& o, bool memory);

  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> cache_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> text_cache_;
  bool readonly_ = false;
  int scopes_ = 0;
  std::uint64_t rollbacks_ = 0;
  // The search refresh queue: keys in queue order, those before
  // search_flushed_ written; one mark per open savepoint.
  struct SavepointMark {
    std::size_t queued, flushed;
  };
  std::vector<std::int64_t> search_log_;
  std::size_t search_flushed_ = 0;
  std::vector<SavepointMark> marks_;
  // Writes what is queued for the end of the transaction, then COMMIT.
  void commit_outermost();
  void forget_queued();
  void savepoint_opened();
  void savepoint_released();
  void savepoint_rolled_back();
  friend class WriteTransaction;
  friend class ReadTransaction;
};

// One atomic write.  Outside a transaction it is BEGIN IMMEDIATE … COMMIT (the
// write lock is taken up front, so two processes never deadlock on a lock
// upgrade); inside the host's explicit transaction it is a SAVEPOINT, so a
// failed call undoes only its own writes.  Destroyed without commit(), it
// rolls back.
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& c);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit();

 private:
  Connection& c_;
  bool nested_;
  bool done_ = false;
};

// One read transaction around the several reads of a call: they see one
// snapshot, and the WAL read lock is taken once instead of once per
// statement.  Inside an open transaction (the host's, or a write) it does
// nothing.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& c);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  Connection& c_;
  bool own_;
};

// Translates a SQLite exception into crm::Error with a clear message.
[[noreturn]] void rethrow(const SQLite::Exception& e, const char* what);

}  // namespace crm::store
