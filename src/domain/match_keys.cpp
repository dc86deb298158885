#include "domain/match_keys.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "domain/email.hpp"
#include "domain/hanzi.hpp"
#include "domain/phone.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"

namespace crm {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Chinese legal forms, longest first (matched after punctuation and spaces
// are gone).  分公司 is not among them: a branch is a customer of its own.
constexpr std::array<std::string_view, 10> kChineseSuffixes = {
    "集团股份有限公司", "集团有限责任公司", "股份有限公司", "有限责任公司", "集团有限公司",
    "有限公司",         "股份公司",         "总公司",       "集团",         "公司"};

// English legal forms, as whole words at the end ("Huawei Co., Ltd.").
constexpr std::array<std::string_view, 13> kEnglishSuffixes = {
    "co",  "ltd",     "limited", "inc", "incorporated", "corp",    "corporation",
    "llc", "company", "gmbh",    "plc", "group",        "holdings"};

// Provinces, autonomous regions, municipalities and major cities.
constexpr std::array<std::string_view, 88> kRegions = {
    "中国", "中华人民共和国", "北京",   "天津", "上海",     "重庆", "河北", "山西", "辽宁",
    "吉林", "黑龙江",         "江苏",   "浙江", "安徽",     "福建", "江西", "山东", "河南",
    "湖北", "湖南",           "广东",   "海南", "四川",     "贵州", "云南", "陕西", "甘肃",
    "青海", "台湾",           "内蒙古", "广西", "西藏",     "宁夏", "新疆", "香港", "澳门",
    "广州", "深圳",           "杭州",   "南京", "苏州",     "无锡", "宁波", "温州", "厦门",
    "福州", "泉州",           "济南",   "青岛", "烟台",     "成都", "武汉", "长沙", "郑州",
    "西安", "合肥",           "南昌",   "昆明", "贵阳",     "南宁", "海口", "沈阳", "大连",
    "长春", "哈尔滨",         "石家庄", "太原", "呼和浩特", "兰州", "西宁", "银川", "乌鲁木齐",
    "拉萨", "东莞",           "佛山",   "珠海", "中山",     "惠州", "常州", "南通", "徐州",
    "嘉兴", "金华",           "绍兴",   "台州", "潍坊",     "洛阳", "三亚"};

// What may follow a region's name, longest first.
constexpr std::array<std::string_view, 8> kRegionUnits = {
    "维吾尔自治区", "特别行政区", "壮族自治区", "回族自治区", "自治区", "地区", "省", "市"};

// The length of the region (with its unit) that `s` starts with, 0 if none.
std::size_t region_prefix(std::string_view s) {
  std::size_t best = 0;
  for (auto r : kRegions)
    if (r.size() > best && starts_with(s, r)) best = r.size();
  if (best == 0) return 0;
  std::string_view rest = s.substr(best);
  for (auto u : kRegionUnits)
    if (starts_with(rest, u)) return best + u.size();
  return best;
}

// True if `s` is nothing but regions ("深圳", "广东省深圳市").
bool only_regions(std::string_view s) {
  if (s.empty()) return false;
  while (!s.empty()) {
    std::size_t n = region_prefix(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

// Letters and digits lower-cased; everything else (punctuation, symbols,
// spaces) becomes one space.
std::string fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<std::int32_t>(s.size());
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) continue;
    if (c < 0x80) {
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
        out += static_cast<char>(c);
      } else if (c >= 'A' && c <= 'Z') {
        out += static_cast<char>(c - 'A' + 'a');
      } else if (!out.empty() && out.back() != ' ') {
        out += ' ';
      }
      continue;
    }
    if (u_isalnum(c)) {
      c = u_tolower(c);
      char buf[4];
      std::int32_t len = 0;
      U8_APPEND_UNSAFE(buf, len, c);
      out.append(buf, static_cast<std::size_t>(len));
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Parenthesised notes: one that names only a region is dropped, any other
// is kept without its brackets (after NFKC, （） are ASCII).
std::string drop_region_notes(std::string_view s) {
  if (s.find('(') == std::string_view::npos) return std::string(s);
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '(') {
      out += s[i++];
      continue;
    }
    std::size_t close = s.find(')', i + 1);
    if (close == std::string_view::npos) {
      out.append(s.substr(i + 1));
      break;
    }
    std::string note = fold(s.substr(i + 1, close - i - 1));
    note.erase(std::remove(note.begin(), note.end(), ' '), note.end());
    if (!only_regions(note)) out += " " + note + " ";
    i = close + 1;
  }
  return out;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    auto sp = s.find(' ');
    if (sp != 0) out.push_back(s.substr(0, sp));
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

// The distinct character bigrams of a key, each as two code points in one
// integer, sorted; a one-character key is its own bigram.  Keys longer than
// kMaxBigrams characters are compared on their first kMaxBigrams bigrams.
// No allocation: this runs for every neighbouring pair of names.
constexpr std::size_t kMaxBigrams = 128;
std::size_t bigrams(std::string_view key, std::array<std::uint64_t, kMaxBigrams>& out) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(key.data());
  const auto n = static_cast<std::int32_t>(key.size());
  std::size_t count = 0, cps = 0;
  std::uint64_t prev = 0;
  for (std::int32_t i = 0; i < n && count < kMaxBigrams;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) continue;
    if (cps++ > 0) out[count++] = (prev << 21) | static_cast<std::uint64_t>(c);
    prev = static_cast<std::uint64_t>(c);
  }
  if (cps == 1) out[count++] = prev;
  std::sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(count));
  return static_cast<std::size_t>(
      std::unique(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(count)) - out.begin());
}

void sort_unique(std::vector<std::string>& v) {
  v.erase(std::remove(v.begin(), v.end(), std::string()), v.end());
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

bool intersects(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  auto i = a.begin(), j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i == *j) return true;
    if (*i < *j)
      ++i;
    else
      ++j;
  }
  return false;
}

constexpr double kSameKeyWeight = 0.7;      // name, phone, e-mail
constexpr double kSimilarNameWeight = 0.6;  // times the similarity
constexpr double kSameContactWeight = 0.3;

}  // namespace

std::string name_key(std::string_view name) {
  if (!is_valid_utf8(name)) return "";
  std::string text = to_simplified(normalize_text(name, TextMode::structured));
  std::string folded = fold(drop_region_notes(text));

  // English legal forms are whole words at the end; keep at least one word.
  std::vector<std::string_view> ws = words(folded);
  while (ws.size() > 1 && std::find(kEnglishSuffixes.begin(), kEnglishSuffixes.end(), ws.back()) !=
                              kEnglishSuffixes.end())
    ws.pop_back();
  std::string key;
  for (auto w : ws) key += w;

  std::string_view s = key;
  for (bool changed = true; changed && !ends_with(s, "分公司");) {
    changed = false;
    for (auto suf : kChineseSuffixes)
      if (s.size() > suf.size() && ends_with(s, suf)) {
        s.remove_suffix(suf.size());
        changed = true;
        break;
      }
  }
  // Region prefixes, as long as something is left.
  for (std::size_t n = region_prefix(s); n > 0 && n < s.size(); n = region_prefix(s))
    s.remove_prefix(n);
  // "华为技术深圳" (from "华为技术（深圳）" written without brackets) is not
  // folded: a region inside a name may be part of it.
  return std::string(s);
}

std::string phone_key(std::string_view phone) {
  if (!is_valid_utf8(phone)) return "";
  std::string text = normalize_text(phone, TextMode::structured);
  if (text.empty()) return "";
  PhoneCheck c = check_phone(text);
  return c.ok ? c.e164 : "";
}

std::string email_key(std::string_view email) {
  if (!is_valid_utf8(email)) return "";
  std::string text = normalize_text(email, TextMode::structured);
  std::string checked;
  if (text.empty() || !check_email(text, checked)) return "";
  return ascii_lower(checked);
}

std::string contact_key(std::string_view name) {
  if (!is_valid_utf8(name)) return "";
  std::string text = ascii_lower(normalize_text(name, TextMode::prose));
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  return text;
}

double name_similarity(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 1;
  std::array<std::uint64_t, kMaxBigrams> x, y;
  const std::size_t nx = bigrams(a, x), ny = bigrams(b, y);
  std::size_t common = 0;
  for (std::size_t i = 0, j = 0; i < nx && j < ny;) {
    if (x[i] == y[j]) {
      ++common;
      ++i;
      ++j;
    } else if (x[i] < y[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return 2.0 * static_cast<double>(common) / static_cast<double>(nx + ny);
}

MatchKeys make_match_keys(std::string_view name, const std::vector<std::string>& phones,
                          const std::vector<std::string>& emails,
                          const std::vector<std::string>& contacts) {
  MatchKeys k;
  k.name = name_key(name);
  for (const auto& p : phones) k.phones.push_back(phone_key(p));
  for (const auto& e : emails) k.emails.push_back(email_key(e));
  for (const auto& c : contacts) k.contacts.push_back(contact_key(c));
  sort_unique(k.phones);
  sort_unique(k.emails);
  sort_unique(k.contacts);
  return k;
}

MatchScore score_match(const MatchKeys& a, const MatchKeys& b) {
  MatchScore m;
  double keep = 1;  // Π(1 − w)
  auto agree = [&](const char* reason, double w) {
    m.reasons.emplace_back(reason);
    keep *= 1 - w;
  };
  m.name_similarity = name_similarity(a.name, b.name);
  if (!a.name.empty() && a.name == b.name)
    agree("same_name", kSameKeyWeight);
  else if (m.name_similarity >= kSimilarNameMin)
    agree("similar_name", kSimilarNameWeight * m.name_similarity);
  if (intersects(a.phones, b.phones)) agree("same_phone", kSameKeyWeight);
  if (intersects(a.emails, b.emails)) agree("same_email", kSameKeyWeight);
  if (intersects(a.contacts, b.contacts)) agree("same_contact", kSameContactWeight);
  m.score = 1 - keep;
  return m;
}

double best_score_with_similar_name(double similarity) {
  if (similarity < kSimilarNameMin) return 0;
  return 1 - (1 - kSimilarNameWeight * similarity) * (1 - kSameContactWeight);
}

std::string join_reasons(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) out += (out.empty() ? "" : ",") + r;
  return out;
}

}  // namespace crm
