#include "domain/text.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "domain/error.hpp"

namespace crm {
namespace {

// Full-width digits and Latin letters (U+FF10–FF19, FF21–FF3A, FF41–FF5A).
UChar32 fold_fullwidth_alnum(UChar32 c) {
  if ((c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A))
    return c - 0xFEE0;
  return c;
}

// What a text needs, from one pass over its bytes:
//  - clean ASCII: printable, no spaces at the edges or doubled — nothing;
//  - plain: none of the characters below, so only Normalizer2's own quick
//    check is left (most Chinese text);
//  - special: control characters, doubled or edge spaces, Unicode spaces and
//    zero-width characters (U+0080–00BF, U+1680, U+180E, U+2000–206F,
//    U+3000, U+FEFF) or, in prose, full-width forms (U+FF00–FF7F) — the slow
//    path.  Conservative: a false "special" only costs time.
enum class Scan { clean_ascii, plain, special };

Scan scan(std::string_view s, TextMode mode) {
  if (s.empty()) return Scan::clean_ascii;
  if (s.front() == ' ' || s.back() == ' ') return Scan::special;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  bool ascii = true;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = p[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F || (c == ' ' && i + 1 < n && p[i + 1] == ' ')) return Scan::special;
      continue;
    }
    ascii = false;
    if (c < 0xE1) {
      if (c == 0xC2) return Scan::special;
      continue;
    }
    if (i + 1 >= n) continue;  // invalid UTF-8 is the caller's concern
    unsigned char d = p[i + 1];
    if ((c == 0xE1 && (d == 0x9A || d == 0xA0)) || (c == 0xE2 && (d == 0x80 || d == 0x81)) ||
        (c == 0xE3 && d == 0x80 && i + 2 < n && p[i + 2] == 0x80) ||
        (c == 0xEF && (d == 0xBB || (mode == TextMode::prose && (d == 0xBC || d == 0xBD)))))
      return Scan::special;
  }
  return ascii ? Scan::clean_ascii : Scan::plain;
}

}  // namespace

std::string normalize_text(std::string_view s, TextMode mode) {
  const Scan kind = scan(s, mode);
  if (kind == Scan::clean_ascii) return std::string(s);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm2 = mode == TextMode::structured
                                      ? icu::Normalizer2::getNFKCInstance(status)
                                      : icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status))
    throw Error(Status::internal, "ICU normaliser unavailable", "ICU 规范化不可用");
  // Most Chinese text is already normal: check in UTF-8, without converting.
  if (kind == Scan::plain &&
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
