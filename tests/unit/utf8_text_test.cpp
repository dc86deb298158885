#include <gtest/gtest.h>

#include <string>

#include "domain/text.hpp"
#include "domain/utf8.hpp"

namespace crm {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("abc"));
  EXPECT_TRUE(is_valid_utf8("杭州恒达精密机械有限公司"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600, four bytes
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST(Utf8, RejectsWhatLenientDecodersRepair) {
  EXPECT_FALSE(is_valid_utf8("\xC3\x28")) << "bad continuation byte";
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF")) << "overlong '/'";
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF")) << "overlong three-byte form";
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80")) << "UTF-16 surrogate";
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")) << "above U+10FFFF";
  EXPECT_FALSE(is_valid_utf8("\xE6\x9D")) << "truncated sequence";
  EXPECT_FALSE(is_valid_utf8(std::string("a\0b", 3))) << "NUL byte";
  EXPECT_FALSE(is_valid_utf8("\x80")) << "lone continuation byte";
  EXPECT_FALSE(is_valid_utf8("\xE4\x28\xA1")) << "CJK lead byte, bad second byte";
  EXPECT_FALSE(is_valid_utf8("\xE4\xB8\x28")) << "CJK lead byte, bad third byte";
  EXPECT_FALSE(is_valid_utf8("abcdefgh\xE4\xB8")) << "truncated after an ASCII run";
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF")) << "U+FFFF";
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF")) << "U+D7FF, just below the surrogates";
}

TEST(Utf8, CountsCharactersNotBytes) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("关键需求"), 4u);
  EXPECT_EQ(std::string("关键需求").size(), 12u);
}

TEST(NormalizeText, FullWidthBecomesAscii) {
  EXPECT_EQ(normalize_text("１３８１２３４５６７８"), "13812345678");
  EXPECT_EQ(normalize_text("ＡＢＣ公司"), "ABC公司");
}

TEST(NormalizeText, TrimsAndCollapsesAllKindsOfSpace) {
  EXPECT_EQ(normalize_text("  杭州   恒达  "), "杭州 恒达");
  EXPECT_EQ(normalize_text("\u3000杭州\u3000\u3000恒达\t\n"), "杭州 恒达");
  EXPECT_EQ(normalize_text("a\u200Bb"), "a b") << "zero-width space counts as a space";
  EXPECT_EQ(normalize_text("   "), "");
}

TEST(NormalizeText, CleanAsciiIsReturnedUnchanged) {
  EXPECT_EQ(normalize_text("wang@example.com"), "wang@example.com");
}

}  // namespace
}  // namespace crm

namespace crm {
namespace {

TEST(NormalizeText, ProseKeepsChinesePunctuationButFoldsFullWidthAlnum) {
  EXPECT_EQ(normalize_text("采购，希望（年内）完成！", TextMode::prose),
            "采购，希望（年内）完成！");
  EXPECT_EQ(normalize_text("ＡＢＣ１２３", TextMode::prose), "ABC123");
  EXPECT_EQ(normalize_text("采购，希望", TextMode::structured), "采购,希望")
      << "structured fields get full NFKC";
  EXPECT_EQ(normalize_text("ｗａｎｇ＠ｘｘ．ｃｏｍ", TextMode::structured), "wang@xx.com");
}

}  // namespace
}  // namespace crm

namespace crm {
namespace {

// Text that is already normal takes a fast path; these must still be changed.
TEST(NormalizeText, FastPathStillCatchesWhatNeedsChanging) {
  EXPECT_EQ(normalize_text("杭州\u00A0恒达", TextMode::prose), "杭州 恒达") << "no-break space";
  EXPECT_EQ(normalize_text("杭州\u2003恒达", TextMode::prose), "杭州 恒达") << "em space";
  EXPECT_EQ(normalize_text("Cafe\u0301公司", TextMode::prose), "Caf\u00e9公司") << "NFC composes";
  EXPECT_EQ(normalize_text("恒达\u3000", TextMode::prose), "恒达") << "trailing ideographic space";
  EXPECT_EQ(normalize_text("恒达１号", TextMode::prose), "恒达1号") << "full-width digit";
  EXPECT_EQ(normalize_text("杭州恒达精密机械有限公司", TextMode::prose),
            "杭州恒达精密机械有限公司");
  EXPECT_EQ(normalize_text("\uFEFF恒达", TextMode::prose), "恒达") << "byte-order mark";
}

}  // namespace
}  // namespace crm

#include <unicode/utf8.h>

namespace crm {
namespace {

std::string utf8_of(char32_t cp) {
  char buf[4];
  int32_t len = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buf), len, 4, static_cast<UChar32>(cp), error);
  return std::string(buf, static_cast<size_t>(len));
}

// The shortcuts in normalize_text (characters known to be stable, ICU's
// quick check) must give exactly what the full ICU path gives, for every
// character of the Basic Multilingual Plane, in both modes, inside a text
// and at its edges.
TEST(NormalizeText, FastPathMatchesIcuForEveryBmpCharacter) {
  ASSERT_EQ(utf8_of(0x4E2D), "中");
  ASSERT_EQ(utf8_of(0xFF0C), "，");
  ASSERT_EQ(normalize_text_reference("甲\u0600乙", TextMode::prose), "甲乙")
      << "the reference drops format characters";
  int checked = 0;
  for (char32_t cp = 0x20; cp <= 0xFFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const std::string ch = utf8_of(cp);
    for (const std::string& text : {"甲" + ch + "乙", ch + "甲", "甲" + ch, ch + ch}) {
      for (TextMode mode : {TextMode::prose, TextMode::structured}) {
        ASSERT_EQ(normalize_text(text, mode), normalize_text_reference(text, mode))
            << "U+" << std::hex << static_cast<unsigned>(cp) << " in \"" << text << "\", mode "
            << (mode == TextMode::prose ? "prose" : "structured");
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 400000);
}

}  // namespace
}  // namespace crm
