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

}  // namespace

// Full-width digits and Latin letters (U+FF10–FF19, FF21–FF3A, FF41–FF5A).
UChar32 fold_fullwidth_alnum(UChar32 c) {
  if ((c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A))
    return c - 0xFEE0;
  return c;
}

std::string normalize_text(std::string_view s, TextMode mode) {
  if (all_ascii_clean(s)) return std::string(s);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm2 = mode == TextMode::structured
                                      ? icu::Normalizer2::getNFKCInstance(status)
                                      : icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status))
    throw Error(Status::internal, "ICU normaliser unavailable", "ICU 规范化不可用");
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
