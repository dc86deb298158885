#include <date/tz.h>
#include <gtest/gtest.h>

#include <ostream>

#include "domain/calendar.hpp"
#include "domain/email.hpp"
#include "domain/phone.hpp"

namespace crm {
namespace {

struct PhoneCase {
  const char* input;
  const char* e164;   // nullptr: must be rejected
  const char* error;  // expected error code when rejected
};

// Test names show the input rather than the struct's bytes.
void PrintTo(const PhoneCase& c, std::ostream* os) { *os << '"' << c.input << '"'; }

class PhoneTest : public ::testing::TestWithParam<PhoneCase> {};

TEST_P(PhoneTest, ChecksAndNormalises) {
  const PhoneCase& c = GetParam();
  PhoneCheck r = check_phone(c.input);
  if (c.e164) {
    EXPECT_TRUE(r.ok) << c.input << " should be valid, got error " << r.error;
    EXPECT_EQ(r.e164, c.e164) << c.input;
  } else {
    EXPECT_FALSE(r.ok) << c.input << " should be rejected, got " << r.e164;
    EXPECT_EQ(r.error, c.error) << c.input;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cn, PhoneTest,
    ::testing::Values(
        PhoneCase{"13812345678", "+8613812345678", ""},
        PhoneCase{"+8613812345678", "+8613812345678", ""},
        PhoneCase{"+86 138 1234 5678", "+8613812345678", ""},
        PhoneCase{"8613812345678", "+8613812345678", ""},
        PhoneCase{"008613812345678", "+8613812345678", ""},
        PhoneCase{"138-1234-5678", "+8613812345678", ""},
        PhoneCase{"19912345678", "+8619912345678", ""},
        PhoneCase{"010-12345678", "+861012345678", ""},
        PhoneCase{"(010) 1234 5678", "+861012345678", ""},
        PhoneCase{"0755-88888888", "+8675588888888", ""},
        PhoneCase{"021 6888 1234", "+862168881234", ""},
        PhoneCase{"400-810-8888", "+864008108888", ""},
        PhoneCase{"+1 650 253 0000", "+16502530000", ""},
        // Rejected
        PhoneCase{"12345678901", nullptr, "invalid_phone"},   // 123 is no mobile prefix
        PhoneCase{"1381234567", nullptr, "invalid_phone"},    // 10 digits
        PhoneCase{"138123456789", nullptr, "invalid_phone"},  // 12 digits
        PhoneCase{"0755-8888888", nullptr, "invalid_phone"},  // Shenzhen has 8 digits
        PhoneCase{"12345678", nullptr, "missing_area_code"},  // 8 digits: a local number
        PhoneCase{"62345678", nullptr, "missing_area_code"},
        PhoneCase{"6234567", nullptr, "missing_area_code"},
        PhoneCase{"abc", nullptr, "invalid_phone"},
        PhoneCase{"138 1234 5678 转 8", nullptr, "invalid_phone"},
        PhoneCase{"", nullptr, "invalid_phone"}));

TEST(PhoneDisplay, NationalFormatForChinaInternationalOtherwise) {
  EXPECT_EQ(phone_display("+861012345678"), "010 1234 5678");
  EXPECT_EQ(phone_display("+8613812345678"), "138 1234 5678");
  EXPECT_EQ(phone_display("+16502530000"), "+1 650-253-0000");
}

TEST(Email, AcceptsCommonAddressesAndLowercasesDomain) {
  std::string out;
  ASSERT_TRUE(check_email("wang.li@Example.COM", out));
  EXPECT_EQ(out, "wang.li@example.com");
  EXPECT_TRUE(check_email("sales+crm@hengda-jixie.com.cn", out));
  EXPECT_TRUE(check_email("a_b@x.io", out));
}

TEST(Email, RejectsMalformedAddresses) {
  std::string out;
  for (const char* bad :
       {"a@", "@b.com", "a@b", "a..b@c.com", ".a@c.com", "a.@c.com", "a b@c.com", "a@-b.com",
        "a@b-.com", "a@b.c", "a@b.123", "ab.com", "a@@b.com", "王@例子.中国"}) {
    EXPECT_FALSE(check_email(bad, out)) << bad << " should be rejected";
  }
  std::string local65(65, 'a');
  EXPECT_FALSE(check_email(local65 + "@b.com", out)) << "local part over 64 bytes";
  std::string local64(64, 'a');
  EXPECT_TRUE(check_email(local64 + "@b.com", out)) << "local part of exactly 64 bytes";
}

TEST(Date, AcceptsOnlyDatesThatExist) {
  EXPECT_TRUE(parse_date("2024-02-29")) << "leap year";
  EXPECT_FALSE(parse_date("2025-02-29")) << "not a leap year";
  EXPECT_FALSE(parse_date("2026-02-30"));
  EXPECT_TRUE(parse_date("2026-12-31"));
  EXPECT_FALSE(parse_date("2026-13-01"));
  EXPECT_FALSE(parse_date("2026-00-10"));
  EXPECT_FALSE(parse_date("2026-04-31"));
  EXPECT_FALSE(parse_date("2026-4-1")) << "must be zero-padded";
  EXPECT_FALSE(parse_date("20260101"));
  EXPECT_FALSE(parse_date("2026/01/01"));
  EXPECT_EQ(format_date(*parse_date("2026-01-05")), "2026-01-05");
}

TEST(Date, LocalDateInShanghaiAtMidnightBoundary) {
  const date::time_zone* sh = find_zone("Asia/Shanghai");
  ASSERT_NE(sh, nullptr);
  // 2026-03-01T15:59:59.999Z is 23:59:59.999 in Shanghai; one ms later is the next day.
  const std::int64_t last_ms = 1772380799999;
  EXPECT_EQ(format_date(local_date(last_ms, sh)), "2026-03-01");
  EXPECT_EQ(format_date(local_date(last_ms + 1, sh)), "2026-03-02");
  EXPECT_EQ(find_zone("Mars/Olympus"), nullptr);
}

}  // namespace
}  // namespace crm

#include <phonenumbers/phonenumberutil.h>

#include <random>

namespace crm {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// The fast path for mobiles (a memo per seven-digit prefix) must agree with
// libphonenumber's full parser on every number, whatever metadata the
// installed libphonenumber carries.
TEST(PhoneFastPath, AgreesWithLibphonenumberOnSampledMobiles) {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  std::mt19937_64 rng(20261123);
  int valid = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string nsn = "1" + std::to_string(1000000000ULL + rng() % 9000000000ULL).substr(0, 10);
    for (const std::string& input : {nsn, "+86 " + nsn, "0086" + nsn}) {
      PhoneNumber ref;
      bool ref_ok = util->Parse(input, "CN", &ref) == PhoneNumberUtil::NO_PARSING_ERROR &&
                    util->IsValidNumber(ref);
      PhoneCheck got = check_phone(input);
      ASSERT_EQ(got.ok, ref_ok) << input;
      if (!ref_ok) continue;
      std::string e164, national;
      util->Format(ref, PhoneNumberUtil::E164, &e164);
      util->Format(ref, PhoneNumberUtil::NATIONAL, &national);
      ASSERT_EQ(got.e164, e164) << input;
      ASSERT_EQ(phone_display(got.e164), national) << input;
      ++valid;
    }
  }
  EXPECT_GT(valid, 1000) << "the sample should contain real mobile numbers";
}

}  // namespace
}  // namespace crm

namespace crm {
namespace {

TEST(LocalInstant, ReadsWhatOtherSystemsExport) {
  const date::time_zone* sh = find_zone("Asia/Shanghai");
  ASSERT_NE(sh, nullptr);
  // 2026-01-10 09:00 in Shanghai is 01:00 UTC.
  const std::int64_t nine = 1768006800000;
  EXPECT_EQ(parse_local_instant("2026-01-10 09:00", sh), nine);
  EXPECT_EQ(parse_local_instant("2026/01/10 09:00:00", sh), nine);
  EXPECT_EQ(parse_local_instant("2026-01-10T09:00:59", sh), nine + 59000);
  EXPECT_EQ(parse_local_instant("2026-01-10", sh), nine - 9 * 3600000);
  EXPECT_EQ(parse_local_instant("2026-01-10 23:59:59", sh), nine + (14 * 3600 + 3599) * 1000LL);
  for (const char* bad : {"2026-01-10 24:00", "2026-01-10 09:60", "2026-02-30 09:00",
                          "2026-01-10 9:00", "2026-01-10 09:00:00.5", "10/01/2026", "昨天", ""})
    EXPECT_FALSE(parse_local_instant(bad, sh).has_value()) << bad;
  EXPECT_EQ(format_local_second(nine + 5000, sh), "2026-01-10 09:00:05");
}

}  // namespace
}  // namespace crm
