// Backup and recovery (备份与恢复, R3.7): an online backup that works while
// other handles write, and the checks of a recovery drill on a backup file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// Called after each step with the pages copied and the pages in all;
// returning false stops the backup (Status::state): `path` is then left as
// it was before the call (a file the call created is removed).
using BackupProgress = std::function<bool(std::int64_t done, std::int64_t total)>;

// Copies the database to `path` (created or overwritten) with SQLite's
// online backup, `pages_per_step` pages at a time (0 = 256); a write by
// another handle between steps makes SQLite start over, so a backup taken
// under load may take longer but is always consistent.  backup.run
// (administrators).  Audited.  Returns the pages copied.
std::int64_t backup_database(Session& s, const std::string& path, int pages_per_step,
                             const BackupProgress& progress);

// The checks of a recovery drill on a file (a backup, or a restored
// database), opened read-only and left unchanged: {ok, integrity ("ok" or
// SQLite's first complaint), application ("CRM1" for a libcrm file),
// schema_version, audit_ok, audit_seq (the first broken row, 0 if whole),
// audit_problem, audit_rows, audit_head (hash of the last row), and the row
// counts customers, contacts, users, departments, followup_records,
// followup_plans, outbox}.  `ok` is 1 when the file is a libcrm database
// whose integrity check and audit chain both pass.  No session: whoever can
// read the file may check it.
Record verify_backup(const std::string& path);

}  // namespace crm
