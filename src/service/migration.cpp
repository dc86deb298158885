#include "service/migration.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <random>

#include "domain/calendar.hpp"
#include "domain/field_registry.hpp"
#include "domain/sha256.hpp"
#include "domain/text.hpp"
#include "service/customers.hpp"
#include "service/db.hpp"
#include "service/followups.hpp"
#include "service/import_keys.hpp"
#include "store/customer_repo.hpp"
#include "store/followup_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

constexpr std::size_t kMaxReportedErrors = 100;
const char* const kKeyOrder[] = {"id", "external_id", "phone", "email", "name"};
const char* const kRecordFields[] = {"owner",    "method",        "contacted_at", "summary",
                                     "feedback", "intent_change", "major_change", "next_step"};

Error bad(const std::string& en, const std::string& zh) {
  return Error(Status::invalid_arg, en, zh);
}

bool is_key(std::string_view f) {
  for (const char* k : kKeyOrder)
    if (f == k) return true;
  return false;
}

// One source row, understood.
struct ParsedRow {
  std::int64_t customer = 0, author = 0, at = 0;
  Record fields;  // the follow-up fields as given (text), contacted_at as an instant
  std::string source_key;
};

// The columns of a follow-up history file and how a row becomes a record.
class RowReader {
 public:
  RowReader(Session& s, const ImportOptions& o, const CsvRecord& header, CsvEncoding enc)
      : s_(s), users_(s, true), enc_(enc) {
    std::vector<std::string> en, zh;
    HeaderColumns resolved = resolve_header_row(header.fields, o.mapping, rules(), en, zh);
    const std::map<std::string, std::size_t>& seen = resolved.first;
    cols_ = std::move(resolved.fields);
    for (const HeaderCell& h : resolved.cells)
      zh_ =
          zh_ || std::any_of(h.text.begin(), h.text.end(), [](char c) { return (c & 0x80) != 0; });
    for (const char* must : {"contacted_at", "method", "summary"})
      if (!seen.count(must)) {
        const FieldDef* d = find_field("followup_record", must);
        en.push_back(std::string("no column for ") + must + " (" + d->label_zh + ")");
        zh.push_back(std::string("缺少“") + d->label_zh + "”列");
      }
    key_ = o.key;
    if (key_ == "auto") {
      key_.clear();
      for (const char* k : kKeyOrder)
        if (seen.count(std::string("customer.") + k)) {
          key_ = k;
          break;
        }
      if (key_.empty()) {
        en.push_back(
            "no column names the customer (客户编号, 外部编号, 联系电话, 电子邮箱 or 客户全称)");
        zh.push_back("缺少指明客户的列（客户编号、外部编号、联系电话、电子邮箱或客户全称）");
      }
    } else if (!seen.count("customer." + key_)) {
      en.push_back("the key " + key_ + " is not a column of the file");
      zh.push_back("匹配键 " + key_ + " 不是文件中的列");
    }
    if (!en.empty()) refuse_file(en, zh, "migrate", "迁移");
  }

  const std::string& key() const { return key_; }
  bool zh() const { return zh_; }

  // The row as a record to add, or why it cannot be one.
  std::optional<ParsedRow> parse(const CsvRecord& r, RowProblem& why) {
    if (auto problem = unreadable_row(r, cols_.size(), enc_)) {
      why = *problem;
      return std::nullopt;
    }
    ParsedRow p;
    std::string key_text, source_id;
    for (std::size_t i = 0; i < cols_.size(); ++i) {
      const std::string& f = cols_[i];
      std::string v = normalize_text(r.fields[i], TextMode::prose);
      if (f.empty() || v.empty()) continue;
      if (f == "customer." + key_) {
        key_text = v;
      } else if (f == "source_id") {
        source_id = v;
      } else if (f == "owner") {
        auto id = users_.find(v);
        if (!id) {
          why = {"跟进人 owner: there is no user \"" + v + "\"", "跟进人：不存在用户“" + v + "”"};
          return std::nullopt;
        }
        p.author = *id;
      } else if (f == "contacted_at") {
        auto at = parse_local_instant(v, s_.db().zone());
        if (!at && !v.empty() && v.find_first_not_of("0123456789") == std::string::npos &&
            v.size() <= 15)
          at = std::stoll(v);
        if (!at) {
          why = {"contacted_at: \"" + v + "\" is not a time (YYYY-MM-DD HH:MM)",
                 "跟进时间：“" + v + "”不是有效时间（格式 YYYY-MM-DD HH:MM）"};
          return std::nullopt;
        }
        p.at = *at;
        p.fields.set("contacted_at", *at);
      } else if (f.rfind("customer.", 0) != 0) {
        p.fields.set(f, std::move(v));
      }
    }
    if (key_text.empty()) {
      why = {"the customer column (" + key_ + ") is empty", "客户列（" + key_ + "）为空"};
      return std::nullopt;
    }
    std::optional<std::int64_t> c;
    try {
      c = find_customer_by_key(s_, key_, key_text);
    } catch (const Error&) {
      // A value no customer can have (a malformed phone, a vague name).
    }
    if (!c) {
      const FieldDef* d = find_field("customer", key_);
      const std::string label = d ? d->label_zh : key_;
      why = {"no customer with " + key_ + " \"" + key_text + "\"",
             "找不到" + label + "为“" + key_text + "”的客户"};
      return std::nullopt;
    }
    p.customer = *c;
    if (p.author == 0) p.author = s_.user_id();
    // The old system's id, or the row itself: the same row is the same record.
    std::string basis = source_id;
    if (basis.empty())
      for (const auto& f : r.fields) basis += f + '\x1f';
    p.source_key = source_id.empty() ? "row:" + sha256_hex(basis) : "id:" + source_id;
    return p;
  }

 private:
  // A follow-up history's columns: a customer key, the record's fields and
  // the old record's id.  Messages quote the header as normalised.
  static HeaderRules rules() {
    HeaderRules rules;
    rules.map_normalised = true;
    rules.mapped = [](const HeaderCell& h, const std::string& to, std::vector<std::string>& en,
                      std::vector<std::string>& zh) -> std::string {
      // A customer key by its name ("phone"), the old record's id as
      // "source_id", a follow-up field by its name.
      if (to == "source_id") return to;
      if (is_key(to)) return "customer." + to;
      for (const char* f : kRecordFields)
        if (to == f) return to;
      en.push_back("the mapping sends \"" + h.text + "\" to \"" + to +
                   "\", which a migration does not read");
      zh.push_back("映射把“" + h.text + "”指向“" + to + "”，迁移不读取该字段");
      return "";
    };
    rules.named = [](const HeaderCell& h, std::vector<std::string>& en,
                     std::vector<std::string>& zh) -> std::string {
      if (h.text == "原记录编号" || ascii_lower(h.text) == "source_id") return "source_id";
      // The customer first: 客户编号 is the customer's id in both registries.
      if (const FieldDef* d = resolve_field("customer", h.text); d && is_key(d->name))
        return std::string("customer.") + d->name;
      if (const FieldDef* d = resolve_field("followup_record", h.text)) {
        if (std::string_view(d->name) == "id") return "source_id";
        for (const char* f : kRecordFields)
          if (std::string_view(d->name) == f) return f;
        en.push_back("column \"" + h.text + "\" (" + d->name + ") cannot be migrated");
        zh.push_back("列“" + h.text + "”（" + d->name + "）不能迁移");
        return "";
      }
      en.push_back("unknown column \"" + h.text + "\"");
      zh.push_back("未知的列“" + h.text + "”");
      return "";
    };
    rules.repeated = [](const HeaderCell&, std::size_t, const HeaderCell& again, std::size_t,
                        const std::string& field, std::vector<std::string>& en,
                        std::vector<std::string>& zh) {
      en.push_back("two columns are " + field + " (\"" + again.text + "\")");
      zh.push_back("有两列都是 " + field + "（“" + again.text + "”）");
    };
    return rules;
  }

  Session& s_;
  UserLookup users_;
  std::vector<std::string> cols_;
  std::string key_;
  bool zh_ = false;
  CsvEncoding enc_;
};

CsvRecord read_header(CsvReader& reader) {
  CsvRecord header;
  if (!reader.next(header) || header.raw.empty())
    throw bad("the file is empty: the first row must name the columns",
              "文件为空：第一行须为列名（表头）");
  if (!header.decoded || header.has_nul || header.unterminated)
    throw bad("the header row is damaged or not in the file's encoding",
              "表头已损坏或与文件编码不符");
  return header;
}

void note(std::vector<ImportRowError>& errors, std::int64_t row, const RowProblem& why) {
  if (errors.size() >= kMaxReportedErrors) return;
  const std::string n = std::to_string(row);
  errors.push_back({row, "row " + n + ": " + why.en, "第 " + n + " 行：" + why.zh});
}

// Restores a staged row's fields as read (csv_line of them) for the error file.
std::vector<std::string> unline(const std::string& raw) {
  std::vector<std::string> fields;
  CsvReader r(memory_source(raw), CsvEncoding::utf8);
  CsvRecord rec;
  if (r.next(rec)) fields = rec.raw;
  return fields;
}

}  // namespace

MigrationReport migrate_followups(Session& s, const SourceOpener& open, const ImportOptions& o) {
  if (o.batch_rows < 1 || o.batch_rows > 100000)
    throw bad("batch_rows must be between 1 and 100000", "每批行数须在 1 到 100000 之间");
  const std::int64_t total_records = count_csv_records(open());
  CsvReader reader(open(), o.encoding, o.max_record_bytes);
  MigrationReport rep;
  rep.encoding = csv_encoding_name(reader.encoding());
  CsvRecord header = read_header(reader);
  RowReader rows(s, o, header, reader.encoding());
  rep.key = rows.key();
  CsvErrorFile errors(o.error_path, header.raw, reader.encoding(), reader.had_bom(), rows.zh());
  const std::int64_t total = total_records > 0 ? total_records - 1 : -1;

  auto& conn = s.db().conn();
  // Pass 1: every row checked; the good ones wait in time order.
  store::begin_followup_stage(conn);
  struct StageGuard {
    store::Connection& c;
    ~StageGuard() {
      try {
        store::end_followup_stage(c);
      } catch (...) {
      }
    }
  } guard{conn};
  CsvRecord r;
  while (reader.next(r)) {
    ++rep.rows;
    RowProblem why;
    auto p = rows.parse(r, why);
    if (!p) {
      ++rep.rejected;
      note(rep.errors, r.number, why);
      errors.write(r.raw, rows.zh() ? why.zh : why.en);
      continue;
    }
    store::StagedFollowup f;
    f.at = p->at;
    f.row = r.number;
    f.customer = p->customer;
    f.author = p->author;
    f.source_key = p->source_key;
    f.fields = pack_record(p->fields);
    f.raw = csv_line(r.raw);
    store::stage_followup(conn, f);
  }
  errors.flush();

  // Pass 2: in time order, in batches.
  std::int64_t after_at = INT64_MIN, after_row = 0, done = rep.rejected;
  for (;;) {
    auto batch = store::staged_followups(conn, after_at, after_row, o.batch_rows);
    if (batch.empty()) break;
    store::WriteTransaction tx(conn);
    std::vector<std::pair<store::StagedFollowup, RowProblem>> bad_rows;
    MigrationReport counts;
    for (auto& f : batch) {
      after_at = f.at;
      after_row = f.row;
      try {
        auto fields = unpack_record(f.fields);
        if (add_migrated_followup(s, f.customer, fields.value_or(Record{}), f.author, f.source_key))
          ++counts.migrated;
        else
          ++counts.unchanged;
      } catch (const Error& e) {
        bad_rows.emplace_back(std::move(f), problem_of(e));
      }
    }
    if (o.mode != ImportMode::dry_run) tx.commit();
    for (auto& [f, why] : bad_rows) {
      ++counts.rejected;
      note(rep.errors, f.row, why);
      errors.write(unline(f.raw), rows.zh() ? why.zh : why.en);
    }
    errors.flush();
    rep.migrated += counts.migrated;
    rep.unchanged += counts.unchanged;
    rep.rejected += counts.rejected;
    done += static_cast<std::int64_t>(batch.size());
    if (o.progress && !o.progress(done, total)) {
      rep.cancelled = true;
      break;
    }
  }
  rep.error_rows = errors.rows();
  std::sort(rep.errors.begin(), rep.errors.end(),
            [](const ImportRowError& a, const ImportRowError& b) { return a.row < b.row; });

  store::WriteTransaction tx(conn);
  s.audit("followup.migrate", "followups",
          std::string(o.mode == ImportMode::dry_run ? "dry_run" : "migrate") +
              " rows=" + std::to_string(rep.rows) + ",migrated=" + std::to_string(rep.migrated) +
              ",unchanged=" + std::to_string(rep.unchanged) +
              ",rejected=" + std::to_string(rep.rejected) + (rep.cancelled ? ",cancelled" : ""));
  tx.commit();
  return rep;
}

VerifyReport verify_followup_migration(Session& s, const SourceOpener& open, const ImportOptions& o,
                                       int sample, std::uint64_t seed) {
  if (sample < 1 || sample > 100000)
    throw bad("sample must be between 1 and 100000", "抽样行数须在 1 到 100000 之间");
  // Counted first when progress is wanted (a cheap pass, as the import's).
  const std::int64_t records = o.progress ? count_csv_records(open()) : 0;
  const std::int64_t total = records > 0 ? records - 1 : -1;
  CsvReader reader(open(), o.encoding, o.max_record_bytes);
  CsvRecord header = read_header(reader);
  RowReader rows(s, o, header, reader.encoding());
  VerifyReport rep;

  // Reservoir sampling: every row equally likely, one pass, `sample` kept.
  std::mt19937_64 rng(seed);
  std::vector<CsvRecord> picked;
  CsvRecord r;
  constexpr std::int64_t kProgressRows = 1000;
  for (;;) {
    const bool more = reader.next(r);
    if (o.progress && ((more && rep.rows > 0 && rep.rows % kProgressRows == 0) || !more) &&
        !o.progress(rep.rows, total)) {
      rep.cancelled = true;
      return rep;
    }
    if (!more) break;
    ++rep.rows;
    if (picked.size() < static_cast<std::size_t>(sample)) {
      picked.push_back(std::move(r));
    } else {
      std::uniform_int_distribution<std::int64_t> pick(0, rep.rows - 1);
      const std::int64_t j = pick(rng);
      if (j < sample) picked[static_cast<std::size_t>(j)] = std::move(r);
    }
  }
  std::sort(picked.begin(), picked.end(),
            [](const CsvRecord& a, const CsvRecord& b) { return a.number < b.number; });

  auto& conn = s.db().conn();
  const date::time_zone* zone = s.db().zone();
  auto login = [&](std::int64_t id) {
    auto u = store::find_user(conn, id);
    return u ? u->login : std::to_string(id);
  };
  store::ReadTransaction snapshot(conn);
  for (const auto& rec : picked) {
    ++rep.sampled;
    RowProblem why;
    auto p = rows.parse(rec, why);
    if (!p) {
      rep.mismatches.push_back({rec.number, "row", "a valid row", why.en});
      continue;
    }
    require_customer(s, p->customer, Perm::followup_read);
    auto stored = store::find_followup_by_source(conn, p->customer, p->source_key);
    if (!stored) {
      rep.mismatches.push_back({rec.number, "record", store::human_id(p->customer), ""});
      continue;
    }
    // The source normalised as a write would store it.
    Record want = p->fields;
    want.unset("contacted_at");
    Normalized n = normalize_fields("followup_record", want, nullptr, s.db().dictionaries());
    auto text_or = [](const std::optional<std::string>& v) { return v.value_or(""); };
    const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> cmp = {
        {"contacted_at",
         {format_local_second(p->at, zone), format_local_second(stored->contacted_at, zone)}},
        {"owner", {login(p->author), login(stored->owner)}},
        {"method", {n.values.text("method"), stored->method}},
        {"summary", {n.values.text("summary"), stored->summary}},
        {"feedback", {n.values.text("feedback"), text_or(stored->feedback)}},
        {"intent_change", {n.values.text("intent_change"), text_or(stored->intent_change)}},
        {"major_change", {n.values.text("major_change"), text_or(stored->major_change)}},
        {"next_step", {n.values.text("next_step"), text_or(stored->next_step)}},
    };
    bool all = true;
    for (const auto& [field, values] : cmp)
      if (values.first != values.second) {
        all = false;
        rep.mismatches.push_back({rec.number, field, values.first, values.second});
      }
    if (all) ++rep.matched;
  }
  return rep;
}

}  // namespace crm
