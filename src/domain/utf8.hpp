// UTF-8 checks that reject what a lenient decoder would silently repair.
#pragma once

#include <cstddef>
#include <string_view>

namespace crm {

// True if `s` is well-formed UTF-8: no overlong forms, no surrogates, nothing
// above U+10FFFF, no truncated sequences.  NUL bytes count as invalid text
// unless `allow_nul` (JSON can carry them escaped; a field value cannot).
bool is_valid_utf8(std::string_view s, bool allow_nul = false);

// Number of code points in well-formed UTF-8 (what "at most 200 characters"
// counts; 200 Chinese characters are 600 bytes).
std::size_t utf8_length(std::string_view s);

// The number of bytes of the first `n` code points of well-formed UTF-8 (all
// of `s` if it is shorter).
std::size_t utf8_prefix_bytes(std::string_view s, std::size_t n);

}  // namespace crm
