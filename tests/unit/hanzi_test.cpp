#include "domain/hanzi.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace crm {
namespace {

TEST(Hanzi, TraditionalBecomesSimplified) {
  EXPECT_EQ(to_simplified("華為技術有限公司"), "华为技术有限公司");
  EXPECT_EQ(to_simplified("臺灣"), "台湾");
  // Already simplified text, Latin and digits are unchanged.
  EXPECT_EQ(to_simplified("华为技术 ABC 123"), "华为技术 ABC 123");
  EXPECT_EQ(to_simplified(""), "");
}

TEST(Hanzi, PinyinFullAndInitials) {
  Pinyin p = pinyin_of("华为技术");
  EXPECT_EQ(p.full, "huaweijishu");
  EXPECT_EQ(p.initials, "hwjs");
  // Traditional input reads the same.
  EXPECT_EQ(pinyin_of("華為技術").full, "huaweijishu");
  // Latin words and numbers count as one syllable each; punctuation is dropped.
  p = pinyin_of("阿里巴巴（ABC）360公司");
  EXPECT_EQ(p.full, "alibabaabc360gongsi");
  EXPECT_EQ(p.initials, "albba3gs");
}

TEST(Hanzi, CompanyNameReadingsAreCorrected) {
  // ICU alone reads 行 as xing, 长 as zhang and 厦 as sha.
  EXPECT_EQ(pinyin_of("招商银行").full, "zhaoshangyinhang");
  EXPECT_EQ(pinyin_of("长城汽车").initials, "ccqc");
  EXPECT_EQ(pinyin_of("厦门航空").full, "xiamenhangkong");
}

TEST(Hanzi, SafeFromManyThreads) {
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&got, i] {
      for (int n = 0; n < 50; ++n) got[i] = pinyin_of("華為技術").initials;
    });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, "hwjs");
}

}  // namespace
}  // namespace crm
