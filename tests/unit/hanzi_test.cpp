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

#include <unicode/translit.h>
#include <unicode/unistr.h>

namespace crm {
namespace {

// What pinyin_of computed before it kept each character's reading: the
// whole text, every CJK character between spaces, through one
// transliteration.  The cache is right only if no rule reads a CJK
// character's neighbours; this checks it over the whole unified block, in
// runs of 40 characters.
std::string whole_text_reading(const std::string& utf8) {
  UErrorCode st = U_ZERO_ERROR;
  static std::unique_ptr<icu::Transliterator> t(
      icu::Transliterator::createInstance("Han-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, st));
  icu::UnicodeString in = icu::UnicodeString::fromUTF8(utf8), spaced;
  for (int32_t i = 0; i < in.length(); i = in.moveIndex32(i, 1)) {
    const UChar32 c = in.char32At(i);
    if (c >= 0x2E80) spaced.append(static_cast<UChar>(' '));
    spaced.append(c);
    if (c >= 0x2E80) spaced.append(static_cast<UChar>(' '));
  }
  t->transliterate(spaced);
  std::string latin, full;
  spaced.toUTF8String(latin);
  for (char c : latin)
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) full += c;
  return full;
}

TEST(Hanzi, CachedReadingsEqualWholeTextTransliteration) {
  int checked = 0;
  for (UChar32 first = 0x4E00; first <= 0x9FFF; first += 40) {
    icu::UnicodeString run;
    for (UChar32 c = first; c < first + 40 && c <= 0x9FFF; ++c) run.append(c);
    std::string utf8;
    run.toUTF8String(utf8);
    // Simplified first, as pinyin_of does, so that both read the same text
    // (a run of consecutive code points holds none of the words whose
    // reading pinyin_of corrects).
    ASSERT_EQ(pinyin_of(utf8).full, whole_text_reading(to_simplified(utf8)))
        << "the run from U+" << std::hex << first;
    ++checked;
  }
  EXPECT_EQ(checked, (0x9FFF - 0x4E00) / 40 + 1);
}

}  // namespace
}  // namespace crm

namespace crm {
namespace {

std::string utf8_of(const std::vector<UChar32>& cps) {
  icu::UnicodeString u;
  for (UChar32 c : cps) u.append(c);
  std::string out;
  u.toUTF8String(out);
  return out;
}

// to_simplified skips OpenCC for text none of whose characters the
// dictionaries change.  Every character of the CJK blocks, alone and in
// runs, and seeded random mixtures with traditional phrases, must convert
// exactly as OpenCC converts them.
TEST(Hanzi, SkippingUnchangedTextAgreesWithOpenCC) {
  const std::pair<UChar32, UChar32> blocks[] = {
      {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}, {0x3000, 0x303F}, {0xFF00, 0xFFEF}};
  std::vector<UChar32> all;
  int unchanged = 0;
  for (auto [from, to] : blocks) {
    for (UChar32 c = from; c <= to; ++c) {
      const std::string one = utf8_of({c});
      const std::string expected = opencc_t2s(one);
      ASSERT_EQ(to_simplified(one), expected) << "U+" << std::hex << c;
      if (expected == one) ++unchanged;
      all.push_back(c);
    }
  }
  EXPECT_GT(unchanged, 20000) << "most characters are their own simplified form";
  for (std::size_t i = 0; i < all.size(); i += 40) {
    std::vector<UChar32> run(
        all.begin() + static_cast<std::ptrdiff_t>(i),
        all.begin() + static_cast<std::ptrdiff_t>(std::min(i + 40, all.size())));
    const std::string text = utf8_of(run);
    ASSERT_EQ(to_simplified(text), opencc_t2s(text)) << "the run from U+" << std::hex << run[0];
  }
  // Phrases whose conversion differs from their characters' (乾隆 keeps 乾,
  // 著作 stays, 頭髮 → 头发), inside simplified text, and random strings.
  const char* phrases[] = {"乾隆", "乾坤", "著作", "頭髮", "理髮", "於是", "瞭解", "皇后",
                           "后妃", "鬆弛", "麵包", "乾燥", "檯面", "夥伴", "佔有", "一齣"};
  for (const char* p : phrases) {
    const std::string text = std::string("北京") + p + "科技有限公司";
    EXPECT_EQ(to_simplified(text), opencc_t2s(text)) << text;
  }
  std::uint32_t seed = 20261206;
  auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
  for (int i = 0; i < 20000; ++i) {
    std::vector<UChar32> cps;
    for (std::uint32_t n = 2 + next() % 6; n > 0; --n) cps.push_back(all[next() % all.size()]);
    const std::string text = utf8_of(cps);
    ASSERT_EQ(to_simplified(text), opencc_t2s(text)) << text;
  }
}

}  // namespace
}  // namespace crm
