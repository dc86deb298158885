// Dictionaries (enumerations) as stored rows.
#pragma once

#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

struct DictionaryRow {
  std::string dict, code, label_zh, label_en, aliases;  // aliases: '|'-separated
};

std::vector<DictionaryRow> load_dictionaries(Connection& c);

// Appends an entry after the dictionary's last one.
void insert_dictionary_row(Connection& c, const DictionaryRow& row);

}  // namespace crm::store
