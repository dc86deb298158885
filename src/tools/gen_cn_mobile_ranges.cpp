// Build-time generator: asks the installed libphonenumber which seven-digit
// prefixes of 11-digit Chinese numbers starting with 1 are valid, and prints
// them as ranges for src/domain/phone.cpp.  Validity of such a number depends
// on its first seven digits only (mobile numbers are allocated in blocks of
// 10,000 by 号段 + HLR code), so eleven or so ranges describe every valid
// mobile number, and the check needs no regular expression at run time.
#include <phonenumbers/phonenumberutil.h>

#include <cstdio>

int main() {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  std::printf(
      "// Generated at build time by gen_cn_mobile_ranges from the installed\n"
      "// libphonenumber: [first, last) seven-digit prefixes of valid mobiles.\n"
      "constexpr MobileRange kCnMobileRanges[] = {\n");
  long start = -1;
  int count = 0;
  for (long prefix = 1000000; prefix <= 2000000; ++prefix) {
    bool valid = false;
    if (prefix < 2000000) {
      PhoneNumber n;
      n.set_country_code(86);
      n.set_national_number(static_cast<unsigned long long>(prefix) * 10000ULL);
      valid = util->IsValidNumber(n);
    }
    if (valid && start < 0) start = prefix;
    if (!valid && start >= 0) {
      std::printf("    {%ld, %ld},\n", start, prefix);
      start = -1;
      ++count;
    }
  }
  if (count == 0) std::printf("    {0, 0},\n");
  std::printf("};\n");
  return 0;
}
