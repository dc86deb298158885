// Optional columns and parameters: NULL in SQLite is nullopt here.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <optional>
#include <string>

namespace crm::store {

inline std::optional<std::int64_t> opt_int(SQLite::Statement& st, int col) {
  if (st.getColumn(col).isNull()) return std::nullopt;
  return st.getColumn(col).getInt64();
}

inline std::optional<std::string> opt_text(SQLite::Statement& st, int col) {
  if (st.getColumn(col).isNull()) return std::nullopt;
  return st.getColumn(col).getString();
}

template <class T>
void bind_opt(SQLite::Statement& st, int i, const std::optional<T>& v) {
  if (v)
    st.bind(i, *v);
  else
    st.bind(i);
}

}  // namespace crm::store
