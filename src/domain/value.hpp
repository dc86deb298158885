// Values by field name: the currency of the C ABI's records and of every
// service call.  A Record keeps insertion order (it is also what reads return,
// in registry order) and is small, so lookups are linear.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

namespace crm {

using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

inline bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }
inline bool is_int(const Value& v) { return std::holds_alternative<std::int64_t>(v); }
inline bool is_real(const Value& v) { return std::holds_alternative<double>(v); }
inline bool is_text(const Value& v) { return std::holds_alternative<std::string>(v); }

// An optional integer or text as a Value: NULL when empty.
template <class T>
Value optional_value(const std::optional<T>& v) {
  return v ? Value{*v} : Value{};
}

class Record;

// A record as text that unpack_record turns back into the same record
// (names, order, types and values), for rows that keep a record for later
// (a change waiting for review).  Length-prefixed: any bytes survive.
std::string pack_record(const Record& r);
// nullopt for text that pack_record did not make.
std::optional<Record> unpack_record(std::string_view packed);

class Record {
 public:
  using Entry = std::pair<std::string, Value>;

  void set(std::string_view name, Value v);
  // Adds a field the caller knows is not in the record yet (no lookup).
  void append(std::string_view name, Value v) {
    entries_.emplace_back(std::string(name), std::move(v));
  }
  // Adds a NULL field the caller knows is not in the record yet.
  void append_null(std::string_view name) {
    entries_.emplace_back(std::piecewise_construct, std::forward_as_tuple(name),
                          std::forward_as_tuple());
  }
  bool unset(std::string_view name);
  const Value* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // Text of a field, or "" when absent, NULL or not text.
  std::string text(std::string_view name) const;

  const std::vector<Entry>& entries() const { return entries_; }
  // The entries for changing values in place (names must stay unique).
  std::vector<Entry>& mutable_entries() { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void reserve(std::size_t n) { entries_.reserve(n); }
  void clear() { entries_.clear(); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace crm
