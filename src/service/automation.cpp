#include "service/automation.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "domain/automation.hpp"
#include "domain/calendar.hpp"
#include "domain/custom_fields.hpp"
#include "domain/customer_rules.hpp"
#include "domain/error.hpp"
#include "domain/followup.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "service/custom_fields.hpp"
#include "service/customers.hpp"
#include "service/followups.hpp"
#include "service/review.hpp"
#include "service/tags.hpp"
#include "service/users.hpp"
#include "store/automation_repo.hpp"
#include "store/followup_repo.hpp"
#include "store/lead_repo.hpp"
#include "store/tag_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {

// The enabled rules of a handle, compiled, by trigger event.
struct AutomationRules {
  struct Rule {
    std::int64_t id = 0, version = 0, author = 0;
    RuleDef def;
  };
  std::vector<Rule> rules;
  std::map<std::string, std::vector<const Rule*>> by_event;
  std::vector<const Rule*> timed;  // no_change
};

namespace {

constexpr std::int64_t kMinute = 60 * 1000;

// What compile_rule knows of this database.
class Catalog : public RuleCatalog {
 public:
  explicit Catalog(Session& s) : s_(s) {}

  const FieldDef* field(std::string_view name) const override {
    if (is_custom_name(name)) {
      const CustomField* cf = s_.db().custom_fields().find(name);
      return cf && !cf->retired ? &cf->def : nullptr;
    }
    return find_field("customer", name);
  }
  int decimals(std::string_view name) const override {
    const CustomField* cf = is_custom_name(name) ? s_.db().custom_fields().find(name) : nullptr;
    return cf ? cf->decimals : kMoneyDecimals;
  }
  std::optional<Value> normalise(const FieldDef& f, std::string_view name, const std::string& text,
                                 std::string& error_en, std::string& error_zh) const override {
    FieldError e;
    std::optional<Value> v;
    if (const CustomField* cf = is_custom_name(name) ? s_.db().custom_fields().find(name) : nullptr)
      v = normalize_custom_value(*cf, Value{text}, s_.db().dictionaries(), e);
    else
      v = normalize_filter_value("customer", f, text, s_.db().dictionaries(), e);
    if (v && is_null(*v)) {
      v.reset();
      e.message_en = "a value is needed (use the op null for empty fields)";
      e.message_zh = "需要一个值（查找空值请用 null）";
    }
    if (!v) {
      error_en = e.message_en.empty() ? e.code : e.message_en;
      error_zh = e.message_zh.empty() ? error_en : e.message_zh;
    }
    return v;
  }
  std::optional<std::string> tag(std::string_view spelling, std::string& error_en,
                                 std::string& error_zh) const override {
    auto& conn = s_.db().conn();
    const std::string text = normalize_text(spelling, TextMode::prose);
    const auto colon = text.find(':');
    if (colon != std::string::npos) {
      auto code = s_.db().dictionaries().resolve("tag_category", text.substr(0, colon));
      if (code && store::find_tag(conn, *code, text.substr(colon + 1)))
        return *code + ":" + text.substr(colon + 1);
      error_en = "no such tag";
      error_zh = "标签不存在";
      return std::nullopt;
    }
    auto all = store::find_tags_by_label(conn, text);
    if (all.size() == 1) return all[0].category + ":" + all[0].label;
    error_en =
        all.empty() ? "no such tag" : "the label is in several categories: write category:label";
    error_zh = all.empty() ? "标签不存在" : "多个类别都有此标签，请写成“类别:标签”";
    return std::nullopt;
  }
  std::optional<std::string> stage(std::string_view spelling) const override {
    return s_.db().dictionaries().resolve("customer_type", spelling);
  }
  std::optional<std::string> role(std::string_view spelling) const override {
    return s_.db().dictionaries().resolve("role", spelling);
  }
  bool active_user(std::int64_t id) const override {
    auto u = store::find_user(s_.db().conn(), id);
    return u && u->active;
  }
  bool department(std::string_view name) const override {
    return s_.db().auth().department(std::string(name)) != nullptr;
  }
  std::optional<std::string> method(std::string_view spelling) const override {
    return s_.db().dictionaries().resolve("followup_method", spelling);
  }
  std::optional<std::string> dict_code(std::string_view dict,
                                       std::string_view spelling) const override {
    return s_.db().dictionaries().resolve(dict, spelling);
  }

 private:
  Session& s_;
};

// The handle's compiled rules.  Callers hold the pointer while they run
// rules: a rolled-back action clears the handle's cache, and a nested event
// then compiles a new set while the old one is still being walked.
std::shared_ptr<const AutomationRules> rules_of(Session& s) {
  auto& slot = s.db().automation_slot();
  if (slot) return slot;
  auto set = std::make_shared<AutomationRules>();
  Catalog catalog(s);
  for (const auto& row : store::list_automation_rules(s.db().conn())) {
    if (!row.enabled) continue;
    AutomationRules::Rule r;
    r.id = row.id;
    r.version = row.version;
    r.author = row.updated_by;
    try {
      r.def = compile_rule(row.definition, catalog);
    } catch (const Error&) {
      continue;  // a tag or user it names is gone: enabling it again says why
    }
    set->rules.push_back(std::move(r));
  }
  for (const auto& r : set->rules) {
    if (r.def.trigger.event == "no_change")
      set->timed.push_back(&r);
    else
      set->by_event[r.def.trigger.event].push_back(&r);
  }
  slot = set;
  return slot;
}

// The customer as conditions see it, read when first needed (a new
// customer's values are known already); custom values only when a condition
// names one.
class Subject : public RuleSubject {
 public:
  Subject(Session& s, std::int64_t key, const Record* known = nullptr) : s_(s), key_(key) {
    if (known) {
      record_ = *known;
      loaded_ = found_ = true;
    }
  }

  const Record* record() {
    if (!loaded_) {
      loaded_ = true;
      if (auto r = store::load_customer(s_.db().conn(), key_)) {
        record_ = std::move(*r);
        found_ = true;
      }
    }
    return found_ ? &record_ : nullptr;
  }
  const Value* field(std::string_view name) override {
    const Record* r = record();
    if (!r) return nullptr;
    if (!custom_loaded_ && is_custom_name(name)) {
      custom_loaded_ = true;
      std::vector<std::string> given;  // a new customer's, as written: read back as stored
      for (const auto& entry : record_.entries())
        if (is_custom_name(entry.first)) given.push_back(entry.first);
      for (const auto& n : given) record_.unset(n);
      append_custom_values(s_, s_.db().custom_fields(), record_, key_);
    }
    return record_.find(name);
  }
  // Forgets what was read: the rule's actions changed the customer.
  void forget() {
    loaded_ = found_ = custom_loaded_ = false;
    record_.clear();
    tags_.reset();
  }
  bool has_tag(std::string_view key) override {
    if (!tags_) {
      tags_.emplace();
      for (const auto& t : store::customer_tags(s_.db().conn(), key_))
        tags_->push_back(t.category + ":" + t.label);
    }
    return std::find(tags_->begin(), tags_->end(), key) != tags_->end();
  }
  bool owner_within(std::string_view department) override {
    const Value* o = field("owner");
    if (!o || !is_int(*o)) return false;
    const AuthData& a = s_.db().auth();
    const store::Member* m = a.member(std::get<std::int64_t>(*o));
    const store::DepartmentRow* own = m ? a.department(m->department) : nullptr;
    const store::DepartmentRow* root = a.department(std::string(department));
    return own && root && a.within(own->id, root->id);
  }
  std::int64_t owner() {
    const Value* o = field("owner");
    return o && is_int(*o) ? std::get<std::int64_t>(*o) : 0;
  }

 private:
  Session& s_;
  std::int64_t key_;
  bool loaded_ = false, found_ = false, custom_loaded_ = false;
  Record record_;
  std::optional<std::vector<std::string>> tags_;
};

// One event about a customer (or, for score_crossed, a lead).
struct Event {
  std::string name;                   // a trigger event
  std::int64_t customer = 0, at = 0;  // customer 0: a lead not linked to one
  std::optional<std::int64_t> lead;
  std::string field, before, after, tag, key;  // key: unique per event, for outbox keys
  std::int64_t now = 0;                        // when the rules run (a tick's time)
};

std::int64_t log_run(Session& s, const AutomationRules::Rule& r, const Event& e,
                     const std::string& outcome, const std::string& detail) {
  store::AutomationRunRow run;
  run.rule = r.id;
  run.version = r.version;
  run.event = e.name;
  if (e.customer) run.customer = e.customer;
  run.at = e.now;
  run.depth = s.db().automation_depth;
  run.outcome = outcome;
  std::string d = e.lead ? "lead:" + std::to_string(*e.lead) : "";
  if (!detail.empty()) d += (d.empty() ? "" : "; ") + detail;
  if (!d.empty()) run.detail = d;
  return store::insert_automation_run(s.db().conn(), run);
}

// A value for a message: a dictionary label for an enumeration's code.
std::string shown(Session& s, const std::string& field, const std::string& value, bool zh) {
  if (value.empty()) return value;
  if (field == "tags") return value.substr(value.find(':') + 1);  // the label
  const FieldDef* f = find_field("customer", field);
  std::string dict = f && f->dict ? f->dict : "";
  if (is_custom_name(field))
    if (const CustomField* cf = s.db().custom_fields().find(field)) dict = cf->dict;
  if (dict.empty()) return value;
  const auto* e = s.db().dictionaries().find(dict, value);
  return e ? (zh ? e->label_zh : e->label_en) : value;
}

std::string field_label(Session& s, const std::string& field, bool zh) {
  if (field == "tags") return zh ? "标签" : "tags";
  const FieldDef* f = is_custom_name(field) && s.db().custom_fields().find(field)
                          ? &s.db().custom_fields().find(field)->def
                          : find_field("customer", field);
  return f ? (zh ? f->label_zh : f->label_en) : field;
}

void notify(Session& s, const AutomationRules::Rule& r, const Action& a, const Event& e,
            Subject& subject, int index) {
  std::optional<std::int64_t> user;
  std::optional<std::string> role;
  const std::int64_t owner = subject.owner();
  if (a.to == "owner") {
    user = owner;
  } else if (a.to == "supervisor") {
    user = store::find_supervisor(s.db().conn(), owner);
    if (!user) role = "sales_manager";
  } else if (a.to.rfind("role:", 0) == 0) {
    role = a.to.substr(5);
  } else {
    user = a.user;
  }
  const Record* c = subject.record();
  auto values = [&](bool zh) {
    std::map<std::string, std::string> v;
    v["customer"] = c ? c->text("name") : "";
    v["customer_id"] = e.customer ? store::human_id(e.customer) : "";
    v["owner"] = owner ? user_name(s, owner) : "";
    v["tier"] = c ? c->text("tier") : "";
    v["rule"] = r.def.name;
    v["field"] = e.field.empty() ? "" : field_label(s, e.field, zh);
    v["before"] = shown(s, e.field, e.before, zh);
    v["after"] = shown(s, e.field, e.after, zh);
    v["tag"] = e.tag.substr(e.tag.find(':') + 1);  // the label, without its category
    v["time"] = format_local_minute(e.at, s.db().zone());
    return v;
  };
  const std::string zh = render_template(a.template_zh, values(true));
  const std::string en = render_template(a.template_en, values(false));
  std::size_t start = 0;
  for (;;) {
    std::size_t end = a.channels.find(',', start);
    std::string channel = a.channels.substr(start, end == std::string::npos ? end : end - start);
    store::OutboxRow m;
    m.key =
        "auto:" + std::to_string(r.id) + ":" + e.key + ":" + std::to_string(index) + ":" + channel;
    m.kind = "automation";
    m.subject = r.id;
    m.base_at = e.at;
    if (e.customer) m.customer = e.customer;
    m.lead = e.lead;
    m.recipient_user = user;
    m.recipient_role = role;
    m.channel = channel;
    m.message_zh = zh;
    m.message_en = en;
    m.due_at = e.now;
    m.created_at = e.now;
    store::insert_outbox(s.db().conn(), m);
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

std::int64_t tag_id(Session& s, const std::string& key) {
  const auto colon = key.find(':');
  auto t = store::find_tag(s.db().conn(), key.substr(0, colon), key.substr(colon + 1));
  if (!t) throw Error(Status::not_found, "no tag " + key, "标签 " + key + " 不存在");
  return t->id;
}

// Runs one action as the rule's author.
void act(Session& s, Session& author, const AutomationRules::Rule& r, const Action& a,
         const Event& e, Subject& subject, int index) {
  if (a.type == "notify" || a.type == "escalate") {
    notify(s, r, a, e, subject, index);
  } else if (a.type == "add_tag" || a.type == "remove_tag") {
    tag_customer(author, e.customer, tag_id(s, a.tag), a.type == "add_tag");
  } else if (a.type == "set_field") {
    Record changes;
    changes.set(a.field, a.value);
    update_customer(author, e.customer, changes);
  } else if (a.type == "assign_owner") {
    if (subject.owner() != a.user)
      transfer_customer(author, e.customer, a.user, "automation: " + r.def.name);
  } else if (a.type == "create_plan") {
    Record plan;
    plan.set("goal", a.goal);
    plan.set("method", a.method);
    plan.set("planned_at", e.now + a.after_minutes * kMinute);
    plan.set("owner", subject.owner());
    create_plan(author, e.customer, plan);
  }
}

bool trigger_matches(const Trigger& t, const Event& e) {
  if (t.event == "field_changed") {
    if (t.field != e.field) return false;
    if (!t.to) return true;
    const Value& v = *t.to;
    if (is_text(v)) return std::get<std::string>(v) == e.after;
    if (is_int(v)) return std::to_string(std::get<std::int64_t>(v)) == e.after;
    return false;
  }
  if (t.event == "tag_added" || t.event == "tag_removed") return t.tag == e.tag;
  if (t.event == "stage_entered") return t.stage == e.after;
  return true;
}

std::int64_t max_depth(Session& s) {
  auto n = parse_integer_text(s.db().setting("automation.max_depth"));
  return n ? *n : 3;
}

// Runs the rules of `e` that match and whose conditions hold.
void run_rules(Session& s, const std::vector<const AutomationRules::Rule*>& rules, const Event& e,
               const Record* known = nullptr) {
  Subject subject(s, e.customer, known);
  auto& depth = s.db().automation_depth;
  for (const auto* r : rules) {
    if (!trigger_matches(r->def.trigger, e)) continue;
    if (depth > 0 && depth >= max_depth(s)) {
      log_run(s, *r, e, "loop_stopped",
              "depth " + std::to_string(depth) + " reached automation.max_depth");
      continue;
    }
    if (r->def.when && !conditions_hold(*r->def.when, subject)) continue;
    if (!subject.record()) continue;  // gone (archived customers still count)
    // Logged before its actions, at its own depth: a run its actions set off
    // comes after it, one deeper.
    const std::int64_t run = log_run(s, *r, e, "fired", "");
    std::string failed;
    ++depth;
    struct Restore {
      int& d;
      ~Restore() { --d; }
    } restore{depth};
    std::unique_ptr<Session> author;
    bool changed = false;
    for (std::size_t i = 0; i < r->def.actions.size(); ++i) {
      const Action& a = r->def.actions[i];
      try {
        store::WriteTransaction tx(s.db().conn());
        if (!author && a.type != "notify" && a.type != "escalate")
          author = std::make_unique<Session>(s.db(), r->author);
        act(s, author ? *author : s, *r, a, e, subject, static_cast<int>(i));
        tx.commit();
        changed = changed || author != nullptr;
      } catch (const Pending&) {
        failed += (failed.empty() ? "" : "; ") + a.type + ": waits for review";
      } catch (const Error& err) {
        failed += (failed.empty() ? "" : "; ") + a.type + ": " + err.message_en();
      }
    }
    // The next rule's conditions see the customer as this rule's actions left it.
    if (changed) subject.forget();
    if (!failed.empty())
      store::finish_automation_run(
          s.db().conn(), run, "action_failed",
          (e.lead ? "lead:" + std::to_string(*e.lead) + "; " : std::string()) + failed);
  }
}

// The customer's one "no change" timer (kind "auto"): a change at `at` of
// `field` ("" = a new customer) restarts the rules that watch it, so the
// timer is due no later than the first of their thresholds.  At firing,
// each rule's own stretch is worked out (automation_timer), which keeps one
// timer per customer however many such rules there are.
void arm_timed(Session& s, const AutomationRules& set, std::int64_t customer,
               const std::string& field, std::int64_t at) {
  std::int64_t first = -1;
  for (const auto* r : set.timed) {
    const std::string& watched = r->def.trigger.field;
    if (!field.empty() && !watched.empty() && watched != field) continue;
    const std::int64_t minutes = r->def.trigger.after_minutes;
    if (first < 0 || minutes < first) first = minutes;
  }
  if (first < 0) return;
  store::arm_timer_earliest(s.db().conn(),
                            store::TimerRow{"auto", customer, at, at + first * kMinute});
}

// Why a saved rule no longer compiles (a tag or user it names is gone), or
// NULL.
Value problem_of(Session& s, const store::AutomationRuleRow& r) {
  try {
    Catalog catalog(s);
    compile_rule(r.definition, catalog);
    return Value{};
  } catch (const Error& e) {
    return Value{e.message_en()};
  }
}

Record rule_record(Session& s, const store::AutomationRuleRow& r) {
  Record rec;
  rec.append("id", r.id);
  rec.append("name", r.name);
  rec.append("enabled", std::int64_t{r.enabled ? 1 : 0});
  rec.append("version", r.version);
  rec.append("event", r.event);
  rec.append("definition", r.definition);
  rec.append("template", optional_value(r.template_code));
  rec.append("updated_at", r.updated_at);
  rec.append("updated_by", r.updated_by);
  rec.append("problem", problem_of(s, r));
  return rec;
}

store::AutomationRuleRow existing_rule(Session& s, std::int64_t id) {
  auto r = store::load_automation_rule(s.db().conn(), id);
  if (!r)
    throw Error(Status::not_found, "no automation rule " + std::to_string(id),
                "自动化规则 " + std::to_string(id) + " 不存在");
  return std::move(*r);
}

}  // namespace

std::pair<std::int64_t, std::int64_t> save_automation_rule(Session& s, std::int64_t id,
                                                           const std::string& json) {
  s.authorize(Perm::config_manage);
  if (json.size() > 64 * 1024)
    throw Error(Status::invalid_arg, "a rule is at most 64 KiB of JSON", "规则的 JSON 最多 64 KiB");
  Catalog catalog(s);
  RuleDef def = compile_rule(json, catalog);
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::AutomationRuleRow row;
  if (id != 0) row = existing_rule(s, id);
  row.name = def.name;
  row.event = def.trigger.event;
  row.definition = json;
  row.updated_at = s.db().now();
  row.updated_by = s.user_id();
  if (id == 0) {
    row.version = 1;
    row.id = store::insert_automation_rule(conn, row);
  } else {
    row.version += 1;
    store::update_automation_rule(conn, row);
    // Timers of the old version are re-armed under the new one at the next change.
  }
  s.db().config_changed();
  store::insert_config_history(conn, row.updated_at, s.user_id(),
                               "automation." + std::to_string(row.id), "",
                               "version=" + std::to_string(row.version));
  s.audit("config.automation_rule", "automation:" + std::to_string(row.id),
          "version=" + std::to_string(row.version));
  tx.commit();
  return {row.id, row.version};
}

void enable_automation_rule(Session& s, std::int64_t id, bool enabled) {
  s.authorize(Perm::config_manage);
  auto& conn = s.db().conn();
  store::AutomationRuleRow row = existing_rule(s, id);
  if (enabled) {
    Catalog catalog(s);
    compile_rule(row.definition, catalog);  // still valid?
  }
  if (row.enabled == enabled) return;
  store::WriteTransaction tx(conn);
  store::set_automation_rule_enabled(conn, id, enabled, s.db().now(), s.user_id());
  if (enabled && row.event == "no_change") {
    Catalog catalog(s);
    store::arm_quiet_timers(conn, s.db().now(),
                            compile_rule(row.definition, catalog).trigger.after_minutes);
  }
  s.db().config_changed();
  store::insert_config_history(conn, s.db().now(), s.user_id(), "automation." + std::to_string(id),
                               enabled ? "0" : "1", enabled ? "1" : "0");
  s.audit(enabled ? "config.automation_enable" : "config.automation_disable",
          "automation:" + std::to_string(id));
  tx.commit();
}

Record get_automation_rule(Session& s, std::int64_t id) {
  s.authorize(Perm::config_read);
  return rule_record(s, existing_rule(s, id));
}

std::vector<Record> list_automation_rules(Session& s) {
  s.authorize(Perm::config_read);
  std::vector<Record> out;
  for (const auto& r : store::list_automation_rules(s.db().conn()))
    out.push_back(rule_record(s, r));
  return out;
}

std::vector<Record> automation_rule_versions(Session& s, std::int64_t id) {
  s.authorize(Perm::config_read);
  existing_rule(s, id);
  std::vector<Record> out;
  for (const auto& v : store::automation_rule_versions(s.db().conn(), id)) {
    Record r;
    r.append("version", v.version);
    r.append("definition", v.definition);
    r.append("created_at", v.created_at);
    r.append("created_by", v.created_by);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Record> list_automation_runs(Session& s, std::int64_t rule, std::int64_t after_id,
                                         int limit) {
  s.authorize(Perm::config_read);
  if (limit < 1 || limit > 1000)
    throw Error(Status::invalid_arg, "limit is 1 to 1000", "每页条数须为 1 到 1000");
  std::vector<Record> out;
  for (const auto& run : store::list_automation_runs(s.db().conn(), rule, after_id, limit)) {
    Record r;
    r.append("id", run.id);
    r.append("rule", run.rule);
    r.append("version", run.version);
    r.append("event", run.event);
    r.append("customer", run.customer ? Value{store::human_id(*run.customer)} : Value{});
    r.append("at", run.at);
    r.append("depth", run.depth);
    r.append("outcome", run.outcome);
    r.append("detail", optional_value(run.detail));
    out.push_back(std::move(r));
  }
  return out;
}

void automation_created(Session& s, std::int64_t customer, std::int64_t at, const Record* values) {
  const std::shared_ptr<const AutomationRules> held = rules_of(s);
  const AutomationRules& set = *held;
  if (!set.timed.empty()) arm_timed(s, set, customer, "", at);
  auto it = set.by_event.find("created");
  if (it == set.by_event.end()) return;
  Event e;
  e.name = "created";
  e.customer = customer;
  e.at = at;
  e.key = "created:" + std::to_string(customer);
  e.now = s.db().now();
  run_rules(s, it->second, e, values);
}

void automation_history(Session& s, const store::HistoryEntry& h) {
  if (!h.field) return;
  const std::shared_ptr<const AutomationRules> held = rules_of(s);
  const AutomationRules& set = *held;
  if (set.rules.empty()) return;
  Event e;
  e.customer = h.customer;
  e.at = h.at;
  e.now = s.db().now();
  e.before = h.before.value_or("");
  e.after = h.after.value_or("");
  // Unique per event: the change's time and field, and the depth it came at.
  e.key = std::to_string(h.customer) + ":" + std::to_string(h.at) + ":" + *h.field + ":" + e.after +
          ":" + std::to_string(s.db().automation_depth);
  std::vector<std::string> names;
  if (h.kind == "tag") {
    e.name = h.after ? "tag_added" : "tag_removed";
    e.tag = h.after ? *h.after : h.before.value_or("");
    e.field = "tags";
  } else if (find_field("customer", *h.field) || is_custom_name(*h.field)) {
    e.name = "field_changed";
    e.field = *h.field;
  } else {
    return;  // contacts, maintenance plans, leads …
  }
  if (!set.timed.empty()) arm_timed(s, set, h.customer, e.field, h.at);
  if (auto it = set.by_event.find(e.name); it != set.by_event.end()) run_rules(s, it->second, e);
  if (e.field == "type") {
    e.name = "stage_entered";
    if (auto it = set.by_event.find(e.name); it != set.by_event.end()) run_rules(s, it->second, e);
  }
}

void automation_lead_crossed(Session& s, const store::LeadRow& l) {
  const std::shared_ptr<const AutomationRules> held = rules_of(s);
  const AutomationRules& set = *held;
  auto it = set.by_event.find("score_crossed");
  if (it == set.by_event.end()) return;
  // The lead as conditions see it: its stored fields ("name" is its company,
  // for the messages' {customer}).
  Record r;
  r.append("name", l.company);
  r.append("company", l.company);
  r.append("channel", l.channel);
  r.append("person", optional_value(l.person));
  r.append("region", optional_value(l.region));
  r.append("industry", optional_value(l.industry));
  r.append("scale", optional_value(l.scale));
  r.append("key_needs", optional_value(l.key_needs));
  r.append("stage", l.stage);
  r.append("owner", optional_value(l.owner));
  r.append("score", l.score);
  r.append("external_id", optional_value(l.external_id));
  Event e;
  e.name = "score_crossed";
  e.customer = l.customer.value_or(0);
  e.lead = l.id;
  e.at = l.high_value_at.value_or(s.db().now());
  e.now = s.db().now();
  e.key = "lead:" + std::to_string(l.id) + ":" + std::to_string(e.at);
  run_rules(s, it->second, e, &r);
}

bool automation_timer(Session& s, const store::TimerRow& t, std::int64_t now) {
  auto& conn = s.db().conn();
  store::drop_timer(conn, t.kind, t.subject);
  const std::shared_ptr<const AutomationRules> held = rules_of(s);
  const AutomationRules& set = *held;
  if (set.timed.empty()) return false;
  auto c = store::load_customer(conn, t.subject);
  if (!c || std::get<std::int64_t>(*c->find("archived")) != 0) return false;
  const std::int64_t created = std::get<std::int64_t>(*c->find("created_at"));
  const std::int64_t updated = std::get<std::int64_t>(*c->find("updated_at"));
  bool fired = false;
  std::int64_t next = -1;
  for (const auto* r : set.timed) {
    // The start of the rule's quiet stretch: the last change of its field,
    // or of anything.
    const std::string& field = r->def.trigger.field;
    const std::int64_t base =
        field.empty() ? updated : store::last_change(conn, t.subject, field).value_or(created);
    const std::int64_t due = base + r->def.trigger.after_minutes * kMinute;
    if (due > now) {
      if (next < 0 || due < next) next = due;
      continue;
    }
    if (store::ran_since(conn, r->id, t.subject, base)) continue;  // this stretch's done
    Event e;
    e.name = "no_change";
    e.customer = t.subject;
    e.at = base;
    e.field = field;
    e.key = "quiet:" + std::to_string(t.subject) + ":" + std::to_string(base);
    e.now = now;
    run_rules(s, {r}, e);
    fired = true;
  }
  if (next >= 0) store::arm_timer(conn, store::TimerRow{"auto", t.subject, t.base_at, next});
  return fired;
}

}  // namespace crm
