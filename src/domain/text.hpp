// Text normalisation applied to every text field before it is checked.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// NFKC (full-width digits and letters become ASCII, U+3000 becomes a space),
// then trim and collapse every run of white space into one ASCII space.
// Precondition: `s` is valid UTF-8.
std::string normalize_text(std::string_view s);

// ASCII lower-casing (for codes, e-mail domains); other bytes untouched.
std::string ascii_lower(std::string_view s);

}  // namespace crm
