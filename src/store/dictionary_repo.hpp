// Dictionaries (enumerations) as stored rows.
#pragma once

#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

struct DictionaryRow {
  std::string dict, code, label_zh, label_en, aliases;  // aliases: '|'-separated
  std::string department;  // responsible department of a source channel, or ""
};

std::vector<DictionaryRow> load_dictionaries(Connection& c);

// Appends an entry after the dictionary's last one.
void insert_dictionary_row(Connection& c, const DictionaryRow& row);

void set_dictionary_department(Connection& c, const std::string& dict, const std::string& code,
                               const std::string& department);

}  // namespace crm::store
