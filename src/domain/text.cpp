#include "domain/text.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "domain/error.hpp"

namespace crm {
namespace {

bool all_ascii_clean(std::string_view s) {
  // Fast path: printable ASCII without doubled or edge spaces needs no work.
  if (s.empty()) return true;
  if (s.front() == ' ' || s.back() == ' ') return false;
  char prev = 0;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || u < 0x20 || u == 0x7F) return false;
    if (c == ' ' && prev == ' ') return false;
    prev = c;
  }
  return true;
}

// Full-width digits and Latin letters (U+FF10–FF19, FF21–FF3A, FF41–FF5A).
UChar32 fold_fullwidth_alnum(UChar32 c) {
  if ((c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A))
    return c - 0xFEE0;
  return c;
}

// True when no byte sequence of `s` can start a character that normalisation
// would touch besides what Normalizer2 checks: control characters, ASCII
// spaces at the edges or doubled, Unicode spaces and zero-width characters
// (U+0080–00BF, U+1680, U+180E, U+2000–206F, U+3000, U+FEFF) and, in prose,
// full-width forms (U+FF00–FF7F).  Conservative: a false "no" only costs the
// slow path.
bool no_special_characters(std::string_view s, TextMode mode) {
  if (s.front() == ' ' || s.back() == ' ') return false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = p[i];
    if (c < 0x20 || c == 0x7F || c == 0xC2) return false;
    if (c == ' ' && i + 1 < n && p[i + 1] == ' ') return false;
    if (c == 0xE1 && i + 1 < n && (p[i + 1] == 0x9A || p[i + 1] == 0xA0)) return false;
    if (c == 0xE2 && i + 1 < n && (p[i + 1] == 0x80 || p[i + 1] == 0x81)) return false;
    if (c == 0xE3 && i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0x80) return false;
    if (c == 0xEF && i + 1 < n &&
        (p[i + 1] == 0xBB || (mode == TextMode::prose && (p[i + 1] == 0xBC || p[i + 1] == 0xBD))))
      return false;
  }
  return true;
}

}  // namespace

std::string normalize_text(std::string_view s, TextMode mode) {
  if (all_ascii_clean(s)) return std::string(s);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm2 = mode == TextMode::structured
                                      ? icu::Normalizer2::getNFKCInstance(status)
                                      : icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status))
    throw Error(Status::internal, "ICU normaliser unavailable", "ICU 规范化不可用");
  // Most Chinese text is already normal: check in UTF-8, without converting.
  if (no_special_characters(s, mode) &&
      norm2->isNormalizedUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), status) &&
      U_SUCCESS(status))
    return std::string(s);
  status = U_ZERO_ERROR;
  icu::UnicodeString in =
      icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  icu::UnicodeString norm = norm2->normalize(in, status);
  if (U_FAILURE(status))
    throw Error(Status::internal, "ICU normalisation failed", "ICU 规范化失败");

  icu::UnicodeString out;
  bool pending_space = false;
  for (int32_t i = 0; i < norm.length();) {
    UChar32 c = norm.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c) || c == 0x200B || c == 0xFEFF) {  // incl. zero-width
      pending_space = !out.isEmpty();
      continue;
    }
    if (u_iscntrl(c)) continue;  // stray control characters carry no meaning
    if (pending_space) out.append(static_cast<UChar>(' '));
    pending_space = false;
    out.append(mode == TextMode::prose ? fold_fullwidth_alnum(c) : c);
  }
  std::string result;
  out.toUTF8String(result);
  return result;
}

std::string ascii_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}

}  // namespace crm
