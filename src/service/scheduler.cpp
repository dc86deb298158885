#include "service/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "domain/calendar.hpp"
#include "domain/custom_fields.hpp"
#include "domain/error.hpp"
#include "domain/followup.hpp"
#include "domain/lead.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "domain/work_calendar.hpp"
#include "service/automation.hpp"
#include "service/calendars.hpp"
#include "store/access_repo.hpp"
#include "store/customer_repo.hpp"
#include "store/lead_repo.hpp"
#include "store/schedule_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {

const std::vector<std::string>& reminder_kinds() {
  static const std::vector<std::string> kinds = {
      "plan_reminder", "plan_overdue",    "cadence_lapsed",  "unverified",
      "review_due",    "major_change",    "access_pending",  "lead_welcome",
      "lead_assigned", "lead_high_value", "lead_unassigned", "escalation"};
  return kinds;
}

const std::vector<std::string>& template_placeholders() {
  static const std::vector<std::string> names = {
      "customer", "customer_id", "owner",  "tier",    "goal",    "method", "time",
      "original", "requester",   "person", "company", "channel", "score",  "lead_id"};
  return names;
}

namespace {

constexpr int kTickBatch = 256;
constexpr std::int64_t kMinute = 60 * 1000;
constexpr std::int64_t kMaxDelayMinutes = 366LL * 24 * 60;
const char* const kLastTickKey = "scheduler.last_tick";

// Rules and calendars looked up once per call.
class Scheduling {
 public:
  explicit Scheduling(Session& s) : s_(s) {}

  const store::RuleRow& rule(const std::string& kind) {
    auto it = rules_.find(kind);
    if (it != rules_.end()) return it->second;
    const store::RuleRow* row = s_.db().reminder_rule(kind);
    if (!row)
      throw Error(Status::internal, "no reminder rule \"" + kind + "\"",
                  "缺少提醒规则“" + kind + "”");
    return rules_.emplace(kind, *row).first->second;
  }

  // `at` plus `minutes`, counted as the rule says.
  std::int64_t delayed(const store::RuleRow& r, std::int64_t at, std::int64_t minutes) {
    if (minutes <= 0) return at;
    if (r.counting != "working") return add_calendar(at, minutes * kMinute);
    auto it = calendars_.find(r.calendar);
    if (it == calendars_.end())
      it = calendars_.emplace(r.calendar, load_work_calendar(s_, r.calendar)).first;
    return it->second.deadline(at, minutes * kMinute, DeadlinePolicy::working);
  }

  // When the event behind a timer happens, before the rule's delay.
  std::int64_t event_at(const std::string& kind, std::int64_t base) {
    return kind == "review_due" ? add_local_months(base, 1, s_.db().zone()) : base;
  }

  // When a timer of `kind` with base `base` is due under the current rules;
  // an escalation counts from when its original was written.
  std::int64_t due_of(const store::TimerRow& t) {
    if (t.kind != "escalation") {
      const auto& r = rule(t.kind);
      return delayed(r, event_at(t.kind, t.base_at), r.delay_minutes);
    }
    auto original = store::load_outbox(s_.db().conn(), t.subject);
    if (!original) return t.base_at;  // the check at firing drops it
    const auto& r = rule(original->kind);
    return delayed(r, t.base_at, r.escalate_after);
  }

  store::TimerRow timer(const std::string& kind, std::int64_t subject, std::int64_t base) {
    store::TimerRow t{kind, subject, base, 0};
    t.due_at = due_of(t);
    return t;
  }

  // A user's name for the {owner} placeholder, looked up once per call.
  const std::string& user_name(std::int64_t id) {
    auto it = names_.find(id);
    if (it != names_.end()) return it->second;
    auto user = store::find_user(s_.db().conn(), id);
    return names_.emplace(id, user ? user->name : "#" + std::to_string(id)).first->second;
  }

  void arm(const std::string& kind, std::int64_t subject, std::int64_t base) {
    store::arm_timer(s_.db().conn(), timer(kind, subject, base));
  }

 private:
  Session& s_;
  std::map<std::string, store::RuleRow> rules_;
  std::map<std::string, WorkCalendar> calendars_;
  std::map<std::int64_t, std::string> names_;
};

// What a reminder says and to whom.
struct Fire {
  std::optional<std::int64_t> customer, lead;
  // A message to the lead itself reaches it by phone (sms) or e-mail only.
  bool to_lead = false, lead_phone = false, lead_email = false;
  std::optional<std::int64_t> user;
  std::optional<std::string> role;
  std::map<std::string, std::string> zh, en;
};

std::string label(Session& s, const char* dict, const std::string& code, bool zh) {
  const auto* e = s.db().dictionaries().find(dict, code);
  if (!e) return code;
  return zh ? e->label_zh : e->label_en;
}

// The values every template may use, for customer `c` and recipient `owner`.
Fire base_fire(Scheduling& ctx, const store::CustomerSchedule& c, std::int64_t owner) {
  Fire f;
  f.customer = c.key;
  f.user = owner;
  const std::string& owner_name = ctx.user_name(owner);
  for (const auto& name : template_placeholders()) f.zh[name] = f.en[name] = "";
  for (auto* m : {&f.zh, &f.en}) {
    (*m)["customer"] = c.name;
    (*m)["customer_id"] = store::human_id(c.key);
    (*m)["owner"] = owner_name;
    (*m)["tier"] = c.tier.value_or("");
  }
  return f;
}

// "4" for a whole score, "7.5" otherwise (one decimal).
std::string score_text(double score) {
  const double tenths = std::round(score * 10);
  char buf[32];
  if (std::fmod(tenths, 10) == 0)
    std::snprintf(buf, sizeof buf, "%.0f", tenths / 10);
  else
    std::snprintf(buf, sizeof buf, "%.1f", tenths / 10);
  return buf;
}

// A message about a lead: to its owner (or to `role` when it has none).
Fire lead_fire(Session& s, Scheduling& ctx, const store::LeadRow& l) {
  Fire f;
  f.lead = l.id;
  f.customer = l.customer;
  f.user = l.owner;
  if (!l.owner) f.role = "sales_manager";
  for (const auto& name : template_placeholders()) f.zh[name] = f.en[name] = "";
  for (bool zh : {true, false}) {
    auto& m = zh ? f.zh : f.en;
    m["customer"] = l.company;
    m["company"] = l.company;
    m["person"] = l.person.value_or(zh ? "客户" : "customer");
    m["owner"] = l.owner ? ctx.user_name(*l.owner) : std::string();
    m["channel"] = label(s, "source", l.channel, zh);
    m["lead_id"] = std::to_string(l.id);
    m["score"] = score_text(l.score);
    m["time"] = format_local_minute(l.captured_at, s.db().zone());
    if (l.customer) m["customer_id"] = store::human_id(*l.customer);
  }
  return f;
}

// The reminder about lead `id` if its reason still holds.
std::optional<Fire> evaluate_lead(Session& s, Scheduling& ctx, const std::string& kind,
                                  std::int64_t id, std::int64_t base) {
  auto l = store::load_lead(s.db().conn(), id);
  if (!l) return std::nullopt;
  if (kind == "lead_welcome") {
    if (l->stage == "disqualified" || (!l->phone && !l->email)) return std::nullopt;
    Fire f = lead_fire(s, ctx, *l);
    f.user.reset();  // for the lead itself
    f.role.reset();
    f.to_lead = true;
    f.lead_phone = l->phone.has_value();
    f.lead_email = l->email.has_value();
    return f;
  }
  if (kind == "lead_assigned") {
    // Still with the same owner since `base`, and not followed up yet.
    if (!l->owner || l->assigned_at != base || l->stage != "assigned") return std::nullopt;
    return lead_fire(s, ctx, *l);
  }
  if (kind == "lead_high_value") {
    if (!l->high_value_at || lead_stage_final(l->stage)) return std::nullopt;
    return lead_fire(s, ctx, *l);
  }
  if (kind == "lead_unassigned") {
    if (l->owner || lead_stage_final(l->stage)) return std::nullopt;
    return lead_fire(s, ctx, *l);
  }
  return std::nullopt;
}

void set_both(Fire& f, const char* name, const std::string& value) {
  f.zh[name] = value;
  f.en[name] = value;
}

std::optional<store::CustomerSchedule> live_customer(Session& s, std::int64_t key) {
  auto c = store::load_schedule(s.db().conn(), key);
  if (!c || c->archived) return std::nullopt;
  return c;
}

// The reminder of timer (kind, subject, base) if its reason still holds.
std::optional<Fire> evaluate(Session& s, Scheduling& ctx, const std::string& kind,
                             std::int64_t subject, std::int64_t base) {
  auto& conn = s.db().conn();
  const date::time_zone* zone = s.db().zone();
  if (kind.compare(0, 5, "lead_") == 0) return evaluate_lead(s, ctx, kind, subject, base);
  if (kind == "plan_reminder" || kind == "plan_overdue") {
    auto plan = store::load_plan(conn, subject);
    if (!plan || plan->state != "planned") return std::nullopt;
    auto c = live_customer(s, plan->customer);
    if (!c) return std::nullopt;
    Fire f = base_fire(ctx, *c, plan->owner);
    set_both(f, "goal", plan->goal);
    set_both(f, "time", format_local_minute(plan->planned_at, zone));
    f.zh["method"] = label(s, "followup_method", plan->method, true);
    f.en["method"] = label(s, "followup_method", plan->method, false);
    return f;
  }
  if (kind == "access_pending") {
    auto r = store::load_access_request(conn, subject);
    if (!r || r->state != "pending") return std::nullopt;
    auto c = live_customer(s, r->customer);
    if (!c) return std::nullopt;
    Fire f = base_fire(ctx, *c, c->owner);
    set_both(f, "goal", r->reason);
    set_both(f, "time", format_local_minute(r->requested_at, zone));
    set_both(f, "requester", ctx.user_name(r->requester));
    f.zh["method"] = r->level == "edit" ? "编辑" : "查看";
    f.en["method"] = r->level;
    return f;
  }
  if (kind == "major_change") {
    auto rec = store::load_followup(conn, subject);
    if (!rec) return std::nullopt;
    auto c = live_customer(s, rec->customer);
    if (!c || store::has_major_change_since(conn, rec->customer, rec->contacted_at))
      return std::nullopt;
    Fire f = base_fire(ctx, *c, c->owner);
    set_both(f, "time", format_local_minute(rec->contacted_at, zone));
    set_both(f, "goal", rec->major_change.value_or(""));
    return f;
  }
  auto c = live_customer(s, subject);
  if (!c) return std::nullopt;
  Fire f = base_fire(ctx, *c, c->owner);
  if (kind == "cadence_lapsed") {
    // base is the end of the due date; a contact since moved the date on.
    if (!c->next_due_date) return std::nullopt;
    auto due = parse_date(*c->next_due_date);
    if (!due ||
        local_midnight(date::year_month_day{date::sys_days(*due) + date::days{1}}, zone) != base)
      return std::nullopt;
    set_both(f, "time", *c->next_due_date);
    return f;
  }
  if (kind == "unverified") {
    if (c->verified_at) return std::nullopt;
    set_both(f, "time", format_local_minute(c->created_at, zone));
    return f;
  }
  if (kind == "review_due") {
    if (c->reviewed_at.value_or(c->created_at) != base) return std::nullopt;
    set_both(f, "time", format_date(local_date(ctx.event_at(kind, base), zone)));
    return f;
  }
  return std::nullopt;
}

std::optional<Fire> evaluate_escalation(Session& s, Scheduling& ctx, std::int64_t outbox_id) {
  auto original = store::load_outbox(s.db().conn(), outbox_id);
  if (!original) return std::nullopt;
  // escalate_after 0 means never: an escalation armed before the rule was
  // changed to 0 is due at once (no delay), and must be dropped, not sent.
  if (ctx.rule(original->kind).escalate_after <= 0) return std::nullopt;
  auto f = evaluate(s, ctx, original->kind, original->subject, original->base_at);
  if (!f || !f->user) return std::nullopt;
  auto supervisor = store::find_supervisor(s.db().conn(), *f->user);
  f->user = supervisor;
  if (!supervisor) f->role = "sales_manager";
  f->zh["original"] = original->message_zh;
  f->en["original"] = original->message_en;
  return f;
}

std::vector<std::string> split_channels(const std::string& channels) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= channels.size()) {
    std::size_t end = channels.find(',', start);
    if (end == std::string::npos) end = channels.size();
    out.push_back(channels.substr(start, end - start));  // "" too, for the check
    start = end + 1;
  }
  return out;
}

void process(Session& s, Scheduling& ctx, const store::TimerRow& t, std::int64_t now,
             TickReport& rep) {
  auto& conn = s.db().conn();
  const std::int64_t due = ctx.due_of(t);
  if (due > now) {
    store::TimerRow later = t;
    later.due_at = due;
    store::arm_timer(conn, later);
    ++rep.rearmed;
    return;
  }
  store::drop_timer(conn, t.kind, t.subject);
  const store::RuleRow& rule = ctx.rule(t.kind);
  std::optional<Fire> fire = t.kind == "escalation"
                                 ? evaluate_escalation(s, ctx, t.subject)
                                 : evaluate(s, ctx, t.kind, t.subject, t.base_at);
  if (!rule.enabled || !fire) {
    ++rep.skipped;
    return;
  }
  std::string message_zh = render_template(rule.template_zh, fire->zh);
  std::string message_en = render_template(rule.template_en, fire->en);
  std::int64_t first = 0;
  std::vector<std::string> channels = split_channels(rule.channels);
  if (fire->to_lead) {
    // A lead is reached by sms at its phone or by e-mail: a channel it has
    // no address for falls back on the other one.
    std::vector<std::string> reachable;
    for (const auto& ch : channels) {
      std::string to = ch == "email" ? (fire->lead_email ? "email" : "sms")
                                     : (fire->lead_phone ? "sms" : "email");
      if (std::find(reachable.begin(), reachable.end(), to) == reachable.end())
        reachable.push_back(to);
    }
    channels = std::move(reachable);
  }
  for (const auto& channel : channels) {
    store::OutboxRow m;
    m.key =
        t.kind + ":" + std::to_string(t.subject) + ":" + std::to_string(t.base_at) + ":" + channel;
    m.kind = t.kind;
    m.subject = t.subject;
    m.base_at = t.base_at;
    m.customer = fire->customer;
    m.lead = fire->lead;
    m.recipient_user = fire->user;
    m.recipient_role = fire->role;
    m.channel = channel;
    m.message_zh = message_zh;
    m.message_en = message_en;
    m.due_at = due;
    m.created_at = now;
    if (t.kind == "escalation") m.escalation_of = t.subject;
    std::int64_t id = store::insert_outbox(conn, m);
    if (id == 0) continue;  // written before
    ++rep.messages;
    if (first == 0) first = id;
  }
  if (first == 0) return;
  ++rep.fired;
  if (t.kind == "escalation") {
    ++rep.escalated;
  } else if (rule.escalate_after > 0) {
    // The supervisor hears of it when the owner has had the reminder for
    // escalate_after: counted from now, when it was written, so that a
    // reminder written late (a late entry, a tick after downtime) still
    // gives the owner that time first.
    ctx.arm("escalation", first, now);
  }
}

std::int64_t int_field(const Record& r, const char* name, std::int64_t min, std::int64_t max,
                       std::int64_t current) {
  const Value* v = r.find(name);
  if (!v) return current;
  std::optional<std::int64_t> n;
  if (is_int(*v)) n = std::get<std::int64_t>(*v);
  if (is_text(*v)) n = parse_integer_text(normalize_text(std::get<std::string>(*v)));
  if (!n || *n < min || *n > max)
    throw Error(Status::invalid_arg,
                std::string(name) + " must be an integer from " + std::to_string(min) + " to " +
                    std::to_string(max),
                std::string(name) + " 须为 " + std::to_string(min) + " 到 " + std::to_string(max) +
                    " 之间的整数");
  return *n;
}

std::string text_field(const Record& r, const char* name, const std::string& current) {
  const Value* v = r.find(name);
  if (!v) return current;
  if (!is_text(*v) || !is_valid_utf8(std::get<std::string>(*v)))
    throw Error(Status::invalid_arg, std::string(name) + " must be UTF-8 text",
                std::string(name) + " 须为 UTF-8 文本");
  return normalize_text(std::get<std::string>(*v), TextMode::prose);
}

std::string describe_rule(const store::RuleRow& r) {
  return "enabled=" + std::to_string(r.enabled ? 1 : 0) +
         ";delay_minutes=" + std::to_string(r.delay_minutes) + ";counting=" + r.counting +
         ";calendar=" + r.calendar + ";channels=" + r.channels +
         ";escalate_after=" + std::to_string(r.escalate_after) + ";template_zh=" + r.template_zh +
         ";template_en=" + r.template_en;
}

Record rule_record(const store::RuleRow& r) {
  Record out;
  out.append("kind", r.kind);
  out.append("enabled", std::int64_t{r.enabled ? 1 : 0});
  out.append("delay_minutes", r.delay_minutes);
  out.append("counting", r.counting);
  out.append("calendar", r.calendar);
  out.append("channels", r.channels);
  out.append("escalate_after", r.escalate_after);
  out.append("template_zh", r.template_zh);
  out.append("template_en", r.template_en);
  return out;
}

// Where a message for a lead itself goes: its phone, or its e-mail for the
// email channel (NULL for messages to users).
Value lead_address(Session& s, const store::OutboxRow& m) {
  if (!m.lead || m.recipient_user || m.recipient_role) return Value{};
  auto l = store::load_lead(s.db().conn(), *m.lead);
  if (!l) return Value{};
  return optional_value(m.channel == "email" ? l->email : l->phone);
}

Record outbox_record(const store::OutboxRow& m) {
  Record r;
  r.append("id", m.id);
  r.append("key", m.key);
  r.append("kind", m.kind);
  r.append("customer", m.customer ? Value{store::human_id(*m.customer)} : Value{});
  r.append("lead", optional_value(m.lead));
  r.append("recipient_user", optional_value(m.recipient_user));
  r.append("recipient_role", optional_value(m.recipient_role));
  r.append("channel", m.channel);
  r.append("message", m.message_zh);
  r.append("message_en", m.message_en);
  r.append("due_at", m.due_at);
  r.append("created_at", m.created_at);
  r.append("attempts", m.attempts);
  r.append("escalation_of", optional_value(m.escalation_of));
  r.append("acked_at", optional_value(m.acked_at));
  return r;
}

}  // namespace

TickReport tick(Session& s, std::int64_t now) {
  s.authorize(Perm::schedule_run);
  if (now == 0) now = s.db().now();
  if (now < 0) throw Error(Status::invalid_arg, "tick: the time is negative", "tick：时间不能为负");
  auto& conn = s.db().conn();
  TickReport rep;
  rep.now = now;
  Scheduling ctx(s);
  for (;;) {
    store::WriteTransaction tx(conn);
    auto timers = store::due_timers(conn, now, kTickBatch);
    for (const auto& t : timers) {
      if (t.kind == "auto") {
        if (automation_timer(s, t, now)) ++rep.fired;  // a "no change" rule (R8)
        continue;
      }
      process(s, ctx, t, now, rep);
    }
    // Until nothing is due: a batch may arm escalations that are due already
    // (a tick after a long pause), and each processed timer is either gone
    // or re-armed after `now`, so this ends.
    const bool last = timers.empty();
    if (last) {
      std::string before = conn.meta(kLastTickKey);
      rep.last_tick = before.empty() ? 0 : std::stoll(before);
      if (now > rep.last_tick) store::set_meta(conn, kLastTickKey, std::to_string(now));
      if (rep.fired > 0)
        s.audit("schedule.tick", "tick:" + std::to_string(now),
                "fired=" + std::to_string(rep.fired) + ",messages=" + std::to_string(rep.messages));
    }
    tx.commit();
    if (last) break;
  }
  rep.pending = store::count_timers(conn);
  return rep;
}

std::vector<Record> list_reminder_rules(Session& s) {
  s.authorize(Perm::config_read);
  store::ReadTransaction rt(s.db().conn());
  auto rules = store::list_rules(s.db().conn());
  // In the documented order of the kinds, not alphabetically.
  const auto& kinds = reminder_kinds();
  auto rank = [&](const store::RuleRow& r) {
    return std::find(kinds.begin(), kinds.end(), r.kind);
  };
  std::stable_sort(rules.begin(), rules.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  std::vector<Record> out;
  for (const auto& r : rules) out.push_back(rule_record(r));
  return out;
}

void set_reminder_rule(Session& s, const std::string& kind, const Record& changes) {
  s.authorize(Perm::config_manage);
  auto& conn = s.db().conn();
  auto current = store::load_rule(conn, kind);
  if (!current)
    throw Error(Status::not_found, "no reminder rule \"" + quote_value(kind) + "\"",
                "提醒规则“" + quote_value(kind) + "”不存在");
  static const char* const kFields[] = {"enabled",  "delay_minutes",  "counting",    "calendar",
                                        "channels", "escalate_after", "template_zh", "template_en"};
  for (const auto& [name, value] : changes.entries()) {
    if (std::find_if(std::begin(kFields), std::end(kFields),
                     [&](const char* f) { return name == f; }) == std::end(kFields))
      throw Error(Status::invalid_arg, "a reminder rule has no field \"" + quote_value(name) + "\"",
                  "提醒规则没有字段“" + quote_value(name) + "”");
  }
  store::RuleRow r = *current;
  r.enabled = int_field(changes, "enabled", 0, 1, r.enabled ? 1 : 0) != 0;
  r.delay_minutes = int_field(changes, "delay_minutes", 0, kMaxDelayMinutes, r.delay_minutes);
  r.escalate_after = int_field(changes, "escalate_after", 0, kMaxDelayMinutes, r.escalate_after);
  r.counting = text_field(changes, "counting", r.counting);
  r.calendar = text_field(changes, "calendar", r.calendar);
  r.channels = text_field(changes, "channels", r.channels);
  r.template_zh = text_field(changes, "template_zh", r.template_zh);
  r.template_en = text_field(changes, "template_en", r.template_en);
  if (!parse_deadline_policy(r.counting))
    throw Error(Status::invalid_arg, "counting is \"calendar\" or \"working\"",
                "计时方式须为 calendar（自然时间）或 working（工作时间）");
  if (kind == "escalation" && (r.delay_minutes != 0 || r.escalate_after != 0))
    throw Error(Status::invalid_arg,
                "an escalation waits for its original rule's escalate_after; its own "
                "delay_minutes and escalate_after stay 0",
                "升级提醒的等待时间由原提醒规则的 escalate_after 决定，其自身的 delay_minutes 和 "
                "escalate_after 须为 0");
  if (r.channels.empty())
    throw Error(Status::invalid_arg, "a rule needs at least one channel (app, email or sms)",
                "提醒规则至少需要一个通知渠道（app、email 或 sms）");
  auto channels = split_channels(r.channels);
  std::vector<std::string> seen;
  for (const auto& ch : channels) {
    if ((ch != "app" && ch != "email" && ch != "sms") ||
        std::find(seen.begin(), seen.end(), ch) != seen.end())
      throw Error(Status::invalid_arg,
                  "channels is a comma-separated list of app, email, sms without repeats, not \"" +
                      quote_value(r.channels) + "\"",
                  "通知渠道须为 app、email、sms 中不重复的逗号分隔列表，而非“" +
                      quote_value(r.channels) + "”");
    seen.push_back(ch);
  }
  for (const std::string* t : {&r.template_zh, &r.template_en}) {
    if (t->empty() || utf8_length(*t) > 500)
      throw Error(Status::invalid_arg, "a template is 1 to 500 characters",
                  "消息模板须为 1 到 500 个字符");
    check_template(*t, template_placeholders());
  }
  load_work_calendar(s, r.calendar);  // not_found for an unknown calendar
  store::WriteTransaction tx(conn);
  store::update_rule(conn, r, s.db().now(), s.user_id());
  s.db().config_changed();
  store::insert_config_history(conn, s.db().now(), s.user_id(), "rule." + kind,
                               describe_rule(*current), describe_rule(r));
  // Pending timers recompute their instants under the new rule.
  store::reset_timers(conn, kind);
  store::reset_timers(conn, "escalation");
  s.audit("config.reminder_rule", "rule:" + kind);
  tx.commit();
}

std::vector<Record> fetch_outbox(Session& s, int limit, std::int64_t lease_ms,
                                 const std::string& channel) {
  s.authorize(Perm::schedule_run);
  if (limit < 1 || limit > 1000)
    throw Error(Status::invalid_arg, "fetch 1 to 1000 messages at a time",
                "每次取 1 到 1000 条消息");
  if (lease_ms < 1000 || lease_ms > 24 * 3600 * 1000LL)
    throw Error(Status::invalid_arg, "a lease is 1 second to 1 day",
                "租约时长须在 1 秒到 1 天之间");
  if (!channel.empty() && channel != "app" && channel != "email" && channel != "sms")
    throw Error(Status::invalid_arg, "channel is app, email, sms or empty for all",
                "渠道须为 app、email、sms，或留空表示全部");
  auto& conn = s.db().conn();
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  auto rows = store::lease_outbox(conn, now, now + lease_ms, limit, channel);
  tx.commit();
  std::vector<Record> out;
  out.reserve(rows.size());
  for (const auto& m : rows) {
    out.push_back(outbox_record(m));
    out.back().append("address", lead_address(s, m));
  }
  return out;
}

void ack_outbox(Session& s, std::int64_t id) {
  s.authorize(Perm::schedule_run);
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  auto m = store::load_outbox(conn, id);
  if (!m)
    throw Error(Status::not_found, "no outbox message " + std::to_string(id),
                "发件箱中没有消息 " + std::to_string(id));
  if (m->acked_at)
    throw Error(Status::conflict,
                "outbox message " + std::to_string(id) + " was acknowledged already",
                "发件箱消息 " + std::to_string(id) + " 已确认送达");
  store::ack_outbox(conn, id, s.db().now());
  s.audit("outbox.ack", "outbox:" + std::to_string(id));
  tx.commit();
}

std::vector<Record> list_outbox(Session& s, std::int64_t after, int limit, bool pending_only) {
  s.authorize(Perm::schedule_run);
  if (limit < 1 || limit > 1000)
    throw Error(Status::invalid_arg, "list 1 to 1000 messages at a time",
                "每次列出 1 到 1000 条消息");
  store::ReadTransaction rt(s.db().conn());
  std::vector<Record> out;
  for (const auto& m : store::list_outbox(s.db().conn(), after, limit, pending_only)) {
    out.push_back(outbox_record(m));
    out.back().append("address", lead_address(s, m));
  }
  return out;
}

// ---------------------------------------------------------------------------

void schedule_new_customer(Session& s, std::int64_t key, std::int64_t created_at) {
  Scheduling ctx(s);
  store::insert_new_timers(s.db().conn(), {ctx.timer("unverified", key, created_at),
                                           ctx.timer("review_due", key, created_at)});
}

void schedule_review(Session& s, std::int64_t key, std::int64_t reviewed_at) {
  Scheduling(s).arm("review_due", key, reviewed_at);
}

void unschedule_verification(Session& s, std::int64_t key) {
  store::drop_timer(s.db().conn(), "unverified", key);
}

void unschedule_customer(Session& s, std::int64_t key) {
  auto& conn = s.db().conn();
  for (const char* kind : {"unverified", "review_due", "cadence_lapsed"})
    store::drop_timer(conn, kind, key);
}

void schedule_cadence(Session& s, std::int64_t key, const std::optional<std::string>& due_date) {
  auto d = due_date ? parse_date(*due_date) : std::nullopt;
  if (!d) {
    store::drop_timer(s.db().conn(), "cadence_lapsed", key);
    return;
  }
  // Lapsed once the due date is over: at the next local midnight.
  date::year_month_day after{date::sys_days(*d) + date::days{1}};
  Scheduling(s).arm("cadence_lapsed", key, local_midnight(after, s.db().zone()));
}

void schedule_plan(Session& s, const store::PlanRow& plan) {
  Scheduling ctx(s);
  if (plan.remind_at) ctx.arm("plan_reminder", plan.id, *plan.remind_at);
  // Overdue when its day is over and it is still open.
  date::year_month_day day = local_date(plan.planned_at, s.db().zone());
  date::year_month_day after{date::sys_days(day) + date::days{1}};
  ctx.arm("plan_overdue", plan.id, local_midnight(after, s.db().zone()));
}

void unschedule_plan(Session& s, std::int64_t plan) {
  auto& conn = s.db().conn();
  store::drop_timer(conn, "plan_reminder", plan);
  store::drop_timer(conn, "plan_overdue", plan);
}

void schedule_major_change(Session& s, std::int64_t record, std::int64_t contacted_at) {
  Scheduling(s).arm("major_change", record, contacted_at);
}

void notify_lead(Session& s, const std::string& kind, std::int64_t lead, std::int64_t base) {
  Scheduling ctx(s);
  store::TimerRow t = ctx.timer(kind, lead, base);
  const std::int64_t now = s.db().now();
  if (t.due_at > now) {
    store::arm_timer(s.db().conn(), t);
    return;
  }
  TickReport ignored;
  process(s, ctx, t, now, ignored);
}

void schedule_access_request(Session& s, std::int64_t request, std::int64_t requested_at) {
  Scheduling(s).arm("access_pending", request, requested_at);
}

}  // namespace crm
