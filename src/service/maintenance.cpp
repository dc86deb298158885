#include "service/maintenance.hpp"

#include "domain/custom_fields.hpp"
#include "domain/customer_rules.hpp"
#include "domain/error.hpp"
#include "domain/maintenance.hpp"
#include "domain/messages.hpp"
#include "service/customers.hpp"
#include "service/tiers.hpp"
#include "store/customer_repo.hpp"
#include "store/followup_repo.hpp"
#include "store/maintenance_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

constexpr const char* kEntity = "maintenance_plan";

Record plan_record(const store::MaintenancePlanRow& p) {
  Record r;
  r.append("id", p.id);
  r.append("customer", store::human_id(p.customer));
  r.append("method", p.method);
  r.append("measures", p.measures);
  r.append("responsible", p.responsible);
  r.append("cost", format_decimal(p.cost_fen, kMoneyDecimals));
  r.append("period_start", p.period_start);
  r.append("period_end", p.period_end);
  r.append("state", p.state);
  r.append("decision_note", optional_value(p.decision_note));
  r.append("decided_by", optional_value(p.decided_by));
  r.append("decided_at", optional_value(p.decided_at));
  r.append("carried_out_at", optional_value(p.carried_out_at));
  r.append("evaluation", optional_value(p.evaluation));
  r.append("satisfaction", optional_value(p.satisfaction));
  r.append("evaluated_at", optional_value(p.evaluated_at));
  r.append("created_at", p.created_at);
  r.append("created_by", p.created_by);
  return r;
}

std::string text_of(const Record& r, const char* name) {
  const Value* v = r.find(name);
  return v && is_text(*v) ? std::get<std::string>(*v) : std::string();
}

Error no_plan(std::int64_t id) {
  return Error(Status::not_found, "no maintenance plan " + std::to_string(id),
               "维护方案 " + std::to_string(id) + " 不存在");
}

store::MaintenancePlanRow existing_plan(Session& s, std::int64_t id) {
  auto p = store::load_maintenance_plan(s.db().conn(), id);
  if (!p) throw no_plan(id);
  return std::move(*p);
}

// A dictionary label for messages: the code itself when there is none.
std::string label_zh(Session& s, const char* dict, const std::string& code) {
  const auto* e = s.db().dictionaries().find(dict, code);
  return e ? e->label_zh : code;
}
std::string label_en(Session& s, const char* dict, const std::string& code) {
  const auto* e = s.db().dictionaries().find(dict, code);
  return e ? e->label_en : code;
}

// Maintenance plans are for key customers: graded in the best tier.
void require_key_customer(Session& s, const store::CustomerSchedule& c) {
  auto tiers = store::list_tiers(s.db().conn());
  if (tiers.empty() || (c.tier && *c.tier == tiers.front().code)) return;
  const std::string& best = tiers.front().code;
  const std::string id = store::human_id(c.key);
  const std::string best_en = best + " (" + label_en(s, "tier", best) + ")";
  const std::string best_zh = label_zh(s, "tier", best);
  if (!c.tier)
    throw Error(Status::state,
                "maintenance plans are for key customers, of tier " + best_en + ": customer " + id +
                    " is not graded",
                "维护方案仅适用于重点客户（" + best_zh + "）：客户 " + id + " 尚未分级");
  throw Error(Status::state,
              "maintenance plans are for key customers, of tier " + best_en + ": customer " + id +
                  " is tier " + *c.tier,
              "维护方案仅适用于重点客户（" + best_zh + "）：客户 " + id + " 为" +
                  label_zh(s, "tier", *c.tier));
}

// The plan's next state for `step`, or Status::state naming its current one.
std::string next_state(Session& s, const store::MaintenancePlanRow& p, MaintenanceStep step,
                       bool approve) {
  auto next = maintenance_next_state(p.state, step, approve);
  if (next) return *next;
  static const char* const kVerbEn[] = {"decided on", "carried out", "evaluated"};
  static const char* const kVerbZh[] = {"审批", "执行", "评估"};
  const auto i = static_cast<std::size_t>(step);
  const std::string wanted(maintenance_state_for(step));
  const std::string id = std::to_string(p.id);
  throw Error(Status::state,
              "maintenance plan " + id + " is " + p.state + ": only a plan that is " + wanted +
                  " can be " + kVerbEn[i],
              "维护方案 " + id + " 当前为“" + label_zh(s, "maintenance_state", p.state) +
                  "”，只有“" + label_zh(s, "maintenance_state", wanted) + "”的方案才能" +
                  kVerbZh[i]);
}

// Who decides (审批): whoever the matrix lets approve maintenance plans of
// the customer — by default an administrator, the sales managers of the
// owner's department (or a department above it) and the owner's
// supervisors — but never the one who submitted the plan (four eyes,
// administrators included).
void require_decider(Session& s, const store::MaintenancePlanRow& p,
                     const store::CustomerSchedule& c) {
  const std::string id = std::to_string(p.id);
  const std::string object = store::human_id(c.key) + "/maintenance:" + id;
  if (p.created_by == s.user_id())
    s.refuse(Perm::maintenance_approve, object,
             "maintenance plan " + id + " was submitted by you: someone else must decide on it",
             "维护方案 " + id + " 由您提交，须由他人审批");
  if (s.may(Perm::maintenance_approve, CustomerRef{c.key, c.owner})) return;
  auto owner = store::find_user(s.db().conn(), c.owner);
  const std::string dept = owner ? owner->department : std::string();
  if (dept.empty())
    s.refuse(
        Perm::maintenance_approve, object,
        "the owner of customer " + store::human_id(c.key) +
            " has no department: only an administrator may decide on its "
            "maintenance plans",
        "客户 " + store::human_id(c.key) + " 的负责人未设部门，只有系统管理员可以审批其维护方案");
  s.refuse(Perm::maintenance_approve, object,
           "only an administrator or a sales manager of " + dept +
               " (the department of the customer's owner) may decide on maintenance plan " + id,
           "只有系统管理员或客户负责人所在部门（" + dept + "）的销售经理可以审批维护方案 " + id);
}

// Writes the plan's new state and its history row, in the caller's
// transaction.
void write_state(Session& s, store::MaintenancePlanRow& p, const std::string& before,
                 const std::optional<std::string>& reason) {
  store::update_maintenance_plan_state(s.db().conn(), p);
  record_history(s, p.customer, s.db().now(), "maintenance", "maintenance." + std::to_string(p.id),
                 before, p.state, reason);
}

}  // namespace

Record submit_maintenance_plan(Session& s, std::int64_t customer, const Record& fields) {
  live_schedule(s, customer, Perm::maintenance_write);
  Normalized n = normalize_fields(kEntity, fields, nullptr, s.db().dictionaries());
  check_record(kEntity, n.values, n.errors);
  check_maintenance_plan(n.values, n.errors);
  if (!n.errors.empty()) throw_validation(std::move(n.errors));
  const Record& v = n.values;

  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::CustomerSchedule c = live_schedule(s, customer, Perm::maintenance_write);
  require_key_customer(s, c);
  store::MaintenancePlanRow p;
  p.customer = c.key;
  p.method = text_of(v, "method");
  p.measures = text_of(v, "measures");
  p.responsible = text_of(v, "responsible");
  p.cost_fen = parse_decimal(text_of(v, "cost"), kMoneyDecimals).value_or(0);
  p.period_start = text_of(v, "period_start");
  p.period_end = text_of(v, "period_end");
  p.created_at = s.db().now();
  p.created_by = s.user_id();
  p.id = store::insert_maintenance_plan(conn, p);
  record_history(s, c.key, p.created_at, "maintenance", "maintenance." + std::to_string(p.id),
                 std::nullopt, p.state, std::nullopt);
  s.audit("maintenance.submit", store::human_id(c.key) + "/maintenance:" + std::to_string(p.id));
  tx.commit();
  return plan_record(p);
}

Record get_maintenance_plan(Session& s, std::int64_t plan) {
  store::MaintenancePlanRow p = existing_plan(s, plan);
  existing_schedule(s, p.customer, Perm::maintenance_read);
  return plan_record(p);
}

void decide_maintenance_plan(Session& s, std::int64_t plan, bool approve,
                             std::optional<std::string> note) {
  note = checked_reason(note);
  store::WriteTransaction tx(s.db().conn());
  store::MaintenancePlanRow p = existing_plan(s, plan);
  store::CustomerSchedule c = live_schedule(s, p.customer, Perm::customer_read);
  require_decider(s, p, c);
  const std::string before = p.state;
  p.state = next_state(s, p, MaintenanceStep::decide, approve);
  p.decision_note = note;
  p.decided_by = s.user_id();
  p.decided_at = s.db().now();
  write_state(s, p, before, note);
  s.audit(approve ? "maintenance.approve" : "maintenance.reject",
          store::human_id(c.key) + "/maintenance:" + std::to_string(p.id), note.value_or(""));
  tx.commit();
}

void carry_out_maintenance_plan(Session& s, std::int64_t plan) {
  store::WriteTransaction tx(s.db().conn());
  store::MaintenancePlanRow p = existing_plan(s, plan);
  live_schedule(s, p.customer, Perm::maintenance_write);
  const std::string before = p.state;
  p.state = next_state(s, p, MaintenanceStep::carry_out, true);
  p.carried_out_at = s.db().now();
  write_state(s, p, before, std::nullopt);
  s.audit("maintenance.carry_out",
          store::human_id(p.customer) + "/maintenance:" + std::to_string(p.id));
  tx.commit();
}

void evaluate_maintenance_plan(Session& s, std::int64_t plan, const std::string& evaluation,
                               std::optional<std::int64_t> satisfaction) {
  std::vector<FieldError> errors;
  const FieldDef* def = find_field(kEntity, "evaluation");
  FieldError error;
  auto text = normalize_field_value(kEntity, *def, Value{evaluation}, s.db().dictionaries(), error);
  if (!text)
    errors.push_back(std::move(error));
  else if (is_null(*text))
    errors.push_back(field_error(def, "evaluation", "required"));
  if (satisfaction) check_satisfaction(*satisfaction, errors);
  if (!errors.empty()) throw_validation(std::move(errors));

  store::WriteTransaction tx(s.db().conn());
  store::MaintenancePlanRow p = existing_plan(s, plan);
  live_schedule(s, p.customer, Perm::maintenance_write);
  const std::string before = p.state;
  p.state = next_state(s, p, MaintenanceStep::evaluate, true);
  p.evaluation = std::get<std::string>(*text);
  p.satisfaction = satisfaction;
  p.evaluated_at = s.db().now();
  write_state(s, p, before, std::nullopt);
  s.audit("maintenance.evaluate",
          store::human_id(p.customer) + "/maintenance:" + std::to_string(p.id));
  tx.commit();
}

std::vector<Record> customer_maintenance_plans(Session& s, std::int64_t customer) {
  store::ReadTransaction rt(s.db().conn());
  existing_schedule(s, customer, Perm::maintenance_read);
  std::vector<Record> out;
  for (const auto& p : store::maintenance_plans_of_customer(s.db().conn(), customer))
    out.push_back(plan_record(p));
  return out;
}

}  // namespace crm
