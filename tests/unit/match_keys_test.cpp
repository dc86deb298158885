#include "domain/match_keys.hpp"

#include <gtest/gtest.h>

namespace crm {
namespace {

TEST(MatchKeys, OneCompanyWrittenFourWaysHasOneNameKey) {
  EXPECT_EQ(name_key("华为技术有限公司"), "华为技术");
  EXPECT_EQ(name_key("華為技術有限公司"), "华为技术") << "traditional → simplified";
  EXPECT_EQ(name_key("深圳市华为技术有限公司"), "华为技术") << "city prefix with 市";
  EXPECT_EQ(name_key("华为技术（深圳）有限公司"), "华为技术") << "region note, full-width brackets";
  EXPECT_EQ(name_key("华为技术(深圳)有限公司"), "华为技术") << "region note, ASCII brackets";
  EXPECT_EQ(name_key("广东省深圳市华为技术有限责任公司"), "华为技术") << "province and city";
  EXPECT_EQ(name_key(" 华为技术 股份有限公司 "), "华为技术") << "spaces and another suffix";
  EXPECT_EQ(name_key("中国华为技术集团"), "华为技术");
}

TEST(MatchKeys, DifferentTradeNamesKeepDifferentKeys) {
  EXPECT_NE(name_key("华为技术有限公司"), name_key("华为终端有限公司"));
  EXPECT_EQ(name_key("华为终端有限公司"), "华为终端");
  // A note that is not a region is part of the name.
  EXPECT_EQ(name_key("华为技术（终端）有限公司"), "华为技术终端");
  // 分公司 is a branch, a customer of its own.
  EXPECT_EQ(name_key("华为技术有限公司上海分公司"), "华为技术有限公司上海分公司");
}

TEST(MatchKeys, EnglishNamesLoseCaseDotsAndLegalForms) {
  EXPECT_EQ(name_key("Huawei Technologies Co., Ltd."), "huaweitechnologies");
  EXPECT_EQ(name_key("HUAWEI TECHNOLOGIES CO LTD"), "huaweitechnologies");
  EXPECT_EQ(name_key("Acme Inc."), "acme");
  EXPECT_EQ(name_key("Acme Corp"), "acme");
  EXPECT_EQ(name_key("Acme LLC"), "acme");
  EXPECT_EQ(name_key("Ｈｕａｗｅｉ Ltd"), "huawei") << "full-width letters (NFKC)";
  // A legal form inside a word is not stripped, nor is the only word.
  EXPECT_EQ(name_key("Costco"), "costco");
  EXPECT_EQ(name_key("Inc"), "inc");
}

TEST(MatchKeys, ARegionAloneIsKeptRatherThanEmptied) {
  EXPECT_EQ(name_key("北京有限公司"), "北京");
  EXPECT_EQ(name_key("公司"), "公司") << "a suffix alone is not stripped to nothing";
  EXPECT_EQ(name_key(""), "");
  EXPECT_EQ(name_key("   "), "");
  EXPECT_EQ(name_key("\xff\xfe"), "") << "invalid UTF-8 gives no key";
}

TEST(MatchKeys, RegionPrefixesWithAndWithoutTheirUnit) {
  EXPECT_EQ(name_key("北京百度网讯科技有限公司"), "百度网讯科技");
  EXPECT_EQ(name_key("北京市百度网讯科技有限公司"), "百度网讯科技");
  EXPECT_EQ(name_key("广西壮族自治区柳工机械股份有限公司"), "柳工机械");
  EXPECT_EQ(name_key("广西柳工机械股份有限公司"), "柳工机械");
}

TEST(MatchKeys, PhonesTypedDifferentlyShareTheirKey) {
  EXPECT_EQ(phone_key("13812345678"), "+8613812345678");
  EXPECT_EQ(phone_key("138 1234 5678"), "+8613812345678");
  EXPECT_EQ(phone_key("+86 138-1234-5678"), "+8613812345678");
  EXPECT_EQ(phone_key("００８６１３８１２３４５６７８"), "+8613812345678") << "full-width digits";
  EXPECT_EQ(phone_key("0755-8888 8888"), phone_key("075588888888"));
  EXPECT_EQ(phone_key("12345678"), "") << "no area code: no key";
  EXPECT_EQ(phone_key(""), "");
}

TEST(MatchKeys, EmailsIgnoreCaseAndSurroundingSpace) {
  EXPECT_EQ(email_key(" Wang.Wei@Huawei.COM "), "wang.wei@huawei.com");
  EXPECT_EQ(email_key("wang.wei@huawei.com"), email_key("WANG.WEI@HUAWEI.COM"));
  EXPECT_EQ(email_key("not an address"), "");
  EXPECT_EQ(email_key(""), "");
}

TEST(MatchKeys, ContactNamesIgnoreSpacesAndLatinCase) {
  EXPECT_EQ(contact_key("王 伟"), "王伟");
  EXPECT_EQ(contact_key("Wang Wei"), contact_key("wang wei"));
  EXPECT_EQ(contact_key("  "), "");
}

TEST(MatchKeys, NameSimilarityIsTheDiceCoefficientOfBigrams) {
  EXPECT_DOUBLE_EQ(name_similarity("华为技术", "华为技术"), 1.0);
  EXPECT_NEAR(name_similarity("华为技术", "华为终端"), 1.0 / 3, 1e-12) << "one bigram of three";
  // 恒达精密机械 vs 恒达精密机器: 4 of 5 bigrams shared.
  EXPECT_NEAR(name_similarity("恒达精密机械", "恒达精密机器"), 0.8, 1e-12);
  EXPECT_DOUBLE_EQ(name_similarity("", "华为"), 0.0);
  EXPECT_DOUBLE_EQ(name_similarity("华", "华"), 1.0);
  EXPECT_DOUBLE_EQ(name_similarity("华", "为"), 0.0);
}

TEST(MatchKeys, ScoreWeighsEachAgreementAndSaysWhich) {
  MatchKeys a =
      make_match_keys("深圳市华为技术有限公司", {"13812345678"}, {"Wang@Huawei.com"}, {"王伟"});
  MatchKeys b =
      make_match_keys("華為技術有限公司", {"+86 138 1234 5678"}, {"wang@huawei.com"}, {"王 伟"});
  MatchScore m = score_match(a, b);
  EXPECT_EQ(join_reasons(m.reasons), "same_name,same_phone,same_email,same_contact");
  EXPECT_NEAR(m.score, 1 - 0.3 * 0.3 * 0.3 * 0.7, 1e-12);

  MatchKeys c = make_match_keys("华为终端有限公司", {}, {}, {});
  MatchScore n = score_match(a, c);
  EXPECT_TRUE(n.reasons.empty()) << "华为技术 vs 华为终端 is not similar enough";
  EXPECT_DOUBLE_EQ(n.score, 0.0);

  // Any one strong key alone reaches the default threshold; a similar name
  // alone does not, with the same contact it does.
  MatchKeys phone_only = make_match_keys("另一家公司名称", {"13812345678"}, {}, {});
  EXPECT_GE(score_match(a, phone_only).score, kDefaultDuplicateThreshold);
  MatchKeys x = make_match_keys("恒达精密机械有限公司", {}, {}, {"李娜"});
  MatchKeys y = make_match_keys("恒达精密机器有限公司", {}, {}, {});
  MatchScore similar = score_match(x, y);
  EXPECT_EQ(join_reasons(similar.reasons), "similar_name");
  EXPECT_NEAR(similar.score, 0.48, 1e-12);
  EXPECT_LT(similar.score, kDefaultDuplicateThreshold);
  y.contacts = {"李娜"};
  EXPECT_GE(score_match(x, y).score, kDefaultDuplicateThreshold);
}

TEST(MatchKeys, ASimilarNameCanReachTheDefaultThresholdOnlyWithTheSameContact) {
  EXPECT_DOUBLE_EQ(best_score_with_similar_name(0.59), 0.0) << "below 0.6: not similar";
  EXPECT_NEAR(best_score_with_similar_name(0.8), 1 - 0.52 * 0.7, 1e-12);
  // 1 − (1 − 0.6 s) × 0.7 = 0.6 at s = 5/7: the default threshold's edge.
  EXPECT_LT(best_score_with_similar_name(5.0 / 7 - 1e-9), kDefaultDuplicateThreshold);
  EXPECT_GE(best_score_with_similar_name(5.0 / 7 + 1e-9), kDefaultDuplicateThreshold);
  MatchKeys x = make_match_keys("恒达精密机械有限公司", {}, {}, {"李娜"});
  MatchKeys y = make_match_keys("恒达精密机器有限公司", {}, {}, {"李娜"});
  EXPECT_DOUBLE_EQ(score_match(x, y).score, best_score_with_similar_name(0.8))
      << "the bound is what score_match gives";
}

TEST(MatchKeys, BlankValuesNeverAgree) {
  MatchKeys a = make_match_keys("", {"", "not a phone"}, {""}, {""});
  EXPECT_TRUE(a.phones.empty());
  EXPECT_TRUE(a.emails.empty());
  EXPECT_TRUE(a.contacts.empty());
  EXPECT_DOUBLE_EQ(score_match(a, a).score, 0.0);
}

}  // namespace
}  // namespace crm
