#include "domain/search_text.hpp"

#include "domain/hanzi.hpp"
#include "domain/text.hpp"

namespace crm {
namespace {

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string folded(std::string_view text) {
  // Prose mode folds full-width Latin letters and digits (ＡＢＣ → ABC)
  // without rewriting Chinese punctuation.
  return ascii_lower(to_simplified(normalize_text(text, TextMode::prose)));
}

}  // namespace

SearchKeys search_keys(std::string_view name) {
  SearchKeys k;
  k.name = folded(name);
  Pinyin p = pinyin_of(k.name);
  k.pinyin = std::move(p.full);
  k.initials = std::move(p.initials);
  return k;
}

SearchTerms search_terms(std::string_view query) {
  SearchTerms t;
  t.name = folded(query);
  bool latin = !t.name.empty();
  std::string compact;
  for (char c : t.name) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      compact += c;
    else if (c != ' ')
      latin = false;
  }
  if (latin) t.latin = std::move(compact);
  return t;
}

}  // namespace crm
