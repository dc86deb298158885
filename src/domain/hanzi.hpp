// Chinese text for matching and search: traditional → simplified (OpenCC's
// t2s dictionaries) and pinyin (ICU's Han-Latin transliteration, with a few
// readings of company-name words corrected).  Both are pure functions of
// their input; both are safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// Traditional characters and phrases as simplified ones ("華為技術" →
// "华为技术"); other text unchanged.  Precondition: valid UTF-8.
std::string to_simplified(std::string_view text);

// OpenCC's t2s conversion of the whole text, without to_simplified's check
// that skips text none of whose characters the dictionaries change (the
// tests compare the two).
std::string opencc_t2s(std::string_view text);

struct Pinyin {
  // Syllables without tones or separators, lower case: "华为技术" →
  // "huaweijishu".  Latin letters and digits in the input are kept (lower
  // case); punctuation and spaces are dropped.
  std::string full;
  // The first letter of each syllable, Latin word or number, in order:
  // "华为技术" → "hwjs", "阿里巴巴ABC公司" → "albbags".
  std::string initials;
};

// Pinyin of simplified or traditional text.  Polyphonic characters get the
// reading ICU gives them, except in the words listed in hanzi.cpp (银行 is
// "yinhang", 长城 "changcheng", 厦门 "xiamen" ...).
Pinyin pinyin_of(std::string_view text);

}  // namespace crm
