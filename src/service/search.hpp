// Customer-name search (客户名称检索): substrings of the name in simplified
// or traditional characters, full pinyin ("huawei", "hua wei") and pinyin
// initials ("hwjs"), over the customers the user may read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

struct SearchQuery {
  std::string text;  // 1..100 characters of UTF-8 after normalisation
  int page_size = 20;
  std::string after;  // page token; "" = first page
  bool include_archived = false;
};

struct SearchPage {
  // Customer records as the list shows them (masked, custom fields
  // included), each with "match" ("name", "pinyin" or "initials") and
  // "match_rank" (0 exact name, 1 name prefix, 2 name substring, 3..5
  // pinyin exact / prefix / substring, 6..8 initials exact / prefix /
  // substring), best first, then by id.
  std::vector<Record> rows;
  std::string next;  // "" when there is no next page
};

// Throws invalid_arg for an empty, too long or non-UTF-8 query, a page size
// outside 0..1000 (0 = 20) and a malformed or foreign page token.
SearchPage search_customers(Session& s, const SearchQuery& q);

}  // namespace crm
