// Duplicate customers and the cleansing report (查重与数据清洗, R9.3): the
// same customer entered from several channels, found by blocking on the
// stored match keys (src/store/match_key_repo.hpp) — only customers that
// share a name, phone or e-mail key, or whose name keys are neighbours in
// key order with a common two-character prefix, are ever compared — then
// scored and explained by score_match (src/domain/match_keys.hpp).  See
// docs/duplicates.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// Called with the work done and the work known so far; returning false
// stops the call (Status::state).  The duplicate search counts the key rows
// it scans, then adds the candidate pairs it scores to both numbers; the
// cleansing report then counts the customers it examines.
using DuplicateProgress = std::function<bool(std::int64_t done, std::int64_t total)>;

// Two customers that may be one (a, b: keys, a < b).
struct DuplicatePair {
  std::int64_t group = 0;  // 1, 2 … in the order of the groups' smallest keys
  std::int64_t a = 0, b = 0;
  std::string a_name, b_name;
  double score = 0, name_similarity = 0;
  std::vector<std::string> reasons;
};

struct DuplicateResult {
  std::vector<DuplicatePair> pairs;               // by group, then a, then b
  std::vector<std::vector<std::int64_t>> groups;  // connected pairs; keys ascending
};

// Every pair of customers scoring at least `threshold` (0 = the default
// 0.6; otherwise in (0, 1], invalid_arg if not), grouped: pairs that share
// a customer are one group.  Only customers the user may read (with their
// contact fields) and that are not archived take part, so a pair appears
// only when the user may read both.
DuplicateResult find_duplicates(Session& s, double threshold, const DuplicateProgress& progress);

// The rows of a result: {"group", "a", "a_name", "b", "b_name", "score",
// "name_similarity", "reasons" ("same_name,same_phone")}, a and b as human
// ids.
std::vector<Record> duplicate_rows(const DuplicateResult& r);

// Who might this new row duplicate?  `fields` holds a customer's values as
// an import or a form has them: "name", "phone", "email", "contact_name"
// (any may be missing), and optionally "exclude" (a human id to leave out,
// e.g. the customer being edited).  Rows {"customer" (human id), "name",
// "score", "name_similarity", "reasons"}, best first (then by id), for the
// readable customers that are not archived and score at least `threshold`
// (0 = the default).
std::vector<Record> duplicates_of(Session& s, const Record& fields, double threshold);

// The quarterly cleanse (000: 每季度 … 删除重复客户信息 … 无效信息): over the
// customers the user may read that are not archived, rows {"check",
// "field", "group", "count", "customers" (human ids, comma-separated),
// "reasons", "days"}:
//   "examined"             count: the customers looked at;
//   "duplicate_group"      one per group of find_duplicates (group, reasons);
//   "duplicates"           count: the groups, customers: all their members;
//   "unreachable"          no valid phone or e-mail, their own or a contact's;
//   "invalid_phone" / "invalid_email"  a stored value today's validation
//                          refuses;
//   "missing_required"     per required field (built-in or custom) without
//                          a value (field);
//   "missing_recommended"  per recommended field (phone, email,
//                          contact_title) without a value (field);
//   "stale"                neither updated nor followed up for `stale_days`
//                          days (0 = the setting cleansing.stale_days,
//                          default 90; days).
// Checks with no customer are listed with count 0, except the per-field
// ones.  Audited as customer.cleansing_report.
std::vector<Record> cleansing_report(Session& s, int stale_days, double threshold,
                                     const DuplicateProgress& progress);

}  // namespace crm
