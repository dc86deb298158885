// crm.hpp — the C++ interface of libcrm.
//
// Header-only RAII over the C ABI (crm.h), in the spirit of SQLiteCpp over
// sqlite3: C++ hosts get value types, exceptions and destructors, while the
// only binary interface stays the stable C one, so a host built with another
// compiler or standard library still links the same libcrm.so.
//
//   crm::Db db = crm::Db::open("crm.db");
//   crm::Session rep(db, 2);
//   std::string id = rep.create_customer({{"name", "杭州恒达精密机械有限公司"}, …});
//   crm::Record c = rep.get_customer(id);
//   std::cout << c.text("phone_display");
//
// Failures throw crm::Error, which carries the status, the messages in English
// and Chinese and, for validation failures, every failing field.  Thread
// safety is that of the C ABI (see crm.h): a Db may be shared across threads.
//
// Review before effect (审核, R1.6): where the C ABI returns CRM_PENDING — a
// create or update by a user who is not a reviewer, while the settings
// "review.create" / "review.fields" ask for review — the wrapper throws
// crm::Pending, whose change_id() is the pending change ("R12").  Pending
// derives from crm::Error (status() == CRM_PENDING) on purpose: nothing has
// taken effect yet, so a host that only catches crm::Error must not carry on
// as if the customer existed or the update were applied.  Catch crm::Pending
// first to tell the user "submitted for review":
//
//   try {
//     std::string id = rep.create_customer(fields);
//   } catch (const crm::Pending& p) {
//     show("已提交审核 " + p.change_id());   // decided with Session::decide_pending
//   }
//
// Permissions (R3): a customer the session's user may not see throws
// crm::Error with CRM_ERR_NOT_FOUND, exactly as one that does not exist; one
// they see but may not change throws CRM_ERR_PERMISSION.  Reads show phones
// and e-mails masked ("138****5678"); Session::unmask_customer reads them in
// clear, with a reason that the audit log keeps.
//
// Callbacks (export sinks, backup progress) run while libcrm holds the Db's
// lock: they must not call libcrm on the same Db (that would deadlock).  An
// exception thrown by a callback stops the call and is rethrown to the caller
// once libcrm has returned; it never crosses the C ABI.
#ifndef CRM_CRM_HPP
#define CRM_CRM_HPP

#include <crm.h>

#include <cctype>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace crm {

/// One failing field of a validation error.
struct FieldError {
  std::string field;       ///< registry name, e.g. "phone"
  std::string code;        ///< stable code, e.g. "invalid_phone"
  std::string message;     ///< English
  std::string message_zh;  ///< Chinese
};

/// A failed libcrm call: the CRM_ERR_* status and the thread's last error.
class Error : public std::runtime_error {
 public:
  Error(int status, std::string message, std::string message_zh, std::vector<FieldError> fields)
      : std::runtime_error(message),
        status_(status),
        message_zh_(std::move(message_zh)),
        fields_(std::move(fields)) {}

  /// Captures the calling thread's last error.
  static Error last(int status) {
    std::vector<FieldError> fields;
    for (int32_t i = 0, n = crm_error_field_count(); i < n; ++i)
      fields.push_back({crm_error_field_name(i), crm_error_field_code(i),
                        crm_error_field_message(i), crm_error_field_message_zh(i)});
    return Error(status, crm_errmsg(), crm_errmsg_zh(), std::move(fields));
  }

  int status() const noexcept { return status_; }
  const char* status_name() const noexcept { return crm_status_name(status_); }
  const std::string& message_zh() const noexcept { return message_zh_; }
  const std::vector<FieldError>& fields() const noexcept { return fields_; }

 private:
  int status_;
  std::string message_zh_;
  std::vector<FieldError> fields_;
};

/// A create or update that was accepted but waits for review (CRM_PENDING,
/// R1.6): nothing has changed yet.  change_id() names the pending change
/// ("R12") for Session::pending_changes, decide_pending and withdraw_pending.
/// It is a crm::Error with status() == CRM_PENDING (see the top of this file).
class Pending : public Error {
 public:
  Pending(std::string change_id, std::string message, std::string message_zh)
      : Error(CRM_PENDING, std::move(message), std::move(message_zh), {}),
        change_id_(std::move(change_id)) {}

  /// Captures the thread's last error after a call returned CRM_PENDING.
  /// `change_id` is the id the call returned, if any (create gives it in
  /// *out_id); otherwise it is read from the message, which names the change
  /// (crm.h: "crm_errmsg names the pending change").
  static Pending last(std::string change_id = {}) {
    std::string message = crm_errmsg();
    if (change_id.empty()) change_id = change_id_in(message);
    return Pending(std::move(change_id), std::move(message), crm_errmsg_zh());
  }

  /// The pending change, e.g. "R12".
  const std::string& change_id() const noexcept { return change_id_; }

 private:
  // The first "R<digits>" word of a message.
  static std::string change_id_in(const std::string& m) {
    for (std::size_t i = 0; i + 1 < m.size(); ++i) {
      if (m[i] != 'R' || (i > 0 && std::isalnum(static_cast<unsigned char>(m[i - 1])))) continue;
      std::size_t j = i + 1;
      while (j < m.size() && m[j] >= '0' && m[j] <= '9') ++j;
      if (j > i + 1) return m.substr(i, j - i);
    }
    return {};
  }
  std::string change_id_;
};

namespace detail {
inline int check(int rc) {
  if (rc == CRM_PENDING) throw Pending::last();
  if (rc < 0) throw Error::last(rc);
  return rc;
}
struct FreeString {
  void operator()(char* p) const noexcept { crm_free(p); }
};
inline std::string take(char* p) {
  std::unique_ptr<char, FreeString> owned(p);
  return p ? std::string(p) : std::string();
}
}  // namespace detail

/// A field value: NULL, integer, real or UTF-8 text.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

/// Values by field name (what create/update take and reads return).
class Record {
 public:
  Record() {
    crm_record* r = nullptr;
    detail::check(crm_record_new(&r));
    rec_.reset(r);
  }
  Record(std::initializer_list<std::pair<const char*, Value>> fields) : Record() {
    for (const auto& [name, value] : fields) set(name, value);
  }
  /// Takes ownership of a record returned by the C ABI.
  explicit Record(crm_record* adopt) : rec_(adopt) {}

  Record& set(const char* field, const Value& v) {
    if (std::holds_alternative<std::monostate>(v))
      detail::check(crm_record_set_null(rec_.get(), field));
    else if (auto* i = std::get_if<std::int64_t>(&v))
      detail::check(crm_record_set_int(rec_.get(), field, *i));
    else if (auto* d = std::get_if<double>(&v))
      detail::check(crm_record_set_real(rec_.get(), field, *d));
    else {
      const auto& s = std::get<std::string>(v);
      detail::check(crm_record_set_textn(rec_.get(), field, s.data(), s.size()));
    }
    return *this;
  }
  Record& set(const char* field, const char* text) { return set(field, Value{std::string(text)}); }
  Record& set(const char* field, std::int64_t v) { return set(field, Value{v}); }
  Record& set(const char* field, int v) { return set(field, Value{std::int64_t{v}}); }

  bool has(const char* field) const {
    int32_t t;
    return crm_record_type(rec_.get(), field, &t) == CRM_OK;
  }
  /// Text of a field; std::nullopt when the field is NULL.  Throws if absent.
  std::optional<std::string> get_text(const char* field) const {
    const char* s = nullptr;
    detail::check(crm_record_get_text(rec_.get(), field, &s));
    if (!s) return std::nullopt;
    return std::string(s);
  }
  /// Text of a field, "" when NULL.
  std::string text(const char* field) const { return get_text(field).value_or(std::string()); }
  std::int64_t get_int(const char* field) const {
    int64_t v = 0;
    detail::check(crm_record_get_int(rec_.get(), field, &v));
    return v;
  }
  /// A real field (a lead's "score", a funnel's "conversion_rate"); an
  /// integer field is read as a real.
  double get_real(const char* field) const {
    double v = 0;
    detail::check(crm_record_get_real(rec_.get(), field, &v));
    return v;
  }
  /// Every (name, value) pair in order.
  std::vector<std::pair<std::string, Value>> fields() const { return fields_of(rec_.get()); }

  /// The pairs of any C record, e.g. a cursor's borrowed row.
  static std::vector<std::pair<std::string, Value>> fields_of(const crm_record* rec) {
    std::vector<std::pair<std::string, Value>> out;
    int32_t n = 0;
    detail::check(crm_record_count(rec, &n));
    for (int32_t i = 0; i < n; ++i) {
      const char* name = nullptr;
      int32_t type = 0;
      detail::check(crm_record_name(rec, i, &name));
      detail::check(crm_record_type(rec, name, &type));
      Value v;
      if (type == CRM_TYPE_INT) {
        int64_t x = 0;
        detail::check(crm_record_get_int(rec, name, &x));
        v = std::int64_t{x};
      } else if (type == CRM_TYPE_REAL) {
        double d = 0;
        detail::check(crm_record_get_real(rec, name, &d));
        v = d;
      } else if (type == CRM_TYPE_TEXT) {
        const char* t = nullptr;
        detail::check(crm_record_get_text(rec, name, &t));
        v = std::string(t);
      }
      out.emplace_back(name, std::move(v));
    }
    return out;
  }
  std::string to_json() const {
    char* s = nullptr;
    detail::check(crm_record_to_json(rec_.get(), &s));
    return detail::take(s);
  }
  const crm_record* get() const noexcept { return rec_.get(); }

 private:
  struct Free {
    void operator()(crm_record* r) const noexcept { crm_record_free(r); }
  };
  std::unique_ptr<crm_record, Free> rec_;
};

/// Options for Db::open.
struct OpenOptions {
  bool readonly = false;
  bool create = true;
  int32_t busy_timeout_ms = 5000;
  std::string time_zone;  ///< for a new database; "" = Asia/Shanghai
};

/// An open database (crm_db).  Movable, not copyable; closes on destruction.
class Db {
 public:
  static Db open(const std::string& path, const OpenOptions& o = {}) {
    crm_open_options co = CRM_OPEN_OPTIONS_INIT;
    co.flags = (o.readonly ? CRM_OPEN_READONLY : 0u) | (o.create ? 0u : CRM_OPEN_NOCREATE);
    co.busy_timeout_ms = o.busy_timeout_ms;
    co.time_zone = o.time_zone.empty() ? nullptr : o.time_zone.c_str();
    crm_db* db = nullptr;
    detail::check(crm_db_open(path.c_str(), &co, &db));
    return Db(db);
  }
  Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
  Db& operator=(Db&& o) noexcept {
    if (this != &o) {
      crm_db_close(db_);
      db_ = std::exchange(o.db_, nullptr);
    }
    return *this;
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  /// Sessions made from this Db must be destroyed first.
  ~Db() { crm_db_close(db_); }

  int32_t schema_version() const {
    int32_t v = 0;
    detail::check(crm_db_schema_version(db_, &v));
    return v;
  }
  std::string time_zone() const {
    const char* z = nullptr;
    detail::check(crm_db_time_zone(db_, &z));
    return z;
  }
  /// Freeze the clock at UTC milliseconds (tests, simulations).
  void set_clock(std::int64_t now_ms) { detail::check(crm_db_clock_fixed(db_, now_ms)); }
  void use_system_clock() { detail::check(crm_db_clock_system(db_)); }
  std::int64_t now() const {
    int64_t v = 0;
    detail::check(crm_db_now(db_, &v));
    return v;
  }
  void begin() { detail::check(crm_db_begin(db_)); }
  void commit() { detail::check(crm_db_commit(db_)); }
  void rollback() { detail::check(crm_db_rollback(db_)); }
  crm_db* handle() const noexcept { return db_; }

 private:
  explicit Db(crm_db* db) : db_(db) {}
  crm_db* db_;
};

/// An explicit transaction that rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) { db_.begin(); }
  ~Transaction() {
    if (!done_) crm_db_rollback(db_.handle());
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.commit();
    done_ = true;
  }

 private:
  Db& db_;
  bool done_ = false;
};

/// Filters for Session::list_customers.
/// A condition on one field, built-in or custom (crm_field_filter).
struct FieldFilter {
  std::string field;  ///< "industry", "custom.budget_range", …
  std::string op;     ///< = != < <= > >= null not_null contains
  std::string value;  ///< as a write of the field accepts it; unused for null/not_null
};

/// A custom field definition (crm_custom_field, 自定义字段).
struct CustomField {
  std::string name;      ///< budget_range (used as "custom.budget_range")
  std::string type;      ///< text, integer, decimal, date, enum, boolean
  std::string label_zh;  ///< 客户预算范围
  std::string label_en;  ///< "" = the name
  bool required = false;
  std::vector<std::string> values;  ///< enum: the allowed values
  int32_t max_chars = 0;            ///< text: 1..2000; 0 = 200
  int32_t decimals = -1;            ///< decimal: 0..6; -1 = 2
  bool personal = false;            ///< personal information: masked in reads (since 0.5)
};

struct CustomerQuery {
  std::int64_t owner = 0;  ///< 0 = any
  std::string type;        ///< code or label; "" = any
  int32_t page_size = 0;   ///< 0 = 50
  std::string after;       ///< page token; "" = first page
  bool include_archived = false;
  std::vector<std::int64_t> tags_all;                   ///< carries every one of these tags
  std::vector<std::int64_t> tags_any;                   ///< carries at least one of these
  std::string industry;                                 ///< code or label; "" = any
  std::string source;                                   ///< channel code or label; "" = any
  std::int64_t created_from_ms = 0, created_to_ms = 0;  ///< [from, to); 0 = open
  std::int64_t updated_from_ms = 0, updated_to_ms = 0;
  std::string name_contains;         ///< part of the name; "" = any
  std::vector<FieldFilter> filters;  ///< all must hold; at most 16
  std::string
      sort;  ///< "" = id; name, name_pinyin, entry_date, created_at, updated_at, custom.<name>;
             ///< '-' = desc
};

/// One page of a list, and the token of the next ("" when last).
struct Page {
  std::vector<Record> rows;
  std::string next;
};

/// Filters for Session::list_history.
struct HistoryQuery {
  std::int64_t actor = 0;     ///< 0 = anyone
  std::int64_t since_ms = 0;  ///< inclusive; 0 = no lower bound
  std::int64_t until_ms = 0;  ///< exclusive; 0 = no upper bound
  std::string customer;       ///< "C0001"; "" = every customer
  int32_t page_size = 0;      ///< 0 = 100
  std::string after;          ///< page token
};

/// Filters for Session::audit_log (crm_audit_query).
struct AuditQuery {
  std::int64_t actor = 0;     ///< only this user's rows; 0 = anyone
  std::string action;         ///< "customer.update"; ending in "." = a prefix; "" = any
  std::string object;         ///< "C0001", "user:5" … (exact); "" = any
  std::string outcome;        ///< "ok" or "denied"; "" = any
  std::int64_t since_ms = 0;  ///< at or after; 0 = open
  std::int64_t until_ms = 0;  ///< before; 0 = open
  int32_t page_size = 0;      ///< 1..1000; 0 = 100
  std::string after;          ///< page token; "" = first page
};

/// The last row of the audit log (keep a copy outside the database).
struct AuditHead {
  std::int64_t seq = 0;  ///< 0 for an empty log
  std::string hash;      ///< 64 hex digits (64 zeros for an empty log)
};

/// What Session::verify_audit found (crm_audit_verify).
struct AuditReport {
  bool ok = false;
  std::int64_t seq = 0;      ///< the first row that does not fit; 0 if ok
  std::string problem;       ///< "altered", "removed", "chain broken", "rewritten"; "" if ok
  std::int64_t checked = 0;  ///< rows read
  AuditHead head;            ///< the log's head now
};

/// What Session::capture_lead did with a capture (CRM_LEAD_*).
enum class LeadOutcome : int32_t {
  created = CRM_LEAD_CREATED,      ///< a new lead
  repeated = CRM_LEAD_REPEATED,    ///< the same external_id again: that lead, unchanged
  duplicate = CRM_LEAD_DUPLICATE,  ///< an open lead has this phone or e-mail: that lead,
                                   ///< with the capture recorded on it ("recapture")
  linked = CRM_LEAD_LINKED,        ///< a new lead linked to the customer with this phone or
                                   ///< e-mail: converting it will not create another
};

/// The lead a capture created or found, and how (crm_lead_capture).
struct LeadCapture {
  std::int64_t lead = 0;
  LeadOutcome outcome = LeadOutcome::created;
};

/// Filters for Session::list_leads (crm_lead_query); empty / 0 do not filter.
struct LeadQuery {
  std::string stage;             ///< a stage code or label ("screened", "初步筛选")
  std::string channel;           ///< a channel code or label ("trade_show", "展会")
  std::int64_t owner = 0;        ///< 0 = any; -1 = only the pool (线索池); else that user's
  bool high_value_only = false;  ///< only leads marked 高价值线索
  int32_t limit = 0;             ///< 1..1000; 0 = 100
  std::int64_t after_id = 0;     ///< keyset paging: the last id of the previous page
};

/// What a behaviour event did to its lead (crm_lead_event).
struct LeadScore {
  std::int64_t event = 0;   ///< the event's id
  double score = 0;         ///< the lead's score as of now
  bool high_value = false;  ///< the lead is marked 高价值线索 (now or before)
  bool marked_now = false;  ///< this event reached "lead.high_value_score"
};

/// A rule as Session::save_automation_rule saved it (crm_automation_rule_save).
struct SavedRule {
  std::int64_t id = 0;       ///< the rule
  std::int64_t version = 0;  ///< the version just saved (1 for a new rule)
};

/// Receives one exported customer: a JSON object, one line without its
/// newline.  Return false to stop the export (the call then throws
/// crm::Error with CRM_ERR_STATE, as the C ABI reports it).
using ExportSink = std::function<bool(std::string_view line)>;

/// Progress of a backup: `done` of `total` pages.  Return false to stop (the
/// file at the path is left as it was before the call, a new one is
/// removed; the call throws CRM_ERR_STATE).
using BackupProgress = std::function<bool(std::int64_t done, std::int64_t total)>;

namespace detail {
struct ExportContext {
  const ExportSink* sink;
  std::exception_ptr error;
};
// crm_write_fn: splits the library's whole lines and hands them over one by
// one; an exception is kept for the caller and stops the export.
inline int export_lines(void* ctx, const char* data, size_t len) noexcept {
  auto* c = static_cast<ExportContext*>(ctx);
  try {
    std::string_view rest(data, len);
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      if (!(*c->sink)(line)) return 1;
    }
    return 0;
  } catch (...) {
    c->error = std::current_exception();
    return 1;
  }
}
struct ProgressContext {
  const BackupProgress* progress;
  std::exception_ptr error;
};
inline int backup_progress(void* ctx, int64_t done, int64_t total) noexcept {
  auto* c = static_cast<ProgressContext*>(ctx);
  try {
    return (*c->progress)(done, total) ? 0 : 1;
  } catch (...) {
    c->error = std::current_exception();
    return 1;
  }
}
}  // namespace detail

/// How an import (Session::import_customers) or a follow-up migration reads
/// its CSV (crm_import_options); empty strings mean the defaults.
struct ImportOptions {
  std::string mode;        ///< "insert" (""), "update", "upsert", "dry_run"
  std::string key;         ///< "auto" (""), "external_id", "id", "phone", "email", "name"
  std::string encoding;    ///< "" / "auto": detected; "utf-8", "gbk", "gb18030"
  std::string error_path;  ///< where rejected rows go; "" = no error file
  /// header → field ("name", "custom.budget", "tags"; "" skips the column)
  std::vector<std::pair<std::string, std::string>> mapping;
  int32_t batch_rows = 0;  ///< rows per transaction; 0 = 1000
  /// Insert new rows that look like a customer already there (same name
  /// key, phone or e-mail) instead of holding them back as duplicates.
  bool insert_duplicates = false;
  /// (rows done, data rows in the file) after each batch; false stops after
  /// that batch (the report then says "cancelled" 1).  An exception it
  /// throws stops the import too and is rethrown from the call.
  BackupProgress progress;
};

/// How Session::export_customers_csv writes (crm_csv_options).
struct CsvOptions {
  std::string encoding;          ///< "" / "utf-8", "gbk", "gb18030"
  bool english_headers = false;  ///< field names instead of Chinese labels
  bool bom = false;              ///< a UTF-8 byte-order mark first (for Excel)
};

/// The result of Session::verify_followup_migration.
struct MigrationCheck {
  Record summary;                  ///< {rows, sampled, matched, cancelled}
  std::vector<Record> mismatches;  ///< {row, field, expected, stored}
};

namespace detail {
// A crm_import_options over `o`; `pointers` holds the mapping array.
struct CImportOptions {
  crm_import_options c = CRM_IMPORT_OPTIONS_INIT;
  std::vector<const char*> pointers;
  ProgressContext ctx{nullptr, nullptr};
  explicit CImportOptions(const ImportOptions& o) {
    auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
    c.mode = opt(o.mode);
    c.key = opt(o.key);
    c.encoding = opt(o.encoding);
    c.error_path = opt(o.error_path);
    for (const auto& [header, field] : o.mapping) {
      pointers.push_back(header.c_str());
      pointers.push_back(field.c_str());
    }
    c.mapping = pointers.empty() ? nullptr : pointers.data();
    c.mapping_count = static_cast<int32_t>(o.mapping.size());
    c.batch_rows = o.batch_rows;
    c.insert_duplicates = o.insert_duplicates ? 1 : 0;
    if (o.progress) {
      ctx.progress = &o.progress;
      c.progress = &backup_progress;
      c.progress_ctx = &ctx;
    }
  }
  CImportOptions(const CImportOptions&) = delete;
  CImportOptions& operator=(const CImportOptions&) = delete;
};
// crm_write_fn appending to a std::string.
inline int append_to_string(void* ctx, const char* data, size_t len) noexcept {
  try {
    static_cast<std::string*>(ctx)->append(data, len);
    return 0;
  } catch (...) {
    return 1;
  }
}
}  // namespace detail

/// The checks of a recovery drill (恢复演练) on a backup file, or a database
/// restored from one, opened read-only (crm_backup_verify; no session):
/// {ok, integrity, application, schema_version, audit_ok, audit_seq,
/// audit_problem, audit_rows, audit_head, customers, contacts, users,
/// departments, followup_records, followup_plans, outbox}.
inline Record verify_backup(const std::string& path) {
  crm_record* r = nullptr;
  detail::check(crm_backup_verify(path.c_str(), &r));
  return Record(r);
}

/// The match key of `kind` ("name", "phone", "email" or "contact") for
/// `text` (crm_match_key): "深圳市华为技术有限公司" → "华为技术"; "" when the
/// text gives none.
inline std::string match_key(const std::string& kind, const std::string& text) {
  char* out = nullptr;
  detail::check(crm_match_key(kind.c_str(), text.c_str(), &out));
  return detail::take(out);
}

/// Operations acting as one user (crm_session).
class Session {
 public:
  Session(Db& db, std::int64_t user_id) {
    detail::check(crm_session_open(db.handle(), user_id, &s_));
  }
  Session(Db& db, const std::string& login) {
    detail::check(crm_session_open_login(db.handle(), login.c_str(), &s_));
  }
  Session(Session&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session& operator=(Session&&) = delete;
  ~Session() { crm_session_close(s_); }

  std::int64_t user_id() const {
    int64_t v = 0;
    detail::check(crm_session_user(s_, &v));
    return v;
  }

  /// Creates a user (administrators only); returns its id.
  std::int64_t create_user(const Record& user) {
    int64_t id = 0;
    detail::check(crm_user_create(s_, user.get(), &id));
    return id;
  }
  Record get_user(std::int64_t id) {
    crm_record* r = nullptr;
    detail::check(crm_user_get(s_, id, &r));
    return Record(r);
  }

  /// Creates a customer (客户); returns its human id ("C0001").  Throws
  /// crm::Pending (change_id() "R12") when new customers wait for review.
  std::string create_customer(const Record& fields) {
    char* id = nullptr;
    int rc = crm_customer_create(s_, fields.get(), &id);
    std::unique_ptr<char, detail::FreeString> owned(id);
    if (rc == CRM_PENDING) throw Pending::last(id ? std::string(id) : std::string());
    detail::check(rc);
    return id ? std::string(id) : std::string();
  }
  Record get_customer(const std::string& id) {
    crm_record* r = nullptr;
    detail::check(crm_customer_get(s_, id.c_str(), &r));
    return Record(r);
  }
  /// Applies the given fields; returns the new version.  Throws crm::Pending
  /// when a field under review ("review.fields") changes: nothing is applied.
  std::int64_t update_customer(const std::string& id, const Record& fields) {
    int64_t v = 0;
    detail::check(crm_customer_update(s_, id.c_str(), fields.get(), &v));
    return v;
  }
  void set_customer_type(const std::string& id, const std::string& type,
                         const std::string& reason = {}) {
    detail::check(crm_customer_set_type(s_, id.c_str(), type.c_str(),
                                        reason.empty() ? nullptr : reason.c_str()));
  }
  /// Records the monthly review (复核) of a customer, with an optional note.
  void review_customer(const std::string& id, const std::string& note = {}) {
    detail::check(crm_customer_review(s_, id.c_str(), note.empty() ? nullptr : note.c_str()));
  }
  void archive_customer(const std::string& id, const std::string& reason = {}) {
    detail::check(crm_customer_archive(s_, id.c_str(), reason.empty() ? nullptr : reason.c_str()));
  }
  /// How many customers match the query's filters.
  std::int64_t count_customers(const CustomerQuery& q = {}) {
    std::vector<crm_field_filter> filters;
    crm_customer_query cq = to_c(q, filters);
    int64_t n = 0;
    detail::check(crm_customer_count(s_, &cq, &n));
    return n;
  }

  Page list_customers(const CustomerQuery& q = {}) {
    std::vector<crm_field_filter> filters;
    crm_customer_query cq = to_c(q, filters);
    crm_cursor* c = nullptr;
    detail::check(crm_customer_list(s_, &cq, &c));
    return drain(c);
  }

 private:
  // The C view of a query; it points into `q` and `filters`, which must
  // outlive it.
  static crm_customer_query to_c(const CustomerQuery& q, std::vector<crm_field_filter>& filters) {
    crm_customer_query cq = CRM_CUSTOMER_QUERY_INIT;
    cq.owner = q.owner;
    cq.type = q.type.empty() ? nullptr : q.type.c_str();
    cq.page_size = q.page_size;
    cq.after = q.after.empty() ? nullptr : q.after.c_str();
    cq.include_archived = q.include_archived ? 1 : 0;
    cq.tags_all = q.tags_all.empty() ? nullptr : q.tags_all.data();
    cq.tags_all_count = static_cast<int32_t>(q.tags_all.size());
    cq.tags_any = q.tags_any.empty() ? nullptr : q.tags_any.data();
    cq.tags_any_count = static_cast<int32_t>(q.tags_any.size());
    cq.industry = q.industry.empty() ? nullptr : q.industry.c_str();
    cq.source = q.source.empty() ? nullptr : q.source.c_str();
    cq.created_from_ms = q.created_from_ms;
    cq.created_to_ms = q.created_to_ms;
    cq.updated_from_ms = q.updated_from_ms;
    cq.updated_to_ms = q.updated_to_ms;
    cq.name_contains = q.name_contains.empty() ? nullptr : q.name_contains.c_str();
    for (const auto& f : q.filters)
      filters.push_back({f.field.c_str(), f.op.c_str(), f.value.c_str()});
    cq.filters = filters.empty() ? nullptr : filters.data();
    cq.filter_count = static_cast<int32_t>(filters.size());
    cq.sort = q.sort.empty() ? nullptr : q.sort.c_str();
    return cq;
  }

 public:
  std::vector<Record> customer_history(const std::string& id) {
    crm_cursor* c = nullptr;
    detail::check(crm_customer_history(s_, id.c_str(), &c));
    return drain(c).rows;
  }
  /// Adds a contact (联系人) to a customer; returns its id.
  std::int64_t add_contact(const std::string& customer_id, const Record& fields) {
    int64_t id = 0;
    detail::check(crm_contact_add(s_, customer_id.c_str(), fields.get(), &id));
    return id;
  }
  Record get_contact(std::int64_t id) {
    crm_record* r = nullptr;
    detail::check(crm_contact_get(s_, id, &r));
    return Record(r);
  }
  void update_contact(std::int64_t id, const Record& fields) {
    detail::check(crm_contact_update(s_, id, fields.get()));
  }
  void remove_contact(std::int64_t id, const std::string& reason = {}) {
    detail::check(crm_contact_remove(s_, id, reason.empty() ? nullptr : reason.c_str()));
  }
  void make_primary_contact(std::int64_t id) { detail::check(crm_contact_make_primary(s_, id)); }
  /// A customer's contacts, primary first.
  std::vector<Record> contacts(const std::string& customer_id) {
    crm_cursor* c = nullptr;
    detail::check(crm_customer_contacts(s_, customer_id.c_str(), &c));
    return drain(c).rows;
  }
  /// Defines a tag (标签) in a category (administrators only); returns its id.
  std::int64_t define_tag(const std::string& category, const std::string& label) {
    int64_t id = 0;
    detail::check(crm_tag_define(s_, category.c_str(), label.c_str(), &id));
    return id;
  }
  /// A tag's id by label; `category` may be empty when the label is unique.
  std::int64_t find_tag(const std::string& label, const std::string& category = {}) {
    int64_t id = 0;
    detail::check(
        crm_tag_find(s_, category.empty() ? nullptr : category.c_str(), label.c_str(), &id));
    return id;
  }
  /// The tags of a category ("" = all), as records {id, category, category_label, label}.
  std::vector<Record> tags(const std::string& category = {}) {
    crm_cursor* c = nullptr;
    detail::check(crm_tag_list(s_, category.empty() ? nullptr : category.c_str(), &c));
    return drain(c).rows;
  }
  std::vector<Record> customer_tags(const std::string& id) {
    crm_cursor* c = nullptr;
    detail::check(crm_customer_tags(s_, id.c_str(), &c));
    return drain(c).rows;
  }
  void tag_customer(const std::string& id, std::int64_t tag) {
    detail::check(crm_customer_tag_add(s_, id.c_str(), tag));
  }
  void untag_customer(const std::string& id, std::int64_t tag) {
    detail::check(crm_customer_tag_remove(s_, id.c_str(), tag));
  }
  /// Attaches a tag by label (category may be empty when the label is
  /// unique); creates it when the setting tags.create_on_attach is "1" and a
  /// category is given.  Returns the tag's id.
  std::int64_t tag_customer(const std::string& id, const std::string& label,
                            const std::string& category = {}) {
    int64_t tag = 0;
    detail::check(crm_customer_tag_add_label(
        s_, id.c_str(), category.empty() ? nullptr : category.c_str(), label.c_str(), &tag));
    return tag;
  }
  void untag_customer(const std::string& id, const std::string& label,
                      const std::string& category = {}) {
    detail::check(crm_customer_tag_remove_label(
        s_, id.c_str(), category.empty() ? nullptr : category.c_str(), label.c_str()));
  }
  /// Defines a custom field (administrators only); then "custom.<name>" is a
  /// field of every customer record.
  void define_custom_field(const CustomField& f) {
    std::vector<const char*> values;
    for (const auto& v : f.values) values.push_back(v.c_str());
    crm_custom_field def = CRM_CUSTOM_FIELD_INIT;
    def.name = f.name.c_str();
    def.type = f.type.c_str();
    def.label_zh = f.label_zh.c_str();
    def.label_en = f.label_en.empty() ? nullptr : f.label_en.c_str();
    def.required = f.required ? 1 : 0;
    def.values = values.empty() ? nullptr : values.data();
    def.value_count = static_cast<int32_t>(values.size());
    def.max_chars = f.max_chars;
    def.decimals = f.decimals;
    def.personal = f.personal ? 1 : 0;
    detail::check(crm_custom_field_define(s_, &def));
  }
  /// Retires a custom field: values are kept, new ones refused.
  void retire_custom_field(const std::string& name) {
    detail::check(crm_custom_field_retire(s_, name.c_str()));
  }
  /// The custom field definitions, as records (see crm_custom_field_list).
  std::vector<Record> custom_fields(bool include_retired = false) {
    crm_cursor* c = nullptr;
    detail::check(crm_custom_field_list(s_, include_retired ? 1 : 0, &c));
    return drain(c).rows;
  }
  /// A setting's value, e.g. setting("tags.create_on_attach") → "0".
  std::string setting(const std::string& name) {
    char* v = nullptr;
    detail::check(crm_setting_get(s_, name.c_str(), &v));
    return detail::take(v);
  }
  /// Changes a setting (administrators only).
  void set_setting(const std::string& name, const std::string& value) {
    detail::check(crm_setting_set(s_, name.c_str(), value.c_str()));
  }
  /// Recorded changes across customers, in time order, one page at a time.
  Page list_history(const HistoryQuery& q = {}) {
    crm_history_query hq = CRM_HISTORY_QUERY_INIT;
    hq.actor = q.actor;
    hq.since_ms = q.since_ms;
    hq.until_ms = q.until_ms;
    hq.customer = q.customer.empty() ? nullptr : q.customer.c_str();
    hq.page_size = q.page_size;
    hq.after = q.after.empty() ? nullptr : q.after.c_str();
    crm_cursor* c = nullptr;
    detail::check(crm_history_list(s_, &hq, &c));
    return drain(c);
  }
  /// A dictionary's entries {code, label_zh, label_en, department}.
  std::vector<Record> dictionary(const std::string& dict) {
    crm_cursor* c = nullptr;
    detail::check(crm_dict_list(s_, dict.c_str(), &c));
    return drain(c).rows;
  }
  /// Sets the department responsible for a source channel (administrators).
  void set_channel_department(const std::string& channel, const std::string& department) {
    detail::check(crm_channel_set_department(s_, channel.c_str(), department.c_str()));
  }
  /// The Chinese label of a dictionary code, e.g. ("priority", "high") → "高".
  std::string dict_label(const std::string& dict, const std::string& code) {
    const char* label = nullptr;
    detail::check(crm_dict_label(s_, dict.c_str(), code.c_str(), &label));
    return label;
  }
  /// Defines a working calendar (工作日历; administrators only).  Empty
  /// arguments take the defaults: the database's zone,
  /// "09:00-12:00,13:30-18:00" and "1111100" (Monday first).
  void define_calendar(const std::string& name, const std::string& time_zone = {},
                       const std::string& work_hours = {}, const std::string& workdays = {}) {
    detail::check(crm_calendar_define(s_, name.c_str(),
                                      time_zone.empty() ? nullptr : time_zone.c_str(),
                                      work_hours.empty() ? nullptr : work_hours.c_str(),
                                      workdays.empty() ? nullptr : workdays.c_str()));
  }
  /// Loads one year of holiday data into a calendar ("" = default;
  /// administrators only); returns the year.
  std::int32_t load_holidays(const std::string& text, const std::string& calendar = {}) {
    int32_t year = 0;
    detail::check(crm_calendar_load_holidays(s_, calendar.empty() ? nullptr : calendar.c_str(),
                                             text.c_str(), &year));
    return year;
  }
  /// The calendars {name, time_zone, work_hours, workdays, years}.
  std::vector<Record> calendars() {
    crm_cursor* c = nullptr;
    detail::check(crm_calendar_list(s_, &c));
    return drain(c).rows;
  }
  /// A year's holidays and make-up working days {date, kind, label}, in date order.
  std::vector<Record> calendar_days(std::int32_t year, const std::string& calendar = {}) {
    crm_cursor* c = nullptr;
    detail::check(crm_calendar_days(s_, calendar.empty() ? nullptr : calendar.c_str(), year, &c));
    return drain(c).rows;
  }
  /// Whether a date (YYYY-MM-DD) is a working day.
  bool is_working_day(const std::string& date, const std::string& calendar = {}) {
    int32_t v = 0;
    detail::check(crm_calendar_is_working_day(s_, calendar.empty() ? nullptr : calendar.c_str(),
                                              date.c_str(), &v));
    return v != 0;
  }
  /// Whether an instant (UTC ms) lies in working hours of a working day.
  bool is_working_time(std::int64_t at_ms, const std::string& calendar = {}) {
    int32_t v = 0;
    detail::check(
        crm_calendar_is_working_time(s_, calendar.empty() ? nullptr : calendar.c_str(), at_ms, &v));
    return v != 0;
  }
  /// at_ms if it is working time, else the start of the next working period.
  std::int64_t next_working_time(std::int64_t at_ms, const std::string& calendar = {}) {
    int64_t v = 0;
    detail::check(crm_calendar_next_working_time(s_, calendar.empty() ? nullptr : calendar.c_str(),
                                                 at_ms, &v));
    return v;
  }
  /// `days` working days after at_ms, at the same local time of day.
  std::int64_t add_working_days(std::int64_t at_ms, std::int32_t days,
                                const std::string& calendar = {}) {
    int64_t v = 0;
    detail::check(crm_calendar_add_working_days(s_, calendar.empty() ? nullptr : calendar.c_str(),
                                                at_ms, days, &v));
    return v;
  }
  /// The instant by which `duration_ms` of working time has passed since at_ms.
  std::int64_t add_working_hours(std::int64_t at_ms, std::int64_t duration_ms,
                                 const std::string& calendar = {}) {
    int64_t v = 0;
    detail::check(crm_calendar_add_working_hours(s_, calendar.empty() ? nullptr : calendar.c_str(),
                                                 at_ms, duration_ms, &v));
    return v;
  }
  // -- Tiers and grading (客户分层与分级) ------------------------------------

  /// Defines a tier (labels required) or changes an existing tier's cadence
  /// ("1w", "2w", "1m", "10d"; labels empty).  Administrators only.
  void define_tier(const std::string& code, const std::string& cadence,
                   const std::string& label_zh = {}, const std::string& label_en = {}) {
    detail::check(
        crm_tier_define(s_, code.c_str(), or_null(label_zh), or_null(label_en), cadence.c_str()));
  }
  /// Tiers best first {code, label_zh, label_en, cadence, cadence_zh, cadence_en, position}.
  std::vector<Record> tiers() {
    return rows_of([&](crm_cursor** c) { return crm_tier_list(s_, c); });
  }
  /// Defines or changes a grading criterion ("A>=100,B>=30"); administrators only.
  void define_criterion(const std::string& name, const std::string& label_zh,
                        const std::string& label_en, const std::string& unit,
                        const std::string& thresholds, bool retired = false) {
    detail::check(crm_grading_criterion_define(s_, name.c_str(), label_zh.c_str(), label_en.c_str(),
                                               or_null(unit), thresholds.c_str(), retired ? 1 : 0));
  }
  std::vector<Record> grading_criteria(bool include_retired = false) {
    return rows_of(
        [&](crm_cursor** c) { return crm_grading_criteria_list(s_, include_retired ? 1 : 0, c); });
  }
  /// Grades a customer on every criterion; returns {tier, reason, reason_en, next_due_date}.
  Record grade_customer(const std::string& id, const Record& values) {
    crm_record* r = nullptr;
    detail::check(crm_customer_grade(s_, id.c_str(), values.get(), &r));
    return Record(r);
  }
  void set_customer_tier(const std::string& id, const std::string& tier,
                         const std::string& reason = {}) {
    detail::check(crm_customer_set_tier(s_, id.c_str(), tier.c_str(), or_null(reason)));
  }
  /// The owner confirmed the information by "phone" or "email" (R1.5).
  void verify_customer(const std::string& id, const std::string& method,
                       const std::string& note = {}) {
    detail::check(crm_customer_verify(s_, id.c_str(), method.c_str(), or_null(note)));
  }
  /// One page of the graded roster (客户分级名册).
  Page roster(const std::string& tier = {}, std::int64_t owner = 0, int32_t page_size = 0,
              const std::string& after = {}) {
    crm_roster_query q = CRM_ROSTER_QUERY_INIT;
    q.tier = or_null(tier);
    q.owner = owner;
    q.page_size = page_size;
    q.after = or_null(after);
    crm_cursor* c = nullptr;
    detail::check(crm_roster_list(s_, &q, &c));
    return drain(c);
  }
  /// Configuration changes whose subject starts with `prefix` ("tier.", "rule." …).
  Page config_history(const std::string& prefix = {}, int32_t page_size = 0,
                      const std::string& after = {}) {
    crm_cursor* c = nullptr;
    detail::check(crm_config_history(s_, or_null(prefix), page_size, or_null(after), &c));
    return drain(c);
  }

  // -- Follow-up plans and records (跟进计划与记录) ---------------------------

  /// Plans a contact; returns the plan (with "warning" when too close to another contact).
  Record plan_followup(const std::string& customer_id, const Record& fields) {
    crm_record* r = nullptr;
    detail::check(crm_followup_plan_create(s_, customer_id.c_str(), fields.get(), &r));
    return Record(r);
  }
  Record followup_plan(std::int64_t plan_id) {
    crm_record* r = nullptr;
    detail::check(crm_followup_plan_get(s_, plan_id, &r));
    return Record(r);
  }
  /// Records the contact of an open plan and marks it done; returns the record.
  Record complete_plan(std::int64_t plan_id, const Record& fields) {
    crm_record* r = nullptr;
    detail::check(crm_followup_plan_complete(s_, plan_id, fields.get(), &r));
    return Record(r);
  }
  /// Closes an open plan as "missed" or "cancelled".
  void close_plan(std::int64_t plan_id, const std::string& state, const std::string& reason = {}) {
    detail::check(crm_followup_plan_close(s_, plan_id, state.c_str(), or_null(reason)));
  }
  /// Moves an open plan; returns its replacement.
  Record reschedule_plan(std::int64_t plan_id, std::int64_t planned_at_ms,
                         std::int64_t remind_at_ms = 0, const std::string& reason = {}) {
    crm_record* r = nullptr;
    detail::check(crm_followup_plan_reschedule(s_, plan_id, planned_at_ms, remind_at_ms,
                                               or_null(reason), &r));
    return Record(r);
  }
  /// Records a contact (客户跟进记录); returns the record.
  Record add_followup(const std::string& customer_id, const Record& fields) {
    crm_record* r = nullptr;
    detail::check(crm_followup_add(s_, customer_id.c_str(), fields.get(), &r));
    return Record(r);
  }
  std::vector<Record> plans(const std::string& customer_id) {
    return rows_of([&](crm_cursor** c) { return crm_customer_plans(s_, customer_id.c_str(), c); });
  }
  std::vector<Record> followups(const std::string& customer_id) {
    return rows_of(
        [&](crm_cursor** c) { return crm_customer_followups(s_, customer_id.c_str(), c); });
  }
  /// One page of an owner's agenda (0 = the session's user), most urgent first.
  Page agenda(std::int64_t owner = 0, int32_t page_size = 0, const std::string& after = {}) {
    crm_agenda_query q = CRM_AGENDA_QUERY_INIT;
    q.owner = owner;
    q.page_size = page_size;
    q.after = or_null(after);
    crm_cursor* c = nullptr;
    detail::check(crm_agenda(s_, &q, &c));
    return drain(c);
  }
  /// A rep's daily report (拜访日报) for a local date "YYYY-MM-DD".
  std::vector<Record> daily_report(const std::string& date, std::int64_t owner = 0) {
    return rows_of([&](crm_cursor** c) { return crm_daily_report(s_, owner, date.c_str(), c); });
  }

  // -- Maintenance plans for key customers (客户维护方案) -----------------------

  /// Submits a plan for a key customer (tier A); returns it, state "submitted".
  Record submit_maintenance_plan(const std::string& customer_id, const Record& fields) {
    crm_record* r = nullptr;
    detail::check(crm_maintenance_plan_submit(s_, customer_id.c_str(), fields.get(), &r));
    return Record(r);
  }
  Record maintenance_plan(std::int64_t plan_id) {
    crm_record* r = nullptr;
    detail::check(crm_maintenance_plan_get(s_, plan_id, &r));
    return Record(r);
  }
  /// Approves or rejects a submitted plan (an administrator or the owner's sales manager).
  void decide_maintenance_plan(std::int64_t plan_id, bool approve, const std::string& note = {}) {
    detail::check(crm_maintenance_plan_decide(s_, plan_id, approve ? 1 : 0, or_null(note)));
  }
  void carry_out_maintenance_plan(std::int64_t plan_id) {
    detail::check(crm_maintenance_plan_carry_out(s_, plan_id));
  }
  /// Evaluates a carried-out plan (客户维护总结); satisfaction 1..5, 0 = none.
  void evaluate_maintenance_plan(std::int64_t plan_id, const std::string& evaluation,
                                 int32_t satisfaction = 0) {
    detail::check(crm_maintenance_plan_evaluate(s_, plan_id, evaluation.c_str(), satisfaction));
  }
  std::vector<Record> maintenance_plans(const std::string& customer_id) {
    return rows_of(
        [&](crm_cursor** c) { return crm_customer_maintenance_plans(s_, customer_id.c_str(), c); });
  }

  // -- Reminders and the outbox (提醒与发件箱) -------------------------------

  /// Runs the scheduler up to now_ms (0 = the database clock); administrators only.
  crm_tick_report tick(std::int64_t now_ms = 0) {
    crm_tick_report r = CRM_TICK_REPORT_INIT;
    detail::check(crm_tick(s_, now_ms, &r));
    return r;
  }
  std::vector<Record> reminder_rules() {
    return rows_of([&](crm_cursor** c) { return crm_reminder_rule_list(s_, c); });
  }
  void set_reminder_rule(const std::string& kind, const Record& changes) {
    detail::check(crm_reminder_rule_set(s_, kind.c_str(), changes.get()));
  }
  /// Leases up to `limit` undelivered messages for lease_ms ("" = any channel).
  std::vector<Record> fetch_outbox(int32_t limit, std::int64_t lease_ms,
                                   const std::string& channel = {}) {
    return rows_of(
        [&](crm_cursor** c) { return crm_outbox_fetch(s_, limit, lease_ms, or_null(channel), c); });
  }
  void ack_outbox(std::int64_t id) { detail::check(crm_outbox_ack(s_, id)); }
  std::vector<Record> outbox(std::int64_t after_id = 0, int32_t limit = 100,
                             bool pending_only = false) {
    return rows_of([&](crm_cursor** c) {
      return crm_outbox_list(s_, after_id, limit, pending_only ? 1 : 0, c);
    });
  }

  // -- Departments, users, roles and permissions (部门、用户、角色与权限, R3) ----

  /// Defines a department under `parent` ("" = at the top) with a supervisor
  /// (部门主管; 0 = none yet); returns its id.  user.manage.
  std::int64_t define_department(const std::string& name, const std::string& parent = {},
                                 std::int64_t supervisor = 0) {
    int64_t id = 0;
    detail::check(crm_department_define(s_, name.c_str(), or_null(parent), supervisor, &id));
    return id;
  }
  /// Moves a department (`parent`: std::nullopt = unchanged, "" = to the
  /// top) and sets its supervisor (-1 = unchanged, 0 = none).  user.manage.
  void update_department(const std::string& name,
                         const std::optional<std::string>& parent = std::nullopt,
                         std::int64_t supervisor = -1) {
    detail::check(
        crm_department_update(s_, name.c_str(), parent ? parent->c_str() : nullptr, supervisor));
  }
  /// Every department, parents first {id, name, parent, supervisor,
  /// supervisor_name, members}.
  std::vector<Record> departments() {
    return rows_of([&](crm_cursor** c) { return crm_department_list(s_, c); });
  }
  /// Changes a user: "name", "department", "role", "active" (0 deactivates).
  void update_user(std::int64_t user_id, const Record& changes) {
    detail::check(crm_user_update(s_, user_id, changes.get()));
  }
  /// Users in id order; `department` ("" = all) includes those below it.
  std::vector<Record> users(const std::string& department = {}, bool include_inactive = false) {
    return rows_of([&](crm_cursor** c) {
      return crm_user_list(s_, or_null(department), include_inactive ? 1 : 0, c);
    });
  }
  /// Defines a role; it may do nothing until set_permission grants it something.
  void define_role(const std::string& code, const std::string& label_zh,
                   const std::string& label_en) {
    detail::check(crm_role_define(s_, code.c_str(), label_zh.c_str(), label_en.c_str()));
  }
  /// Sets one cell of the matrix: role × (object, action) → scope ("none",
  /// "own", "department", "all").  user.manage.
  void set_permission(const std::string& role, const std::string& object, const std::string& action,
                      const std::string& scope) {
    detail::check(
        crm_permission_set(s_, role.c_str(), object.c_str(), action.c_str(), scope.c_str()));
  }
  /// The matrix of one role ("" = every role) {role, object, action, scope,
  /// scoped, label_zh, label_en}.
  std::vector<Record> permissions(const std::string& role = {}) {
    return rows_of([&](crm_cursor** c) { return crm_permission_list(s_, or_null(role), c); });
  }
  /// Whether the user may do (object, action), on customer `id` when given:
  /// for enabling buttons; not audited; a customer the user may not see is
  /// false, never an exception.
  bool check_permission(const std::string& object, const std::string& action,
                        const std::string& id = {}) {
    int32_t allowed = 0;
    detail::check(crm_permission_check(s_, object.c_str(), action.c_str(), or_null(id), &allowed));
    return allowed != 0;
  }

  // -- Transfers and unmasking (客户转移、查看完整联系方式) ---------------------

  /// Transfers a customer, with its open follow-up plans, to another active user.
  void transfer_customer(const std::string& id, std::int64_t new_owner,
                         const std::string& reason = {}) {
    detail::check(crm_customer_transfer(s_, id.c_str(), new_owner, or_null(reason)));
  }
  /// Transfers every active customer of `from` to `to` in one transaction;
  /// returns how many moved (crm_customer_transfer_all).
  std::int64_t transfer_customers(std::int64_t from, std::int64_t to,
                                  const std::string& reason = {}) {
    int64_t n = 0;
    detail::check(crm_customer_transfer_all(s_, from, to, or_null(reason), &n));
    return n;
  }
  /// A customer with its contact details in clear; the reason (required) is audited.
  Record unmask_customer(const std::string& id, const std::string& reason) {
    crm_record* r = nullptr;
    detail::check(crm_customer_unmask(s_, id.c_str(), reason.c_str(), &r));
    return Record(r);
  }
  /// A contact in clear, under the same rule as its customer.
  Record unmask_contact(std::int64_t contact_id, const std::string& reason) {
    crm_record* r = nullptr;
    detail::check(crm_contact_unmask(s_, contact_id, reason.c_str(), &r));
    return Record(r);
  }

  // -- Audit log (审计日志, R3.8; audit.read: administrators) ------------------

  /// One page of audit rows {seq, at, actor, action, object, outcome, detail, hash}.
  Page audit_log(const AuditQuery& q = {}) {
    crm_audit_query aq = CRM_AUDIT_QUERY_INIT;
    aq.actor = q.actor;
    aq.action = or_null(q.action);
    aq.object = or_null(q.object);
    aq.outcome = or_null(q.outcome);
    aq.since_ms = q.since_ms;
    aq.until_ms = q.until_ms;
    aq.page_size = q.page_size;
    aq.after = or_null(q.after);
    crm_cursor* c = nullptr;
    detail::check(crm_audit_list(s_, &aq, &c));
    return drain(c);
  }
  /// The last row's seq and hash.
  AuditHead audit_head() {
    AuditHead h;
    char* hash = nullptr;
    int64_t seq = 0;
    detail::check(crm_audit_head(s_, &seq, &hash));
    h.seq = seq;
    h.hash = detail::take(hash);
    return h;
  }
  /// Checks the whole chain, and that it still holds `expected` (a head kept
  /// elsewhere; seq 0 = none).  Tampering is reported, not thrown.
  AuditReport verify_audit(const AuditHead& expected = {}) {
    crm_record* r = nullptr;
    detail::check(crm_audit_verify(
        s_, expected.seq,
        expected.seq == 0 && expected.hash.empty() ? nullptr : expected.hash.c_str(), &r));
    Record rec(r);
    AuditReport out;
    out.ok = rec.get_int("ok") != 0;
    out.seq = rec.get_int("seq");
    out.problem = rec.text("problem");
    out.checked = rec.get_int("checked");
    out.head.seq = rec.get_int("head_seq");
    out.head.hash = rec.text("head_hash");
    return out;
  }

  // -- Access requests (跨部门协作申请, R3.2) ---------------------------------

  /// Asks for access to a customer: `level` "view" or "edit" ("" = view),
  /// `groups` from basic, contact, needs, followup ("" = basic), a reason and
  /// 1.."access.max_hours" hours.  Returns the request's id.
  std::int64_t request_access(const std::string& id, const std::string& level,
                              const std::string& groups, const std::string& reason,
                              std::int32_t hours) {
    int64_t request = 0;
    detail::check(crm_access_request(s_, id.c_str(), or_null(level), or_null(groups),
                                     reason.c_str(), hours, &request));
    return request;
  }
  /// Approves or rejects a pending request (the owner, an approver or an administrator).
  void decide_access(std::int64_t request, bool approve, const std::string& note = {}) {
    detail::check(crm_access_decide(s_, request, approve ? 1 : 0, or_null(note)));
  }
  /// Ends a grant in force now.
  void revoke_access(std::int64_t request, const std::string& reason = {}) {
    detail::check(crm_access_revoke(s_, request, or_null(reason)));
  }
  /// The requester takes back a request still pending.
  void withdraw_access(std::int64_t request) { detail::check(crm_access_withdraw(s_, request)); }
  /// Requests, oldest first: `view` "mine", "to_decide" or "customer" (of customer `id`).
  std::vector<Record> access_requests(const std::string& view = "mine", const std::string& id = {},
                                      bool pending_only = false) {
    return rows_of([&](crm_cursor** c) {
      return crm_access_list(s_, or_null(view), or_null(id), pending_only ? 1 : 0, c);
    });
  }

  // -- Review before effect (审核机制, R1.6) ----------------------------------

  /// Pending changes, oldest first: `view` "mine", "to_review" or "customer".
  std::vector<Record> pending_changes(const std::string& view = "mine", const std::string& id = {},
                                      bool pending_only = false) {
    return rows_of([&](crm_cursor** c) {
      return crm_pending_list(s_, or_null(view), or_null(id), pending_only ? 1 : 0, c);
    });
  }
  /// Approves (it takes effect now) or rejects (a reason is required) a
  /// pending change ("R12"); returns the customer an approval created or
  /// changed ("" after a rejection).
  std::string decide_pending(const std::string& change, bool approve,
                             const std::string& reason = {}) {
    char* id = nullptr;
    detail::check(crm_pending_decide(s_, change.c_str(), approve ? 1 : 0, or_null(reason), &id));
    return detail::take(id);
  }
  /// The author takes back a change still pending.
  void withdraw_pending(const std::string& change) {
    detail::check(crm_pending_withdraw(s_, change.c_str()));
  }

  // -- Erasure, retention, export and backup (R3.6, R3.7) --------------------

  /// Erases a data subject's personal information (删除个人信息); reason required.
  void erase_customer(const std::string& id, const std::string& reason) {
    detail::check(crm_customer_erase(s_, id.c_str(), reason.c_str()));
  }
  /// One page of archived customers due for erasure {id, name, owner, archived_at}.
  Page retention_due(int32_t page_size = 100, const std::string& after = {}) {
    crm_cursor* c = nullptr;
    detail::check(crm_retention_list(s_, page_size, or_null(after), &c));
    return drain(c);
  }
  /// Exports the customers the query lists (every page) that the user may
  /// export, one JSON object per call of `sink`; personal values masked
  /// unless `in_clear` (and the user may unmask).  Returns the lines written.
  std::int64_t export_customers(const CustomerQuery& q, bool in_clear, const ExportSink& sink) {
    std::vector<crm_field_filter> filters;
    crm_customer_query cq = to_c(q, filters);
    detail::ExportContext ctx{&sink, nullptr};
    int64_t rows = 0;
    int rc = crm_customer_export(s_, &cq, in_clear ? 1 : 0, &detail::export_lines, &ctx, &rows);
    if (ctx.error) std::rethrow_exception(ctx.error);
    detail::check(rc);
    return rows;
  }
  /// Backs the database up to `path` with SQLite's online backup
  /// (backup.run: administrators); returns the pages copied.
  std::int64_t backup(const std::string& path, const BackupProgress& progress = {},
                      int32_t pages_per_step = 0) {
    detail::ProgressContext ctx{&progress, nullptr};
    int64_t pages = 0;
    int rc = crm_db_backup(s_, path.c_str(), pages_per_step,
                           progress ? &detail::backup_progress : nullptr, &ctx, &pages);
    if (ctx.error) std::rethrow_exception(ctx.error);
    detail::check(rc);
    return pages;
  }

  // -- Leads (线索, R4) --------------------------------------------------------
  //
  // A lead moves along the funnel captured 线索获取 → screened 初步筛选 →
  // assigned 分配销售 → following 跟进 → converted 转化, or disqualified 无效线索.
  // lead.read / lead.write are scoped by the lead's owner like a customer's;
  // a lead in the pool (线索池, no owner) is within a department scope, not an
  // own scope.  A lead the user may not read throws CRM_ERR_NOT_FOUND.

  /// Captures a lead from a channel (R4.1): "channel", "company", "person",
  /// "phone" or "email", "region", "industry", "scale", "key_needs", "note",
  /// "external_id", "owner".  Validation fails with every failing field and
  /// writes nothing; the same external_id with other details is
  /// CRM_ERR_CONFLICT.  The welcome message goes to the outbox; the lead is
  /// assigned at once (an "owner", or a salesperson's own capture), routed
  /// (lead.auto_assign "captured") or left in the pool.
  LeadCapture capture_lead(const Record& fields) {
    int64_t id = 0;
    int32_t outcome = 0;
    detail::check(crm_lead_capture(s_, fields.get(), &id, &outcome));
    return {id, static_cast<LeadOutcome>(outcome)};
  }
  /// The lead {…fields, stage, owner, score (real), high_value, customer,
  /// route_note, stage times, version}; phone and e-mail masked.
  Record get_lead(std::int64_t lead) {
    crm_record* r = nullptr;
    detail::check(crm_lead_get(s_, lead, &r));
    return Record(r);
  }
  /// The lead with phone and e-mail in clear: lead.write and a reason
  /// (1..500 characters), audited as an unmask.
  Record unmask_lead(std::int64_t lead, const std::string& reason) {
    crm_record* r = nullptr;
    detail::check(crm_lead_unmask(s_, lead, reason.c_str(), &r));
    return Record(r);
  }
  /// The leads the user may read, in id order, masked; page with
  /// LeadQuery::after_id (the last id of the previous page).
  std::vector<Record> list_leads(const LeadQuery& q = {}) {
    crm_lead_query lq = CRM_LEAD_QUERY_INIT;
    lq.stage = or_null(q.stage);
    lq.channel = or_null(q.channel);
    lq.owner = q.owner;
    lq.high_value_only = q.high_value_only ? 1 : 0;
    lq.limit = q.limit;
    lq.after_id = q.after_id;
    return rows_of([&](crm_cursor** c) { return crm_lead_list(s_, &lq, c); });
  }
  /// Records a behaviour event (R4.3) of a scoring rule's kind
  /// ("product_view", "inquiry", "download", "visit" …) at at_ms (0 = now;
  /// not in the future).  Reaching "lead.high_value_score" (8) marks the lead
  /// 高价值线索 once and tells its owner.  CRM_ERR_INVALID_ARG for an unknown
  /// kind, CRM_ERR_STATE for a converted or disqualified lead.
  LeadScore record_lead_event(std::int64_t lead, const std::string& kind, std::int64_t at_ms = 0,
                              const std::string& note = {}) {
    crm_record* r = nullptr;
    detail::check(crm_lead_event(s_, lead, kind.c_str(), at_ms, or_null(note), &r));
    Record rec(r);
    LeadScore out;
    out.event = rec.get_int("event");
    out.score = rec.get_real("score");
    out.high_value = rec.get_int("high_value") != 0;
    out.marked_now = rec.get_int("marked_now") != 0;
    return out;
  }
  /// Why the lead has its score, oldest event first: {event, kind, label,
  /// label_en, at, points, weight, effective, note}; the "effective" points
  /// add up to the score.
  std::vector<Record> explain_lead_score(std::int64_t lead) {
    return rows_of([&](crm_cursor** c) { return crm_lead_score_explain(s_, lead, c); });
  }
  /// Moves the lead to "screened", "following" (it needs an owner) or
  /// "disqualified" (a reason is required); codes or labels.  Going back, or
  /// leaving converted / disqualified, is CRM_ERR_STATE.
  void advance_lead(std::int64_t lead, const std::string& stage, const std::string& reason = {}) {
    detail::check(crm_lead_advance(s_, lead, stage.c_str(), or_null(reason)));
  }
  /// Assigns the lead to `user`, or (0) by the assignment rules (R4.2);
  /// returns the owner, 0 when no rule found anyone available (the lead
  /// stays in the pool; its "route_note" says why).  An absent, inactive or
  /// full ("lead.max_open_per_user") user is CRM_ERR_STATE.
  std::int64_t assign_lead(std::int64_t lead, std::int64_t user = 0) {
    int64_t owner = 0;
    detail::check(crm_lead_assign(s_, lead, user, &owner));
    return owner;
  }
  /// Converts an assigned lead into a customer (转化) of `type` "prospect"
  /// ("" = this) or "intent", owned by the lead's owner; returns the
  /// customer's id ("C0241").  A lead linked to a customer is linked to it
  /// instead.  Throws crm::Pending when new customers wait for review (the
  /// lead is left as it was: convert it again with {"customer": id} once
  /// approved).
  std::string convert_lead(std::int64_t lead, const std::string& type = {}) {
    char* id = nullptr;
    detail::check(crm_lead_convert(s_, lead, or_null(type), nullptr, &id));
    return detail::take(id);
  }
  /// The same, with customer fields added or overridden (`fields`), or
  /// {"customer": "C0005"} to link the lead to an existing customer; a
  /// validation error names the customer fields still missing.
  std::string convert_lead(std::int64_t lead, const std::string& type, const Record& fields) {
    char* id = nullptr;
    detail::check(crm_lead_convert(s_, lead, or_null(type), fields.get(), &id));
    return detail::take(id);
  }
  /// Funnel counts (R4.4) of the leads captured in [from_ms, to_ms) (0 =
  /// now) by `period` ("day", "week", "month", "all") and channel: {period,
  /// channel (NULL on each period's first row, every channel), channel_label,
  /// captured, screened, assigned, following, converted, disqualified,
  /// conversion_rate (real)}.
  std::vector<Record> lead_funnel(std::int64_t from_ms = 0, std::int64_t to_ms = 0,
                                  const std::string& period = "all") {
    return rows_of(
        [&](crm_cursor** c) { return crm_lead_funnel(s_, from_ms, to_ms, period.c_str(), c); });
  }
  /// Sets the points (1..100) and labels of a scoring event kind (a new kind
  /// is added); config.manage.  Events already recorded keep their points.
  void set_lead_score_rule(const std::string& kind, int32_t points, const std::string& label_zh,
                           const std::string& label_en) {
    detail::check(
        crm_lead_score_rule_set(s_, kind.c_str(), points, label_zh.c_str(), label_en.c_str()));
  }
  /// The scoring rules {kind, points, label, label_en, updated_at, updated_by}.
  std::vector<Record> lead_score_rules() {
    return rows_of([&](crm_cursor** c) { return crm_lead_score_rule_list(s_, c); });
  }
  /// Adds an assignment rule (线索分配规则): "region" (contained in the
  /// lead's region: 深圳 matches 广东省深圳市), "industry", and "user" or
  /// "department" (round robin over its salespeople), optional "position".
  /// config.manage; returns the rule's id.
  std::int64_t add_lead_route(const Record& rule) {
    int64_t id = 0;
    detail::check(crm_lead_route_add(s_, rule.get(), &id));
    return id;
  }
  /// Removes an assignment rule; CRM_ERR_NOT_FOUND if there is none.
  void remove_lead_route(std::int64_t id) { detail::check(crm_lead_route_remove(s_, id)); }
  /// The assignment rules in the order they are tried {id, position, region,
  /// industry, user, department, last_user}.
  std::vector<Record> lead_routes() {
    return rows_of([&](crm_cursor** c) { return crm_lead_route_list(s_, c); });
  }

  // -- Automation rules (自动化规则, R8) ---------------------------------------
  //
  // A rule is a JSON document, trigger → conditions → actions (see crm.h and
  // docs/automation.md):
  //
  //   {"name": "高潜力客户提醒销售经理",
  //    "trigger": {"event": "tag_added", "tag": "高潜力"},
  //    "conditions": {"field": "priority", "op": "=", "value": "高"},
  //    "actions": [{"type": "notify", "to": "role:sales_manager", "channels": "app",
  //                 "template_zh": "客户{customer}被标记为高潜力",
  //                 "template_en": "{customer} was tagged high potential"}]}
  //
  // Rules run inside the transaction of the change that triggers them (time
  // triggers inside Session::tick), as the user who last saved the rule; their
  // messages go to the outbox with kind "automation", and what they did to
  // the run log (automation_runs).  Saving and enabling need config.manage;
  // reading needs config.read.

  /// Saves a rule: a new one (`rule_id` 0; it starts disabled) or a new
  /// version of rule `rule_id` (which keeps its enabled state and applies at
  /// once).  A rule that could never be valid throws CRM_ERR_INVALID_ARG
  /// whose message gives the path of the mistake ("conditions.all[1].field:
  /// no customer field \"budget\"") and nothing is saved.
  SavedRule save_automation_rule(const std::string& json, std::int64_t rule_id = 0) {
    SavedRule out;
    detail::check(crm_automation_rule_save(s_, rule_id, json.c_str(), &out.id, &out.version));
    return out;
  }
  /// Enables (true) or disables (false) a rule.  CRM_ERR_NOT_FOUND for an
  /// unknown rule; enabling a rule whose definition no longer compiles (a
  /// tag or user it names is gone) is CRM_ERR_INVALID_ARG saying why.
  void enable_automation_rule(std::int64_t rule_id, bool enabled = true) {
    detail::check(crm_automation_rule_enable(s_, rule_id, enabled ? 1 : 0));
  }
  /// The rule {id, name, enabled, version, event, definition (the JSON as
  /// saved), template (a shipped template's code, or NULL), updated_at,
  /// updated_by, problem (NULL, or why the definition no longer compiles —
  /// such a rule does not run until saved again)}.
  Record automation_rule(std::int64_t rule_id) {
    crm_record* r = nullptr;
    detail::check(crm_automation_rule_get(s_, rule_id, &r));
    return Record(r);
  }
  /// Every rule, by id, as automation_rule's records; includes the shipped
  /// templates (disabled until enabled): "high_potential_tag" (tag 高潜力 →
  /// the sales managers), "status_stale_3d" and the intent customer
  /// reminders after 24 and 48 hours.
  std::vector<Record> automation_rules() {
    return rows_of([&](crm_cursor** c) { return crm_automation_rule_list(s_, c); });
  }
  /// The versions of a rule, oldest first {version, definition, created_at,
  /// created_by}.
  std::vector<Record> automation_rule_versions(std::int64_t rule_id) {
    return rows_of([&](crm_cursor** c) { return crm_automation_rule_versions(s_, rule_id, c); });
  }
  /// The run log, oldest first: runs after `after_id` (0 = from the start)
  /// of rule `rule_id` (0 = every rule), at most `limit` (1..1000; 0 = 100):
  /// {id, rule, version, event, customer, at, depth, outcome ("fired",
  /// "action_failed" or "loop_stopped"), detail}.  Page with the last id.
  std::vector<Record> automation_runs(std::int64_t rule_id = 0, std::int64_t after_id = 0,
                                      int32_t limit = 0) {
    return rows_of(
        [&](crm_cursor** c) { return crm_automation_run_list(s_, rule_id, after_id, limit, c); });
  }
  /// Simulation (模拟测试, R8.3): runs rules against a scripted customer life
  /// on a scratch copy of the database — nothing real is touched — and
  /// returns the timeline in the order things happened.  `script_json` is
  /// {"start": UTC ms, "steps": [{"do": "create" | "update" | "tag" |
  /// "untag" | "stage" | "tick", …, "at" or "after_hours"}]}; `rules_json` a
  /// JSON array of rules to use instead of the saved enabled ones ("" = the
  /// saved ones).  Rows {at, kind ("step", "run" or "message"), …}: steps
  /// {step, detail}, runs {rule, rule_name, event, outcome, detail},
  /// messages {rule, rule_name, channel, recipient, message}.  A bad rule or
  /// step throws CRM_ERR_INVALID_ARG naming "rules[i]" or "steps[i]";
  /// config.manage.
  std::vector<Record> simulate_automation(const std::string& script_json,
                                          const std::string& rules_json = {}) {
    return rows_of([&](crm_cursor** c) {
      return crm_automation_simulate(s_, or_null(rules_json), script_json.c_str(), c);
    });
  }

  /// Customer-name search (客户检索): `text` as a substring of the name in
  /// simplified or traditional characters, or (Latin letters only) as full
  /// pinyin ("huawei", "hua wei") or initials ("hwjs").  Rows as
  /// list_customers shows them plus "match" ("name", "pinyin" or
  /// "initials") and "match_rank" (0..8), best first; page with `after`.
  Page search_customers(const std::string& text, int32_t page_size = 0,
                        const std::string& after = {}, bool include_archived = false) {
    crm_search_query q = CRM_SEARCH_QUERY_INIT;
    q.text = text.c_str();
    q.page_size = page_size;
    q.after = or_null(after);
    q.include_archived = include_archived ? 1 : 0;
    crm_cursor* c = nullptr;
    detail::check(crm_customer_search(s_, &q, &c));
    return drain(c);
  }
  /// The fields counted in customer information completeness (R10.1):
  /// {field, label_zh, label_en, weight, share}.
  std::vector<Record> completeness_fields() {
    return rows_of([&](crm_cursor** c) { return crm_completeness_field_list(s_, c); });
  }
  /// Sets a field's weight in the completeness metric (0 takes it out);
  /// config.manage.
  void set_completeness_field(const std::string& field, std::int64_t weight) {
    detail::check(crm_completeness_field_set(s_, field.c_str(), weight));
  }
  /// One customer's completeness {customer, percent, filled_weight,
  /// total_weight, missing, goal_percent, goal_met}.
  Record customer_completeness(const std::string& id) {
    crm_record* r = nullptr;
    detail::check(crm_customer_completeness(s_, id.c_str(), &r));
    return Record(r);
  }
  /// Completeness of the customers the user may read, grouped by "all",
  /// "owner" or "department": {group, label, customers, percent, complete,
  /// meeting_goal, goal_percent, goal_met}.
  std::vector<Record> completeness_report(const std::string& group_by = "all",
                                          bool include_archived = false) {
    return rows_of([&](crm_cursor** c) {
      return crm_completeness_report(s_, group_by.c_str(), include_archived ? 1 : 0, c);
    });
  }

  // -- Merging duplicate customers (客户合并, R9.3; docs/merge.md) ----------

  /// Merges customer `merged_id` into `survivor_id` (crm_customer_merge):
  /// `choices` maps fields ("name", "owner", "primary_contact",
  /// "custom.<name>" …) to "survivor" or "merged"; returns {merge, moved,
  /// from_merged}.
  Record merge_customers(const std::string& survivor_id, const std::string& merged_id,
                         const Record& choices = Record(), const std::string& reason = {}) {
    crm_record* r = nullptr;
    detail::check(crm_customer_merge(s_, survivor_id.c_str(), merged_id.c_str(), choices.get(),
                                     or_null(reason), nullptr, &r));
    return Record(r);
  }
  /// Undoes merge `merge_id` (crm_customer_unmerge); without `force`, throws
  /// crm::Error (CRM_ERR_CONFLICT, a field error per change) when either
  /// customer or a moved row changed since.  Returns {merge, restored,
  /// overwritten}.
  Record unmerge_customers(std::int64_t merge_id, bool force = false,
                           const std::string& reason = {}) {
    crm_record* r = nullptr;
    detail::check(crm_customer_unmerge(s_, merge_id, force ? 1 : 0, or_null(reason), &r));
    return Record(r);
  }
  /// Merges in id order after `after_id`, of one customer ("" = all)
  /// (crm_merge_list).
  std::vector<Record> merges(const std::string& customer_id = {}, std::int64_t after_id = 0,
                             std::int32_t limit = 0) {
    return rows_of([&](crm_cursor** c) {
      return crm_merge_list(s_, or_null(customer_id), after_id, limit, c);
    });
  }

  // -- Duplicates and the cleansing report (查重与数据清洗, R9.3) ------------
  //
  // See crm_duplicates_find in crm.h and docs/duplicates.md.  A threshold
  // of 0 is the default 0.6.  `progress` returning false stops the call
  // (CRM_ERR_STATE).

  /// Every likely duplicate pair the user may read both of: rows {group,
  /// a, a_name, b, b_name, score, name_similarity, reasons}.
  std::vector<Record> find_duplicates(double threshold = 0, const BackupProgress& progress = {}) {
    detail::ProgressContext ctx{&progress, nullptr};
    crm_cursor* c = nullptr;
    int rc =
        crm_duplicates_find(s_, threshold, progress ? &detail::backup_progress : nullptr, &ctx, &c);
    if (ctx.error) {
      crm_cursor_close(c);
      std::rethrow_exception(ctx.error);
    }
    detail::check(rc);
    return drain(c).rows;
  }

  /// Who might a new row duplicate?  `fields`: name, phone, email,
  /// contact_name (text, each optional) and optionally exclude (a customer
  /// id).  Rows {customer, name, score, name_similarity, reasons}, best
  /// first.
  std::vector<Record> duplicates_of(const Record& fields, double threshold = 0) {
    return rows_of(
        [&](crm_cursor** c) { return crm_duplicates_of(s_, fields.get(), threshold, c); });
  }

  /// The quarterly cleansing report: rows {check, field, group, count,
  /// customers, reasons, days}; `stale_days` 0 = the setting
  /// cleansing.stale_days.
  std::vector<Record> cleansing_report(int32_t stale_days = 0, double threshold = 0,
                                       const BackupProgress& progress = {}) {
    detail::ProgressContext ctx{&progress, nullptr};
    crm_cursor* c = nullptr;
    int rc = crm_cleansing_report(s_, stale_days, threshold,
                                  progress ? &detail::backup_progress : nullptr, &ctx, &c);
    if (ctx.error) {
      crm_cursor_close(c);
      std::rethrow_exception(ctx.error);
    }
    detail::check(rc);
    return drain(c).rows;
  }

  // -- Bringing data in (导入数据, R9.1, R9.2), see docs/import.md -----------
  //
  // Reports are records: {rows, inserted, updated, unchanged, rejected,
  // duplicates, pending, error_rows, cancelled, encoding, key, errors (JSON
  // text of the first 100 rows not written: [{"row", "message_en",
  // "message_zh"}])}.  A progress callback returning false is not an error:
  // the report says cancelled = 1 and the batches before it are committed.

  /// Imports customers from the CSV file `path` (crm_customer_import).
  Record import_customers(const std::string& path, const ImportOptions& o = {}) {
    return import_call(o, [&](const crm_import_options* c, crm_record** r) {
      return crm_customer_import(s_, path.c_str(), c, r);
    });
  }
  /// The same from CSV bytes in memory (crm_customer_import_buffer).
  Record import_customers_buffer(std::string_view data, const ImportOptions& o = {}) {
    return import_call(o, [&](const crm_import_options* c, crm_record** r) {
      return crm_customer_import_buffer(s_, data.data(), data.size(), c, r);
    });
  }
  /// Exports the customers the query lists as CSV (crm_customer_export_csv)
  /// to `write`, which receives chunks of whole rows; false stops the export
  /// (CRM_ERR_STATE).  Returns the customers written.
  std::int64_t export_customers_csv(const CustomerQuery& q, bool in_clear, const CsvOptions& o,
                                    const std::function<bool(std::string_view chunk)>& write) {
    std::vector<crm_field_filter> filters;
    crm_customer_query cq = to_c(q, filters);
    crm_csv_options co = CRM_CSV_OPTIONS_INIT;
    co.encoding = o.encoding.empty() ? nullptr : o.encoding.c_str();
    co.english_headers = o.english_headers ? 1 : 0;
    co.bom = o.bom ? 1 : 0;
    struct Ctx {
      const std::function<bool(std::string_view)>* write;
      std::exception_ptr error;
    } ctx{&write, nullptr};
    auto fn = [](void* p, const char* data, size_t len) noexcept -> int {
      auto* c = static_cast<Ctx*>(p);
      try {
        return (*c->write)(std::string_view(data, len)) ? 0 : 1;
      } catch (...) {
        c->error = std::current_exception();
        return 1;
      }
    };
    int64_t rows = 0;
    int rc = crm_customer_export_csv(s_, &cq, in_clear ? 1 : 0, &co, fn, &ctx, &rows);
    if (ctx.error) std::rethrow_exception(ctx.error);
    detail::check(rc);
    return rows;
  }
  /// The CSV export as one string (bytes in the chosen encoding).
  std::string export_customers_csv(const CustomerQuery& q = {}, bool in_clear = false,
                                   const CsvOptions& o = {}) {
    std::string out;
    export_customers_csv(q, in_clear, o, [&](std::string_view chunk) {
      out.append(chunk.data(), chunk.size());
      return true;
    });
    return out;
  }
  /// Migrates follow-up history from the CSV file `path`
  /// (crm_followup_migrate): a record {rows, migrated, unchanged, rejected,
  /// error_rows, cancelled, encoding, key, errors}.
  Record migrate_followups(const std::string& path, const ImportOptions& o = {}) {
    return import_call(o, [&](const crm_import_options* c, crm_record** r) {
      return crm_followup_migrate(s_, path.c_str(), c, r);
    });
  }
  /// Compares `sample` rows of the source, picked with `seed`, with what
  /// was migrated from them (crm_followup_migrate_verify).  `o.progress`
  /// gets (rows read, data rows) every 1 000 rows; false stops the check
  /// (summary "cancelled" 1); an exception it throws is rethrown here.
  MigrationCheck verify_followup_migration(const std::string& path, int32_t sample,
                                           std::uint64_t seed, const ImportOptions& o = {}) {
    detail::CImportOptions c(o);
    crm_record* r = nullptr;
    crm_cursor* cur = nullptr;
    int rc = crm_followup_migrate_verify(s_, path.c_str(), &c.c, sample, seed, &r, &cur);
    if (c.ctx.error) {
      crm_record_free(r);
      crm_cursor_close(cur);
      std::rethrow_exception(c.ctx.error);
    }
    detail::check(rc);
    Record summary(r);
    return MigrationCheck{std::move(summary), drain(cur).rows};
  }

  crm_session* handle() const noexcept { return s_; }

 private:
  static const char* or_null(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }
  // Runs an import-like call with `o` and returns its report.
  template <class Call>
  static Record import_call(const ImportOptions& o, Call call) {
    detail::CImportOptions c(o);
    crm_record* r = nullptr;
    int rc = call(&c.c, &r);
    if (c.ctx.error) {
      crm_record_free(r);
      std::rethrow_exception(c.ctx.error);
    }
    detail::check(rc);
    return Record(r);
  }
  // Every row of the cursor that `open(&cursor)` opens.
  template <class Open>
  static std::vector<Record> rows_of(Open open) {
    crm_cursor* c = nullptr;
    detail::check(open(&c));
    return drain(c).rows;
  }

  static Record copy(const crm_record* row) {
    Record r;
    for (const auto& [name, value] : Record::fields_of(row)) r.set(name.c_str(), value);
    return r;
  }
  static Page drain(crm_cursor* c) {
    struct Close {
      void operator()(crm_cursor* c) const noexcept { crm_cursor_close(c); }
    };
    std::unique_ptr<crm_cursor, Close> guard(c);
    Page page;
    const crm_record* row = nullptr;
    while (detail::check(crm_cursor_next(c, &row)) == CRM_OK) page.rows.push_back(copy(row));
    const char* next = nullptr;
    detail::check(crm_cursor_next_page(c, &next));
    if (next) page.next = next;
    return page;
  }
  crm_session* s_ = nullptr;
};

}  // namespace crm

#endif  // CRM_CRM_HPP
