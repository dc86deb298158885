// Changes waiting for review (审核, R1.6).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

struct PendingRow {
  std::int64_t id = 0;
  std::string kind;  // create | update
  std::optional<std::int64_t> customer;
  std::int64_t author = 0, owner = 0;
  std::string fields;                 // pack_record of the submitted values
  std::optional<std::string> before;  // pack_record of what they replace (update)
  std::string state = "pending";      // pending approved rejected withdrawn
  std::int64_t submitted_at = 0;
  std::optional<std::int64_t> decided_by, decided_at;
  std::optional<std::string> reason;
};

std::int64_t insert_pending(Connection& c, const PendingRow& p);
std::optional<PendingRow> load_pending(Connection& c, std::int64_t id);
// Writes state, customer (a create's result), decision and reason.
void update_pending(Connection& c, const PendingRow& p);

struct PendingFilter {
  std::int64_t author = 0;    // 0 = anyone
  std::int64_t customer = 0;  // 0 = any
  bool pending_only = true;
  int limit = 1000;
};
std::vector<PendingRow> query_pending(Connection& c, const PendingFilter& f);

}  // namespace crm::store
