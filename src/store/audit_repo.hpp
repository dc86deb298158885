// The audit log (审计日志, R3.8): append-only rows, each carrying the SHA-256
// of its content and of the previous row's hash, so that a row altered,
// inserted or removed breaks the chain from there on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "store/connection.hpp"

namespace SQLite {
class Database;
}

namespace crm::store {

struct AuditEntry {
  std::int64_t at = 0;
  std::int64_t actor = 0;
  std::string action;       // customer.update, customer.unmask, access.approve …
  std::string object;       // C0001, user:5, request:3 …
  std::string outcome;      // ok, denied
  std::string detail;       // field names, a reason; never a personal value
  std::string alert_kind;   // unmask, denied, export or "" (counted for R3.5)
  std::int64_t amount = 1;  // what the alert counts: 1, or the rows of an export
};

// The hash of the first row's predecessor.
extern const char* const kAuditGenesis;

// What a row's hash covers, in a fixed order.
std::string audit_content(std::int64_t seq, const AuditEntry& e, const std::string& prev);

// Appends a row after the current last one; returns its seq.  Must run
// inside a write transaction (the last row is read under the write lock).
std::int64_t append_audit_row(SQLite::Database& db, const AuditEntry& e);
std::int64_t append_audit(Connection& c, const AuditEntry& e);

struct AuditHead {
  std::int64_t seq = 0;  // 0 for an empty log
  std::string hash;      // kAuditGenesis for an empty log
};
AuditHead audit_head(Connection& c);

// The sum of the amounts of the actor's rows of `alert_kind` at or after
// `since`.
std::int64_t count_alerts(Connection& c, std::int64_t actor, const std::string& alert_kind,
                          std::int64_t since);

struct AuditFilter {
  std::int64_t actor = 0;             // 0 = any
  std::string action;                 // "" = any; "customer." = any customer action
  std::string object;                 // "" = any; "C0001" also matches "C0001/access:3"
  std::string outcome;                // "" = any
  std::int64_t since = 0, until = 0;  // [since, until); 0 = open
  std::int64_t after_seq = 0;         // keyset
  int limit = 100;
};

// Rows in seq order as records {seq, at, actor, action, object, outcome,
// detail, hash}.
std::vector<Record> query_audit(Connection& c, const AuditFilter& f, bool& more);

struct AuditBreak {
  // The first row that does not fit; 0 = the chain is whole.
  std::int64_t seq = 0;
  // "altered": the row's content does not match its hash; "removed": rows
  // from seq on are missing (a gap, or fewer rows than the kept head);
  // "chain broken": the row does not follow the one before (that one was
  // rewritten with a new hash, or this one was inserted); "rewritten": the
  // row at the kept head's seq has another hash.
  std::string problem;
  std::int64_t checked = 0;
};

// Walks the chain in seq order (streaming, constant memory).  `expected`
// (when given) is a head kept outside the database: a log shorter than it,
// or whose row at its seq has another hash, was cut or rewritten.
AuditBreak verify_audit(SQLite::Database& db, const std::optional<AuditHead>& expected);

}  // namespace crm::store
