#include "domain/phone.hpp"

#include <phonenumbers/phonenumberutil.h>

namespace crm {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

PhoneCheck check_phone(std::string_view input) {
  PhoneCheck r;
  std::string digits;
  bool other = false;
  for (char c : input) {
    if (c >= '0' && c <= '9')
      digits += c;
    else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '+' && c != '.')
      other = true;
  }
  if (digits.empty() || other) {
    r.error = "invalid_phone";
    return r;
  }
  // Seven or eight digits without a trunk prefix: someone typed a landline's
  // local number and left out the area code (local numbers start with 2-9,
  // but "12345678" is the same mistake and deserves the same hint).
  if (input.find('+') == std::string_view::npos && (digits.size() == 7 || digits.size() == 8) &&
      digits[0] != '0') {
    r.error = "missing_area_code";
    return r;
  }
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse(std::string(input), "CN", &number) != PhoneNumberUtil::NO_PARSING_ERROR ||
      !util->IsValidNumber(number)) {
    r.error = "invalid_phone";
    return r;
  }
  util->Format(number, PhoneNumberUtil::E164, &r.e164);
  r.ok = true;
  return r;
}

std::string phone_display(std::string_view e164) {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse(std::string(e164), "CN", &number) != PhoneNumberUtil::NO_PARSING_ERROR)
    return std::string(e164);
  std::string out;
  util->Format(
      number,
      number.country_code() == 86 ? PhoneNumberUtil::NATIONAL : PhoneNumberUtil::INTERNATIONAL,
      &out);
  return out;
}

}  // namespace crm
