#include "domain/phone.hpp"

#include <phonenumbers/phonenumberutil.h>

#include <string>

namespace crm {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

struct MobileRange {
  unsigned first, last;  // [first, last) of seven-digit prefixes
};
#include "cn_mobile_ranges.inc"

bool is_cn_mobile_nsn(std::string_view nsn) { return nsn.size() == 11 && nsn[0] == '1'; }

// A number whose seven-digit prefix lies in a range that libphonenumber
// declared valid when the library was built is valid.  Anything else is
// asked of libphonenumber itself, so prefixes allocated since then (a newer
// libphonenumber) are accepted too.
bool cn_mobile_valid(std::string_view nsn) {
  unsigned prefix = 0;
  for (int i = 0; i < 7; ++i) prefix = prefix * 10 + static_cast<unsigned>(nsn[i] - '0');
  for (const auto& r : kCnMobileRanges)
    if (prefix >= r.first && prefix < r.last) return true;
  PhoneNumber number;
  number.set_country_code(86);
  number.set_national_number(std::stoull(std::string(nsn)));
  return PhoneNumberUtil::GetInstance()->IsValidNumber(number);
}

// The national significant number of a plain-digit Chinese mobile written
// with an optional +86 / 86 / 0086 prefix, or "" when `input` is anything
// else (which then goes through libphonenumber's full parser).
std::string plain_cn_mobile(std::string_view input, const std::string& digits) {
  bool plus = !input.empty() && input.front() == '+';
  if (input.find('+', plus ? 1 : 0) != std::string_view::npos) return {};
  std::string_view d = digits;
  if (plus) {
    if (d.substr(0, 2) != "86") return {};
    d.remove_prefix(2);
  } else if (d.size() == 15 && d.substr(0, 4) == "0086") {
    d.remove_prefix(4);
  } else if (d.size() == 13 && d.substr(0, 2) == "86") {
    d.remove_prefix(2);
  }
  return is_cn_mobile_nsn(d) ? std::string(d) : std::string();
}

}  // namespace

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
  std::string mobile = plain_cn_mobile(input, digits);
  if (!mobile.empty()) {
    if (!cn_mobile_valid(mobile)) {
      r.error = "invalid_phone";
      return r;
    }
    r.e164 = "+86" + mobile;
    r.ok = true;
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
  // Chinese mobiles are always shown 3-4-4 ("138 1234 5678"), which is what
  // libphonenumber's national format gives them, without its regexes.
  if (e164.size() == 14 && e164.substr(0, 3) == "+86" && e164[3] == '1') {
    std::string out(e164.substr(3, 3));
    out += ' ';
    out += e164.substr(6, 4);
    out += ' ';
    out += e164.substr(10, 4);
    return out;
  }
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
