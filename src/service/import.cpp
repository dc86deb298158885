#include "service/import.hpp"

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "domain/custom_fields.hpp"
#include "domain/customer_rules.hpp"
#include "domain/field_registry.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "service/custom_fields.hpp"
#include "service/customers.hpp"
#include "service/db.hpp"
#include "service/duplicates.hpp"
#include "service/import_keys.hpp"
#include "service/tags.hpp"
#include "store/customer_repo.hpp"
#include "store/tag_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

constexpr const char* kEntity = "customer";
constexpr std::size_t kMaxReportedErrors = 100;

Error bad_option(const std::string& en, const std::string& zh) {
  return Error(Status::invalid_arg, en, zh);
}

bool ascii_only(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// What one column of the file feeds.
struct Column {
  std::string header;  // as in the file (UTF-8)
  std::string field;   // registry name, "custom.<name>", "tags", "id"; "" = skipped
};

// A customer file's columns: writable customer fields, live custom fields,
// "tags" and "id".  Messages quote the header as in the file.
HeaderRules customer_header_rules(Session& s) {
  HeaderRules rules;
  rules.mapped = [&s](const HeaderCell& h, const std::string& f, std::vector<std::string>& en,
                      std::vector<std::string>& zh) -> std::string {
    if (f == "tags" || f == "id") return f;
    if (f.rfind("custom.", 0) == 0) {
      if (s.db().custom_fields().find(f)) return f;
    } else if (const FieldDef* d = find_field(kEntity, f); d && !(d->flags & kReadOnly)) {
      return f;
    }
    en.push_back("the mapping sends \"" + h.raw + "\" to \"" + f +
                 "\", which is not a writable customer field");
    zh.push_back("映射把“" + h.raw + "”指向“" + f + "”，这不是可写入的客户字段");
    return "";
  };
  rules.named = [&s](const HeaderCell& h, std::vector<std::string>& en,
                     std::vector<std::string>& zh) -> std::string {
    const std::string lower = ascii_lower(h.text);
    if (lower == "tags" || h.text == "标签") return "tags";
    for (const auto& cf : s.db().custom_fields().all()) {
      if (!cf.live || cf.retired) continue;
      if (h.text == cf.name || h.text == cf.qualified || h.text == cf.label_zh ||
          lower == ascii_lower(cf.label_en))
        return cf.qualified;
    }
    if (const FieldDef* d = resolve_field(kEntity, h.text)) {
      if (std::string_view(d->name) == "id") return "id";
      if (!(d->flags & kReadOnly)) return d->name;
      en.push_back("column \"" + h.raw + "\" is " + d->name +
                   ", which the library maintains and an import cannot set");
      zh.push_back("列“" + h.raw + "”是由系统维护的字段 " + d->name + "，不能导入");
      return "";
    }
    if (h.text.empty()) {
      en.push_back("a column has no header");
      zh.push_back("有一列没有表头");
    } else {
      en.push_back("unknown column \"" + h.raw + "\"");
      zh.push_back("未知的列“" + h.raw + "”");
    }
    return "";
  };
  rules.repeated = [](const HeaderCell& first, std::size_t i, const HeaderCell& again,
                      std::size_t j, const std::string& field, std::vector<std::string>& en,
                      std::vector<std::string>& zh) {
    en.push_back("columns " + std::to_string(i + 1) + " (\"" + first.raw + "\") and " +
                 std::to_string(j + 1) + " (\"" + again.raw + "\") are both " + field);
    zh.push_back("第 " + std::to_string(i + 1) + " 列（“" + first.raw + "”）与第 " +
                 std::to_string(j + 1) + " 列（“" + again.raw + "”）是同一字段 " + field);
  };
  return rules;
}

enum class Outcome { inserted, updated, unchanged, duplicate, pending, rejected };

// One import's state.
class Importer {
 public:
  Importer(Session& s, const ImportOptions& o) : s_(s), o_(o) {}

  void set_columns(std::vector<Column> cols) { cols_ = std::move(cols); }
  const std::string& key() const { return key_; }
  void set_key(std::string k) { key_ = std::move(k); }

  Outcome row(const CsvRecord& r, RowProblem& why) {
    if (auto problem = unreadable_row(r, cols_.size(), enc_)) {
      why = *problem;
      return Outcome::rejected;
    }
    Record input;
    std::vector<std::pair<std::string, std::string>> tags;
    std::string key_text;
    std::optional<RowProblem> owner_problem;
    for (std::size_t i = 0; i < cols_.size(); ++i) {
      const std::string& field = cols_[i].field;
      std::string v = normalize_text(r.fields[i], TextMode::prose);
      if (field.empty() || v.empty()) continue;
      if (field == key_) key_text = v;
      if (field == "id") continue;
      if (field == "tags") {
        split_tags(v, tags);
        continue;
      }
      if (field == "owner") {
        if (auto id = user_id(v)) {
          input.set("owner", *id);
          continue;
        }
        owner_problem = RowProblem{
            "owner: there is no active user \"" + v + "\" (give a login, a name or an id)",
            "负责人：不存在有效用户“" + v + "”（请填写登录名、姓名或用户编号）"};
        continue;
      }
      input.set(field, std::move(v));
    }
    if (owner_problem) {
      // Said together with whatever else is wrong with the row.
      why = *owner_problem;
      try {
        validated_new_customer(s_, input, s_.user_id());
      } catch (const Error& e) {
        const RowProblem more = problem_of(e);
        why.en += "; " + more.en;
        why.zh += "；" + more.zh;
      }
      return Outcome::rejected;
    }

    std::optional<std::int64_t> existing;
    if (!key_text.empty()) {
      try {
        existing = find_existing(key_text);
      } catch (const Error& e) {
        // A key that cannot be a value (a malformed phone) finds nobody; an
        // insert then reports it with every other failing field.
        if (o_.mode == ImportMode::update) {
          why = problem_of(e);
          return Outcome::rejected;
        }
      }
    }
    if (existing &&
        !s_.may(Perm::customer_read,
                CustomerRef{*existing, *store::customer_owner(s_.db().conn(), *existing)})) {
      // Another user's customer: neither written nor named.
      why = {"a customer with this " + key_ +
                 " exists that you may not see; ask its owner or "
                 "an administrator",
             "已存在相同" + key_label() + "的客户，但您无权查看；请联系其负责人或管理员"};
      return Outcome::rejected;
    }
    store::WriteTransaction row_tx(s_.db().conn());  // a savepoint: the row or nothing
    try {
      Outcome out;
      if (existing) {
        if (o_.mode == ImportMode::insert) {
          if (!would_change(*existing, input, tags)) return Outcome::unchanged;
          why = {"already exists as " + store::human_id(*existing) + " (same " + key_ +
                     "); not imported — use update or upsert to change it",
                 "已存在相同" + key_label() + "的客户 " + store::human_id(*existing) +
                     "，未导入；如需修改请用更新或更新插入模式"};
          return Outcome::duplicate;
        }
        const std::int64_t before = version_of(*existing);
        const std::int64_t after = update_customer(s_, *existing, input);
        const bool tagged = add_tags(*existing, tags);
        out = (after != before || tagged) ? Outcome::updated : Outcome::unchanged;
      } else {
        if (o_.mode == ImportMode::update) {
          why = {key_text.empty() ? "no " + key_ + " to find the customer by"
                                  : "no customer with " + key_ + " \"" + key_text + "\"",
                 key_text.empty() ? "缺少用于查找客户的" + key_label()
                                  : "找不到" + key_label() + "为“" + key_text + "”的客户"};
          return Outcome::rejected;
        }
        if (o_.mode != ImportMode::dry_run && key_ == "id") {
          why = {"no customer " + key_text +
                     " (ids are given by the library: import new "
                     "customers without the id column)",
                 "客户 " + key_text + " 不存在（客户编号由系统生成，新客户请不带编号导入）"};
          return Outcome::rejected;
        }
        if (!o_.insert_duplicates)
          if (auto like = looks_like(input)) {
            why = *like;
            return Outcome::duplicate;
          }
        const std::int64_t key = create_customer(s_, input);
        add_tags(key, tags);
        out = Outcome::inserted;
      }
      row_tx.commit();
      return out;
    } catch (const Error& e) {
      if (e.status() == Status::pending) {
        row_tx.commit();  // the pending change is kept for its reviewer
        return Outcome::pending;
      }
      why = problem_of(e);
      return Outcome::rejected;
    }
  }

 private:
 public:
  CsvEncoding enc_ = CsvEncoding::utf8;

 private:
  std::string key_label() const {
    const FieldDef* d = find_field(kEntity, key_);
    return d ? d->label_zh : key_;
  }

  std::optional<std::int64_t> find_existing(const std::string& text) {
    return find_customer_by_key(s_, key_, text);
  }

  // Why `input` looks like a customer already there, if it does.
  std::optional<RowProblem> looks_like(const Record& input) {
    Record f;
    for (const char* name : {"name", "phone", "email", "contact_name"})
      if (const Value* v = input.find(name)) f.set(name, *v);
    std::vector<Record> like;
    try {
      like = duplicates_of(s_, f, 0);
    } catch (const Error&) {
      return std::nullopt;  // a malformed value: validation will say so
    }
    // Held back: an exact agreement of a key (the same company name once
    // normalised, phone or e-mail).  Names that are only similar are for
    // the cleansing report to show, not for an import to refuse.
    const Record* strong = nullptr;
    for (const auto& r : like) {
      const std::string reasons = r.text("reasons");
      if (reasons.find("same_name") != std::string::npos ||
          reasons.find("same_phone") != std::string::npos ||
          reasons.find("same_email") != std::string::npos) {
        strong = &r;
        break;
      }
    }
    if (!strong) return std::nullopt;
    const Record& best = *strong;
    return RowProblem{"looks like " + best.text("customer") + " " + best.text("name") + " (" +
                          best.text("reasons") +
                          "); not imported — merge them, or import with duplicates allowed",
                      "疑似与已有客户 " + best.text("customer") + "（" + best.text("name") +
                          "）重复（" + best.text("reasons") +
                          "），未导入；请核对合并，或允许重复后导入"};
  }

  std::int64_t version_of(std::int64_t key) {
    auto row = store::load_customer(s_.db().conn(), key);
    return row ? std::get<std::int64_t>(*row->find("version")) : 0;
  }

  // Would writing `input` and `tags` change the customer?  Values are
  // compared as normalised for storage; fields the row leaves empty are not
  // compared.
  bool would_change(std::int64_t key, const Record& input,
                    const std::vector<std::pair<std::string, std::string>>& tags) {
    Record current = load_customer_or_throw(s_, key, Perm::customer_read);
    const CustomFieldSet& custom = s_.db().custom_fields();
    append_custom_values(s_, custom, current, key);
    Normalized n = normalize_fields(kEntity, input, &current, s_.db().dictionaries(), &custom);
    if (!n.errors.empty()) return true;
    for (const auto& [name, value] : n.values.entries()) {
      const Value* old = current.find(name);
      if (!old || *old != value) return true;
    }
    if (tags.empty()) return false;
    auto have = store::customer_tags(s_.db().conn(), key);
    for (const auto& [category, label] : tags) {
      bool found = false;
      for (const auto& t : have)
        if (t.label == label &&
            (category.empty() || t.category == category || category_label(t.category) == category))
          found = true;
      if (!found) return true;
    }
    return false;
  }

  std::string category_label(const std::string& code) {
    const auto* e = s_.db().dictionaries().find("tag_category", code);
    return e ? e->label_zh : code;
  }

  // Adds the tags the customer lacks; true if it added any.
  bool add_tags(std::int64_t key, const std::vector<std::pair<std::string, std::string>>& tags) {
    if (tags.empty()) return false;
    const auto before = store::customer_tags(s_.db().conn(), key).size();
    for (const auto& [category, label] : tags)
      tag_customer_by_label(s_, key, category, label, true);
    return store::customer_tags(s_.db().conn(), key).size() != before;
  }

  // "标签A;类别:标签B" → (category, label) pairs.  Separators ; ； , ， 、 |.
  static void split_tags(const std::string& v,
                         std::vector<std::pair<std::string, std::string>>& out) {
    std::string cur;
    auto flush = [&] {
      std::string t = normalize_text(cur, TextMode::prose);
      cur.clear();
      if (t.empty()) return;
      std::string category;
      std::size_t colon = t.find(':');
      std::size_t wide = t.find("：");
      if (wide != std::string::npos && (colon == std::string::npos || wide < colon)) {
        category = t.substr(0, wide);
        t = t.substr(wide + std::strlen("："));
      } else if (colon != std::string::npos) {
        category = t.substr(0, colon);
        t = t.substr(colon + 1);
      }
      out.emplace_back(normalize_text(category, TextMode::prose),
                       normalize_text(t, TextMode::prose));
    };
    for (std::size_t i = 0; i < v.size();) {
      static const char* const seps[] = {";", ",", "|", "；", "，", "、"};
      bool sep = false;
      for (const char* x : seps) {
        const std::size_t n = std::strlen(x);
        if (v.compare(i, n, x) == 0) {
          flush();
          i += n;
          sep = true;
          break;
        }
      }
      if (!sep) cur += v[i++];
    }
    flush();
  }

  std::optional<std::int64_t> user_id(const std::string& v) {
    if (!users_) users_.emplace(s_, false);
    return users_->find(v);
  }

  Session& s_;
  const ImportOptions& o_;
  std::vector<Column> cols_;
  std::string key_;
  std::optional<UserLookup> users_;
};

}  // namespace

std::optional<ImportMode> parse_import_mode(std::string_view s) {
  if (s == "dry_run") return ImportMode::dry_run;
  if (s == "insert") return ImportMode::insert;
  if (s == "update") return ImportMode::update;
  if (s == "upsert") return ImportMode::upsert;
  return std::nullopt;
}

std::vector<std::string> customer_csv_headers(Session& s, bool zh) {
  std::vector<std::string> out;
  for (const FieldDef& d : *fields_of(kEntity)) {
    if (d.flags & kReadOnly) continue;
    out.push_back(zh ? d.label_zh : d.name);
  }
  out.push_back(zh ? "标签" : "tags");
  for (const auto& cf : s.db().custom_fields().all())
    if (cf.live && !cf.retired) out.push_back(zh ? cf.label_zh : cf.qualified);
  return out;
}

ImportReport import_customers(Session& s, const SourceOpener& open, const ImportOptions& o) {
  if (o.batch_rows < 1 || o.batch_rows > 100000)
    throw bad_option("batch_rows must be between 1 and 100000", "每批行数须在 1 到 100000 之间");
  static const char* const kKeys[] = {"auto", "external_id", "id", "phone", "email", "name"};
  bool known_key = false;
  for (const char* k : kKeys) known_key = known_key || o.key == k;
  if (!known_key)
    throw bad_option(
        "unknown import key \"" + o.key + "\" (auto, external_id, id, phone, email or name)",
        "未知的导入匹配键“" + o.key + "”（可选 auto、external_id、id、phone、email、name）");
  if (o.mode != ImportMode::update) s.authorize_for(Perm::customer_create, s.user_id());

  // Counted first, for progress (a cheap pass: no decoding, no validation).
  const std::int64_t total_records = count_csv_records(open());
  CsvReader reader(open(), o.encoding, o.max_record_bytes);
  ImportReport rep;
  rep.encoding = csv_encoding_name(reader.encoding());

  CsvRecord header;
  if (!reader.next(header) || header.raw.empty())
    throw bad_option("the file is empty: the first row must name the columns",
                     "文件为空：第一行须为列名（表头）");
  if (!header.decoded)
    throw bad_option(
        std::string("the header row is not valid ") + rep.encoding +
            " text: declare the file's encoding (utf-8 or gbk)",
        std::string("表头不是有效的 ") + rep.encoding + " 文本：请指定文件编码（utf-8 或 gbk）");
  if (header.has_nul || header.unterminated)
    throw bad_option("the header row is damaged (a NUL byte or an unclosed quote)",
                     "表头已损坏（含空字符或引号未闭合）");

  std::vector<std::string> en, zh;
  const HeaderColumns resolved =
      resolve_header_row(header.fields, o.mapping, customer_header_rules(s), en, zh);
  if (!en.empty()) refuse_file(en, zh, "import", "导入");
  const std::map<std::string, std::size_t>& seen = resolved.first;
  std::vector<Column> cols;
  bool zh_headers = false;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    zh_headers = zh_headers || !ascii_only(header.fields[i]);
    cols.push_back({header.fields[i], resolved.fields[i]});
  }

  std::string key = o.key;
  if (key == "auto") {
    key.clear();
    for (const char* k : {"external_id", "phone", "email", "name"})
      if (seen.count(k)) {
        key = k;
        break;
      }
  } else if (!seen.count(key)) {
    throw bad_option("the key " + key + " is not a column of the file",
                     "匹配键 " + key + " 不是文件中的列");
  }
  if (key.empty() && o.mode == ImportMode::update)
    throw bad_option("an update needs a key column (external_id, id, phone, email or name)",
                     "更新模式需要匹配键列（external_id、id、phone、email 或 name）");
  rep.key = key;

  Importer imp(s, o);
  imp.enc_ = reader.encoding();
  imp.set_columns(std::move(cols));
  imp.set_key(key);
  CsvErrorFile errors(o.error_path, header.raw, reader.encoding(), reader.had_bom(), zh_headers);

  const std::int64_t total = total_records > 0 ? total_records - 1 : -1;
  auto& conn = s.db().conn();
  CsvRecord r;
  bool more = true;
  while (more && !rep.cancelled) {
    store::WriteTransaction batch(conn);
    ImportReport counts;  // this batch's, added once it is committed
    std::vector<std::pair<CsvRecord, std::string>> bad;
    int n = 0;
    for (; n < o.batch_rows; ++n) {
      if (!reader.next(r)) {
        more = false;
        break;
      }
      ++counts.rows;
      RowProblem why;
      switch (imp.row(r, why)) {
        case Outcome::inserted:
          ++counts.inserted;
          break;
        case Outcome::updated:
          ++counts.updated;
          break;
        case Outcome::unchanged:
          ++counts.unchanged;
          break;
        case Outcome::pending:
          ++counts.pending;
          break;
        case Outcome::duplicate:
          ++counts.duplicates;
          break;
        case Outcome::rejected:
          ++counts.rejected;
          break;
      }
      if (!why.en.empty()) {
        const std::string row = std::to_string(r.number);
        if (rep.errors.size() + counts.errors.size() < kMaxReportedErrors)
          counts.errors.push_back(
              {r.number, "row " + row + ": " + why.en, "第 " + row + " 行：" + why.zh});
        bad.emplace_back(std::move(r), zh_headers ? why.zh : why.en);
      }
    }
    if (o.mode != ImportMode::dry_run) batch.commit();
    for (const auto& [rec, why] : bad) errors.write(rec.raw, why);
    errors.flush();
    rep.rows += counts.rows;
    rep.inserted += counts.inserted;
    rep.updated += counts.updated;
    rep.unchanged += counts.unchanged;
    rep.pending += counts.pending;
    rep.duplicates += counts.duplicates;
    rep.rejected += counts.rejected;
    for (auto& e : counts.errors) rep.errors.push_back(std::move(e));
    if (o.progress && !o.progress(rep.rows, total)) rep.cancelled = true;
  }
  rep.error_rows = errors.rows();

  store::WriteTransaction tx(conn);
  s.audit("customer.import", "customers",
          std::string(o.mode == ImportMode::dry_run ? "dry_run" : "import") +
              " rows=" + std::to_string(rep.rows) + ",inserted=" + std::to_string(rep.inserted) +
              ",updated=" + std::to_string(rep.updated) +
              ",rejected=" + std::to_string(rep.rejected) + (rep.cancelled ? ",cancelled" : ""));
  tx.commit();
  return rep;
}

}  // namespace crm
