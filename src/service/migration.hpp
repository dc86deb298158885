// Migrating follow-up history (R9.2): the interaction records of the system
// being replaced, from its CSV export, into the follow-up records of the
// customers already imported — in time order, with their original times
// and authors — and a check of the result against the source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "service/import.hpp"
#include "service/rows_report.hpp"

namespace crm {

struct MigrationReport : RowsReport {
  std::int64_t migrated = 0;   // records added
  std::int64_t unchanged = 0;  // migrated before (same source key): skipped
};

// Reads the file's columns — a customer key (客户编号 id, 外部编号
// external_id, 客户全称 name, 联系电话 phone or 电子邮箱 email; `o.key`
// chooses when there are several, "auto" takes the first of that order),
// 跟进时间 contacted_at ("YYYY-MM-DD HH:MM[:SS]" in the database's zone, or
// UTC milliseconds), 跟进人 owner (login, name or id; users who have left
// count), 跟进方式 method, 沟通内容 summary, and optionally 客户反馈
// feedback, 意向变化 intent_change, 重大变更 major_change, 下一步计划
// next_step and 记录编号 / 原记录编号 / source_id (the record's id in the
// old system) — validates
// every row, then adds the good ones in time order (ties in file order), in
// batches of o.batch_rows.  The rows wait in between in a database file of
// their own among the system's temporary files (removed afterwards), so
// memory stays bounded; inside a host's transaction, where SQLite cannot
// attach one, in a temporary table.  A record's source key is its old id, or a digest
// of its row: migrating the same file again adds nothing.  Rejected rows go
// to o.error_path as import_customers writes them.  o.mode and o.mapping
// apply as for imports (dry_run validates and writes nothing); a mapping
// names a customer key ("phone"), a follow-up field ("summary") or
// "source_id" for the old record's id.
// followup.write on each customer; audited once.
MigrationReport migrate_followups(Session& s, const SourceOpener& open, const ImportOptions& o);

struct VerifyMismatch {
  std::int64_t row = 0;  // the source row
  std::string field;     // "record" when nothing was stored for the row
  std::string expected;  // what the source says
  std::string stored;    // what the database holds
};

struct VerifyReport {
  std::int64_t rows = 0;     // data rows in the source
  std::int64_t sampled = 0;  // rows compared
  std::int64_t matched = 0;  // of which every field agreed
  bool cancelled = false;    // the progress callback stopped it
  std::vector<VerifyMismatch> mismatches;
};

// Picks `sample` data rows of the source at random (reservoir sampling,
// seeded: the same seed picks the same rows) and compares each, field by
// field, with the record migrated from it: time (to the second, in the
// database's zone), author, method, summary, feedback, intent change, major
// change, next step.  followup.read on the customers; reads only.
// o.progress, when set, gets (rows read, data rows in the file) after every
// 1 000 rows read and after the last; returning false stops the check
// there: nothing is compared and the report says cancelled.
VerifyReport verify_followup_migration(Session& s, const SourceOpener& open, const ImportOptions& o,
                                       int sample, std::uint64_t seed);

}  // namespace crm
