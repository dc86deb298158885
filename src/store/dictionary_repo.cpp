#include "store/dictionary_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

namespace crm::store {

std::vector<DictionaryRow> load_dictionaries(Connection& c) {
  auto& st = c.prepare(
      "SELECT dict, code, label_zh, label_en, aliases FROM dictionary ORDER BY dict, position");
  std::vector<DictionaryRow> rows;
  while (st.executeStep()) {
    rows.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(),
                    st.getColumn(2).getString(), st.getColumn(3).getString(),
                    st.getColumn(4).getString()});
  }
  return rows;
}

void insert_dictionary_row(Connection& c, const DictionaryRow& row) {
  auto& st = c.prepare(
      "INSERT INTO dictionary(dict, code, label_zh, label_en, aliases, position, builtin) "
      "VALUES (?1, ?2, ?3, ?4, ?5, "
      "(SELECT coalesce(max(position), 0) + 1 FROM dictionary WHERE dict = ?1), 0)");
  st.bind(1, row.dict);
  st.bind(2, row.code);
  st.bind(3, row.label_zh);
  st.bind(4, row.label_en);
  st.bind(5, row.aliases);
  st.exec();
}

}  // namespace crm::store
