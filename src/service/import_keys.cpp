#include "service/import_keys.hpp"

#include "domain/customer_rules.hpp"
#include "domain/text.hpp"
#include "service/db.hpp"
#include "store/customer_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {

RowProblem problem_of(const Error& e) {
  if (e.fields().empty()) return {e.message_en(), e.message_zh()};
  RowProblem r;
  for (const auto& f : e.fields()) {
    r.en += (r.en.empty() ? "" : "; ") + f.message_en;
    r.zh += (r.zh.empty() ? "" : "；") + f.message_zh;
  }
  return r;
}

std::optional<RowProblem> unreadable_row(const CsvRecord& r, std::size_t columns, CsvEncoding enc) {
  if (r.unterminated)
    return RowProblem{"the file ends inside a quoted field (a quote is not closed)",
                      "文件在引号内结束（有未闭合的引号）"};
  if (!r.decoded)
    return RowProblem{
        "row is not valid " + std::string(csv_encoding_name(enc)) +
            " text (declare the file's encoding?)",
        "该行不是有效的 " + std::string(csv_encoding_name(enc)) + " 文本（请指定正确的文件编码）"};
  if (r.has_nul) return RowProblem{"row contains a NUL byte", "该行含有空字符（NUL）"};
  for (const auto& f : r.fields)
    if (f.find("\xEF\xBB\xBF") != std::string::npos)
      return RowProblem{"a byte-order mark inside the row (two files joined together?)",
                        "行内出现字节序标记（BOM），可能是两个文件拼接而成"};
  if (r.fields.size() != columns)
    return RowProblem{"row has " + std::to_string(r.fields.size()) + " fields, the header " +
                          std::to_string(columns),
                      "该行有 " + std::to_string(r.fields.size()) + " 列，表头有 " +
                          std::to_string(columns) + " 列"};
  return std::nullopt;
}

void refuse_file(const std::vector<std::string>& en, const std::vector<std::string>& zh,
                 const std::string& what_en, const std::string& what_zh) {
  std::string m_en, m_zh;
  for (std::size_t i = 0; i < en.size(); ++i) {
    m_en += (i ? "; " : "") + en[i];
    m_zh += (i ? "；" : "") + zh[i];
  }
  throw Error(Status::invalid_arg, "cannot " + what_en + ": " + m_en,
              "无法" + what_zh + "：" + m_zh);
}

HeaderColumns resolve_header_row(const std::vector<std::string>& headers,
                                 const std::vector<std::pair<std::string, std::string>>& mapping,
                                 const HeaderRules& rules, std::vector<std::string>& en,
                                 std::vector<std::string>& zh) {
  HeaderColumns out;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    HeaderCell h{headers[i], normalize_text(headers[i], TextMode::prose)};
    const std::string& name = rules.map_normalised ? h.text : h.raw;
    std::string field;
    bool mapped = false;
    for (const auto& [from, to] : mapping)
      if (from == name) {
        if (!to.empty()) field = rules.mapped(h, to, en, zh);
        mapped = true;
        break;
      }
    if (!mapped && !is_error_column(h.text)) field = rules.named(h, en, zh);
    if (!field.empty()) {
      auto [it, fresh] = out.first.emplace(field, i);
      if (!fresh) rules.repeated(out.cells[it->second], it->second, h, i, field, en, zh);
    }
    out.cells.push_back(std::move(h));
    out.fields.push_back(std::move(field));
  }
  return out;
}

std::optional<std::int64_t> find_customer_by_key(Session& s, const std::string& key,
                                                 const std::string& text) {
  if (key == "id") {
    auto k = store::parse_human_id(text);
    if (!k || !store::customer_owner(s.db().conn(), *k)) return std::nullopt;
    return k;
  }
  Record one;
  one.set(key, text);
  Normalized n =
      normalize_fields("customer", one, nullptr, s.db().dictionaries(), &s.db().custom_fields());
  if (!n.errors.empty()) throw_validation(std::move(n.errors));
  const std::string v = n.values.text(key);
  if (v.empty()) return std::nullopt;
  return store::find_customer_by(s.db().conn(), key, v);
}

UserLookup::UserLookup(Session& s, bool include_inactive) {
  for (const auto& u : store::list_users(s.db().conn())) {
    if (!u.active && !include_inactive) continue;
    by_text_[std::to_string(u.id)] = u.id;
    by_text_[u.login] = u.id;
    auto [it, fresh] = by_text_.emplace(u.name, u.id);
    if (!fresh && it->second != u.id) it->second = 0;  // two users share the name
  }
}

std::optional<std::int64_t> UserLookup::find(const std::string& text) const {
  auto it = by_text_.find(text);
  if (it == by_text_.end() || it->second == 0) return std::nullopt;
  return it->second;
}

}  // namespace crm
