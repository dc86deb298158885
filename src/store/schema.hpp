// Schema versions and migrations, keyed by PRAGMA user_version.
#pragma once

#include <string>

namespace SQLite {
class Database;
}

namespace crm::store {

// 'CRM1': marks a file as a libcrm database (PRAGMA application_id).
constexpr int kApplicationId = 0x43524D31;

// Applies migrations from version `from` up to `to`, inside the caller's
// transaction.  Version 0 is an empty file.
void migrate(SQLite::Database& db, int from, int to, const std::string& time_zone);

int latest_schema_version();

}  // namespace crm::store
