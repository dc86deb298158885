#include "service/db.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <chrono>

#include "domain/calendar.hpp"
#include "domain/error.hpp"
#include "domain/text.hpp"
#include "store/auth_repo.hpp"
#include "store/custom_field_repo.hpp"
#include "store/dictionary_repo.hpp"

namespace crm {

std::int64_t Clock::now_ms() const {
  switch (mode_) {
    case Mode::fixed:
      return fixed_;
    case Mode::callback:
      return fn_(ctx_);
    case Mode::system:
      break;
  }
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void Dictionaries::load(store::Connection& c) {
  conn_ = &c;
  refresh();
}

void Dictionaries::add(const store::DictionaryRow& row) const {
  auto& list = entries_[row.dict];
  for (const auto& e : list)
    if (e.code == row.code) return;  // known already
  auto& spellings = index_[row.dict];
  spellings.emplace(ascii_lower(row.code), row.code);
  spellings.emplace(ascii_lower(row.label_zh), row.code);
  spellings.emplace(ascii_lower(row.label_en), row.code);
  std::string_view aliases = row.aliases;
  while (!aliases.empty()) {
    auto bar = aliases.find('|');
    auto alias = aliases.substr(0, bar);
    if (!alias.empty()) spellings.emplace(ascii_lower(alias), row.code);
    if (bar == std::string_view::npos) break;
    aliases.remove_prefix(bar + 1);
  }
  list.push_back({row.code, row.label_zh, row.label_en, row.department});
  ++size_;
}

const std::string* Dictionaries::lookup(std::string_view dict, std::string_view input) const {
  auto d = index_.find(std::string(dict));
  if (d == index_.end()) return nullptr;
  auto it = d->second.find(ascii_lower(input));
  return it == d->second.end() ? nullptr : &it->second;
}

std::optional<std::string> Dictionaries::resolve_exact(std::string_view dict,
                                                       std::string_view input) const {
  const std::string* code = lookup(dict, input);
  if (!code) return std::nullopt;
  return *code;
}

bool Dictionaries::refresh() const {
  std::size_t before = size_;
  for (auto& row : store::load_dictionaries(*conn_)) add(row);
  return size_ != before;
}

std::optional<std::string> Dictionaries::resolve(std::string_view dict,
                                                 std::string_view input) const {
  const std::string* code = lookup(dict, input);
  // A miss may be an entry another handle added since this one loaded.
  if (!code && refresh()) code = lookup(dict, input);
  if (!code) return std::nullopt;
  return *code;
}

const Dictionaries::Entry* Dictionaries::find(std::string_view dict, std::string_view code) const {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto it = entries_.find(std::string(dict));
    if (it != entries_.end())
      for (const auto& e : it->second)
        if (e.code == code) return &e;
    if (attempt == 0 && !refresh()) break;
  }
  return nullptr;
}

const std::deque<Dictionaries::Entry>* Dictionaries::entries(std::string_view dict) const {
  auto it = entries_.find(std::string(dict));
  return it == entries_.end() ? nullptr : &it->second;
}

void Dictionaries::set_department(std::string_view dict, std::string_view code,
                                  const std::string& dept) {
  auto it = entries_.find(std::string(dict));
  if (it == entries_.end()) return;
  for (auto& e : it->second)
    if (e.code == code) e.department = dept;
}

bool Dictionaries::has_dict(std::string_view dict) const {
  return entries_.count(std::string(dict)) != 0;
}

Database::Database(const store::OpenOptions& opts) : conn_(opts) {
  zone_name_ = conn_.meta("time_zone");
  zone_ = find_zone(zone_name_);
  if (!zone_)
    throw Error(Status::corrupt, "database names an unknown time zone: " + zone_name_,
                "数据库记录的时区无效：" + zone_name_);
  dicts_.load(conn_);
}

std::int64_t Database::data_version() {
  if (call_scoped_ && version_call_ == call_ && version_ >= 0) return version_;
  auto q = conn_.prepare("PRAGMA data_version");
  q->executeStep();
  version_ = q->getColumn(0).getInt64();
  version_call_ = call_;
  return version_;
}

const CustomFieldSet& Database::custom_fields() {
  const std::int64_t version = data_version();
  if (custom_stale_ || version != data_version_) {
    custom_.reload(store::load_custom_fields(conn_));
    data_version_ = version;
    custom_stale_ = false;
  }
  return custom_;
}

void Database::check_config() {
  const std::int64_t version = data_version();
  if (version == config_version_ && conn_.rollbacks() == config_rollbacks_ &&
      config_changes_ == config_seen_)
    return;
  settings_.clear();
  rules_.clear();
  automation_.reset();
  config_version_ = version;
  config_rollbacks_ = conn_.rollbacks();
  config_seen_ = config_changes_;
}

const std::string& Database::setting(const std::string& name) {
  check_config();
  auto it = settings_.find(name);
  if (it == settings_.end()) it = settings_.emplace(name, conn_.meta("setting." + name)).first;
  return it->second;
}

const store::RuleRow* Database::reminder_rule(const std::string& kind) {
  check_config();
  auto it = rules_.find(kind);
  if (it == rules_.end()) {
    auto row = store::load_rule(conn_, kind);
    if (!row) return nullptr;
    it = rules_.emplace(kind, std::move(*row)).first;
  }
  return &it->second;
}

const AuthData& Database::auth() {
  const std::int64_t version = data_version();
  if (!auth_stale_ && version == auth_data_version_) return auth_;
  auth_data_version_ = version;
  if (auth_stale_ || store::auth_epoch(conn_) != auth_.epoch) auth_.load(conn_);
  auth_stale_ = false;
  return auth_;
}

void Database::begin() {
  if (explicit_txn_ || conn_.in_transaction())
    throw Error(Status::state, "a transaction is already open on this handle",
                "此数据库句柄已有未结束的事务");
  if (conn_.readonly())
    throw Error(Status::readonly, "database was opened read-only", "数据库以只读方式打开");
  conn_.begin_explicit();
  explicit_txn_ = true;
}

void Database::commit() {
  if (!explicit_txn_)
    throw Error(Status::state, "no transaction is open on this handle",
                "此数据库句柄没有打开的事务");
  conn_.commit_explicit();
  explicit_txn_ = false;
}

void Database::rollback() {
  if (!explicit_txn_)
    throw Error(Status::state, "no transaction is open on this handle",
                "此数据库句柄没有打开的事务");
  explicit_txn_ = false;
  custom_stale_ = true;  // definitions made inside it are gone
  auth_stale_ = true;
  conn_.note_rollback();
  conn_.rollback_explicit();
}

}  // namespace crm
