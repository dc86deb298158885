// Automation rules (自动化规则, R8): trigger → conditions → actions, as data.
// A rule is a JSON document; compile_rule() checks every part against what
// the database knows (fields, dictionaries, tags, users, roles) through a
// catalogue, and refuses a rule that could never be valid with the path of
// the mistake.  Pure: the service brings the catalogue and the subject.
//
//   {"name": "高潜力客户提醒销售经理",
//    "trigger": {"event": "tag_added", "tag": "高潜力"},
//    "conditions": {"all": [{"field": "priority", "op": "=", "value": "高"},
//                           {"not": {"owner_department": "华南销售部"}}]},
//    "actions": [{"type": "notify", "to": "role:sales_manager",
//                 "channels": "app,email",
//                 "template_zh": "客户{customer}被标记为高潜力",
//                 "template_en": "{customer} was tagged high potential"}]}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/field_registry.hpp"
#include "domain/json_value.hpp"
#include "domain/value.hpp"

namespace crm {

// Events a rule can react to (the subject is a customer):
//   created        a customer was created
//   field_changed  a field changed ("field"; optional "to": the new value)
//   tag_added      a tag was attached ("tag")
//   tag_removed    a tag was detached ("tag")
//   stage_entered  the customer type (lifecycle stage) became "stage"
//   no_change      nothing changed "field" (or the customer, without
//                  "field") for "hours" / "days": a time trigger, run by tick
//   score_crossed  a lead's score reached the high-value threshold (R4.3):
//                  the subject is the lead, conditions test lead fields
//                  (and owner_department), actions notify or escalate
const std::vector<std::string>& automation_events();

struct Trigger {
  std::string event;
  std::string field;               // field_changed, no_change ("" = any change)
  std::optional<Value> to;         // field_changed: only to this value
  std::string tag;                 // tag_added / tag_removed: "category:label"
  std::string stage;               // stage_entered: a customer_type code
  std::int64_t after_minutes = 0;  // no_change
};

struct Condition {
  enum class Kind { all, any, not_, field, tag, owner_department };
  Kind kind = Kind::all;
  std::vector<Condition> children;  // all / any / not (one)
  std::string field, op;            // field
  Value value;                      // field: normalised as stored
  FieldType type = FieldType::text;
  int decimals = 0;        // decimal fields
  std::string tag;         // tag: "category:label"
  std::string department;  // owner_department (and below)
};

// Actions, in the order written:
//   notify        "to": "owner" | "supervisor" | "role:<code>" | "user:<id>",
//                 "channels" (app,email,sms), "template_zh", "template_en"
//   escalate      notify the owner's department supervisor ("channels",
//                 "template_zh", "template_en")
//   create_plan   a follow-up plan for the owner "after_hours" from now with
//                 "goal" and "method"
//   add_tag / remove_tag   "tag"
//   set_field     "field", "value"
//   assign_owner  "user"
struct Action {
  std::string type;
  std::string to, channels, template_zh, template_en;
  std::string tag, field, goal, method;
  Value value;
  std::int64_t user = 0, after_minutes = 0;
};

struct RuleDef {
  std::string name;
  Trigger trigger;
  std::optional<Condition> when;
  std::vector<Action> actions;
};

// What compile_rule needs to know of the database.
class RuleCatalog {
 public:
  virtual ~RuleCatalog() = default;
  // A customer field (built-in or custom.<name>) a rule may read, or nullptr.
  virtual const FieldDef* field(std::string_view name) const = 0;
  // Digits after the point of a decimal field.
  virtual int decimals(std::string_view name) const = 0;
  // `text` as field `f` stores it (labels → codes, phones → E.164 …);
  // nullopt with the reason in English and Chinese when it could never be
  // stored.
  virtual std::optional<Value> normalise(const FieldDef& f, std::string_view name,
                                         const std::string& text, std::string& error_en,
                                         std::string& error_zh) const = 0;
  // A tag by "category:label" or a label unique across categories →
  // "category:label" (category as its code); nullopt when unknown or
  // ambiguous (the reason in English and Chinese).
  virtual std::optional<std::string> tag(std::string_view spelling, std::string& error_en,
                                         std::string& error_zh) const = 0;
  virtual std::optional<std::string> stage(std::string_view spelling) const = 0;
  virtual std::optional<std::string> role(std::string_view spelling) const = 0;
  virtual bool active_user(std::int64_t id) const = 0;
  virtual bool department(std::string_view name) const = 0;
  virtual std::optional<std::string> method(std::string_view spelling) const = 0;
  // A dictionary's code for a code, label or alias, or nullopt.
  virtual std::optional<std::string> dict_code(std::string_view dict,
                                               std::string_view spelling) const = 0;
};

// The placeholders a rule's message may use.
const std::vector<std::string>& automation_placeholders();

// Parses and checks a rule; throws Status::invalid_arg with the path of the
// first mistake ("conditions.all[1].field: no customer field \"budget\"")
// in English and Chinese.
RuleDef compile_rule(std::string_view json, const RuleCatalog& catalog);

// What conditions see of the customer.
class RuleSubject {
 public:
  virtual ~RuleSubject() = default;
  virtual const Value* field(std::string_view name) = 0;
  virtual bool has_tag(std::string_view key) = 0;  // "category:label"
  // Whether the owner's department is `department` or below it.
  virtual bool owner_within(std::string_view department) = 0;
};

bool conditions_hold(const Condition& c, RuleSubject& subject);

// Compares a stored value with a condition's: -1, 0, 1, or nullopt when
// either is NULL or they do not compare.
std::optional<int> compare_values(const Value& a, const Value& b, FieldType type, int decimals);

}  // namespace crm
