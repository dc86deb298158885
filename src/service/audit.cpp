#include "service/audit.hpp"

#include <cstdio>

#include "domain/error.hpp"
#include "domain/messages.hpp"
#include "store/customer_repo.hpp"

namespace crm {

AuditPage list_audit(Session& s, const AuditQuery& q) {
  s.authorize(Perm::audit_read);
  if (q.page_size < 0 || q.page_size > 1000)
    throw Error(Status::invalid_arg, "page_size must be between 1 and 1000 (0 = 100)",
                "每页条数须在 1 到 1000 之间（0 表示 100）");
  if (q.since < 0 || q.until < 0 || (q.until != 0 && q.until <= q.since))
    throw Error(Status::invalid_arg, "the time range is empty or negative", "时间范围为空或为负");
  for (const std::string* t : {&q.action, &q.object, &q.outcome})
    if (t->size() > 200)
      throw Error(Status::invalid_arg, "audit filters are at most 200 bytes",
                  "审计筛选条件最多 200 字节");
  store::AuditFilter f;
  f.actor = q.actor;
  f.action = q.action;
  f.object = q.object;
  // A customer named as c1 or C0001 is stored as C0001.
  if (auto key = store::parse_human_id(q.object)) f.object = store::human_id(*key);
  f.outcome = q.outcome;
  f.since = q.since;
  f.until = q.until;
  f.limit = q.page_size == 0 ? 100 : q.page_size;
  if (!q.after.empty()) {
    long long seq = 0;
    int used = 0;
    if (q.after.size() > 32 || std::sscanf(q.after.c_str(), "u1.%lld%n", &seq, &used) != 1 ||
        static_cast<std::size_t>(used) != q.after.size() || seq < 0)
      throw Error(Status::invalid_arg, "malformed page token", "分页标记格式错误");
    f.after_seq = seq;
  }
  bool more = false;
  AuditPage page;
  store::ReadTransaction rt(s.db().conn());
  page.rows = store::query_audit(s.db().conn(), f, more);
  if (more && !page.rows.empty())
    page.next = "u1." + std::to_string(std::get<std::int64_t>(*page.rows.back().find("seq")));
  return page;
}

AuditReport verify_audit(Session& s, const std::optional<store::AuditHead>& expected) {
  s.authorize(Perm::audit_read);
  if (expected && (expected->seq < 0 || (expected->seq > 0 && expected->hash.size() != 64)))
    throw Error(Status::invalid_arg, "an audit head is a seq and a 64-digit hash",
                "审计链头须为序号和 64 位十六进制哈希");
  store::ReadTransaction rt(s.db().conn());
  store::AuditBreak b = store::verify_audit(s.db().conn().db(), expected);
  AuditReport r;
  r.ok = b.seq == 0;
  r.seq = b.seq;
  r.problem = b.problem;
  r.checked = b.checked;
  r.head = store::audit_head(s.db().conn());
  return r;
}

store::AuditHead audit_head(Session& s) {
  s.authorize(Perm::audit_read);
  return store::audit_head(s.db().conn());
}

}  // namespace crm
