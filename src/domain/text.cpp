#include "domain/text.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

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
//  - clean: ASCII without spaces at the edges or doubled, plus characters
//    known to be stable under the mode's normalisation (below) — nothing;
//  - plain: nothing special, but characters whose stability is ICU's to
//    judge (its quick check, without conversion, is left to do);
//  - special: control characters, doubled or edge spaces, Unicode spaces and
//    zero-width characters (U+0080–00BF, U+1680, U+180E, U+2000–200F,
//    U+2028–206F, U+3000, U+FEFF) or, in prose, full-width digits and
//    letters — the slow path.
// Known stable: CJK ideographs and Yijing symbols (U+4000–9FFF), the CJK
// punctuation 、。《》「」『』【】 and, in prose (NFC), full-width punctuation
// (U+FF01–FF5E other than digits and letters) and — ‘ ’ “ ” ….  The unit
// test NormalizeText.FastPathMatchesIcuForEveryBmpCharacter proves every
// character against ICU.
enum class Scan { clean, plain, special };

// What the slow path removes or turns into a space, by ICU's own classes.
bool dropped_or_space(UChar32 cp) {
  return u_isUWhiteSpace(cp) || u_iscntrl(cp) || cp == 0x200B || cp == 0xFEFF;
}

bool fullwidth_alnum(char32_t cp) {
  return (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
         (cp >= 0xFF41 && cp <= 0xFF5A);
}

Scan scan(std::string_view s, TextMode mode) {
  if (s.empty()) return Scan::clean;
  if (s.front() == ' ' || s.back() == ' ') return Scan::special;
  const bool prose = mode == TextMode::prose;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  bool needs_icu = false;
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F || (c == ' ' && i + 1 < n && p[i + 1] == ' ')) return Scan::special;
      ++i;
      continue;
    }
    if (c < 0xE0 || c >= 0xF0) {  // two or four bytes (the caller guarantees valid UTF-8)
      UChar32 cp;
      int32_t at = static_cast<int32_t>(i);
      U8_NEXT_UNSAFE(p, at, cp);
      i = static_cast<std::size_t>(at);
      if (dropped_or_space(cp)) return Scan::special;
      needs_icu = true;
      continue;
    }
    const unsigned char d = p[i + 1], e = p[i + 2];
    const char32_t cp = (char32_t{c & 0x0Fu} << 12) | (char32_t{d & 0x3Fu} << 6) | (e & 0x3Fu);
    i += 3;
    if (cp >= 0x4000 && cp <= 0x9FFF) continue;
    if (cp == 0x1680 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200F) ||
        (cp >= 0x2028 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF)
      return Scan::special;
    if (cp == 0x3001 || cp == 0x3002 || (cp >= 0x300A && cp <= 0x3011)) continue;
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
      if (!prose) {
        needs_icu = true;  // NFKC folds them all
        continue;
      }
      if (fullwidth_alnum(cp)) return Scan::special;
      continue;
    }
    if (prose && (cp == 0x2014 || cp == 0x2018 || cp == 0x2019 || cp == 0x201C || cp == 0x201D ||
                  cp == 0x2026))
      continue;
    if (dropped_or_space(static_cast<UChar32>(cp))) return Scan::special;
    needs_icu = true;
  }
  return needs_icu ? Scan::plain : Scan::clean;
}

// NFKC for structured fields, NFC for prose.
const icu::Normalizer2& normalizer(TextMode mode) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm2 = mode == TextMode::structured
                                      ? icu::Normalizer2::getNFKCInstance(status)
                                      : icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || !norm2)
    throw Error(Status::internal, "ICU normaliser unavailable", "ICU 规范化不可用");
  return *norm2;
}

}  // namespace

std::string normalize_text(std::string_view s, TextMode mode) {
  const Scan kind = scan(s, mode);
  if (kind == Scan::clean) return std::string(s);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm2 = &normalizer(mode);
  // Most Chinese text is already normal: check in UTF-8, without converting.
  if (kind == Scan::plain &&
      norm2->isNormalizedUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), status) &&
      U_SUCCESS(status))
    return std::string(s);
  return normalize_text_reference(s, mode);
}

std::string normalize_text_reference(std::string_view s, TextMode mode) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm2 = &normalizer(mode);
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
