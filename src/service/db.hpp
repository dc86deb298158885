// The service-level database handle (what a crm_db is): one connection, the
// injected clock, the time zone, cached dictionaries and the handle's mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/custom_fields.hpp"
#include "domain/customer_rules.hpp"
#include "service/auth_data.hpp"
#include "store/connection.hpp"
#include "store/dictionary_repo.hpp"
#include "store/schedule_repo.hpp"

namespace date {
class time_zone;
}

namespace crm {

// The only place that reads the system clock is Clock::system mode.
class Clock {
 public:
  using Callback = std::int64_t (*)(void* ctx);
  std::int64_t now_ms() const;
  void use_system() { mode_ = Mode::system; }
  void fix(std::int64_t ms) {
    mode_ = Mode::fixed;
    fixed_ = ms;
  }
  void use_callback(Callback fn, void* ctx) {
    mode_ = Mode::callback;
    fn_ = fn;
    ctx_ = ctx;
  }

 private:
  enum class Mode { system, fixed, callback } mode_ = Mode::system;
  std::int64_t fixed_ = 0;
  Callback fn_ = nullptr;
  void* ctx_ = nullptr;
};

// Enumerations in memory: code, labels and aliases all resolve to the code.
class Dictionaries : public DictionaryLookup {
 public:
  struct Entry {
    std::string code, label_zh, label_en, department;
  };
  // Loads every stored entry not yet known.  Entries are never removed and
  // live in deques, so a pointer from find() (and a label handed out through
  // the C ABI as borrowed) stays valid for the handle's lifetime.
  void load(store::Connection& c);
  void add(const store::DictionaryRow& row) const;
  std::optional<std::string> resolve(std::string_view dict, std::string_view input) const override;
  std::optional<std::string> resolve_exact(std::string_view dict,
                                           std::string_view input) const override;
  const Entry* find(std::string_view dict, std::string_view code) const;
  // The entries of a dictionary in order; nullptr for an unknown one.
  const std::deque<Entry>* entries(std::string_view dict) const;
  void set_department(std::string_view dict, std::string_view code, const std::string& dept);
  bool has_dict(std::string_view dict) const;

 private:
  // Picks up entries other handles added; true if any were new.
  bool refresh() const;
  const std::string* lookup(std::string_view dict, std::string_view input) const;

  // A cache of the dictionary table, filled lazily even through const
  // lookups: hence mutable.
  store::Connection* conn_ = nullptr;
  mutable std::unordered_map<std::string, std::deque<Entry>> entries_;
  // dict → lower-cased spelling (code, labels, aliases) → code
  mutable std::unordered_map<std::string, std::unordered_map<std::string, std::string>> index_;
  mutable std::size_t size_ = 0;  // entries known
};

struct AutomationRules;

class Database {
 public:
  explicit Database(const store::OpenOptions& opts);

  std::mutex& mutex() { return mutex_; }
  store::Connection& conn() { return conn_; }
  Clock& clock() { return clock_; }
  std::int64_t now() const { return clock_.now_ms(); }
  const date::time_zone* zone() const { return zone_; }
  const std::string& zone_name() const { return zone_name_; }
  const Dictionaries& dictionaries() const { return dicts_; }
  void remember_dictionary_row(const store::DictionaryRow& row) { dicts_.add(row); }
  void remember_department(std::string_view dict, std::string_view code, const std::string& d) {
    dicts_.set_department(dict, code, d);
  }

  // Custom field definitions (R1.8), reloaded when another connection has
  // committed since the last look (PRAGMA data_version) or after a rollback
  // of a host transaction.  Pointers into the set stay valid.
  const CustomFieldSet& custom_fields();
  void remember_custom_field(const CustomField& f) { custom_.put(f); }

  // Users, departments and the permission matrix, reloaded when another
  // connection has changed them (PRAGMA data_version, then the stored
  // auth.epoch) or after auth_changed().
  const AuthData& auth();
  // Call after committing a change to users, departments, roles, the
  // matrix or grants (the change bumps auth.epoch for other handles).
  void auth_changed() { auth_stale_ = true; }

  // Marks the start of one API call (the C ABI does, for every call): from
  // then on the caches above look at PRAGMA data_version once per call
  // instead of at every use.  Without it (C++ callers of the services),
  // every use looks.
  void begin_call() {
    call_scoped_ = true;
    ++call_;
  }

  // Settings ("setting.<name>" in meta; "" when unset) and reminder rules
  // (nullptr for an unknown kind), cached until another connection commits,
  // a write of this handle rolls back, or config_changed() — which whoever
  // writes them calls.
  const std::string& setting(const std::string& name);
  const store::RuleRow* reminder_rule(const std::string& kind);
  void config_changed() { ++config_changes_; }

  // The compiled automation rules (src/service/automation.cpp fills the
  // slot), dropped with the settings above.
  std::shared_ptr<const AutomationRules>& automation_slot() {
    check_config();
    return automation_;
  }
  // How deep the automation actions running now are nested (loop guard).
  int automation_depth = 0;

  // Explicit host transactions.
  void begin();
  void commit();
  void rollback();
  bool in_explicit_transaction() const { return explicit_txn_; }

  // Sessions and cursors made from this handle that are still open.
  std::atomic<int> children{0};

 private:
  std::mutex mutex_;
  store::Connection conn_;
  Clock clock_;
  const date::time_zone* zone_ = nullptr;
  std::string zone_name_;
  Dictionaries dicts_;
  CustomFieldSet custom_;
  std::int64_t data_version_ = -1;
  bool custom_stale_ = true;
  // PRAGMA data_version: changes when another connection commits.  Looked
  // at once per call when calls are scoped.
  std::int64_t data_version();
  bool call_scoped_ = false;
  std::uint64_t call_ = 0, version_call_ = 0;
  std::int64_t version_ = -1;
  // Whether the config cache may still be used; clears it if not.
  void check_config();
  std::unordered_map<std::string, std::string> settings_;
  std::unordered_map<std::string, store::RuleRow> rules_;
  std::shared_ptr<const AutomationRules> automation_;
  std::int64_t config_version_ = -1;
  std::uint64_t config_rollbacks_ = 0, config_seen_ = 0, config_changes_ = 1;
  AuthData auth_;
  std::int64_t auth_data_version_ = -1;
  bool auth_stale_ = true;
  bool explicit_txn_ = false;
};

}  // namespace crm
