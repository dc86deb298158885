#include "store/audit_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <charconv>

#include "domain/sha256.hpp"
#include "store/columns.hpp"

namespace crm::store {

const char* const kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

namespace {

// A hash's 32 bytes from its hex digits: how hashes are stored (a smaller
// row) and how the previous one goes into a row's content (a typical row
// then fits two SHA-256 blocks instead of three).
std::string hex_bytes(const std::string& hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return 16;
  };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    int hi = nib(hex[i]), lo = nib(hex[i + 1]);
    if (hi > 15 || lo > 15) return hex;  // not a hash: hashed as it is
    out += static_cast<char>(hi * 16 + lo);
  }
  return hex.size() % 2 ? hex : out;
}

void put(std::string& out, std::string_view field) {
  // Length-prefixed, so that no choice of field text can shift content
  // from one field into another and keep the hash.
  char len[24];
  auto end = std::to_chars(len, len + sizeof len, field.size()).ptr;
  out.append(len, end);
  out += ':';
  out += field;
  out += ';';
}

void put(std::string& out, std::int64_t number) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  put(out, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

AuditHead head_of(SQLite::Statement& q) {
  AuditHead h{0, kAuditGenesis};
  if (q.executeStep()) {
    h.seq = q.getColumn(0).getInt64();
    h.hash = q.getColumn(1).getString();
  }
  return h;
}

// Hashes are stored as their 32 bytes (a smaller row to write) and read as
// lower-case hex.
const char* const kHeadSql =
    "SELECT seq, lower(hex(hash)) FROM audit_log ORDER BY seq DESC LIMIT 1";
const char* const kInsertSql =
    "INSERT INTO audit_log(seq, at, actor_id, action, object, outcome, detail, alert_kind, amount, "
    "prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, nullif(?, ''), ?, ?, ?)";

std::int64_t insert(SQLite::Statement& ins, const AuditHead& head, const AuditEntry& e) {
  const std::int64_t seq = head.seq + 1;
  std::string hash = sha256_hex(audit_content(seq, e, head.hash));
  ins.bind(1, static_cast<std::int64_t>(seq));
  ins.bind(2, static_cast<std::int64_t>(e.at));
  ins.bind(3, static_cast<std::int64_t>(e.actor));
  ins.bind(4, e.action);
  ins.bind(5, e.object);
  ins.bind(6, e.outcome);
  ins.bind(7, e.detail);
  ins.bind(8, e.alert_kind);
  ins.bind(9, static_cast<std::int64_t>(e.amount));
  const std::string prev_bytes = hex_bytes(head.hash), hash_bytes = hex_bytes(hash);
  ins.bind(10, prev_bytes.data(), static_cast<int>(prev_bytes.size()));
  ins.bind(11, hash_bytes.data(), static_cast<int>(hash_bytes.size()));
  ins.exec();
  return seq;
}

}  // namespace

std::string audit_content(std::int64_t seq, const AuditEntry& e, const std::string& prev) {
  std::string out = "a1;";
  out.reserve(128 + e.detail.size());
  put(out, seq);
  put(out, e.at);
  put(out, e.actor);
  put(out, e.action);
  put(out, e.object);
  put(out, e.outcome);
  put(out, e.detail);
  put(out, e.alert_kind);
  put(out, e.amount);
  put(out, hex_bytes(prev));
  return out;
}

std::int64_t append_audit_row(SQLite::Database& db, const AuditEntry& e) {
  SQLite::Statement head(db, kHeadSql);
  SQLite::Statement ins(db, kInsertSql);
  return insert(ins, head_of(head), e);
}

std::int64_t append_audit(Connection& c, const AuditEntry& e) {
  AuditHead head;
  {
    auto q = c.prepare(kHeadSql);
    head = head_of(*q);
  }
  auto ins = c.prepare(kInsertSql);
  return insert(*ins, head, e);
}

AuditHead audit_head(Connection& c) {
  auto q = c.prepare(kHeadSql);
  return head_of(*q);
}

std::int64_t count_alerts(Connection& c, std::int64_t actor, const std::string& alert_kind,
                          std::int64_t since) {
  auto q = c.prepare(
      "SELECT coalesce(sum(amount), 0) FROM audit_log WHERE actor_id = ? AND alert_kind = ? "
      "AND at >= ? AND alert_kind IS NOT NULL");
  q->bind(1, static_cast<std::int64_t>(actor));
  q->bind(2, alert_kind);
  q->bind(3, static_cast<std::int64_t>(since));
  q->executeStep();
  return q->getColumn(0).getInt64();
}

std::vector<Record> query_audit(Connection& c, const AuditFilter& f, bool& more) {
  std::string sql =
      "SELECT seq, at, actor_id, action, object, outcome, detail, lower(hex(hash)) FROM audit_log "
      "WHERE seq > ?1";
  if (f.actor != 0) sql += " AND actor_id = ?2";
  if (!f.action.empty())
    sql += f.action.back() == '.' ? " AND substr(action, 1, length(?3)) = ?3" : " AND action = ?3";
  // "C0001" also finds what concerns the customer: "C0001/access:3" …
  if (!f.object.empty())
    sql += " AND (object = ?4 OR substr(object, 1, length(?4) + 1) = ?4 || '/')";
  if (!f.outcome.empty()) sql += " AND outcome = ?5";
  if (f.since != 0) sql += " AND at >= ?6";
  if (f.until != 0) sql += " AND at < ?7";
  sql += " ORDER BY seq LIMIT ?8";
  auto q = c.prepare_text(sql);
  q->bind(1, static_cast<std::int64_t>(f.after_seq));
  if (f.actor != 0) q->bind(2, static_cast<std::int64_t>(f.actor));
  if (!f.action.empty()) q->bind(3, f.action);
  if (!f.object.empty()) q->bind(4, f.object);
  if (!f.outcome.empty()) q->bind(5, f.outcome);
  if (f.since != 0) q->bind(6, static_cast<std::int64_t>(f.since));
  if (f.until != 0) q->bind(7, static_cast<std::int64_t>(f.until));
  q->bind(8, f.limit + 1);
  std::vector<Record> out;
  while (q->executeStep()) {
    Record r;
    r.append("seq", q->getColumn(0).getInt64());
    r.append("at", q->getColumn(1).getInt64());
    r.append("actor", q->getColumn(2).getInt64());
    r.append("action", q->getColumn(3).getString());
    r.append("object", q->getColumn(4).getString());
    r.append("outcome", q->getColumn(5).getString());
    r.append("detail", q->getColumn(6).getString());
    r.append("hash", q->getColumn(7).getString());
    out.push_back(std::move(r));
  }
  more = out.size() > static_cast<std::size_t>(f.limit);
  if (more) out.pop_back();
  return out;
}

AuditBreak verify_audit(SQLite::Database& db, const std::optional<AuditHead>& expected) {
  SQLite::Statement q(db,
                      "SELECT seq, at, actor_id, action, object, outcome, detail, "
                      "coalesce(alert_kind, ''), amount, lower(hex(prev)), lower(hex(hash)) "
                      "FROM audit_log ORDER BY seq");
  AuditBreak out;
  std::int64_t last = 0;
  std::string prev = kAuditGenesis;
  bool expected_seen = !expected || expected->seq == 0;
  while (q.executeStep()) {
    const std::int64_t seq = q.getColumn(0).getInt64();
    AuditEntry e;
    e.at = q.getColumn(1).getInt64();
    e.actor = q.getColumn(2).getInt64();
    e.action = q.getColumn(3).getString();
    e.object = q.getColumn(4).getString();
    e.outcome = q.getColumn(5).getString();
    e.detail = q.getColumn(6).getString();
    e.alert_kind = q.getColumn(7).getString();
    e.amount = q.getColumn(8).getInt64();
    std::string stored_prev = q.getColumn(9).getString();
    std::string hash = q.getColumn(10).getString();
    ++out.checked;
    if (seq != last + 1) {
      out.seq = last + 1;
      out.problem = "removed";
      return out;
    }
    if (stored_prev != prev) {
      // The row before was rewritten (hash and all), or this one was put in.
      out.seq = seq;
      out.problem = "chain broken";
      return out;
    }
    if (sha256_hex(audit_content(seq, e, stored_prev)) != hash) {
      out.seq = seq;
      out.problem = "altered";
      return out;
    }
    if (expected && seq == expected->seq) {
      if (hash != expected->hash) {
        out.seq = seq;
        out.problem = "rewritten";
        return out;
      }
      expected_seen = true;
    }
    last = seq;
    prev = hash;
  }
  if (!expected_seen) {
    out.seq = last + 1;
    out.problem = "removed";
  }
  return out;
}

}  // namespace crm::store
