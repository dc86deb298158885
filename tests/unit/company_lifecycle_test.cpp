#include <gtest/gtest.h>

#include "domain/company_name.hpp"
#include "domain/lifecycle.hpp"

namespace crm {
namespace {

TEST(CompanyName, AcceptsFullLegalNames) {
  for (const char* ok :
       {"杭州恒达精密机械有限公司", "华为技术有限公司", "深圳市云启信息技术有限公司",
        "北京字节跳动科技有限公司", "中国石油化工股份有限公司", "ABCD Trading Co., Ltd.",
        "苏州(工业园区)纳微科技股份有限公司", "海尔集团"}) {
    EXPECT_EQ(check_company_name(ok), "") << ok;
  }
}

TEST(CompanyName, RejectsPlaceholdersAndNamesWithoutATradeName) {
  for (const char* vague :
       {"某科技公司", "某某有限公司", "XX公司", "xx科技有限公司", "××贸易有限公司", "***有限公司",
        "有限公司", "科技有限公司", "北京市贸易有限公司", "深圳科技发展有限公司", "有限责任公司",
        "股份有限公司", "未知客户公司"}) {
    EXPECT_EQ(check_company_name(vague), "vague_name") << vague;
  }
}

TEST(CompanyName, RejectsAbbreviationsAsTooShort) {
  EXPECT_EQ(check_company_name("华为"), "too_short");
  EXPECT_EQ(check_company_name("腾讯控"), "too_short") << "3 characters";
  EXPECT_EQ(check_company_name("恒达机械"), "") << "4 characters is the minimum";
}

TEST(Lifecycle, AllowedSteps) {
  EXPECT_TRUE(lifecycle_step_allowed("prospect", "intent"));
  EXPECT_TRUE(lifecycle_step_allowed("prospect", "won"));
  EXPECT_TRUE(lifecycle_step_allowed("prospect", "churned"));
  EXPECT_TRUE(lifecycle_step_allowed("intent", "won"));
  EXPECT_TRUE(lifecycle_step_allowed("intent", "churned"));
  EXPECT_TRUE(lifecycle_step_allowed("won", "churned"));
  EXPECT_TRUE(lifecycle_step_allowed("churned", "intent"));
}

TEST(Lifecycle, RefusedSteps) {
  for (auto [from, to] : {std::pair{"intent", "prospect"},
                          {"won", "prospect"},
                          {"won", "intent"},
                          {"churned", "won"},
                          {"churned", "prospect"},
                          {"won", "won"},
                          {"prospect", "prospect"},
                          {"prospect", "bogus"}}) {
    EXPECT_FALSE(lifecycle_step_allowed(from, to)) << from << " -> " << to;
  }
}

}  // namespace
}  // namespace crm

namespace crm {
namespace {

TEST(CompanyName, FullWidthParenthesesAndPlaceholdersAreUnderstood) {
  EXPECT_EQ(check_company_name("恒达（杭州）精密机械有限公司"), "");
  EXPECT_EQ(check_company_name("（北京）科技有限公司"), "vague_name");
  EXPECT_EQ(check_company_name("＊＊科技有限公司"), "vague_name");
}

}  // namespace
}  // namespace crm
