// The C ABI: a thin translation of the services.  Every exported function
// catches everything, records the per-thread last error and returns a status.
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crm.h"
#include "domain/calendar.hpp"
#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/json.hpp"
#include "domain/match_keys.hpp"
#include "domain/value.hpp"
#include "handles.hpp"
#include "service/access.hpp"
#include "service/audit.hpp"
#include "service/automation.hpp"
#include "service/backup.hpp"
#include "service/calendars.hpp"
#include "service/completeness.hpp"
#include "service/contacts.hpp"
#include "service/custom_fields.hpp"
#include "service/customers.hpp"
#include "service/db.hpp"
#include "service/duplicates.hpp"
#include "service/error.hpp"
#include "service/export.hpp"
#include "service/followups.hpp"
#include "service/import.hpp"
#include "service/leads.hpp"
#include "service/maintenance.hpp"
#include "service/merge.hpp"
#include "service/migration.hpp"
#include "service/organization.hpp"
#include "service/privacy.hpp"
#include "service/review.hpp"
#include "service/rows_report.hpp"
#include "service/scheduler.hpp"
#include "service/search.hpp"
#include "service/session.hpp"
#include "service/tags.hpp"
#include "service/tiers.hpp"
#include "service/users.hpp"
#include "store/customer_repo.hpp"
#include "store/schema.hpp"

struct crm_record {
  crm::Record rec;
};

namespace {

using crm::Error;
using crm::Status;

// ---------------------------------------------------------------------------
// Per-thread last error

struct LastError {
  int code = CRM_OK;
  std::string en, zh;
  std::vector<crm::FieldError> fields;
};

LastError& last_error() {
  thread_local LastError e;
  return e;
}

void clear_error() {
  LastError& e = last_error();
  if (e.code == CRM_OK) return;
  e.code = CRM_OK;
  e.en.clear();
  e.zh.clear();
  e.fields.clear();
}

int set_error(const Error& err) {
  LastError& e = last_error();
  e.code = static_cast<int>(err.status());
  e.en = err.message_en();
  e.zh = err.message_zh();
  e.fields = err.fields();
  return e.code;
}

int null_arg(const char* name) {
  return set_error(Error(Status::invalid_arg, std::string(name) + " must not be NULL",
                         std::string(name) + " 不能为 NULL"));
}

// Runs `body` with the last error cleared; turns any exception into a status.
template <class F>
int guard(F&& body) noexcept {
  clear_error();
  try {
    return body();
  } catch (...) {
    try {
      return set_error(crm::current_error());
    } catch (...) {
      last_error().code = CRM_ERR_NOMEM;
      return CRM_ERR_NOMEM;
    }
  }
}

// ---------------------------------------------------------------------------
// Handles

struct DbHandle {
  explicit DbHandle(const crm::store::OpenOptions& o) : db(o) {}
  crm::Database db;
};

struct SessionHandle {
  std::shared_ptr<DbHandle> db;
  std::unique_ptr<crm::Session> session;
};

struct CursorHandle {
  std::shared_ptr<DbHandle> db;
  std::vector<crm_record> rows;
  std::size_t pos = 0;
  std::string next;
};

crm::capi::HandleTable<DbHandle>& dbs() {
  static auto* t = new crm::capi::HandleTable<DbHandle>();  // never destroyed: safe at exit
  return *t;
}
crm::capi::HandleTable<SessionHandle>& sessions() {
  static auto* t = new crm::capi::HandleTable<SessionHandle>();
  return *t;
}
crm::capi::HandleTable<CursorHandle>& cursors() {
  static auto* t = new crm::capi::HandleTable<CursorHandle>();
  return *t;
}

Error closed(const char* what) {
  return Error(Status::state, std::string(what) + " is closed or not a valid handle",
               std::string(what) + " 已关闭或不是有效句柄");
}

std::shared_ptr<DbHandle> db_of(crm_db* h) {
  if (!h) throw Error(Status::invalid_arg, "db must not be NULL", "db 不能为 NULL");
  auto d = dbs().get(h);
  if (!d) throw closed("database handle");
  return d;
}

std::shared_ptr<SessionHandle> session_of(crm_session* h) {
  if (!h) throw Error(Status::invalid_arg, "session must not be NULL", "session 不能为 NULL");
  auto s = sessions().get(h);
  if (!s) throw closed("session");
  return s;
}

void require(const void* p, const char* name) {
  if (!p)
    throw Error(Status::invalid_arg, std::string(name) + " must not be NULL",
                std::string(name) + " 不能为 NULL");
}

char* owned_copy(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) throw std::bad_alloc();
  std::memcpy(p, s.data(), s.size() + 1);
  return p;
}

std::optional<std::string> opt_text(const char* s) {
  if (!s) return std::nullopt;
  return std::string(s);
}

crm_cursor* make_cursor(const std::shared_ptr<DbHandle>& db, std::vector<crm::Record> rows,
                        std::string next) {
  auto c = std::make_shared<CursorHandle>();
  c->db = db;
  c->rows.reserve(rows.size());
  for (auto& r : rows) c->rows.push_back(crm_record{std::move(r)});
  c->next = std::move(next);
  crm_cursor* h = static_cast<crm_cursor*>(cursors().add(c));
  db->db.children++;
  return h;
}

const crm::FieldError* field_at(int32_t i) {
  const LastError& e = last_error();
  if (i < 0 || static_cast<std::size_t>(i) >= e.fields.size()) return nullptr;
  return &e.fields[static_cast<std::size_t>(i)];
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------------------
// Version and errors

const char* crm_version(void) { return CRM_VERSION_STRING; }

int32_t crm_version_number(void) {
  return CRM_VERSION_MAJOR * 10000 + CRM_VERSION_MINOR * 100 + CRM_VERSION_PATCH;
}

int crm_errcode(void) { return last_error().code; }
const char* crm_errmsg(void) { return last_error().en.c_str(); }
const char* crm_errmsg_zh(void) { return last_error().zh.c_str(); }

const char* crm_status_name(int status) {
  if (status < CRM_ERR_INTERNAL || status > CRM_PENDING) return "CRM_ERR_UNKNOWN";
  return crm::status_name(static_cast<Status>(status));
}

int32_t crm_error_field_count(void) { return static_cast<int32_t>(last_error().fields.size()); }
const char* crm_error_field_name(int32_t i) {
  auto* f = field_at(i);
  return f ? f->field.c_str() : "";
}
const char* crm_error_field_code(int32_t i) {
  auto* f = field_at(i);
  return f ? f->code.c_str() : "";
}
const char* crm_error_field_message(int32_t i) {
  auto* f = field_at(i);
  return f ? f->message_en.c_str() : "";
}
const char* crm_error_field_message_zh(int32_t i) {
  auto* f = field_at(i);
  return f ? f->message_zh.c_str() : "";
}

const char* crm_error_field_label_zh(int32_t i) {
  auto* f = field_at(i);
  return f ? f->label_zh.c_str() : "";
}

void crm_free(void* p) { std::free(p); }

// ---------------------------------------------------------------------------
// Records

int crm_record_new(crm_record** out) {
  return guard([&] {
    require(out, "out");
    *out = new crm_record();
    return CRM_OK;
  });
}

void crm_record_free(crm_record* rec) { delete rec; }

static int record_set(crm_record* rec, const char* field, crm::Value v) {
  return guard([&] {
    require(rec, "rec");
    require(field, "field");
    if (!*field) throw Error(Status::invalid_arg, "field name is empty", "字段名为空");
    rec->rec.set(field, std::move(v));
    return CRM_OK;
  });
}

int crm_record_set_text(crm_record* rec, const char* field, const char* value) {
  if (!value) return null_arg("value");
  return record_set(rec, field, std::string(value));
}

int crm_record_set_textn(crm_record* rec, const char* field, const char* value, size_t len) {
  if (!value && len != 0) return null_arg("value");
  return record_set(rec, field, value ? std::string(value, len) : std::string());
}

int crm_record_set_int(crm_record* rec, const char* field, int64_t value) {
  return record_set(rec, field, static_cast<std::int64_t>(value));
}

int crm_record_set_real(crm_record* rec, const char* field, double value) {
  return record_set(rec, field, value);
}

int crm_record_set_null(crm_record* rec, const char* field) {
  return record_set(rec, field, crm::Value{});
}

int crm_record_unset(crm_record* rec, const char* field) {
  return guard([&] {
    require(rec, "rec");
    require(field, "field");
    if (!rec->rec.unset(field))
      throw Error(Status::not_found, std::string("record has no field ") + field,
                  std::string("记录中没有字段 ") + field);
    return CRM_OK;
  });
}

int crm_record_count(const crm_record* rec, int32_t* out) {
  return guard([&] {
    require(rec, "rec");
    require(out, "out");
    *out = static_cast<int32_t>(rec->rec.size());
    return CRM_OK;
  });
}

int crm_record_name(const crm_record* rec, int32_t i, const char** out) {
  return guard([&] {
    require(rec, "rec");
    require(out, "out");
    if (i < 0 || static_cast<std::size_t>(i) >= rec->rec.size())
      throw Error(Status::not_found, "field index out of range", "字段下标越界");
    *out = rec->rec.entries()[static_cast<std::size_t>(i)].first.c_str();
    return CRM_OK;
  });
}

static const crm::Value& value_of(const crm_record* rec, const char* field) {
  require(rec, "rec");
  require(field, "field");
  const crm::Value* v = rec->rec.find(field);
  if (!v)
    throw Error(Status::not_found, std::string("record has no field ") + field,
                std::string("记录中没有字段 ") + field);
  return *v;
}

static Error type_error(const char* field, const char* wanted) {
  return Error(Status::type, std::string("field ") + field + " is not " + wanted,
               std::string("字段 ") + field + " 的类型不是" +
                   (std::strcmp(wanted, "text") == 0 ? "文本" : "数值"));
}

int crm_record_type(const crm_record* rec, const char* field, int32_t* out) {
  return guard([&] {
    require(out, "out");
    const crm::Value& v = value_of(rec, field);
    *out = crm::is_null(v)   ? CRM_TYPE_NULL
           : crm::is_int(v)  ? CRM_TYPE_INT
           : crm::is_real(v) ? CRM_TYPE_REAL
                             : CRM_TYPE_TEXT;
    return CRM_OK;
  });
}

int crm_record_get_text(const crm_record* rec, const char* field, const char** out) {
  return guard([&] {
    require(out, "out");
    const crm::Value& v = value_of(rec, field);
    if (crm::is_null(v)) {
      *out = nullptr;
      return CRM_OK;
    }
    if (!crm::is_text(v)) throw type_error(field, "text");
    *out = std::get<std::string>(v).c_str();
    return CRM_OK;
  });
}

int crm_record_get_int(const crm_record* rec, const char* field, int64_t* out) {
  return guard([&] {
    require(out, "out");
    const crm::Value& v = value_of(rec, field);
    if (!crm::is_int(v)) throw type_error(field, "an integer");
    *out = std::get<std::int64_t>(v);
    return CRM_OK;
  });
}

int crm_record_get_real(const crm_record* rec, const char* field, double* out) {
  return guard([&] {
    require(out, "out");
    const crm::Value& v = value_of(rec, field);
    if (crm::is_real(v))
      *out = std::get<double>(v);
    else if (crm::is_int(v))
      *out = static_cast<double>(std::get<std::int64_t>(v));
    else
      throw type_error(field, "a number");
    return CRM_OK;
  });
}

int crm_record_to_json(const crm_record* rec, char** out) {
  return guard([&] {
    require(rec, "rec");
    require(out, "out");
    *out = owned_copy(crm::record_to_json(rec->rec));
    return CRM_OK;
  });
}

// ---------------------------------------------------------------------------
// Field registry

static const std::vector<crm::FieldDef>& fields_or_throw(const char* entity) {
  require(entity, "entity");
  const auto* f = crm::fields_of(entity);
  if (!f)
    throw Error(Status::not_found, std::string("no entity ") + entity,
                std::string("没有实体 ") + entity);
  return *f;
}

int crm_field_count(const char* entity, int32_t* out) {
  return guard([&] {
    require(out, "out");
    *out = static_cast<int32_t>(fields_or_throw(entity).size());
    return CRM_OK;
  });
}

int crm_field_info(const char* entity, int32_t i, const char** name, const char** type,
                   const char** label_zh, const char** label_en, int32_t* flags) {
  return guard([&] {
    const auto& fields = fields_or_throw(entity);
    if (i < 0 || static_cast<std::size_t>(i) >= fields.size())
      throw Error(Status::not_found, "field index out of range", "字段下标越界");
    const crm::FieldDef& f = fields[static_cast<std::size_t>(i)];
    if (name) *name = f.name;
    if (type) *type = crm::field_type_name(f.type);
    if (label_zh) *label_zh = f.label_zh;
    if (label_en) *label_en = f.label_en;
    if (flags) *flags = static_cast<int32_t>(f.flags);
    return CRM_OK;
  });
}

int crm_field_resolve(const char* entity, const char* header, const char** out) {
  return guard([&] {
    require(header, "header");
    require(out, "out");
    fields_or_throw(entity);
    const crm::FieldDef* f = crm::resolve_field(entity, header);
    if (!f)
      throw Error(Status::not_found, std::string("no field matches header ") + header,
                  std::string("没有与表头匹配的字段：") + header);
    *out = f->name;
    return CRM_OK;
  });
}

// ---------------------------------------------------------------------------
// Databases

int crm_db_open(const char* path, const crm_open_options* opts, crm_db** out) {
  return guard([&] {
    require(path, "path");
    require(out, "out");
    *out = nullptr;
    crm_open_options o = CRM_OPEN_OPTIONS_INIT;
    if (opts) {
      if (opts->size < offsetof(crm_open_options, time_zone) + sizeof(const char*) ||
          opts->size > 4096)
        throw Error(Status::invalid_arg,
                    "opts->size is wrong; initialise with CRM_OPEN_OPTIONS_INIT",
                    "opts->size 不正确，请用 CRM_OPEN_OPTIONS_INIT 初始化");
      std::memcpy(&o, opts, sizeof o);
    }
    crm::store::OpenOptions so;
    so.path = path;
    so.readonly = (o.flags & CRM_OPEN_READONLY) != 0;
    so.nocreate = (o.flags & CRM_OPEN_NOCREATE) != 0;
    so.busy_timeout_ms = o.busy_timeout_ms < 0 ? 0 : o.busy_timeout_ms;
    so.time_zone = o.time_zone ? o.time_zone : "Asia/Shanghai";
    if (!crm::find_zone(so.time_zone))
      throw Error(Status::invalid_arg, "unknown time zone \"" + so.time_zone + "\"",
                  "未知时区“" + so.time_zone + "”");
    auto handle = std::make_shared<DbHandle>(so);
    *out = static_cast<crm_db*>(dbs().add(std::move(handle)));
    return CRM_OK;
  });
}

int crm_db_close(crm_db* db) {
  if (!db) return CRM_OK;
  return guard([&] {
    auto d = dbs().get(db);
    if (!d) throw closed("database handle");
    if (d->db.children > 0)
      throw Error(Status::state,
                  "close every session and cursor of this database before closing it",
                  "请先关闭此数据库的所有会话和游标");
    dbs().remove(db);
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    if (d->db.in_explicit_transaction()) d->db.rollback();
    return CRM_OK;
  });
}

int crm_db_schema_version(crm_db* db, int32_t* out) {
  return guard([&] {
    auto d = db_of(db);
    require(out, "out");
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    *out = d->db.conn().schema_version();
    return CRM_OK;
  });
}

int32_t crm_schema_version(void) { return crm::store::latest_schema_version(); }

int crm_db_time_zone(crm_db* db, const char** out) {
  return guard([&] {
    auto d = db_of(db);
    require(out, "out");
    *out = d->db.zone_name().c_str();
    return CRM_OK;
  });
}

int crm_db_clock_system(crm_db* db) {
  return guard([&] {
    auto d = db_of(db);
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    d->db.clock().use_system();
    return CRM_OK;
  });
}

int crm_db_clock_fixed(crm_db* db, int64_t now_ms) {
  return guard([&] {
    auto d = db_of(db);
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    d->db.clock().fix(now_ms);
    return CRM_OK;
  });
}

int crm_db_clock_callback(crm_db* db, crm_clock_fn fn, void* ctx) {
  return guard([&] {
    auto d = db_of(db);
    require(reinterpret_cast<const void*>(fn), "fn");
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    d->db.clock().use_callback(fn, ctx);
    return CRM_OK;
  });
}

int crm_db_now(crm_db* db, int64_t* out_ms) {
  return guard([&] {
    auto d = db_of(db);
    require(out_ms, "out_ms");
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    *out_ms = d->db.now();
    return CRM_OK;
  });
}

int crm_db_begin(crm_db* db) {
  return guard([&] {
    auto d = db_of(db);
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    d->db.begin();
    return CRM_OK;
  });
}

int crm_db_commit(crm_db* db) {
  return guard([&] {
    auto d = db_of(db);
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    d->db.commit();
    return CRM_OK;
  });
}

int crm_db_rollback(crm_db* db) {
  return guard([&] {
    auto d = db_of(db);
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    d->db.rollback();
    return CRM_OK;
  });
}

// ---------------------------------------------------------------------------
// Sessions and users

static crm_session* add_session(const std::shared_ptr<DbHandle>& d,
                                std::unique_ptr<crm::Session> s) {
  auto h = std::make_shared<SessionHandle>();
  h->db = d;
  h->session = std::move(s);
  crm_session* out = static_cast<crm_session*>(sessions().add(std::move(h)));
  d->db.children++;
  return out;
}

int crm_session_open(crm_db* db, int64_t user_id, crm_session** out) {
  return guard([&] {
    auto d = db_of(db);
    require(out, "out");
    *out = nullptr;
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    *out = add_session(d, std::make_unique<crm::Session>(d->db, user_id));
    return CRM_OK;
  });
}

int crm_session_open_login(crm_db* db, const char* login, crm_session** out) {
  return guard([&] {
    auto d = db_of(db);
    require(login, "login");
    require(out, "out");
    *out = nullptr;
    std::lock_guard<std::mutex> lock(d->db.mutex());
    d->db.begin_call();
    *out = add_session(d, std::make_unique<crm::Session>(d->db, std::string(login)));
    return CRM_OK;
  });
}

void crm_session_close(crm_session* s) {
  if (!s) return;
  if (auto h = sessions().remove(s)) h->db->db.children--;
}

int crm_session_user(crm_session* s, int64_t* out) {
  return guard([&] {
    auto h = session_of(s);
    require(out, "out");
    *out = h->session->user_id();
    return CRM_OK;
  });
}

}  // extern "C"

// Runs `f(session)` with the database's mutex held.
template <class F>
static int with_session(crm_session* s, F&& f) {
  return guard([&] {
    auto h = session_of(s);
    std::lock_guard<std::mutex> lock(h->db->db.mutex());
    h->db->db.begin_call();
    // Denials noted inside a transaction that failed are written once it is
    // gone, whatever the call's outcome.
    struct Flush {
      crm::Session& s;
      ~Flush() { s.flush_audit(); }
    } flush{*h->session};
    return f(*h);
  });
}

extern "C" {

int crm_user_create(crm_session* s, const crm_record* user, int64_t* out_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(user, "user");
    std::int64_t id = crm::create_user(*h.session, user->rec);
    if (out_id) *out_id = id;
    return CRM_OK;
  });
}

int crm_user_get(crm_session* s, int64_t user_id, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rec = std::make_unique<crm_record>();
    rec->rec = crm::get_user(*h.session, user_id);
    *out = rec.release();
    return CRM_OK;
  });
}

int crm_dict_add(crm_session* s, const char* dict, const char* code, const char* label_zh,
                 const char* label_en) {
  return with_session(s, [&](SessionHandle& h) {
    require(dict, "dict");
    require(code, "code");
    require(label_zh, "label_zh");
    require(label_en, "label_en");
    crm::add_dictionary_entry(*h.session, dict, code, label_zh, label_en);
    return CRM_OK;
  });
}

int crm_dict_label(crm_session* s, const char* dict, const char* code, const char** label_zh) {
  return with_session(s, [&](SessionHandle& h) {
    require(dict, "dict");
    require(code, "code");
    require(label_zh, "label_zh");
    h.session->authorize(crm::Perm::config_read);
    const auto* e = h.db->db.dictionaries().find(dict, code);
    if (!e)
      throw Error(Status::not_found, std::string("no code ") + code + " in dictionary " + dict,
                  std::string("字典 ") + dict + " 中没有编码 " + code);
    *label_zh = e->label_zh.c_str();
    return CRM_OK;
  });
}

int crm_dict_list(crm_session* s, const char* dict, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(dict, "dict");
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_dictionary(*h.session, dict), std::string());
    return CRM_OK;
  });
}

int crm_channel_set_department(crm_session* s, const char* channel, const char* department) {
  return with_session(s, [&](SessionHandle& h) {
    require(channel, "channel");
    crm::set_channel_department(*h.session, channel, department ? department : "");
    return CRM_OK;
  });
}

// ---------------------------------------------------------------------------
// Customers

int crm_customer_create(crm_session* s, const crm_record* fields, char** out_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(fields, "fields");
    if (out_id) *out_id = nullptr;
    std::int64_t key = 0;
    try {
      key = crm::create_customer(*h.session, fields->rec);
    } catch (const crm::Pending& p) {
      // Waiting for review (R1.6): the id is the pending change's.
      if (out_id) *out_id = owned_copy(crm::change_id(p.change()));
      throw;
    }
    if (out_id) *out_id = owned_copy(crm::store::human_id(key));
    return CRM_OK;
  });
}

int crm_customer_get(crm_session* s, const char* id, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(out, "out");
    *out = nullptr;
    auto rec = std::make_unique<crm_record>();
    rec->rec = crm::get_customer(*h.session, crm::customer_key(*h.session, id));
    *out = rec.release();
    return CRM_OK;
  });
}

int crm_customer_get_by_key(crm_session* s, int64_t key, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rec = std::make_unique<crm_record>();
    rec->rec = crm::get_customer(*h.session, key);
    *out = rec.release();
    return CRM_OK;
  });
}

int crm_customer_update(crm_session* s, const char* id, const crm_record* fields,
                        int64_t* out_version) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(fields, "fields");
    std::int64_t v =
        crm::update_customer(*h.session, crm::customer_key(*h.session, id), fields->rec);
    if (out_version) *out_version = v;
    return CRM_OK;
  });
}

int crm_customer_set_type(crm_session* s, const char* id, const char* type, const char* reason) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(type, "type");
    crm::set_customer_type(*h.session, crm::customer_key(*h.session, id), type, opt_text(reason));
    return CRM_OK;
  });
}

int crm_customer_archive(crm_session* s, const char* id, const char* reason) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    crm::archive_customer(*h.session, crm::customer_key(*h.session, id), opt_text(reason));
    return CRM_OK;
  });
}

int crm_customer_review(crm_session* s, const char* id, const char* note) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    crm::review_customer(*h.session, crm::customer_key(*h.session, id), opt_text(note));
    return CRM_OK;
  });
}

}  // extern "C"

// A crm_customer_query as the service's query.  Fields appended in later
// versions are read only from callers whose struct has them (its size says).
static crm::CustomerQuery read_customer_query(const crm_customer_query* q) {
  crm::CustomerQuery cq;
  if (!q) return cq;
  if (q->size < offsetof(crm_customer_query, include_archived) + sizeof(int32_t) || q->size > 4096)
    throw Error(Status::invalid_arg, "q->size is wrong; initialise with CRM_CUSTOMER_QUERY_INIT",
                "q->size 不正确，请用 CRM_CUSTOMER_QUERY_INIT 初始化");
  cq.owner = q->owner;
  if (q->type) cq.type = q->type;
  cq.page_size = q->page_size;
  if (q->after) cq.after = q->after;
  cq.include_archived = q->include_archived != 0;
  if (q->size >= offsetof(crm_customer_query, tags_any_count) + sizeof(int32_t)) {
    auto ids = [](const int64_t* p, int32_t n, const char* what) {
      if (n < 0 || n > 32 || (n > 0 && !p))
        throw Error(Status::invalid_arg,
                    std::string(what) + ": 0 to 32 tag ids, and an array when not 0",
                    std::string(what) + "：须为 0 到 32 个标签编号，且数量非 0 时数组不能为 NULL");
      return std::vector<std::int64_t>(p, p + n);
    };
    cq.tags_all = ids(q->tags_all, q->tags_all_count, "tags_all");
    cq.tags_any = ids(q->tags_any, q->tags_any_count, "tags_any");
  }
  if (q->size >= offsetof(crm_customer_query, name_contains) + sizeof(const char*)) {
    if (q->industry) cq.industry = q->industry;
    if (q->source) cq.source = q->source;
    cq.created_from = q->created_from_ms;
    cq.created_to = q->created_to_ms;
    cq.updated_from = q->updated_from_ms;
    cq.updated_to = q->updated_to_ms;
    if (q->name_contains) cq.name_contains = q->name_contains;
  }
  if (q->size >= offsetof(crm_customer_query, sort) + sizeof(const char*)) {
    if (q->filter_count < 0 || q->filter_count > 16 || (q->filter_count > 0 && !q->filters))
      throw Error(Status::invalid_arg, "filters: 0 to 16 conditions, and an array when not 0",
                  "filters：须为 0 到 16 个条件，且数量非 0 时数组不能为 NULL");
    for (int32_t i = 0; i < q->filter_count; ++i) {
      const crm_field_filter& f = q->filters[i];
      if (!f.field || !f.op)
        throw Error(Status::invalid_arg,
                    "filters[" + std::to_string(i) + "]: field and op are required",
                    "filters[" + std::to_string(i) + "]：field 和 op 不能为 NULL");
      cq.filters.push_back({f.field, f.op, f.value ? f.value : ""});
    }
    if (q->sort) cq.sort = q->sort;
  }
  return cq;
}

extern "C" {

int crm_customer_list(crm_session* s, const crm_customer_query* q, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::CustomerPage page = crm::list_customers(*h.session, read_customer_query(q));
    *out = make_cursor(h.db, std::move(page.rows), std::move(page.next));
    return CRM_OK;
  });
}

int crm_customer_count(crm_session* s, const crm_customer_query* q, int64_t* out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = crm::count_customers(*h.session, read_customer_query(q));
    return CRM_OK;
  });
}

int crm_customer_history(crm_session* s, const char* id, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(out, "out");
    *out = nullptr;
    auto rows = crm::customer_history(*h.session, crm::customer_key(*h.session, id));
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_contact_add(crm_session* s, const char* customer_id, const crm_record* fields,
                    int64_t* out_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(customer_id, "customer_id");
    require(fields, "fields");
    std::int64_t id =
        crm::add_contact(*h.session, crm::customer_key(*h.session, customer_id), fields->rec);
    if (out_id) *out_id = id;
    return CRM_OK;
  });
}

int crm_contact_get(crm_session* s, int64_t contact_id, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rec = std::make_unique<crm_record>();
    rec->rec = crm::get_contact(*h.session, contact_id);
    *out = rec.release();
    return CRM_OK;
  });
}

int crm_contact_update(crm_session* s, int64_t contact_id, const crm_record* fields) {
  return with_session(s, [&](SessionHandle& h) {
    require(fields, "fields");
    crm::update_contact(*h.session, contact_id, fields->rec);
    return CRM_OK;
  });
}

int crm_contact_remove(crm_session* s, int64_t contact_id, const char* reason) {
  return with_session(s, [&](SessionHandle& h) {
    crm::remove_contact(*h.session, contact_id, opt_text(reason));
    return CRM_OK;
  });
}

int crm_contact_make_primary(crm_session* s, int64_t contact_id) {
  return with_session(s, [&](SessionHandle& h) {
    crm::make_primary_contact(*h.session, contact_id);
    return CRM_OK;
  });
}

int crm_customer_contacts(crm_session* s, const char* customer_id, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(customer_id, "customer_id");
    require(out, "out");
    *out = nullptr;
    auto rows = crm::list_contacts(*h.session, crm::customer_key(*h.session, customer_id));
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_tag_define(crm_session* s, const char* category, const char* label, int64_t* out_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(category, "category");
    require(label, "label");
    std::int64_t id = crm::define_tag(*h.session, category, label);
    if (out_id) *out_id = id;
    return CRM_OK;
  });
}

int crm_tag_find(crm_session* s, const char* category, const char* label, int64_t* out_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(label, "label");
    require(out_id, "out_id");
    *out_id = crm::find_tag(*h.session, category ? category : "", label);
    return CRM_OK;
  });
}

int crm_tag_list(crm_session* s, const char* category, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rows = crm::list_tags(*h.session, category ? category : "");
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_customer_tag_add(crm_session* s, const char* id, int64_t tag_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    crm::tag_customer(*h.session, crm::customer_key(*h.session, id), tag_id, true);
    return CRM_OK;
  });
}

int crm_customer_tag_remove(crm_session* s, const char* id, int64_t tag_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    crm::tag_customer(*h.session, crm::customer_key(*h.session, id), tag_id, false);
    return CRM_OK;
  });
}

int crm_customer_tag_add_label(crm_session* s, const char* id, const char* category,
                               const char* label, int64_t* out_tag_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(label, "label");
    std::int64_t tag = crm::tag_customer_by_label(*h.session, crm::customer_key(*h.session, id),
                                                  category ? category : "", label, true);
    if (out_tag_id) *out_tag_id = tag;
    return CRM_OK;
  });
}

int crm_customer_tag_remove_label(crm_session* s, const char* id, const char* category,
                                  const char* label) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(label, "label");
    crm::tag_customer_by_label(*h.session, crm::customer_key(*h.session, id),
                               category ? category : "", label, false);
    return CRM_OK;
  });
}

int crm_custom_field_define(crm_session* s, const crm_custom_field* def) {
  return with_session(s, [&](SessionHandle& h) {
    require(def, "def");
    if (def->size < offsetof(crm_custom_field, decimals) + sizeof(int32_t) || def->size > 4096)
      throw Error(Status::invalid_arg, "def->size is wrong; initialise with CRM_CUSTOM_FIELD_INIT",
                  "def->size 不正确，请用 CRM_CUSTOM_FIELD_INIT 初始化");
    require(def->name, "def->name");
    require(def->type, "def->type");
    require(def->label_zh, "def->label_zh");
    if (def->value_count < 0 || def->value_count > 200 || (def->value_count > 0 && !def->values))
      throw Error(Status::invalid_arg, "values: 0 to 200, and an array when not 0",
                  "values：须为 0 到 200 个，且数量非 0 时数组不能为 NULL");
    crm::CustomFieldSpec spec;
    spec.name = def->name;
    spec.type = def->type;
    spec.label_zh = def->label_zh;
    if (def->label_en) spec.label_en = def->label_en;
    spec.required = def->required != 0;
    for (int32_t i = 0; i < def->value_count; ++i) {
      if (!def->values[i])
        throw Error(Status::invalid_arg, "values[" + std::to_string(i) + "] is NULL",
                    "values[" + std::to_string(i) + "] 为 NULL");
      spec.values.emplace_back(def->values[i]);
    }
    spec.max_chars = def->max_chars;
    spec.decimals = def->decimals;
    if (def->size >= offsetof(crm_custom_field, personal) + sizeof(int32_t))
      spec.personal = def->personal != 0;
    crm::define_custom_field(*h.session, spec);
    return CRM_OK;
  });
}

int crm_custom_field_retire(crm_session* s, const char* name) {
  return with_session(s, [&](SessionHandle& h) {
    require(name, "name");
    crm::retire_custom_field(*h.session, name);
    return CRM_OK;
  });
}

int crm_custom_field_list(crm_session* s, int32_t include_retired, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rows = crm::list_custom_fields(*h.session, include_retired != 0);
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_setting_get(crm_session* s, const char* name, char** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(name, "name");
    require(out, "out");
    *out = nullptr;
    *out = owned_copy(crm::get_setting(*h.session, name));
    return CRM_OK;
  });
}

int crm_setting_set(crm_session* s, const char* name, const char* value) {
  return with_session(s, [&](SessionHandle& h) {
    require(name, "name");
    require(value, "value");
    crm::set_setting(*h.session, name, value);
    return CRM_OK;
  });
}

// The working calendar named `name` (NULL or "" = "default").
static crm::WorkCalendar calendar_of(SessionHandle& h, const char* name) {
  return crm::load_work_calendar(*h.session, name ? name : "");
}

int crm_calendar_define(crm_session* s, const char* name, const char* time_zone,
                        const char* work_hours, const char* workdays) {
  return with_session(s, [&](SessionHandle& h) {
    require(name, "name");
    crm::CalendarSpec spec;
    spec.name = name;
    if (time_zone) spec.zone = time_zone;
    if (work_hours) spec.hours = work_hours;
    if (workdays) spec.weekdays = workdays;
    crm::define_calendar(*h.session, spec);
    return CRM_OK;
  });
}

int crm_calendar_load_holidays(crm_session* s, const char* calendar, const char* text,
                               int32_t* out_year) {
  return with_session(s, [&](SessionHandle& h) {
    require(text, "text");
    int year = crm::load_calendar_holidays(*h.session, calendar ? calendar : "", text);
    if (out_year) *out_year = year;
    return CRM_OK;
  });
}

int crm_calendar_list(crm_session* s, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_calendars(*h.session), std::string());
    return CRM_OK;
  });
}

int crm_calendar_days(crm_session* s, const char* calendar, int32_t year, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::calendar_days(*h.session, calendar ? calendar : "", year),
                       std::string());
    return CRM_OK;
  });
}

int crm_calendar_is_working_day(crm_session* s, const char* calendar, const char* date,
                                int32_t* out) {
  return with_session(s, [&](SessionHandle& h) {
    require(date, "date");
    require(out, "out");
    auto d = crm::parse_date(date);
    if (!d)
      throw Error(Status::invalid_arg, "date must be a real date written YYYY-MM-DD",
                  "日期须为真实存在的日期，格式为 YYYY-MM-DD");
    *out = calendar_of(h, calendar).is_working_day(*d) ? 1 : 0;
    return CRM_OK;
  });
}

int crm_calendar_is_working_time(crm_session* s, const char* calendar, int64_t at_ms,
                                 int32_t* out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = calendar_of(h, calendar).is_working_time(at_ms) ? 1 : 0;
    return CRM_OK;
  });
}

int crm_calendar_next_working_time(crm_session* s, const char* calendar, int64_t at_ms,
                                   int64_t* out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = calendar_of(h, calendar).next_working_time(at_ms);
    return CRM_OK;
  });
}

int crm_calendar_add_working_days(crm_session* s, const char* calendar, int64_t at_ms, int32_t days,
                                  int64_t* out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = calendar_of(h, calendar).add_working_days(at_ms, days);
    return CRM_OK;
  });
}

int crm_calendar_add_working_hours(crm_session* s, const char* calendar, int64_t at_ms,
                                   int64_t duration_ms, int64_t* out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = calendar_of(h, calendar).add_working_hours(at_ms, duration_ms);
    return CRM_OK;
  });
}

// ---------------------------------------------------------------------------
// Tiers and grading, follow-up plans and records, reminders and the outbox

}  // extern "C"

// A new crm_record holding `rec`, for an out-parameter.
static crm_record* record_out(crm::Record rec) {
  auto r = std::make_unique<crm_record>();
  r->rec = std::move(rec);
  return r.release();
}

extern "C" {

int crm_tier_define(crm_session* s, const char* code, const char* label_zh, const char* label_en,
                    const char* cadence) {
  return with_session(s, [&](SessionHandle& h) {
    require(code, "code");
    require(cadence, "cadence");
    crm::TierSpec spec;
    spec.code = code;
    if (label_zh) spec.label_zh = label_zh;
    if (label_en) spec.label_en = label_en;
    spec.cadence = cadence;
    crm::define_tier(*h.session, spec);
    return CRM_OK;
  });
}

int crm_tier_list(crm_session* s, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_tiers(*h.session), std::string());
    return CRM_OK;
  });
}

int crm_grading_criterion_define(crm_session* s, const char* name, const char* label_zh,
                                 const char* label_en, const char* unit, const char* thresholds,
                                 int32_t retired) {
  return with_session(s, [&](SessionHandle& h) {
    require(name, "name");
    require(label_zh, "label_zh");
    require(label_en, "label_en");
    require(thresholds, "thresholds");
    crm::CriterionSpec spec;
    spec.name = name;
    spec.label_zh = label_zh;
    spec.label_en = label_en;
    if (unit) spec.unit = unit;
    spec.thresholds = thresholds;
    spec.retired = retired != 0;
    crm::define_criterion(*h.session, spec);
    return CRM_OK;
  });
}

int crm_grading_criteria_list(crm_session* s, int32_t include_retired, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_criteria(*h.session, include_retired != 0), std::string());
    return CRM_OK;
  });
}

int crm_customer_grade(crm_session* s, const char* id, const crm_record* values, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(values, "values");
    if (out) *out = nullptr;
    crm::Record result =
        crm::grade_customer(*h.session, crm::customer_key(*h.session, id), values->rec);
    if (out) *out = record_out(std::move(result));
    return CRM_OK;
  });
}

int crm_customer_set_tier(crm_session* s, const char* id, const char* tier, const char* reason) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(tier, "tier");
    crm::set_customer_tier(*h.session, crm::customer_key(*h.session, id), tier, opt_text(reason));
    return CRM_OK;
  });
}

int crm_customer_verify(crm_session* s, const char* id, const char* method, const char* note) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(method, "method");
    crm::verify_customer(*h.session, crm::customer_key(*h.session, id), method, opt_text(note));
    return CRM_OK;
  });
}

int crm_roster_list(crm_session* s, const crm_roster_query* q, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::RosterQuery rq;
    if (q) {
      if (q->size < offsetof(crm_roster_query, after) + sizeof(const char*) || q->size > 4096)
        throw Error(Status::invalid_arg, "q->size is wrong; initialise with CRM_ROSTER_QUERY_INIT",
                    "q->size 不正确，请用 CRM_ROSTER_QUERY_INIT 初始化");
      if (q->tier) rq.tier = q->tier;
      rq.owner = q->owner;
      if (q->page_size != 0) rq.page_size = q->page_size;
      if (q->after) rq.after = q->after;
    }
    crm::RosterPage page = crm::graded_roster(*h.session, rq);
    *out = make_cursor(h.db, std::move(page.rows), std::move(page.next));
    return CRM_OK;
  });
}

int crm_config_history(crm_session* s, const char* prefix, int32_t page_size, const char* after,
                       crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::ConfigHistoryPage page = crm::config_history(
        *h.session, prefix ? prefix : "", page_size == 0 ? 100 : page_size, after ? after : "");
    *out = make_cursor(h.db, std::move(page.rows), std::move(page.next));
    return CRM_OK;
  });
}

int crm_followup_plan_create(crm_session* s, const char* customer_id, const crm_record* fields,
                             crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(customer_id, "customer_id");
    require(fields, "fields");
    if (out) *out = nullptr;
    crm::Record plan =
        crm::create_plan(*h.session, crm::customer_key(*h.session, customer_id), fields->rec);
    if (out) *out = record_out(std::move(plan));
    return CRM_OK;
  });
}

int crm_followup_plan_get(crm_session* s, int64_t plan_id, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = record_out(crm::get_plan(*h.session, plan_id));
    return CRM_OK;
  });
}

int crm_followup_plan_complete(crm_session* s, int64_t plan_id, const crm_record* fields,
                               crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(fields, "fields");
    if (out) *out = nullptr;
    crm::Record record = crm::complete_plan(*h.session, plan_id, fields->rec);
    if (out) *out = record_out(std::move(record));
    return CRM_OK;
  });
}

int crm_followup_plan_close(crm_session* s, int64_t plan_id, const char* state,
                            const char* reason) {
  return with_session(s, [&](SessionHandle& h) {
    require(state, "state");
    crm::close_plan(*h.session, plan_id, state, opt_text(reason));
    return CRM_OK;
  });
}

int crm_followup_plan_reschedule(crm_session* s, int64_t plan_id, int64_t planned_at_ms,
                                 int64_t remind_at_ms, const char* reason, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    if (out) *out = nullptr;
    crm::Record plan =
        crm::reschedule_plan(*h.session, plan_id, planned_at_ms, remind_at_ms, opt_text(reason));
    if (out) *out = record_out(std::move(plan));
    return CRM_OK;
  });
}

int crm_followup_add(crm_session* s, const char* customer_id, const crm_record* fields,
                     crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(customer_id, "customer_id");
    require(fields, "fields");
    if (out) *out = nullptr;
    crm::Record record =
        crm::add_followup(*h.session, crm::customer_key(*h.session, customer_id), fields->rec);
    if (out) *out = record_out(std::move(record));
    return CRM_OK;
  });
}

int crm_customer_plans(crm_session* s, const char* customer_id, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(customer_id, "customer_id");
    require(out, "out");
    *out = nullptr;
    auto rows = crm::customer_plans(*h.session, crm::customer_key(*h.session, customer_id));
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_customer_followups(crm_session* s, const char* customer_id, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(customer_id, "customer_id");
    require(out, "out");
    *out = nullptr;
    auto rows = crm::customer_followups(*h.session, crm::customer_key(*h.session, customer_id));
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_agenda(crm_session* s, const crm_agenda_query* q, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::AgendaQuery aq;
    if (q) {
      if (q->size < offsetof(crm_agenda_query, after) + sizeof(const char*) || q->size > 4096)
        throw Error(Status::invalid_arg, "q->size is wrong; initialise with CRM_AGENDA_QUERY_INIT",
                    "q->size 不正确，请用 CRM_AGENDA_QUERY_INIT 初始化");
      aq.owner = q->owner;
      if (q->page_size != 0) aq.page_size = q->page_size;
      if (q->after) aq.after = q->after;
    }
    crm::AgendaPage page = crm::agenda(*h.session, aq);
    *out = make_cursor(h.db, std::move(page.rows), std::move(page.next));
    return CRM_OK;
  });
}

int crm_daily_report(crm_session* s, int64_t owner, const char* date, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(date, "date");
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::daily_report(*h.session, owner, date), std::string());
    return CRM_OK;
  });
}

int crm_maintenance_plan_submit(crm_session* s, const char* customer_id, const crm_record* fields,
                                crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(customer_id, "customer_id");
    require(fields, "fields");
    if (out) *out = nullptr;
    crm::Record plan = crm::submit_maintenance_plan(
        *h.session, crm::customer_key(*h.session, customer_id), fields->rec);
    if (out) *out = record_out(std::move(plan));
    return CRM_OK;
  });
}

int crm_maintenance_plan_get(crm_session* s, int64_t plan_id, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = record_out(crm::get_maintenance_plan(*h.session, plan_id));
    return CRM_OK;
  });
}

int crm_maintenance_plan_decide(crm_session* s, int64_t plan_id, int32_t approve,
                                const char* note) {
  return with_session(s, [&](SessionHandle& h) {
    crm::decide_maintenance_plan(*h.session, plan_id, approve != 0, opt_text(note));
    return CRM_OK;
  });
}

int crm_maintenance_plan_carry_out(crm_session* s, int64_t plan_id) {
  return with_session(s, [&](SessionHandle& h) {
    crm::carry_out_maintenance_plan(*h.session, plan_id);
    return CRM_OK;
  });
}

int crm_maintenance_plan_evaluate(crm_session* s, int64_t plan_id, const char* evaluation,
                                  int32_t satisfaction) {
  return with_session(s, [&](SessionHandle& h) {
    // NULL is no evaluation: the validation error names the field.
    crm::evaluate_maintenance_plan(
        *h.session, plan_id, evaluation ? evaluation : "",
        satisfaction == 0 ? std::nullopt : std::optional<std::int64_t>(satisfaction));
    return CRM_OK;
  });
}

int crm_customer_maintenance_plans(crm_session* s, const char* customer_id, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(customer_id, "customer_id");
    require(out, "out");
    *out = nullptr;
    auto rows =
        crm::customer_maintenance_plans(*h.session, crm::customer_key(*h.session, customer_id));
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_tick(crm_session* s, int64_t now_ms, crm_tick_report* out) {
  return with_session(s, [&](SessionHandle& h) {
    if (out &&
        (out->size < offsetof(crm_tick_report, last_tick_ms) + sizeof(int64_t) || out->size > 4096))
      throw Error(Status::invalid_arg, "out->size is wrong; initialise with CRM_TICK_REPORT_INIT",
                  "out->size 不正确，请用 CRM_TICK_REPORT_INIT 初始化");
    crm::TickReport rep = crm::tick(*h.session, now_ms);
    if (out) {
      out->now_ms = rep.now;
      out->fired = rep.fired;
      out->messages = rep.messages;
      out->escalated = rep.escalated;
      out->skipped = rep.skipped;
      out->rearmed = rep.rearmed;
      out->pending = rep.pending;
      out->last_tick_ms = rep.last_tick;
    }
    return CRM_OK;
  });
}

int crm_reminder_rule_list(crm_session* s, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_reminder_rules(*h.session), std::string());
    return CRM_OK;
  });
}

int crm_reminder_rule_set(crm_session* s, const char* kind, const crm_record* changes) {
  return with_session(s, [&](SessionHandle& h) {
    require(kind, "kind");
    require(changes, "changes");
    crm::set_reminder_rule(*h.session, kind, changes->rec);
    return CRM_OK;
  });
}

int crm_outbox_fetch(crm_session* s, int32_t limit, int64_t lease_ms, const char* channel,
                     crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rows = crm::fetch_outbox(*h.session, limit, lease_ms, channel ? channel : "");
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_outbox_ack(crm_session* s, int64_t id) {
  return with_session(s, [&](SessionHandle& h) {
    crm::ack_outbox(*h.session, id);
    return CRM_OK;
  });
}

int crm_outbox_list(crm_session* s, int64_t after_id, int32_t limit, int32_t pending_only,
                    crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rows = crm::list_outbox(*h.session, after_id, limit, pending_only != 0);
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_customer_tags(crm_session* s, const char* id, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(out, "out");
    *out = nullptr;
    auto rows = crm::customer_tags(*h.session, crm::customer_key(*h.session, id));
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_history_list(crm_session* s, const crm_history_query* q, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::HistoryQuery hq;
    if (q) {
      if (q->size < offsetof(crm_history_query, after) + sizeof(const char*) || q->size > 4096)
        throw Error(Status::invalid_arg, "q->size is wrong; initialise with CRM_HISTORY_QUERY_INIT",
                    "q->size 不正确，请用 CRM_HISTORY_QUERY_INIT 初始化");
      hq.actor = q->actor;
      hq.since = q->since_ms;
      hq.until = q->until_ms;
      if (q->customer) hq.customer = q->customer;
      hq.page_size = q->page_size;
      if (q->after) hq.after = q->after;
    }
    crm::HistoryPage page = crm::list_history(*h.session, hq);
    *out = make_cursor(h.db, std::move(page.rows), std::move(page.next));
    return CRM_OK;
  });
}

int crm_cursor_next(crm_cursor* c, const crm_record** row) {
  return guard([&] {
    require(c, "cursor");
    require(row, "row");
    auto h = cursors().get(c);
    if (!h) throw closed("cursor");
    if (h->pos >= h->rows.size()) {
      *row = nullptr;
      return CRM_DONE;
    }
    *row = &h->rows[h->pos++];
    return CRM_OK;
  });
}

int crm_cursor_next_page(crm_cursor* c, const char** token) {
  return guard([&] {
    require(c, "cursor");
    require(token, "token");
    auto h = cursors().get(c);
    if (!h) throw closed("cursor");
    *token = h->next.empty() ? nullptr : h->next.c_str();
    return CRM_OK;
  });
}

void crm_cursor_close(crm_cursor* c) {
  if (!c) return;
  if (auto h = cursors().remove(c)) h->db->db.children--;
}

// ---------------------------------------------------------------------------
// Permissions, privacy and audit

int crm_department_define(crm_session* s, const char* name, const char* parent, int64_t supervisor,
                          int64_t* out_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(name, "name");
    std::int64_t id = crm::define_department(*h.session, name, parent ? parent : "", supervisor);
    if (out_id) *out_id = id;
    return CRM_OK;
  });
}

int crm_department_update(crm_session* s, const char* name, const char* parent,
                          int64_t supervisor) {
  return with_session(s, [&](SessionHandle& h) {
    require(name, "name");
    if (supervisor < -1)
      throw Error(Status::invalid_arg, "supervisor is a user id, 0 for none or -1 to keep it",
                  "主管须为用户编号，0 表示无，-1 表示不变");
    crm::update_department(
        *h.session, name, opt_text(parent),
        supervisor == -1 ? std::nullopt : std::optional<std::int64_t>(supervisor));
    return CRM_OK;
  });
}

int crm_department_list(crm_session* s, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_departments(*h.session), std::string());
    return CRM_OK;
  });
}

int crm_user_update(crm_session* s, int64_t user_id, const crm_record* changes) {
  return with_session(s, [&](SessionHandle& h) {
    require(changes, "changes");
    crm::update_user(*h.session, user_id, changes->rec);
    return CRM_OK;
  });
}

int crm_user_list(crm_session* s, const char* department, int32_t include_inactive,
                  crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rows = crm::list_users(*h.session, department ? department : "", include_inactive != 0);
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_role_define(crm_session* s, const char* code, const char* label_zh, const char* label_en) {
  return with_session(s, [&](SessionHandle& h) {
    require(code, "code");
    require(label_zh, "label_zh");
    require(label_en, "label_en");
    crm::define_role(*h.session, code, label_zh, label_en);
    return CRM_OK;
  });
}

int crm_permission_set(crm_session* s, const char* role, const char* object, const char* action,
                       const char* scope) {
  return with_session(s, [&](SessionHandle& h) {
    require(role, "role");
    require(object, "object");
    require(action, "action");
    require(scope, "scope");
    crm::set_permission(*h.session, role, object, action, scope);
    return CRM_OK;
  });
}

int crm_permission_list(crm_session* s, const char* role, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_permissions(*h.session, role ? role : ""), std::string());
    return CRM_OK;
  });
}

int crm_permission_check(crm_session* s, const char* object, const char* action, const char* id,
                         int32_t* out_allowed) {
  return with_session(s, [&](SessionHandle& h) {
    require(object, "object");
    require(action, "action");
    require(out_allowed, "out_allowed");
    *out_allowed = 0;
    auto perm = crm::find_perm(object, action);
    if (!perm)
      throw Error(Status::invalid_arg,
                  std::string("no permission \"") + object + "." + action + "\"",
                  std::string("不存在权限“") + object + "." + action + "”");
    crm::Session& session = *h.session;
    if (!id) {
      *out_allowed = session.may(*perm) ? 1 : 0;
      if (!*out_allowed && crm::pair_of(*perm).scoped)
        *out_allowed = session.may(*perm, crm::CustomerRef{0, session.user_id()}) ? 1 : 0;
      return CRM_OK;
    }
    auto key = crm::store::parse_human_id(id);
    auto owner = key ? crm::store::customer_owner(h.db->db.conn(), *key) : std::nullopt;
    if (owner) {
      crm::CustomerRef ref{*key, *owner};
      *out_allowed =
          session.may(crm::Perm::customer_read, ref) || session.may(crm::Perm::followup_read, ref)
              ? (session.may(*perm, ref) ? 1 : 0)
              : 0;
    }
    return CRM_OK;
  });
}

int crm_customer_transfer(crm_session* s, const char* id, int64_t new_owner, const char* reason) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    crm::transfer_customer(*h.session, crm::customer_key(*h.session, id), new_owner,
                           opt_text(reason));
    return CRM_OK;
  });
}

int crm_customer_transfer_all(crm_session* s, int64_t from, int64_t to, const char* reason,
                              int64_t* out_count) {
  return with_session(s, [&](SessionHandle& h) {
    std::int64_t n = crm::transfer_customers(*h.session, from, to, opt_text(reason));
    if (out_count) *out_count = n;
    return CRM_OK;
  });
}

int crm_customer_unmask(crm_session* s, const char* id, const char* reason, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(out, "out");
    *out = nullptr;
    auto rec = std::make_unique<crm_record>();
    rec->rec =
        crm::unmask_customer(*h.session, crm::customer_key(*h.session, id), opt_text(reason));
    *out = rec.release();
    return CRM_OK;
  });
}

int crm_contact_unmask(crm_session* s, int64_t contact_id, const char* reason, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rec = std::make_unique<crm_record>();
    rec->rec = crm::unmask_contact(*h.session, contact_id, opt_text(reason));
    *out = rec.release();
    return CRM_OK;
  });
}

int crm_audit_list(crm_session* s, const crm_audit_query* q, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::AuditQuery aq;
    if (q) {
      if (q->size < offsetof(crm_audit_query, after) + sizeof(const char*) || q->size > 4096)
        throw Error(Status::invalid_arg, "q->size is wrong; initialise with CRM_AUDIT_QUERY_INIT",
                    "q->size 不正确，请用 CRM_AUDIT_QUERY_INIT 初始化");
      aq.actor = q->actor;
      if (q->action) aq.action = q->action;
      if (q->object) aq.object = q->object;
      if (q->outcome) aq.outcome = q->outcome;
      aq.since = q->since_ms;
      aq.until = q->until_ms;
      aq.page_size = q->page_size;
      if (q->after) aq.after = q->after;
    }
    crm::AuditPage page = crm::list_audit(*h.session, aq);
    *out = make_cursor(h.db, std::move(page.rows), std::move(page.next));
    return CRM_OK;
  });
}

int crm_audit_verify(crm_session* s, int64_t expected_seq, const char* expected_hash,
                     crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    std::optional<crm::store::AuditHead> expected;
    if (expected_seq != 0 || expected_hash)
      expected = crm::store::AuditHead{expected_seq, expected_hash ? expected_hash : ""};
    crm::AuditReport r = crm::verify_audit(*h.session, expected);
    auto rec = std::make_unique<crm_record>();
    rec->rec.append("ok", std::int64_t{r.ok ? 1 : 0});
    rec->rec.append("seq", r.seq);
    rec->rec.append("problem", r.problem.empty() ? crm::Value{} : crm::Value{r.problem});
    rec->rec.append("checked", r.checked);
    rec->rec.append("head_seq", r.head.seq);
    rec->rec.append("head_hash", r.head.hash);
    *out = rec.release();
    return CRM_OK;
  });
}

int crm_audit_head(crm_session* s, int64_t* out_seq, char** out_hash) {
  return with_session(s, [&](SessionHandle& h) {
    require(out_seq, "out_seq");
    require(out_hash, "out_hash");
    *out_hash = nullptr;
    crm::store::AuditHead head = crm::audit_head(*h.session);
    *out_hash = owned_copy(head.hash);
    *out_seq = head.seq;
    return CRM_OK;
  });
}

// Access requests (R3.2)

int crm_access_request(crm_session* s, const char* id, const char* level, const char* groups,
                       const char* reason, int32_t hours, int64_t* out_request) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(reason, "reason");
    crm::AccessRequestSpec spec;
    if (level) spec.level = level;
    if (groups) spec.groups = groups;
    spec.reason = reason;
    spec.hours = hours;
    std::int64_t r = crm::request_access(*h.session, crm::customer_key(*h.session, id), spec);
    if (out_request) *out_request = r;
    return CRM_OK;
  });
}

int crm_access_decide(crm_session* s, int64_t request, int32_t approve, const char* note) {
  return with_session(s, [&](SessionHandle& h) {
    crm::decide_access(*h.session, request, approve != 0, opt_text(note));
    return CRM_OK;
  });
}

int crm_access_revoke(crm_session* s, int64_t request, const char* reason) {
  return with_session(s, [&](SessionHandle& h) {
    crm::revoke_access(*h.session, request, opt_text(reason));
    return CRM_OK;
  });
}

int crm_access_withdraw(crm_session* s, int64_t request) {
  return with_session(s, [&](SessionHandle& h) {
    crm::withdraw_access(*h.session, request);
    return CRM_OK;
  });
}

int crm_access_list(crm_session* s, const char* view, const char* id, int32_t pending_only,
                    crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::AccessQuery q;
    if (view) q.view = view;
    if (id) q.customer = crm::customer_key(*h.session, id);
    q.pending_only = pending_only != 0;
    *out = make_cursor(h.db, crm::list_access(*h.session, q), std::string());
    return CRM_OK;
  });
}

// Review before it takes effect (R1.6)

namespace {
std::int64_t change_of(const char* change) {
  require(change, "change");
  auto n = crm::parse_change_id(change);
  if (!n)
    throw Error(Status::not_found,
                std::string("no pending change \"") + change + "\" (ids look like R12)",
                std::string("待审核变更“") + change + "”不存在（编号形如 R12）");
  return *n;
}
}  // namespace

int crm_pending_list(crm_session* s, const char* view, const char* id, int32_t pending_only,
                     crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::PendingQuery q;
    if (view) q.view = view;
    if (id) q.customer = crm::customer_key(*h.session, id);
    q.pending_only = pending_only != 0;
    *out = make_cursor(h.db, crm::list_pending(*h.session, q), std::string());
    return CRM_OK;
  });
}

int crm_pending_decide(crm_session* s, const char* change, int32_t approve, const char* reason,
                       char** out_id) {
  return with_session(s, [&](SessionHandle& h) {
    if (out_id) *out_id = nullptr;
    std::int64_t key =
        crm::decide_pending(*h.session, change_of(change), approve != 0, opt_text(reason));
    if (out_id && key != 0) *out_id = owned_copy(crm::store::human_id(key));
    return CRM_OK;
  });
}

int crm_pending_withdraw(crm_session* s, const char* change) {
  return with_session(s, [&](SessionHandle& h) {
    crm::withdraw_pending(*h.session, change_of(change));
    return CRM_OK;
  });
}

// Erasure, retention, export, backup

int crm_customer_erase(crm_session* s, const char* id, const char* reason) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    crm::erase_customer(*h.session, crm::customer_key(*h.session, id), opt_text(reason));
    return CRM_OK;
  });
}

int crm_retention_list(crm_session* s, int32_t page_size, const char* after, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::RetentionPage page =
        crm::retention_due(*h.session, page_size, after ? after : std::string());
    *out = make_cursor(h.db, std::move(page.rows), std::move(page.next));
    return CRM_OK;
  });
}

namespace {
// The end of an export through a crm_write_fn: the rows written, and
// CRM_ERR_STATE when the callback stopped it.
void finish_export(const crm::ExportReport& rep, int64_t* out_rows) {
  if (out_rows) *out_rows = rep.rows;
  if (rep.stopped)
    throw Error(Status::state,
                "export stopped by the caller after " + std::to_string(rep.rows) + " rows",
                "导出已被调用方中止（已写出 " + std::to_string(rep.rows) + " 行）");
}
}  // namespace

int crm_customer_export(crm_session* s, const crm_customer_query* q, int32_t in_clear,
                        crm_write_fn write, void* ctx, int64_t* out_rows) {
  return with_session(s, [&](SessionHandle& h) {
    require(reinterpret_cast<const void*>(write), "write");
    if (out_rows) *out_rows = 0;
    crm::CustomerQuery cq = read_customer_query(q);
    crm::ExportReport rep = crm::export_customers(
        *h.session, cq, in_clear != 0,
        [&](std::string_view chunk) { return write(ctx, chunk.data(), chunk.size()) == 0; });
    finish_export(rep, out_rows);
    return CRM_OK;
  });
}

int crm_db_backup(crm_session* s, const char* path, int32_t pages_per_step,
                  crm_progress_fn progress, void* ctx, int64_t* out_pages) {
  return with_session(s, [&](SessionHandle& h) {
    require(path, "path");
    crm::BackupProgress p;
    if (progress)
      p = [&](std::int64_t done, std::int64_t total) { return progress(ctx, done, total) == 0; };
    std::int64_t pages = crm::backup_database(*h.session, path, pages_per_step, p);
    if (out_pages) *out_pages = pages;
    return CRM_OK;
  });
}

int crm_backup_verify(const char* path, crm_record** out) {
  return guard([&] {
    require(path, "path");
    require(out, "out");
    *out = nullptr;
    auto rec = std::make_unique<crm_record>();
    rec->rec = crm::verify_backup(path);
    *out = rec.release();
    return CRM_OK;
  });
}

}  // extern "C"

// Leads (R4) -----------------------------------------------------------------

namespace {

crm::LeadQuery read_lead_query(const crm_lead_query* q) {
  crm::LeadQuery out;
  if (!q) return out;
  if (q->size < offsetof(crm_lead_query, after_id) + sizeof(int64_t) || q->size > 4096)
    throw Error(Status::invalid_arg, "q->size is wrong; initialise with CRM_LEAD_QUERY_INIT",
                "q->size 不正确，请用 CRM_LEAD_QUERY_INIT 初始化");
  if (q->stage) out.stage = q->stage;
  if (q->channel) out.channel = q->channel;
  if (q->owner == -1)
    out.owner = 0;
  else if (q->owner != 0)
    out.owner = q->owner;
  out.high_value_only = q->high_value_only != 0;
  out.limit = q->limit == 0 ? 100 : q->limit;
  out.after_id = q->after_id;
  return out;
}

}  // namespace

extern "C" {

int crm_lead_capture(crm_session* s, const crm_record* fields, int64_t* out_id,
                     int32_t* out_outcome) {
  return with_session(s, [&](SessionHandle& h) {
    require(fields, "fields");
    crm::CaptureResult r = crm::capture_lead(*h.session, fields->rec);
    if (out_id) *out_id = r.lead;
    if (out_outcome) *out_outcome = static_cast<int32_t>(r.outcome);
    return CRM_OK;
  });
}

int crm_lead_get(crm_session* s, int64_t lead, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = record_out(crm::get_lead(*h.session, lead));
    return CRM_OK;
  });
}

int crm_lead_unmask(crm_session* s, int64_t lead, const char* reason, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = record_out(crm::unmask_lead(*h.session, lead, opt_text(reason)));
    return CRM_OK;
  });
}

int crm_lead_list(crm_session* s, const crm_lead_query* q, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rows = crm::list_leads(*h.session, read_lead_query(q));
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_lead_event(crm_session* s, int64_t lead, const char* kind, int64_t at_ms, const char* note,
                   crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(kind, "kind");
    if (out) *out = nullptr;
    crm::ScoreResult r = crm::record_lead_event(*h.session, lead, kind, at_ms, opt_text(note));
    if (out) {
      crm::Record rec;
      rec.append("event", r.event);
      rec.append("score", r.score);
      rec.append("high_value", std::int64_t{r.high_value ? 1 : 0});
      rec.append("marked_now", std::int64_t{r.marked_now ? 1 : 0});
      *out = record_out(std::move(rec));
    }
    return CRM_OK;
  });
}

int crm_lead_score_explain(crm_session* s, int64_t lead, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::explain_lead_score(*h.session, lead), std::string());
    return CRM_OK;
  });
}

int crm_lead_advance(crm_session* s, int64_t lead, const char* stage, const char* reason) {
  return with_session(s, [&](SessionHandle& h) {
    require(stage, "stage");
    crm::advance_lead(*h.session, lead, stage, opt_text(reason));
    return CRM_OK;
  });
}

int crm_lead_assign(crm_session* s, int64_t lead, int64_t user, int64_t* out_owner) {
  return with_session(s, [&](SessionHandle& h) {
    if (user < 0)
      throw Error(Status::invalid_arg, "user is a user id, or 0 for the assignment rules",
                  "user 须为用户编号，或 0 表示按分配规则");
    auto owner = crm::assign_lead(*h.session, lead, user);
    if (out_owner) *out_owner = owner.value_or(0);
    return CRM_OK;
  });
}

int crm_lead_convert(crm_session* s, int64_t lead, const char* type, const crm_record* fields,
                     char** out_customer_id) {
  return with_session(s, [&](SessionHandle& h) {
    if (out_customer_id) *out_customer_id = nullptr;
    std::int64_t key =
        crm::convert_lead(*h.session, lead, type ? type : "", fields ? fields->rec : crm::Record{});
    if (out_customer_id) *out_customer_id = owned_copy(crm::store::human_id(key));
    return CRM_OK;
  });
}

int crm_lead_funnel(crm_session* s, int64_t from_ms, int64_t to_ms, const char* period,
                    crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(period, "period");
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::lead_funnel(*h.session, from_ms, to_ms, period), std::string());
    return CRM_OK;
  });
}

int crm_lead_score_rule_set(crm_session* s, const char* kind, int32_t points, const char* label_zh,
                            const char* label_en) {
  return with_session(s, [&](SessionHandle& h) {
    require(kind, "kind");
    require(label_zh, "label_zh");
    require(label_en, "label_en");
    crm::set_score_rule(*h.session, kind, points, label_zh, label_en);
    return CRM_OK;
  });
}

int crm_lead_score_rule_list(crm_session* s, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_score_rules(*h.session), std::string());
    return CRM_OK;
  });
}

int crm_lead_route_add(crm_session* s, const crm_record* rule, int64_t* out_id) {
  return with_session(s, [&](SessionHandle& h) {
    require(rule, "rule");
    std::int64_t id = crm::add_lead_route(*h.session, rule->rec);
    if (out_id) *out_id = id;
    return CRM_OK;
  });
}

int crm_lead_route_remove(crm_session* s, int64_t id) {
  return with_session(s, [&](SessionHandle& h) {
    crm::remove_lead_route(*h.session, id);
    return CRM_OK;
  });
}

int crm_lead_route_list(crm_session* s, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_lead_routes(*h.session), std::string());
    return CRM_OK;
  });
}

}  // extern "C"

// Automation rules (R8) ------------------------------------------------------

extern "C" {

int crm_automation_rule_save(crm_session* s, int64_t rule_id, const char* json, int64_t* out_id,
                             int64_t* out_version) {
  return with_session(s, [&](SessionHandle& h) {
    require(json, "json");
    auto [id, version] = crm::save_automation_rule(*h.session, rule_id, json);
    if (out_id) *out_id = id;
    if (out_version) *out_version = version;
    return CRM_OK;
  });
}

int crm_automation_rule_enable(crm_session* s, int64_t rule_id, int32_t enabled) {
  return with_session(s, [&](SessionHandle& h) {
    crm::enable_automation_rule(*h.session, rule_id, enabled != 0);
    return CRM_OK;
  });
}

int crm_automation_rule_get(crm_session* s, int64_t rule_id, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = record_out(crm::get_automation_rule(*h.session, rule_id));
    return CRM_OK;
  });
}

int crm_automation_rule_list(crm_session* s, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_automation_rules(*h.session), std::string());
    return CRM_OK;
  });
}

int crm_automation_rule_versions(crm_session* s, int64_t rule_id, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::automation_rule_versions(*h.session, rule_id), std::string());
    return CRM_OK;
  });
}

int crm_automation_simulate(crm_session* s, const char* rules_json, const char* script_json,
                            crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(script_json, "script_json");
    require(out, "out");
    *out = nullptr;
    auto rows = crm::simulate_automation(*h.session, rules_json ? rules_json : "", script_json);
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

int crm_automation_run_list(crm_session* s, int64_t rule_id, int64_t after_id, int32_t limit,
                            crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rows = crm::list_automation_runs(*h.session, rule_id, after_id, limit == 0 ? 100 : limit);
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

}  // extern "C"

// ---------------------------------------------------------------------------
// Customer search and information completeness

namespace {

crm::SearchQuery read_search_query(const crm_search_query* q) {
  require(q, "q");
  if (q->size < offsetof(crm_search_query, include_archived) + sizeof(int32_t) || q->size > 4096)
    throw Error(Status::invalid_arg, "q->size is wrong; initialise with CRM_SEARCH_QUERY_INIT",
                "q->size 不正确，请用 CRM_SEARCH_QUERY_INIT 初始化");
  require(q->text, "q->text");
  crm::SearchQuery out;
  out.text = q->text;
  out.page_size = q->page_size;
  if (q->after) out.after = q->after;
  out.include_archived = q->include_archived != 0;
  return out;
}

}  // namespace

extern "C" {

int crm_customer_search(crm_session* s, const crm_search_query* q, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    crm::SearchPage page = crm::search_customers(*h.session, read_search_query(q));
    *out = make_cursor(h.db, std::move(page.rows), std::move(page.next));
    return CRM_OK;
  });
}

int crm_completeness_field_list(crm_session* s, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::list_completeness_fields(*h.session), std::string());
    return CRM_OK;
  });
}

int crm_completeness_field_set(crm_session* s, const char* field, int64_t weight) {
  return with_session(s, [&](SessionHandle& h) {
    require(field, "field");
    crm::set_completeness_field(*h.session, field, weight);
    return CRM_OK;
  });
}

int crm_customer_completeness(crm_session* s, const char* id, crm_record** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(id, "id");
    require(out, "out");
    *out = nullptr;
    *out = record_out(crm::customer_completeness(*h.session, crm::customer_key(*h.session, id)));
    return CRM_OK;
  });
}

int crm_completeness_report(crm_session* s, const char* group_by, int32_t include_archived,
                            crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(group_by, "group_by");
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::completeness_report(*h.session, group_by, include_archived != 0),
                       std::string());
    return CRM_OK;
  });
}

}  // extern "C"

// ---------------------------------------------------------------------------
// Merging duplicate customers (R9.3).

namespace {
std::string comma_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}
}  // namespace

extern "C" {

int crm_customer_merge(crm_session* s, const char* survivor_id, const char* merged_id,
                       const crm_record* choices, const char* reason, int64_t* out_merge_id,
                       crm_record** out_report) {
  return with_session(s, [&](SessionHandle& h) {
    require(survivor_id, "survivor_id");
    require(merged_id, "merged_id");
    if (out_report) *out_report = nullptr;
    crm::MergeOutcome m =
        crm::merge_customers(*h.session, crm::customer_key(*h.session, survivor_id),
                             crm::customer_key(*h.session, merged_id),
                             choices ? choices->rec : crm::Record(), opt_text(reason));
    if (out_merge_id) *out_merge_id = m.merge;
    if (out_report) {
      crm::Record rec;
      rec.append("merge", m.merge);
      rec.append("moved", m.moved);
      rec.append("from_merged", comma_list(m.from_merged));
      *out_report = record_out(std::move(rec));
    }
    return CRM_OK;
  });
}

int crm_customer_unmerge(crm_session* s, int64_t merge_id, int32_t force, const char* reason,
                         crm_record** out_report) {
  return with_session(s, [&](SessionHandle& h) {
    if (out_report) *out_report = nullptr;
    if (force != 0 && force != 1)
      throw crm::Error(crm::Status::invalid_arg, "force must be 0 or 1", "force 须为 0 或 1");
    crm::UnmergeOutcome u =
        crm::unmerge_customers(*h.session, merge_id, force == 1, opt_text(reason));
    if (out_report) {
      crm::Record rec;
      rec.append("merge", u.merge);
      rec.append("restored", u.restored);
      rec.append("overwritten", comma_list(u.overwritten));
      *out_report = record_out(std::move(rec));
    }
    return CRM_OK;
  });
}

int crm_merge_list(crm_session* s, const char* customer_id, int64_t after_id, int32_t limit,
                   crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rows = crm::list_merges(*h.session, customer_id ? customer_id : "", after_id, limit);
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

}  // extern "C"

// Duplicates and the cleansing report (R9.3) --------------------------------

namespace {

crm::DuplicateProgress progress_of(crm_progress_fn progress, void* ctx) {
  if (!progress) return {};
  return [progress, ctx](std::int64_t done, std::int64_t total) {
    return progress(ctx, done, total) == 0;
  };
}

}  // namespace

extern "C" {

int crm_match_key(const char* kind, const char* text, char** out) {
  return guard([&] {
    require(kind, "kind");
    require(text, "text");
    require(out, "out");
    *out = nullptr;
    const std::string k = kind;
    std::string key;
    if (k == "name")
      key = crm::name_key(text);
    else if (k == "phone")
      key = crm::phone_key(text);
    else if (k == "email")
      key = crm::email_key(text);
    else if (k == "contact")
      key = crm::contact_key(text);
    else
      throw Error(Status::invalid_arg, "kind must be name, phone, email or contact",
                  "kind 须为 name、phone、email 或 contact");
    *out = owned_copy(key);
    return CRM_OK;
  });
}

int crm_duplicates_find(crm_session* s, double threshold, crm_progress_fn progress, void* ctx,
                        crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto result = crm::find_duplicates(*h.session, threshold, progress_of(progress, ctx));
    *out = make_cursor(h.db, crm::duplicate_rows(result), std::string());
    return CRM_OK;
  });
}

int crm_duplicates_of(crm_session* s, const crm_record* fields, double threshold,
                      crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(fields, "fields");
    require(out, "out");
    *out = nullptr;
    *out = make_cursor(h.db, crm::duplicates_of(*h.session, fields->rec, threshold), std::string());
    return CRM_OK;
  });
}

int crm_cleansing_report(crm_session* s, int32_t stale_days, double threshold,
                         crm_progress_fn progress, void* ctx, crm_cursor** out) {
  return with_session(s, [&](SessionHandle& h) {
    require(out, "out");
    *out = nullptr;
    auto rows =
        crm::cleansing_report(*h.session, stale_days, threshold, progress_of(progress, ctx));
    *out = make_cursor(h.db, std::move(rows), std::string());
    return CRM_OK;
  });
}

}  // extern "C"

// Bringing data in (R9.1, R9.2) ----------------------------------------------

namespace {

crm::Error bad_import_option(const std::string& en, const std::string& zh) {
  return Error(Status::invalid_arg, en, zh);
}

// A crm_import_options as the service's options; fields appended in later
// versions are read only from callers whose struct has them.
crm::ImportOptions read_import_options(const crm_import_options* o) {
  crm::ImportOptions io;
  if (!o) return io;
  if (o->size < offsetof(crm_import_options, insert_duplicates) + sizeof(int32_t) || o->size > 4096)
    throw bad_import_option("o->size is wrong; initialise with CRM_IMPORT_OPTIONS_INIT",
                            "o->size 不正确，请用 CRM_IMPORT_OPTIONS_INIT 初始化");
  if (o->mode) {
    auto m = crm::parse_import_mode(o->mode);
    if (!m)
      throw bad_import_option(
          std::string("unknown import mode \"") + o->mode +
              "\" (insert, update, upsert or dry_run)",
          std::string("未知的导入模式“") + o->mode + "”（可选 insert、update、upsert、dry_run）");
    io.mode = *m;
  }
  if (o->key) io.key = o->key;  // checked by the service, with the keys it knows
  if (o->encoding && *o->encoding && std::strcmp(o->encoding, "auto") != 0) {
    auto e = crm::parse_csv_encoding(o->encoding);
    if (!e)
      throw bad_import_option(
          std::string("unknown encoding \"") + o->encoding + "\" (auto, utf-8, gbk or gb18030)",
          std::string("未知的文件编码“") + o->encoding + "”（可选 auto、utf-8、gbk、gb18030）");
    io.encoding = *e;
  }
  if (o->error_path) io.error_path = o->error_path;
  if (o->mapping_count < 0 || o->mapping_count > 1000 || (o->mapping_count > 0 && !o->mapping))
    throw bad_import_option("mapping: 0 to 1000 pairs, and an array when not 0",
                            "mapping：须为 0 到 1000 对，且数量非 0 时数组不能为 NULL");
  for (int32_t i = 0; i < o->mapping_count; ++i) {
    const char* header = o->mapping[2 * i];
    const char* field = o->mapping[2 * i + 1];
    if (!header || !field)
      throw bad_import_option("mapping[" + std::to_string(i) + "]: header and field are required",
                              "mapping[" + std::to_string(i) + "]：表头和字段不能为 NULL");
    io.mapping.emplace_back(header, field);
  }
  if (o->batch_rows < 0 || o->batch_rows > 100000)
    throw bad_import_option("batch_rows must be between 1 and 100000 (0 = 1000)",
                            "每批行数须在 1 到 100000 之间（0 表示 1000）");
  io.batch_rows = o->batch_rows == 0 ? 1000 : o->batch_rows;
  // insert_duplicates came with the struct (0.7): always present.
  io.insert_duplicates = o->insert_duplicates != 0;
  if (o->progress) {
    crm_progress_fn fn = o->progress;
    void* ctx = o->progress_ctx;
    io.progress = [fn, ctx](std::int64_t done, std::int64_t total) {
      return fn(ctx, done, total) == 0;
    };
  }
  return io;
}

// The first rejected rows as JSON: [{"row":3,"message_en":"…","message_zh":"…"}].
std::string errors_json(const std::vector<crm::ImportRowError>& errors) {
  std::string out = "[";
  for (const auto& e : errors) {
    if (out.size() > 1) out += ',';
    out += "{\"row\":" + std::to_string(e.row) + ",\"message_en\":";
    crm::json_append_string(out, e.message_en);
    out += ",\"message_zh\":";
    crm::json_append_string(out, e.message_zh);
    out += '}';
  }
  out += ']';
  return out;
}

using ReportCounts = std::initializer_list<std::pair<const char*, std::int64_t>>;

// A report as a record: "rows", the counts of its kind (those before and
// those after "rejected", in the order these records have always had),
// then "error_rows", "cancelled", "encoding", "key" and "errors".
crm_record* rows_report_record(const crm::RowsReport& r, ReportCounts before_rejected,
                               ReportCounts after_rejected) {
  auto rec = std::make_unique<crm_record>();
  crm::Record& o = rec->rec;
  o.set("rows", r.rows);
  for (const auto& [name, n] : before_rejected) o.set(name, n);
  o.set("rejected", r.rejected);
  for (const auto& [name, n] : after_rejected) o.set(name, n);
  o.set("error_rows", r.error_rows);
  o.set("cancelled", std::int64_t{r.cancelled ? 1 : 0});
  o.set("encoding", r.encoding);
  o.set("key", r.key);
  o.set("errors", errors_json(r.errors));
  return rec.release();
}

crm_record* import_report_record(const crm::ImportReport& r) {
  return rows_report_record(
      r, {{"inserted", r.inserted}, {"updated", r.updated}, {"unchanged", r.unchanged}},
      {{"duplicates", r.duplicates}, {"pending", r.pending}});
}

crm_record* migration_report_record(const crm::MigrationReport& r) {
  return rows_report_record(r, {{"migrated", r.migrated}, {"unchanged", r.unchanged}}, {});
}

crm::SourceOpener file_opener(const char* path) {
  std::string p = path;
  return [p] { return crm::file_source(p); };
}

}  // namespace

extern "C" {

int crm_customer_import(crm_session* s, const char* path, const crm_import_options* o,
                        crm_record** out_report) {
  return with_session(s, [&](SessionHandle& h) {
    require(path, "path");
    require(out_report, "out_report");
    *out_report = nullptr;
    crm::ImportOptions io = read_import_options(o);
    crm::refuse_error_file_over_source(path, io.error_path);
    *out_report = import_report_record(crm::import_customers(*h.session, file_opener(path), io));
    return CRM_OK;
  });
}

int crm_customer_import_buffer(crm_session* s, const void* data, size_t len,
                               const crm_import_options* o, crm_record** out_report) {
  return with_session(s, [&](SessionHandle& h) {
    if (len > 0) require(data, "data");
    require(out_report, "out_report");
    *out_report = nullptr;
    crm::ImportOptions io = read_import_options(o);
    const std::string_view bytes(len > 0 ? static_cast<const char*>(data) : "", len);
    *out_report = import_report_record(crm::import_customers(
        *h.session, [bytes] { return crm::memory_source(bytes); }, io));
    return CRM_OK;
  });
}

int crm_customer_export_csv(crm_session* s, const crm_customer_query* q, int32_t in_clear,
                            const crm_csv_options* o, crm_write_fn write, void* ctx,
                            int64_t* out_rows) {
  return with_session(s, [&](SessionHandle& h) {
    require(reinterpret_cast<const void*>(write), "write");
    if (out_rows) *out_rows = 0;
    crm::CsvExportOptions eo;
    if (o) {
      if (o->size < offsetof(crm_csv_options, bom) + sizeof(int32_t) || o->size > 4096)
        throw bad_import_option("o->size is wrong; initialise with CRM_CSV_OPTIONS_INIT",
                                "o->size 不正确，请用 CRM_CSV_OPTIONS_INIT 初始化");
      if (o->encoding) {
        auto e = crm::parse_csv_encoding(o->encoding);
        if (!e)
          throw bad_import_option(
              std::string("unknown encoding \"") + o->encoding + "\" (utf-8, gbk or gb18030)",
              std::string("未知的文件编码“") + o->encoding + "”（可选 utf-8、gbk、gb18030）");
        eo.encoding = *e;
      }
      eo.zh = o->english_headers == 0;
      eo.bom = o->bom != 0;
    }
    crm::CustomerQuery cq = read_customer_query(q);
    crm::ExportReport rep = crm::export_customers_csv(
        *h.session, cq, in_clear != 0, eo,
        [&](std::string_view chunk) { return write(ctx, chunk.data(), chunk.size()) == 0; });
    finish_export(rep, out_rows);
    return CRM_OK;
  });
}

int crm_followup_migrate(crm_session* s, const char* path, const crm_import_options* o,
                         crm_record** out_report) {
  return with_session(s, [&](SessionHandle& h) {
    require(path, "path");
    require(out_report, "out_report");
    *out_report = nullptr;
    crm::ImportOptions io = read_import_options(o);
    crm::refuse_error_file_over_source(path, io.error_path);
    *out_report =
        migration_report_record(crm::migrate_followups(*h.session, file_opener(path), io));
    return CRM_OK;
  });
}

int crm_followup_migrate_verify(crm_session* s, const char* path, const crm_import_options* o,
                                int32_t sample, uint64_t seed, crm_record** out_summary,
                                crm_cursor** out_mismatches) {
  return with_session(s, [&](SessionHandle& h) {
    require(path, "path");
    require(out_summary, "out_summary");
    require(out_mismatches, "out_mismatches");
    *out_summary = nullptr;
    *out_mismatches = nullptr;
    crm::ImportOptions io = read_import_options(o);
    crm::VerifyReport rep =
        crm::verify_followup_migration(*h.session, file_opener(path), io, sample, seed);
    std::vector<crm::Record> rows;
    rows.reserve(rep.mismatches.size());
    for (const auto& m : rep.mismatches) {
      crm::Record r;
      r.set("row", m.row);
      r.set("field", m.field);
      r.set("expected", m.expected);
      r.set("stored", m.stored);
      rows.push_back(std::move(r));
    }
    auto summary = std::make_unique<crm_record>();
    summary->rec.set("rows", rep.rows);
    summary->rec.set("sampled", rep.sampled);
    summary->rec.set("matched", rep.matched);
    summary->rec.set("cancelled", static_cast<std::int64_t>(rep.cancelled ? 1 : 0));
    *out_mismatches = make_cursor(h.db, std::move(rows), std::string());
    *out_summary = summary.release();
    return CRM_OK;
  });
}

}  // extern "C"
