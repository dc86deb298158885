// What imports and migrations share: finding the customer a row is about by
// a key column, and the user a row names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
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

// One column of a file's header row: as in the file (UTF-8), and normalised
// as prose.
struct HeaderCell {
  std::string raw, text;
};

// How one kind of file reads its header row: the fields it knows.  Each
// resolver returns the field a column feeds, or "" to skip the column after
// noting in `en`/`zh` what is wrong with it, if anything.
struct HeaderRules {
  // Whether a mapping names a header as normalised (else as in the file).
  bool map_normalised = false;
  // A header the mapping sends to `to` (never "": such a column is skipped).
  std::function<std::string(const HeaderCell& h, const std::string& to,
                            std::vector<std::string>& en, std::vector<std::string>& zh)>
      mapped;
  // A header the mapping does not name (nor the error column).
  std::function<std::string(const HeaderCell& h, std::vector<std::string>& en,
                            std::vector<std::string>& zh)>
      named;
  // Notes that the columns `first` and `again` (from 0) both feed `field`.
  std::function<void(const HeaderCell& first, std::size_t first_column, const HeaderCell& again,
                     std::size_t again_column, const std::string& field,
                     std::vector<std::string>& en, std::vector<std::string>& zh)>
      repeated;
};

struct HeaderColumns {
  std::vector<HeaderCell> cells;
  std::vector<std::string> fields;           // one per column; "" = skipped
  std::map<std::string, std::size_t> first;  // field -> the first column feeding it
};

// Resolves a header row column by column: a header that `mapping` names
// goes where the mapping sends it (an empty field skips the column), the
// error column an error file adds (is_error_column) is skipped, any other
// header goes to `rules.named`; a field fed by two columns is noted through
// `rules.repeated`.  Problems are collected in `en`/`zh`, never thrown.
HeaderColumns resolve_header_row(const std::vector<std::string>& headers,
                                 const std::vector<std::pair<std::string, std::string>>& mapping,
                                 const HeaderRules& rules, std::vector<std::string>& en,
                                 std::vector<std::string>& zh);

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
