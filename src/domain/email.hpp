// E-mail address syntax (电子邮箱).
#pragma once

#include <string>
#include <string_view>

namespace crm {

// Checks the common addr-spec subset that mail systems accept in practice:
// a dot-atom local part (letters, digits and !#$%&'*+/=?^_`{|}~.-, no leading,
// trailing or doubled dots) of at most 64 bytes, '@', and a domain of at least
// two labels (letters, digits, hyphens, not at a label's ends) whose last label
// is alphabetic; 254 bytes in all.  On success `out` holds the address with
// the domain lower-cased.
bool check_email(std::string_view input, std::string& out);

}  // namespace crm
