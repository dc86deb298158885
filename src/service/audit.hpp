// The audit log (审计日志, R3.5, R3.8): reading it and checking that it was
// not edited.  Every write, unmask, permission denial and grant decision
// appends a row inside its own transaction (Session::audit); the library has
// no call that changes or removes a row, and the table's triggers refuse
// UPDATE and DELETE from any other SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"
#include "store/audit_repo.hpp"

namespace crm {

struct AuditQuery {
  std::int64_t actor = 0;             // 0 = anyone
  std::string action;                 // "customer.update"; "customer." = every customer action
  std::string object;                 // "C0001", "user:5" …; "" = any
  std::string outcome;                // "ok", "denied"; "" = any
  std::int64_t since = 0, until = 0;  // [since, until); 0 = open
  int page_size = 100;
  std::string after;  // page token
};

struct AuditPage {
  std::vector<Record> rows;  // {seq, at, actor, action, object, outcome, detail, hash}
  std::string next;
};

// audit.read (administrators by default).
AuditPage list_audit(Session& s, const AuditQuery& q);

struct AuditReport {
  bool ok = true;
  std::int64_t seq = 0;  // the first row that does not fit, when !ok
  std::string problem;   // see store::AuditBreak
  std::int64_t checked = 0;
  store::AuditHead head;  // the last row as found
};

// Walks the whole chain; `expected` is a head kept outside the database
// (from an earlier audit_head), which also catches rows cut off the end.
AuditReport verify_audit(Session& s, const std::optional<store::AuditHead>& expected);

store::AuditHead audit_head(Session& s);

}  // namespace crm
