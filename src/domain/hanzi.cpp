#include "domain/hanzi.hpp"

#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <opencc/Config.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/Dict.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Lexicon.hpp>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/error.hpp"

namespace crm {
namespace {

// OpenCC's t2s converter, and the code points its conversion can change.
// Most names are simplified Chinese already, and checking their characters
// against a table is a hundred times cheaper than converting them.
struct T2S {
  opencc::ConverterPtr converter;
  // For every dictionary entry (phrase or character) whose value differs
  // from its key: the key's characters where the two differ, or all of
  // them when their lengths differ.  OpenCC changes text only where a key
  // it matched has another value, so text holding none of these code
  // points converts to itself.
  std::vector<bool> changing;

  bool may_change(std::string_view text) const {
    const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
    const auto n = static_cast<std::int32_t>(text.size());
    for (std::int32_t i = 0; i < n;) {
      UChar32 c;
      U8_NEXT(p, i, n, c);
      if (c < 0 || static_cast<std::size_t>(c) >= changing.size() || changing[c]) return true;
    }
    return false;
  }
};

std::vector<UChar32> code_points(const std::string& s) {
  std::vector<UChar32> out;
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<std::int32_t>(s.size());
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    out.push_back(c);
  }
  return out;
}

T2S* load_t2s() {
  auto t = std::make_unique<T2S>();
  opencc::Config config;
  t->converter = config.NewFromFile("t2s.json");
  t->changing.assign(0x110000, false);
  auto mark = [&](const opencc::DictPtr& dict) {
    for (const auto& entry : *dict->GetLexicon()) {
      const std::vector<UChar32> key = code_points(entry->Key());
      const std::vector<UChar32> value = code_points(entry->GetDefault());
      for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] < 0) continue;
        if (key.size() != value.size() || key[i] != value[i]) t->changing[key[i]] = true;
      }
    }
  };
  for (const auto& conversion : t->converter->GetConversionChain()->GetConversions()) {
    const opencc::DictPtr dict = conversion->GetDict();
    if (auto group = std::dynamic_pointer_cast<opencc::DictGroup>(dict)) {
      for (const auto& d : group->GetDicts()) mark(d);
    } else {
      mark(dict);
    }
  }
  return t.release();
}

const T2S& t2s() {
  // Loading the dictionaries takes milliseconds: once per process.  Convert()
  // is const and keeps no state between calls.
  static const T2S* converter = [] {
    try {
      return load_t2s();
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
  const T2S& t = t2s();
  if (!t.may_change(text)) return std::string(text);
  return t.converter->Convert(std::string(text));
}

std::string opencc_t2s(std::string_view text) {
  if (text.empty()) return {};
  return t2s().converter->Convert(std::string(text));
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
