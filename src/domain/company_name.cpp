#include "domain/company_name.hpp"

#include <algorithm>
#include <array>

#include "domain/text.hpp"
#include "domain/utf8.hpp"

namespace crm {
namespace {

// The names are checked against ~90 words on every create, so each test
// first compares one discriminating byte: the last byte of a suffix (for
// CJK text a continuation byte, one of 64 values), the second byte of a
// prefix (the first is one of a handful of lead bytes).
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.back() == suffix.back() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && (prefix.size() < 2 || s[1] == prefix[1]) &&
         s.compare(0, prefix.size(), prefix) == 0;
}

// Longer forms first so that the longest match is removed.  Matched against
// the name with its spaces removed, so written without spaces.
constexpr std::array<std::string_view, 15> kLegalSuffixes = {
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "分公司",
    "总公司",       "集团",         "公司",         "co.,ltd.", "co.ltd.",
    "ltd.",         "ltd",          "inc.",         "corp.",    "limited"};

constexpr std::array<std::string_view, 32> kGenericWords = {
    "科技", "技术", "信息", "网络", "贸易", "实业", "发展", "制造",   "工业", "商贸", "电子",
    "软件", "咨询", "服务", "管理", "投资", "控股", "国际", "新材料", "机械", "工程", "建设",
    "物流", "医疗", "教育", "文化", "传媒", "智能", "数字", "能源",   "股份", "产业"};

constexpr std::array<std::string_view, 44> kRegions = {
    "中国", "北京", "上海", "天津", "重庆", "广东", "广州", "深圳", "浙江",   "杭州", "江苏",
    "南京", "苏州", "山东", "济南", "青岛", "四川", "成都", "湖北", "武汉",   "湖南", "长沙",
    "河南", "郑州", "河北", "福建", "厦门", "福州", "安徽", "合肥", "陕西",   "西安", "辽宁",
    "沈阳", "大连", "江西", "云南", "广西", "贵州", "山西", "吉林", "黑龙江", "宁波", "东莞"};

constexpr std::array<std::string_view, 12> kPlaceholders = {
    "某", "xx", "××", "*", "＊", "?", "？", "未知", "待定", "不详", "测试客户", "样例"};

// Remove "(北京)" and "（中国）"-style parenthesised notes, ASCII or full-width.
std::string drop_parenthesised(std::string_view s) {
  static constexpr std::string_view kOpenWide = "（", kCloseWide = "）";
  if (s.find('(') == std::string_view::npos && s.find(kOpenWide) == std::string_view::npos)
    return std::string(s);
  std::string out;
  int depth = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '(' || s.substr(i, kOpenWide.size()) == kOpenWide) {
      ++depth;
      i += s[i] == '(' ? 1 : kOpenWide.size();
    } else if (s[i] == ')' || s.substr(i, kCloseWide.size()) == kCloseWide) {
      if (depth > 0) --depth;
      i += s[i] == ')' ? 1 : kCloseWide.size();
    } else {
      if (depth == 0) out += s[i];
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string check_company_name(std::string_view name) {
  if (utf8_length(name) < 4) return "too_short";
  const std::string lower = ascii_lower(name);
  for (auto p : kPlaceholders)
    if (lower.find(p) != std::string::npos) return "vague_name";

  // What is left once notes in parentheses and spaces are taken out.
  std::string compact = drop_parenthesised(lower);
  compact.erase(std::remove(compact.begin(), compact.end(), ' '), compact.end());
  std::string_view s = compact;
  for (bool changed = true; changed && !s.empty();) {
    changed = false;
    for (auto suf : kLegalSuffixes) {
      if (ends_with(s, suf)) {
        s.remove_suffix(suf.size());
        changed = true;
      }
    }
    for (auto w : kGenericWords)
      if (ends_with(s, w)) {
        s.remove_suffix(w.size());
        changed = true;
      }
  }
  for (bool changed = true; changed && !s.empty();) {
    changed = false;
    for (auto r : kRegions) {
      if (starts_with(s, r)) {
        s.remove_prefix(r.size());
        for (std::string_view unit : {"省", "市", "区"})
          if (starts_with(s, unit)) s.remove_prefix(unit.size());
        changed = true;
      }
    }
  }
  std::string_view core = s;
  while (!core.empty() && (core.front() == ',' || core.front() == '.')) core.remove_prefix(1);
  if (core.empty()) return "vague_name";
  return "";
}

}  // namespace crm
