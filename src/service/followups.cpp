#include "service/followups.hpp"

#include <climits>
#include <cstdio>

#include "domain/calendar.hpp"
#include "domain/customer_rules.hpp"
#include "domain/error.hpp"
#include "domain/messages.hpp"
#include "service/custom_fields.hpp"
#include "service/customers.hpp"
#include "service/scheduler.hpp"
#include "service/tiers.hpp"
#include "store/custom_field_repo.hpp"
#include "store/customer_repo.hpp"
#include "store/followup_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

constexpr std::int64_t kMinute = 60 * 1000;
constexpr const char* kPlan = "followup_plan";
constexpr const char* kRecord = "followup_record";

Record plan_record(const store::PlanRow& p) {
  Record r;
  r.append("id", p.id);
  r.append("customer", store::human_id(p.customer));
  r.append("owner", p.owner);
  r.append("goal", p.goal);
  r.append("method", p.method);
  r.append("talking_points", optional_value(p.talking_points));
  r.append("materials", optional_value(p.materials));
  r.append("planned_at", p.planned_at);
  r.append("remind_at", optional_value(p.remind_at));
  r.append("state", p.state);
  r.append("state_reason", optional_value(p.state_reason));
  r.append("rescheduled_to", optional_value(p.rescheduled_to));
  r.append("record_id", optional_value(p.record_id));
  r.append("created_at", p.created_at);
  r.append("created_by", p.created_by);
  r.append("updated_at", p.updated_at);
  return r;
}

Record followup_record(const store::FollowupRow& f) {
  Record r;
  r.append("id", f.id);
  r.append("customer", store::human_id(f.customer));
  r.append("plan_id", optional_value(f.plan_id));
  r.append("owner", f.owner);
  r.append("method", f.method);
  r.append("contacted_at", f.contacted_at);
  r.append("summary", f.summary);
  r.append("feedback", optional_value(f.feedback));
  r.append("intent_change", optional_value(f.intent_change));
  r.append("major_change", optional_value(f.major_change));
  r.append("next_step", optional_value(f.next_step));
  r.append("next_plan_id", optional_value(f.next_plan_id));
  r.append("created_at", f.created_at);
  r.append("created_by", f.created_by);
  return r;
}

std::optional<std::string> text_of(const Record& r, const char* name) {
  const Value* v = r.find(name);
  if (!v || !is_text(*v)) return std::nullopt;
  return std::get<std::string>(*v);
}

std::optional<std::int64_t> int_of(const Record& r, const char* name) {
  const Value* v = r.find(name);
  if (!v || !is_int(*v)) return std::nullopt;
  return std::get<std::int64_t>(*v);
}

std::int64_t setting_int(Session& s, const char* name) {
  std::string v = store::get_setting(s.db().conn(), name);
  return v.empty() ? 0 : std::stoll(v);
}

// An open plan the user may write: not_found also when its customer is not
// visible to them, so that a plan's existence is not revealed.
store::PlanRow open_plan(Session& s, std::int64_t id) {
  auto p = store::load_plan(s.db().conn(), id);
  if (!p)
    throw Error(Status::not_found, "no follow-up plan " + std::to_string(id),
                "跟进计划 " + std::to_string(id) + " 不存在");
  if (auto owner = store::customer_owner(s.db().conn(), p->customer);
      owner && !s.may(Perm::followup_read, CustomerRef{p->customer, *owner}))
    s.authorize(Perm::followup_write, CustomerRef{p->customer, *owner});
  if (p->state != "planned")
    throw Error(Status::state,
                "follow-up plan " + std::to_string(id) + " is " + p->state + ", not planned",
                "跟进计划 " + std::to_string(id) + " 已不是计划中状态（" + p->state + "）");
  return std::move(*p);
}

// Normalises `fields` for `entity` and checks that a named owner exists.
Record normalized(Session& s, const char* entity, const Record& fields,
                  std::vector<FieldError>& errors) {
  Normalized n = normalize_fields(entity, fields, nullptr, s.db().dictionaries());
  errors = std::move(n.errors);
  if (auto owner = int_of(n.values, "owner")) {
    auto u = store::find_user(s.db().conn(), *owner);
    if (!u || !u->active)
      errors.push_back(field_error(find_field(entity, "owner"), "owner", "unknown_user",
                                   std::to_string(*owner)));
  }
  return std::move(n.values);
}

// The over-contact guard (R2.5): another contact of the customer within the
// minimum gap of `at` gives a warning on `out`, or refuses.
void guard_gap(Session& s, const char* entity, const char* field, std::int64_t customer,
               std::int64_t at, std::int64_t except_plan, Record* out,
               std::vector<FieldError>& errors) {
  std::int64_t gap = setting_int(s, "followup.min_gap_hours") * 60 * kMinute;
  if (gap <= 0) return;
  auto near =
      store::nearest_contact(s.db().conn(), customer, at - gap + 1, at + gap - 1, at, except_plan);
  if (!near) return;
  FieldError e = field_error(find_field(entity, field), field, "too_soon",
                             format_local_minute(*near, s.db().zone()));
  if (store::get_setting(s.db().conn(), "followup.min_gap_action") == "refuse") {
    errors.push_back(std::move(e));
    return;
  }
  if (out && !out->has("warning")) {
    out->append("warning", std::string("too_soon"));
    out->append("warning_message", e.message_en);
    out->append("warning_message_zh", e.message_zh);
  }
}

// Builds, checks and inserts a plan; `warning` collects the guard's result.
store::PlanRow insert_plan(Session& s, const store::CustomerSchedule& c, const Record& v,
                           std::int64_t except_plan, Record& warning) {
  std::vector<FieldError> errors;
  const std::int64_t now = s.db().now();
  store::PlanRow p;
  p.customer = c.key;
  p.owner = int_of(v, "owner").value_or(c.owner);
  p.goal = text_of(v, "goal").value_or("");
  p.method = text_of(v, "method").value_or("");
  p.talking_points = text_of(v, "talking_points");
  p.materials = text_of(v, "materials");
  p.planned_at = int_of(v, "planned_at").value_or(0);
  p.remind_at = int_of(v, "remind_at");
  const FieldDef* planned = find_field(kPlan, "planned_at");
  const FieldDef* remind = find_field(kPlan, "remind_at");
  if (p.planned_at < now) errors.push_back(field_error(planned, "planned_at", "in_past"));
  if (p.remind_at && *p.remind_at > p.planned_at)
    errors.push_back(field_error(remind, "remind_at", "after_plan"));
  else if (p.remind_at && *p.remind_at < now)
    errors.push_back(field_error(remind, "remind_at", "in_past"));
  if (!p.remind_at && p.planned_at >= now)
    p.remind_at =
        std::max(now, p.planned_at - setting_int(s, "followup.remind_before_minutes") * kMinute);
  if (errors.empty())
    guard_gap(s, kPlan, "planned_at", c.key, p.planned_at, except_plan, &warning, errors);
  if (!errors.empty()) throw_validation(std::move(errors));
  p.created_at = p.updated_at = now;
  p.created_by = p.updated_by = s.user_id();
  p.id = store::insert_plan(s.db().conn(), p);
  schedule_plan(s, p);
  return p;
}

void copy_warning(const Record& from, Record& to) {
  for (const auto& [name, value] : from.entries()) to.append(name, value);
}

// Inserts a record (and its next plan) for customer `c`; the plan `plan_id`
// (0 = none) is the one it completes.
store::FollowupRow insert_record(Session& s, const store::CustomerSchedule& c, const Record& v,
                                 std::int64_t plan_id, Record& warning) {
  std::vector<FieldError> errors;
  const std::int64_t now = s.db().now();
  store::FollowupRow r;
  r.customer = c.key;
  r.plan_id = plan_id ? std::optional<std::int64_t>(plan_id) : std::nullopt;
  r.owner = int_of(v, "owner").value_or(s.user_id());
  r.method = text_of(v, "method").value_or("");
  r.contacted_at = int_of(v, "contacted_at").value_or(now);
  r.summary = text_of(v, "summary").value_or("");
  r.feedback = text_of(v, "feedback");
  r.intent_change = text_of(v, "intent_change");
  r.major_change = text_of(v, "major_change");
  r.next_step = text_of(v, "next_step");
  r.created_at = now;
  r.created_by = s.user_id();
  auto next_plan_at = int_of(v, "next_plan_at");
  if (r.contacted_at > now)
    errors.push_back(field_error(find_field(kRecord, "contacted_at"), "contacted_at", "in_future"));
  if (next_plan_at && !r.next_step)
    errors.push_back(field_error(find_field(kRecord, "next_step"), "next_step", "required"));
  // Checked here, not only by the plan it creates, so that the error names
  // the caller's field and comes before anything is written.
  if (next_plan_at && *next_plan_at < now)
    errors.push_back(field_error(find_field(kRecord, "next_plan_at"), "next_plan_at", "in_past"));
  if (errors.empty())
    guard_gap(s, kRecord, "contacted_at", c.key, r.contacted_at, plan_id, &warning, errors);
  if (!errors.empty()) throw_validation(std::move(errors));

  auto& conn = s.db().conn();
  r.id = store::insert_followup(conn, r);
  if (!c.last_followup_at || r.contacted_at >= *c.last_followup_at) {
    store::set_last_followup(conn, c.key, r.contacted_at, r.next_step);
    refresh_next_due(s, c.key);
  }
  if (r.major_change) schedule_major_change(s, r.id, r.contacted_at);
  if (next_plan_at) {
    Record plan;
    plan.append("goal", *r.next_step);
    plan.append("method", r.method);
    plan.append("planned_at", *next_plan_at);
    store::PlanRow next = insert_plan(s, c, plan, 0, warning);
    store::set_followup_next_plan(conn, r.id, next.id);
    r.next_plan_id = next.id;
  }
  return r;
}

Record checked_input(Session& s, const char* entity, const Record& fields, const Record* defaults) {
  std::vector<FieldError> errors;
  Record v = normalized(s, entity, fields, errors);
  if (defaults)
    for (const auto& [name, value] : defaults->entries())
      if (!v.has(name)) v.append(name, value);
  check_record(entity, v, errors);
  if (!errors.empty()) throw_validation(std::move(errors));
  return v;
}

// A user whose agenda or report is asked for: 0 = the session's user;
// not_found for one that does not exist.
std::int64_t known_owner(Session& s, std::int64_t owner) {
  if (owner == 0) owner = s.user_id();
  if (!store::find_user(s.db().conn(), owner))
    throw Error(Status::not_found, "no user " + std::to_string(owner),
                "用户 " + std::to_string(owner) + " 不存在");
  // Another user's agenda or report: their supervisors, and whoever's
  // follow-up read reaches them.
  s.authorize_for(Perm::followup_read, owner);
  return owner;
}

std::string agenda_token(std::int64_t plan_at, std::int64_t plan_id, const std::string& date,
                         std::int64_t key) {
  return "a1." + std::to_string(plan_at) + "." + std::to_string(plan_id) + "." +
         (date.empty() ? "-" : date) + "." + std::to_string(key);
}

}  // namespace

Record create_plan(Session& s, std::int64_t customer, const Record& fields) {
  store::CustomerSchedule c = live_schedule(s, customer, Perm::followup_write);
  Record v = checked_input(s, kPlan, fields, nullptr);
  Record warning;
  store::WriteTransaction tx(s.db().conn());
  store::PlanRow p = insert_plan(s, c, v, 0, warning);
  s.audit("followup.plan_create", store::human_id(customer) + "/plan:" + std::to_string(p.id));
  tx.commit();
  Record out = plan_record(p);
  copy_warning(warning, out);
  return out;
}

Record get_plan(Session& s, std::int64_t plan) {
  auto p = store::load_plan(s.db().conn(), plan);
  if (!p)
    throw Error(Status::not_found, "no follow-up plan " + std::to_string(plan),
                "跟进计划 " + std::to_string(plan) + " 不存在");
  existing_schedule(s, p->customer, Perm::followup_read);
  return plan_record(*p);
}

Record complete_plan(Session& s, std::int64_t plan, const Record& fields) {
  store::PlanRow p = open_plan(s, plan);
  store::CustomerSchedule c = live_schedule(s, p.customer, Perm::followup_write);
  Record defaults;
  defaults.append("method", p.method);
  Record v = checked_input(s, kRecord, fields, &defaults);
  Record warning;
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::FollowupRow r = insert_record(s, c, v, p.id, warning);
  p.state = "done";
  p.record_id = r.id;
  p.updated_at = s.db().now();
  p.updated_by = s.user_id();
  store::update_plan_state(conn, p);
  unschedule_plan(s, p.id);
  s.audit("followup.plan_complete", store::human_id(p.customer) + "/plan:" + std::to_string(p.id));
  tx.commit();
  Record out = followup_record(r);
  copy_warning(warning, out);
  return out;
}

void close_plan(Session& s, std::int64_t plan, const std::string& state,
                std::optional<std::string> reason) {
  if (state != "missed" && state != "cancelled")
    throw Error(
        Status::invalid_arg,
        "a plan is closed as \"missed\" or \"cancelled\", not \"" + quote_value(state) + "\"",
        "跟进计划只能关闭为 missed（未执行）或 cancelled（已取消），而非“" + quote_value(state) +
            "”");
  reason = checked_reason(reason);
  store::PlanRow p = open_plan(s, plan);
  existing_schedule(s, p.customer, Perm::followup_write);
  p.state = state;
  p.state_reason = reason;
  p.updated_at = s.db().now();
  p.updated_by = s.user_id();
  store::WriteTransaction tx(s.db().conn());
  store::update_plan_state(s.db().conn(), p);
  unschedule_plan(s, p.id);
  s.audit("followup.plan_" + state, store::human_id(p.customer) + "/plan:" + std::to_string(p.id),
          reason.value_or(""));
  tx.commit();
}

Record reschedule_plan(Session& s, std::int64_t plan, std::int64_t planned_at,
                       std::int64_t remind_at, std::optional<std::string> reason) {
  reason = checked_reason(reason);
  store::PlanRow p = open_plan(s, plan);
  store::CustomerSchedule c = live_schedule(s, p.customer, Perm::followup_write);
  Record v;
  v.append("owner", p.owner);
  v.append("goal", p.goal);
  v.append("method", p.method);
  if (p.talking_points) v.append("talking_points", *p.talking_points);
  if (p.materials) v.append("materials", *p.materials);
  v.append("planned_at", planned_at);
  if (remind_at != 0) v.append("remind_at", remind_at);
  Record warning;
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::PlanRow next = insert_plan(s, c, v, p.id, warning);
  p.state = "rescheduled";
  p.state_reason = reason;
  p.rescheduled_to = next.id;
  p.updated_at = s.db().now();
  p.updated_by = s.user_id();
  store::update_plan_state(conn, p);
  unschedule_plan(s, p.id);
  s.audit("followup.plan_reschedule",
          store::human_id(p.customer) + "/plan:" + std::to_string(p.id) + "->" +
              std::to_string(next.id),
          reason.value_or(""));
  tx.commit();
  Record out = plan_record(next);
  copy_warning(warning, out);
  return out;
}

Record add_followup(Session& s, std::int64_t customer, const Record& fields) {
  store::CustomerSchedule c = live_schedule(s, customer, Perm::followup_write);
  Record v = checked_input(s, kRecord, fields, nullptr);
  Record warning;
  store::WriteTransaction tx(s.db().conn());
  store::FollowupRow r = insert_record(s, c, v, 0, warning);
  s.audit("followup.add", store::human_id(customer) + "/followup:" + std::to_string(r.id));
  tx.commit();
  Record out = followup_record(r);
  copy_warning(warning, out);
  return out;
}

std::optional<std::int64_t> add_migrated_followup(Session& s, std::int64_t customer,
                                                  const Record& fields, std::int64_t author,
                                                  const std::string& source_key) {
  store::CustomerSchedule c = live_schedule(s, customer, Perm::followup_write);
  auto& conn = s.db().conn();
  if (store::find_followup_by_source(conn, customer, source_key)) return std::nullopt;
  std::vector<FieldError> errors;
  Record v = normalized(s, kRecord, fields, errors);
  check_record(kRecord, v, errors);
  const auto at = int_of(v, "contacted_at");
  if (!at)
    errors.push_back(field_error(find_field(kRecord, "contacted_at"), "contacted_at", "required"));
  else if (*at > s.db().now())
    errors.push_back(field_error(find_field(kRecord, "contacted_at"), "contacted_at", "in_future"));
  if (!errors.empty()) throw_validation(std::move(errors));
  store::FollowupRow r;
  r.customer = customer;
  r.owner = author;
  r.method = text_of(v, "method").value_or("");
  r.contacted_at = *at;
  r.summary = text_of(v, "summary").value_or("");
  r.feedback = text_of(v, "feedback");
  r.intent_change = text_of(v, "intent_change");
  r.major_change = text_of(v, "major_change");
  r.next_step = text_of(v, "next_step");
  r.created_at = s.db().now();
  r.created_by = s.user_id();
  store::WriteTransaction tx(conn);
  r.id = store::insert_followup(conn, r);
  store::set_followup_source(conn, r.id, source_key);
  if (!c.last_followup_at || r.contacted_at >= *c.last_followup_at) {
    store::set_last_followup(conn, customer, r.contacted_at, r.next_step);
    refresh_next_due(s, customer);
  }
  tx.commit();
  return r.id;
}

std::vector<Record> customer_plans(Session& s, std::int64_t customer) {
  store::ReadTransaction rt(s.db().conn());
  existing_schedule(s, customer, Perm::followup_read);
  std::vector<Record> out;
  for (const auto& p : store::plans_of_customer(s.db().conn(), customer))
    out.push_back(plan_record(p));
  return out;
}

std::vector<Record> customer_followups(Session& s, std::int64_t customer) {
  store::ReadTransaction rt(s.db().conn());
  existing_schedule(s, customer, Perm::followup_read);
  std::vector<Record> out;
  for (const auto& r : store::followups_of_customer(s.db().conn(), customer))
    out.push_back(followup_record(r));
  return out;
}

AgendaPage agenda(Session& s, const AgendaQuery& q) {
  if (q.page_size < 1 || q.page_size > 1000)
    throw Error(Status::invalid_arg, "page_size must be 1 to 1000", "每页条数须在 1 到 1000 之间");
  const std::int64_t owner = known_owner(s, q.owner);
  // Positions of the last item taken from each stream.
  long long plan_at = LLONG_MIN, plan_id = 0, key = 0;
  std::string date;
  if (!q.after.empty()) {
    char d[11] = {0};
    int used = 0;
    if (q.after.size() > 96 ||
        std::sscanf(q.after.c_str(), "a1.%lld.%lld.%10[-0-9].%lld%n", &plan_at, &plan_id, d, &key,
                    &used) != 4 ||
        static_cast<std::size_t>(used) != q.after.size())
      throw Error(Status::invalid_arg, "malformed page token", "分页标记格式错误");
    date = std::string(d) == "-" ? "" : d;
  }
  const date::time_zone* zone = s.db().zone();
  const std::int64_t now = s.db().now();
  date::year_month_day today = local_date(now, zone);
  const std::int64_t today_start = local_midnight(today, zone);
  const std::int64_t tomorrow_start =
      local_midnight(date::year_month_day{date::sys_days(today) + date::days{1}}, zone);
  auto& conn = s.db().conn();
  store::ReadTransaction rt(conn);
  store::AgendaPlanStream ps(conn, owner, tomorrow_start, plan_at, plan_id, q.page_size + 1);
  store::LapsedStream ls(conn, owner, format_date(today), date, key, q.page_size + 1);
  store::AgendaPlan p;
  store::LapsedRow l;
  bool hp = ps.next(p), hl = ls.next(l);
  auto due_of = [&](const store::LapsedRow& x) -> std::int64_t {
    auto d = parse_date(x.next_due_date);
    return d ? local_midnight(date::year_month_day{date::sys_days(*d) + date::days{1}}, zone) : 0;
  };
  std::int64_t ldue = hl ? due_of(l) : 0;
  AgendaPage page;
  page.rows.reserve(static_cast<std::size_t>(q.page_size));
  while (page.rows.size() < static_cast<std::size_t>(q.page_size) && (hp || hl)) {
    const bool take_plan = !hl || (hp && p.plan.planned_at <= ldue);
    Record r;
    r.reserve(9);
    if (take_plan) {
      r.append("kind", std::string(p.plan.planned_at < today_start ? "overdue_plan" : "plan"));
      r.append("due_at", p.plan.planned_at);
      r.append("customer", store::human_id(p.plan.customer));
      r.append("customer_name", std::move(p.customer_name));
      r.append("plan_id", p.plan.id);
      r.append("goal", std::move(p.plan.goal));
      r.append("method", std::move(p.plan.method));
      r.append_null("tier");
      r.append_null("next_due_date");
      plan_at = p.plan.planned_at;
      plan_id = p.plan.id;
      hp = ps.next(p);
    } else {
      r.append("kind", std::string("lapsed"));
      r.append("due_at", ldue);
      r.append("customer", store::human_id(l.key));
      r.append("customer_name", std::move(l.name));
      r.append_null("plan_id");
      r.append_null("goal");
      r.append_null("method");
      r.append("tier", std::move(l.tier));
      date = l.next_due_date;
      r.append("next_due_date", std::move(l.next_due_date));
      key = l.key;
      hl = ls.next(l);
      if (hl) ldue = due_of(l);
    }
    page.rows.push_back(std::move(r));
  }
  if (hp || hl) page.next = agenda_token(plan_at, plan_id, date, key);
  return page;
}

std::vector<Record> daily_report(Session& s, std::int64_t owner, const std::string& day) {
  owner = known_owner(s, owner);
  auto d = parse_date(day);
  if (!d)
    throw Error(Status::invalid_arg,
                "the report date is YYYY-MM-DD, not \"" + quote_value(day) + "\"",
                "日报日期须为 YYYY-MM-DD，而非“" + quote_value(day) + "”");
  const date::time_zone* zone = s.db().zone();
  const std::int64_t from = local_midnight(*d, zone);
  const std::int64_t to =
      local_midnight(date::year_month_day{date::sys_days(*d) + date::days{1}}, zone);
  auto& conn = s.db().conn();
  store::ReadTransaction rt(conn);
  auto name_of = [&](std::int64_t key) {
    auto c = store::load_schedule(conn, key);
    return c ? c->name : std::string();
  };
  std::vector<std::pair<std::int64_t, Record>> items;
  for (const auto& f : store::followups_of_owner(conn, owner, from, to)) {
    Record r;
    r.append("kind", std::string("record"));
    r.append("at", f.contacted_at);
    r.append("customer", store::human_id(f.customer));
    r.append("customer_name", name_of(f.customer));
    r.append("method", f.method);
    r.append("summary", f.summary);
    r.append("feedback", optional_value(f.feedback));
    r.append("next_step", optional_value(f.next_step));
    r.append_null("goal");
    items.emplace_back(f.contacted_at, std::move(r));
  }
  for (const auto& p : store::open_plans_of_owner(conn, owner, to, from - 1, LLONG_MAX, 10000)) {
    Record r;
    r.append("kind", std::string("open_plan"));
    r.append("at", p.plan.planned_at);
    r.append("customer", store::human_id(p.plan.customer));
    r.append("customer_name", p.customer_name);
    r.append("method", p.plan.method);
    r.append_null("summary");
    r.append_null("feedback");
    r.append_null("next_step");
    r.append("goal", p.plan.goal);
    items.emplace_back(p.plan.planned_at, std::move(r));
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Record> out;
  for (auto& it : items) out.push_back(std::move(it.second));
  return out;
}

}  // namespace crm
