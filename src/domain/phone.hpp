// Phone numbers (联系电话), parsed with libphonenumber for region CN.
#pragma once

#include <string>
#include <string_view>

namespace crm {

struct PhoneCheck {
  bool ok = false;
  std::string e164;   // "+8613812345678" when ok
  std::string error;  // "invalid_phone" or "missing_area_code" when not ok
};

// Accepts mobiles (11 digits starting with 1; +86 / 86 / 0086 prefixes),
// landlines with an area code (010-12345678, 0755 8888 8888), service numbers
// (400-810-8888) and international numbers with a + prefix.  A bare 7–8 digit
// number is "missing_area_code"; anything libphonenumber does not know
// as a real number (12345678901, 0755-8888888) is "invalid_phone".
// Precondition: `input` is normalised text (ASCII digits).
PhoneCheck check_phone(std::string_view input);

// National display format of a stored E.164 number ("010 1234 5678",
// "138 1234 5678"); foreign numbers keep the international format.
std::string phone_display(std::string_view e164);

}  // namespace crm
