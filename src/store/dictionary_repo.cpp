#include "store/dictionary_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

namespace crm::store {

std::vector<DictionaryRow> load_dictionaries(Connection& c) {
  auto q = c.prepare(
      "SELECT dict, code, label_zh, label_en, aliases, coalesce(department, '') FROM dictionary "
      "ORDER BY dict, position");
  std::vector<DictionaryRow> rows;
  while (q->executeStep()) {
    rows.push_back({q->getColumn(0).getString(), q->getColumn(1).getString(),
                    q->getColumn(2).getString(), q->getColumn(3).getString(),
                    q->getColumn(4).getString(), q->getColumn(5).getString()});
  }
  return rows;
}

void insert_dictionary_row(Connection& c, const DictionaryRow& row) {
  auto q = c.prepare(
      "INSERT INTO dictionary(dict, code, label_zh, label_en, aliases, position, builtin) "
      "VALUES (?1, ?2, ?3, ?4, ?5, "
      "(SELECT coalesce(max(position), 0) + 1 FROM dictionary WHERE dict = ?1), 0)");
  q->bind(1, row.dict);
  q->bind(2, row.code);
  q->bind(3, row.label_zh);
  q->bind(4, row.label_en);
  q->bind(5, row.aliases);
  q->exec();
}

void set_dictionary_department(Connection& c, const std::string& dict, const std::string& code,
                               const std::string& department) {
  auto q =
      c.prepare("UPDATE dictionary SET department = nullif(?, '') WHERE dict = ? AND code = ?");
  q->bind(1, department);
  q->bind(2, dict);
  q->bind(3, code);
  q->exec();
}

}  // namespace crm::store
