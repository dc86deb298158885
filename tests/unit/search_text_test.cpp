#include "domain/search_text.hpp"

#include <gtest/gtest.h>

namespace crm {
namespace {

TEST(SearchText, KeysAreSimplifiedLowerCaseWithPinyin) {
  SearchKeys k = search_keys("華為技術 ABC 有限公司");
  EXPECT_EQ(k.name, "华为技术 abc 有限公司");
  EXPECT_EQ(k.pinyin, "huaweijishuabcyouxiangongsi");
  EXPECT_EQ(k.initials, "hwjsayxgs");
}

TEST(SearchText, FullWidthLettersFoldToAscii) {
  EXPECT_EQ(search_keys("ＡＢＣ科技有限公司").name, "abc科技有限公司");
  EXPECT_EQ(search_terms("ＨＷ").latin, "hw");
}

TEST(SearchText, LatinQueriesDropSpacesForPinyin) {
  SearchTerms t = search_terms("  Hua Wei ");
  EXPECT_EQ(t.name, "hua wei") << "trimmed, lower case";
  EXPECT_EQ(t.latin, "huawei");
  EXPECT_EQ(search_terms("hw3").latin, "hw3");
}

TEST(SearchText, HanQueriesHaveNoLatinForm) {
  SearchTerms t = search_terms("華為");
  EXPECT_EQ(t.name, "华为");
  EXPECT_EQ(t.latin, "") << "Chinese text is matched against names only";
  EXPECT_EQ(search_terms("华为 hw").latin, "") << "mixed text is a name query";
  EXPECT_EQ(search_terms("a-b").latin, "") << "punctuation makes it a name query";
}

TEST(SearchText, BlankQueryIsEmpty) {
  EXPECT_EQ(search_terms(" \t　").name, "");
  EXPECT_EQ(search_terms("").latin, "");
}

}  // namespace
}  // namespace crm
