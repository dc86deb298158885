// What imports and migrations share: finding the customer a row is about by
// a key column, and the user a row names.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/error.hpp"
#include "service/csv_io.hpp"
#include "service/session.hpp"

namespace crm {

// Why a row was not written, in both languages.
struct RowProblem {
  std::string en, zh;
};

// An error's field messages joined (or its message when it names none).
RowProblem problem_of(const Error& e);

// What is wrong with a record as read — an unclosed quote at the end of the
// file, bytes that are not text in the file's encoding, a NUL byte, a
// byte-order mark inside the row, a field count other than the header's —
// or nullopt.
std::optional<RowProblem> unreadable_row(const CsvRecord& r, std::size_t columns, CsvEncoding enc);

// Throws invalid_arg "cannot <what>: <problems>" in both languages.
[[noreturn]] void refuse_file(const std::vector<std::string>& en,
                              const std::vector<std::string>& zh, const std::string& what_en,
                              const std::string& what_zh);

// The customer whose `key` ("external_id", "id", "phone", "email", "name")
// is `text` as a user typed it (normalised first, as a write would store
// it); nullopt when none is.  Throws a validation Error when `text` cannot
// be such a value (a malformed phone).
std::optional<std::int64_t> find_customer_by_key(Session& s, const std::string& key,
                                                 const std::string& text);

// Users by id, login or name (a name two users share finds neither).
class UserLookup {
 public:
  // `include_inactive`: also users who have left (a migrated record's
  // author).
  UserLookup(Session& s, bool include_inactive);
  std::optional<std::int64_t> find(const std::string& text) const;

 private:
  std::map<std::string, std::int64_t> by_text_;
};

}  // namespace crm
