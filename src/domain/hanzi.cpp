#include "domain/hanzi.hpp"

#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <memory>
#include <mutex>
#include <opencc/SimpleConverter.hpp>
#include <unordered_map>
#include <utility>

#include "domain/error.hpp"

namespace crm {
namespace {

const opencc::SimpleConverter& t2s() {
  // Loading the dictionaries takes milliseconds: once per process.  Convert()
  // is const and keeps no state between calls.
  static const opencc::SimpleConverter* converter = [] {
    try {
      return new opencc::SimpleConverter("t2s.json");
    } catch (const std::exception& e) {
      throw Error(Status::internal,
                  std::string("cannot load OpenCC's t2s dictionaries: ") + e.what(),
                  std::string("无法加载 OpenCC 繁简转换词典：") + e.what());
    }
  }();
  return *converter;
}

// ICU transliterators are not meant to be shared between threads: each
// thread clones the one prototype.
icu::Transliterator& han_latin() {
  static std::once_flag once;
  static std::unique_ptr<icu::Transliterator> prototype;
  static UErrorCode created = U_ZERO_ERROR;
  std::call_once(once, [] {
    prototype.reset(icu::Transliterator::createInstance("Han-Latin; Latin-ASCII; Lower",
                                                        UTRANS_FORWARD, created));
  });
  if (U_FAILURE(created) || !prototype)
    throw Error(Status::internal,
                std::string("ICU has no Han-Latin transliterator: ") + u_errorName(created),
                std::string("ICU 缺少汉字转拼音转换器：") + u_errorName(created));
  thread_local std::unique_ptr<icu::Transliterator> mine(prototype->clone());
  return *mine;
}

// Words whose characters ICU reads one by one with the wrong reading for a
// company or place name.  Replaced by their pinyin before transliterating.
const std::pair<const char*, const char*> kReadings[] = {
    {"银行", " yin hang "},    {"行业", " hang ye "},    {"长城", " chang cheng "},
    {"长沙", " chang sha "},   {"长春", " chang chun "}, {"长安", " chang an "},
    {"长江", " chang jiang "}, {"厦门", " xia men "},    {"大厦", " da sha "},
    {"重庆", " chong qing "},  {"音乐", " yin yue "},    {"单县", " shan xian "},
};

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::string to_simplified(std::string_view text) {
  if (text.empty()) return {};
  return t2s().Convert(std::string(text));
}

Pinyin pinyin_of(std::string_view text) {
  std::string s = to_simplified(text);
  for (const auto& [word, reading] : kReadings) {
    for (std::size_t at = s.find(word); at != std::string::npos; at = s.find(word, at))
      s.replace(at, std::char_traits<char>::length(word), reading);
  }
  // ICU separates the syllables of neighbouring characters but not a
  // syllable from a Latin word or number next to it ("巴ABC" → "baabc"):
  // spaces around every CJK character keep each one a token of its own.
  // Each character is then read on its own, so its reading is computed
  // once per thread and kept (the transliterator costs tens of
  // microseconds a call; a company name has a dozen characters).
  thread_local std::unordered_map<UChar32, std::string> readings;
  const icu::UnicodeString in = icu::UnicodeString::fromUTF8(s);
  std::string latin;
  latin.reserve(s.size() * 2);
  for (int32_t i = 0; i < in.length(); i = in.moveIndex32(i, 1)) {
    const UChar32 c = in.char32At(i);
    if (c < 0x80) {
      latin += static_cast<char>(c);
      continue;
    }
    auto it = readings.find(c);
    if (it == readings.end()) {
      icu::UnicodeString one(c);
      han_latin().transliterate(one);
      std::string r;
      one.toUTF8String(r);
      if (readings.size() > 50000) readings.clear();  // bounded
      it = readings.emplace(c, std::move(r)).first;
    }
    const bool cjk = c >= 0x2E80;
    if (cjk) latin += ' ';
    latin += it->second;
    if (cjk) latin += ' ';
  }

  Pinyin out;
  bool in_token = false;
  for (char c : latin) {
    if (is_alnum(c)) {
      const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      out.full += lower;
      if (!in_token) out.initials += lower;
      in_token = true;
    } else {
      in_token = false;
    }
  }
  return out;
}

}  // namespace crm
