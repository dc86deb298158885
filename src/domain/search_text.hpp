// The text a customer-name search compares (客户名称检索): a name folded for
// matching (simplified characters, ASCII letters in lower case), its pinyin
// and its pinyin initials; and a query folded the same way.  Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// What the search index keeps of one name: "華為技術 ABC" → {"华为技术 abc",
// "huaweijishuabc", "hwjsa"}.
struct SearchKeys {
  std::string name;      // to_simplified, prose-normalised, ASCII lower case
  std::string pinyin;    // pinyin_of(name).full
  std::string initials;  // pinyin_of(name).initials
};

SearchKeys search_keys(std::string_view name);

// A query folded for matching.  `name` is compared with SearchKeys::name;
// `latin` (empty unless the query is only ASCII letters, digits and spaces)
// with the pinyin and the initials: "Hua Wei" → "huawei".
struct SearchTerms {
  std::string name;
  std::string latin;
};

// Precondition: valid UTF-8 (the caller checks length and encoding).
SearchTerms search_terms(std::string_view query);

}  // namespace crm
