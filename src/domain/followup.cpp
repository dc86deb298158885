#include "domain/followup.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "domain/error.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/work_calendar.hpp"

namespace crm {
namespace {

Error bad(const std::string& en, const std::string& zh) {
  return Error(Status::invalid_arg, en, zh);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 40) return std::nullopt;
  std::string buf(s);
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<Cadence> parse_cadence(std::string_view text) {
  std::string t = ascii_lower(normalize_text(text, TextMode::structured));
  std::string_view s = t;
  std::size_t digits = 0;
  while (digits < s.size() && digits < 4 && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  int count = std::atoi(std::string(s.substr(0, digits)).c_str());
  std::string_view unit = trim(s.substr(digits));
  Cadence c;
  c.count = count;
  if (unit == "d" || unit == "day" || unit == "days" || unit == "天")
    c.unit = Cadence::Unit::day;
  else if (unit == "w" || unit == "week" || unit == "weeks" || unit == "周")
    c.unit = Cadence::Unit::week;
  else if (unit == "m" || unit == "month" || unit == "months" || unit == "月" || unit == "个月")
    c.unit = Cadence::Unit::month;
  else
    return std::nullopt;
  int max = c.unit == Cadence::Unit::day ? 366 : c.unit == Cadence::Unit::week ? 52 : 12;
  if (count < 1 || count > max) return std::nullopt;
  return c;
}

std::string format_cadence(const Cadence& c) {
  const char* u = c.unit == Cadence::Unit::day ? "d" : c.unit == Cadence::Unit::week ? "w" : "m";
  return std::to_string(c.count) + u;
}

std::string describe_cadence_zh(const Cadence& c) {
  const char* u = c.unit == Cadence::Unit::day    ? "天"
                  : c.unit == Cadence::Unit::week ? "周"
                                                  : "个月";
  if (c.count == 1) return std::string("每") + (c.unit == Cadence::Unit::month ? "月" : u) + "一次";
  return "每" + std::to_string(c.count) + u + "一次";
}

std::string describe_cadence_en(const Cadence& c) {
  const char* u = c.unit == Cadence::Unit::day    ? "day"
                  : c.unit == Cadence::Unit::week ? "week"
                                                  : "month";
  if (c.count == 1) return std::string("every ") + u;
  return "every " + std::to_string(c.count) + " " + u + "s";
}

date::year_month_day next_due_date(date::year_month_day last, const Cadence& c) {
  switch (c.unit) {
    case Cadence::Unit::day:
      return date::year_month_day{date::sys_days(last) + date::days{c.count}};
    case Cadence::Unit::week:
      return date::year_month_day{date::sys_days(last) + date::days{7 * c.count}};
    case Cadence::Unit::month:
      return add_months(last, c.count);
  }
  return last;
}

// ---------------------------------------------------------------------------

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::vector<Threshold> parse_thresholds(std::string_view text,
                                        const std::vector<std::string>& tier_order) {
  std::vector<Threshold> out;
  std::size_t last_pos = 0;
  std::string all(text);
  for (const char* wide : {"，", "；"})
    for (std::size_t at = all.find(wide); at != std::string::npos; at = all.find(wide, at))
      all.replace(at, 3, ",");
  std::size_t start = 0;
  while (start <= all.size()) {
    std::size_t end = all.find_first_of(",;", start);
    std::string_view part =
        trim(std::string_view(all).substr(start, end == std::string::npos ? end : end - start));
    start = end == std::string::npos ? all.size() + 1 : end + 1;
    if (part.empty()) continue;
    std::size_t op = part.find(">=");
    std::size_t op_len = 2;
    if (op == std::string_view::npos) {
      op = part.find(':');
      op_len = 1;
    }
    if (op == std::string_view::npos)
      throw bad("threshold \"" + quote_value(part) + "\" is not TIER>=MIN (e.g. A>=100)",
                "阈值“" + quote_value(part) + "”应写作 等级>=下限（如 A>=100）");
    std::string tier(trim(part.substr(0, op)));
    auto min = parse_number(part.substr(op + op_len));
    auto it = std::find(tier_order.begin(), tier_order.end(), tier);
    if (it == tier_order.end())
      throw bad("threshold \"" + quote_value(part) + "\": no tier \"" + quote_value(tier) + "\"",
                "阈值“" + quote_value(part) + "”：客户等级“" + quote_value(tier) + "”不存在");
    if (!min)
      throw bad("threshold \"" + quote_value(part) + "\": the minimum is not a number",
                "阈值“" + quote_value(part) + "”：下限不是数值");
    std::size_t pos = static_cast<std::size_t>(it - tier_order.begin()) + 1;
    if (pos <= last_pos || (!out.empty() && *min >= out.back().min))
      throw bad(
          "threshold \"" + quote_value(part) +
              "\" is out of order: thresholds go from the best tier down, each minimum "
              "below the one before",
          "阈值“" + quote_value(part) + "”顺序有误：阈值须从最高等级往下排列，且下限逐级降低");
    last_pos = pos;
    out.push_back({tier, *min});
  }
  if (out.empty())
    throw bad("a criterion needs at least one threshold, e.g. \"A>=100,B>=30\"",
              "评估标准至少需要一个阈值，如“A>=100,B>=30”");
  return out;
}

std::string format_thresholds(const std::vector<Threshold>& t) {
  std::string out;
  for (const auto& x : t) out += (out.empty() ? "" : ",") + x.tier + ">=" + format_number(x.min);
  return out;
}

std::vector<FieldError> grading_input_errors(const std::vector<Criterion>& criteria,
                                             const std::vector<std::string>& given) {
  std::vector<FieldError> errors;
  auto has = [&](const std::string& name) {
    return std::find(given.begin(), given.end(), name) != given.end();
  };
  for (const auto& c : criteria) {
    if (has(c.name)) continue;
    FieldError e;
    e.field = c.name;
    e.code = "required";
    e.label_zh = c.label_zh;
    e.message_en = c.label_en + " is required";
    e.message_zh = c.label_zh + "为必填项";
    errors.push_back(std::move(e));
  }
  for (const auto& name : given) {
    bool known = std::any_of(criteria.begin(), criteria.end(),
                             [&](const Criterion& c) { return c.name == name; });
    if (!known) errors.push_back(field_error(nullptr, name, "unknown_field", quote_value(name)));
  }
  return errors;
}

Grade grade(const std::vector<Criterion>& criteria, const std::vector<std::string>& tier_order,
            const std::map<std::string, double>& values) {
  if (tier_order.empty() || criteria.empty())
    throw Error(Status::state, "grading needs at least one tier and one criterion",
                "客户分级至少需要一个等级和一项评估标准");
  std::vector<std::string> names;
  for (const auto& [name, v] : values)
    if (std::isfinite(v)) names.push_back(name);
  std::vector<FieldError> missing = grading_input_errors(criteria, names);
  if (!missing.empty()) throw_validation(std::move(missing));

  std::size_t worst = 0;
  Grade g;
  for (const auto& c : criteria) {
    double v = values.at(c.name);
    std::string tier = tier_order.back();
    const Threshold* reached = nullptr;
    for (const auto& t : c.thresholds)
      if (v >= t.min) {
        reached = &t;
        tier = t.tier;
        break;
      }
    std::size_t pos = static_cast<std::size_t>(
        std::find(tier_order.begin(), tier_order.end(), tier) - tier_order.begin());
    worst = std::max(worst, pos);
    std::string value = format_number(v) + (c.unit.empty() ? "" : " " + c.unit);
    std::string zh = c.label_zh + " " + value;
    std::string en = c.label_en + " " + value;
    if (reached) {
      zh += " ≥ " + format_number(reached->min) + " → " + tier;
      en += " >= " + format_number(reached->min) + " -> " + tier;
    } else {
      zh += " 未达任何阈值 → " + tier;
      en += " below every threshold -> " + tier;
    }
    g.reason_zh += (g.reason_zh.empty() ? "" : "；") + zh;
    g.reason_en += (g.reason_en.empty() ? "" : "; ") + en;
  }
  g.tier = tier_order[worst];
  g.reason_zh += "；综合评定 " + g.tier;
  g.reason_en += "; overall " + g.tier;
  return g;
}

// ---------------------------------------------------------------------------

namespace {

// Calls `on_name` for each placeholder and `on_text` for literal text.
template <class Name, class Text>
void scan_template(std::string_view tpl, Name on_name, Text on_text) {
  for (std::size_t i = 0; i < tpl.size(); ++i) {
    char ch = tpl[i];
    if (ch == '{' && i + 1 < tpl.size() && tpl[i + 1] == '{') {
      on_text('{');
      ++i;
    } else if (ch == '}' && i + 1 < tpl.size() && tpl[i + 1] == '}') {
      on_text('}');
      ++i;
    } else if (ch == '{') {
      std::size_t close = tpl.find('}', i);
      if (close == std::string_view::npos || close - i > 33)
        throw bad("template: \"{\" without its \"}\"", "消息模板：“{”缺少对应的“}”");
      on_name(tpl.substr(i + 1, close - i - 1));
      i = close;
    } else if (ch == '}') {
      throw bad("template: \"}\" without its \"{\" (write }} for a brace)",
                "消息模板：“}”缺少对应的“{”（字面括号请写 }}）");
    } else {
      on_text(ch);
    }
  }
}

Error unknown_placeholder(std::string_view name) {
  return bad("template: unknown placeholder {" + quote_value(name) + "}",
             "消息模板：未知占位符 {" + quote_value(name) + "}");
}

}  // namespace

std::string render_template(std::string_view tpl,
                            const std::map<std::string, std::string>& values) {
  std::string out;
  scan_template(
      tpl,
      [&](std::string_view name) {
        auto it = values.find(std::string(name));
        if (it == values.end()) throw unknown_placeholder(name);
        out += it->second;
      },
      [&](char c) { out += c; });
  return out;
}

void check_template(std::string_view tpl, const std::vector<std::string>& allowed) {
  scan_template(
      tpl,
      [&](std::string_view name) {
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
          throw unknown_placeholder(name);
      },
      [](char) {});
}

}  // namespace crm
