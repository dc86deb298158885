#include "domain/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace crm {

bool is_valid_utf8(std::string_view s, bool allow_nul) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Runs of ASCII (most of a Chinese company's data is not, but e-mails,
    // phones and codes are) go eight bytes at a time.
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      const bool high = (w & 0x8080808080808080ULL) != 0;
      const bool zero = ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0;
      if (high || (zero && !allow_nul)) break;
      p += 8;
    }
    if (p >= end) break;
    unsigned char c = *p;
    // Three-byte forms led by E1–EC or EE–EF (nearly all of CJK) cannot be
    // overlong or surrogates: two continuation bytes are all they need.
    if ((c >= 0xE1 && c <= 0xEC) || c >= 0xEE) {
      if (c <= 0xEF) {
        if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return false;
        p += 3;
        continue;
      }
    }
    if (c == 0 && !allow_nul) return false;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int len;
    char32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte, C0/C1 overlong lead, or > F4
    }
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    p += len;
  }
  return true;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::size_t utf8_prefix_bytes(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n-- == 0) break;
  return i;
}

}  // namespace crm
