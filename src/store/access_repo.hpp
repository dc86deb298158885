// Access requests and the grants they become (跨部门协作申请, R3.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

struct AccessRequestRow {
  std::int64_t id = 0, customer = 0, requester = 0;
  std::string level;   // view | edit
  std::string groups;  // basic,contact,needs,followup
  std::string reason;
  std::int64_t hours = 0;
  std::string state = "pending";  // pending approved rejected revoked withdrawn
  std::int64_t requested_at = 0;
  std::optional<std::int64_t> decided_by, decided_at, expires_at, revoked_by, revoked_at;
  std::optional<std::string> note;
};

std::int64_t insert_access_request(Connection& c, const AccessRequestRow& r);
std::optional<AccessRequestRow> load_access_request(Connection& c, std::int64_t id);
// Writes state, decision, expiry and revocation.
void update_access_request(Connection& c, const AccessRequestRow& r);
// A pending request of `requester` for `customer`, if any.
std::optional<std::int64_t> pending_request(Connection& c, std::int64_t customer,
                                            std::int64_t requester);

struct AccessFilter {
  std::int64_t requester = 0;  // 0 = anyone
  std::int64_t customer = 0;   // 0 = any
  bool pending_only = false;
  std::int64_t after_id = 0;
  int limit = 1000;
};
// Requests in id order.
std::vector<AccessRequestRow> query_access_requests(Connection& c, const AccessFilter& f);

}  // namespace crm::store
