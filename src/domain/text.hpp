// Text normalisation applied to every text field before it is checked.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// How much compatibility folding a field gets.
enum class TextMode {
  // Phones, e-mails, dates, codes: full NFKC, so "＋８６" and "ｗａｎｇ＠ｘ．ｃｏｍ"
  // become ASCII.
  structured,
  // Names and free text: NFC, with full-width digits and Latin letters folded
  // to ASCII but Chinese full-width punctuation (，：（）！？) kept as typed —
  // NFKC would rewrite "采购，希望" as "采购,希望".
  prose,
};

// Normalises as `mode` says, then trims and collapses every run of white
// space (including U+3000 and zero-width spaces) into one ASCII space and
// drops control characters.  Precondition: `s` is valid UTF-8.
std::string normalize_text(std::string_view s, TextMode mode = TextMode::structured);

// normalize_text without its shortcuts: always converts and normalises
// through ICU.  The tests check the shortcuts against it.
std::string normalize_text_reference(std::string_view s, TextMode mode);

// ASCII lower-casing (for codes, e-mail domains); other bytes untouched.
std::string ascii_lower(std::string_view s);

}  // namespace crm
