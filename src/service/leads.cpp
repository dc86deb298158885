#include "service/leads.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "domain/custom_fields.hpp"
#include "domain/customer_rules.hpp"
#include "domain/error.hpp"
#include "domain/lead.hpp"
#include "domain/masking.hpp"
#include "domain/messages.hpp"
#include "domain/sha256.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "service/automation.hpp"
#include "service/customers.hpp"
#include "service/review.hpp"
#include "service/scheduler.hpp"
#include "service/users.hpp"
#include "store/customer_repo.hpp"
#include "store/lead_repo.hpp"
#include "store/schedule_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

constexpr const char* kEntity = "lead";
constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

std::int64_t setting_int(Session& s, const char* name, std::int64_t fallback) {
  auto n = parse_integer_text(s.db().setting(name));
  return n ? *n : fallback;
}

std::int64_t half_life_ms(Session& s) {
  return setting_int(s, "lead.score_half_life_days", 0) * kDayMs;
}

std::int64_t high_value_threshold(Session& s) { return setting_int(s, "lead.high_value_score", 8); }

Error no_lead(std::int64_t id) {
  return Error(Status::not_found, "no lead " + std::to_string(id),
               "线索 " + std::to_string(id) + " 不存在");
}

store::LeadRow existing_lead(Session& s, std::int64_t id) {
  auto l = store::load_lead(s.db().conn(), id);
  if (!l) throw no_lead(id);
  return std::move(*l);
}

// The lead, once the user may do `perm` on it (not_found if they may not
// even read it).
store::LeadRow lead_for(Session& s, std::int64_t id, Perm perm) {
  store::LeadRow l = existing_lead(s, id);
  s.authorize_lead(perm, id, l.owner);
  return l;
}

std::string stage_label(Session& s, const std::string& stage) {
  const auto* e = s.db().dictionaries().find("lead_stage", stage);
  return e ? e->label_zh : stage;
}

Record lead_record(Session& s, const store::LeadRow& l, bool unmasked) {
  const std::int64_t now = s.db().now();
  Record r;
  r.append("id", l.id);
  r.append("external_id", optional_value(l.external_id));
  r.append("channel", l.channel);
  r.append("company", l.company);
  r.append("person", optional_value(l.person));
  if (unmasked) {
    r.append("phone", optional_value(l.phone));
    r.append("email", optional_value(l.email));
  } else {
    r.append("phone", l.phone ? Value{mask_phone(*l.phone)} : Value{});
    r.append("email", l.email ? Value{mask_email(*l.email)} : Value{});
  }
  r.append("region", optional_value(l.region));
  r.append("industry", optional_value(l.industry));
  r.append("scale", optional_value(l.scale));
  r.append("key_needs", optional_value(l.key_needs));
  r.append("note", optional_value(l.note));
  r.append("owner", optional_value(l.owner));
  r.append("stage", l.stage);
  r.append("score", score_at(RunningScore{l.score, l.scored_at}, now, half_life_ms(s)));
  r.append("high_value", std::int64_t{l.high_value_at ? 1 : 0});
  r.append("high_value_at", optional_value(l.high_value_at));
  r.append("customer", l.customer ? Value{store::human_id(*l.customer)} : Value{});
  r.append("disqualify_reason", optional_value(l.disqualify_reason));
  r.append("route_note", optional_value(l.route_note));
  r.append("captured_at", l.captured_at);
  r.append("screened_at", optional_value(l.screened_at));
  r.append("assigned_at", optional_value(l.assigned_at));
  r.append("following_at", optional_value(l.following_at));
  r.append("converted_at", optional_value(l.converted_at));
  r.append("disqualified_at", optional_value(l.disqualified_at));
  r.append("version", l.version);
  r.append("created_by", l.created_by);
  r.append("updated_at", l.updated_at);
  return r;
}

std::optional<std::string> opt_text_of(const Record& r, const char* name) {
  const Value* v = r.find(name);
  if (!v || !is_text(*v)) return std::nullopt;
  return std::get<std::string>(*v);
}

// Appends one event (a funnel step, an assignment, a behaviour with points).
std::int64_t add_event(Session& s, const store::LeadRow& l, const std::string& kind,
                       std::int64_t points, std::int64_t at, std::optional<std::string> detail) {
  store::LeadEventRow e;
  e.lead = l.id;
  e.kind = kind;
  e.points = points;
  e.at = at;
  e.actor = s.user_id();
  e.detail = std::move(detail);
  return store::insert_lead_event(s.db().conn(), e);
}

void save(Session& s, store::LeadRow& l) {
  l.version += 1;
  l.updated_at = s.db().now();
  store::update_lead(s.db().conn(), l);
}

// Fills the timestamps of every step up to `stage` that has none (a lead
// assigned straight from capture was screened then too) and moves it there.
void move_to(store::LeadRow& l, const std::string& stage, std::int64_t now) {
  l.stage = stage;
  if (stage == "disqualified") {
    l.disqualified_at = now;
    return;
  }
  const int rank = lead_stage_rank(stage);
  std::optional<std::int64_t>* steps[] = {&l.screened_at, &l.assigned_at, &l.following_at,
                                          &l.converted_at};
  for (int i = 1; i <= rank && i <= 4; ++i)
    if (!*steps[i - 1]) *steps[i - 1] = now;
}

Error final_stage(const store::LeadRow& l) {
  const std::string id = std::to_string(l.id);
  if (l.stage == "converted")
    return Error(Status::state,
                 "lead " + id + " was converted" +
                     (l.customer ? " to customer " + store::human_id(*l.customer) : "") +
                     ": work on the customer now",
                 "线索 " + id + " 已转化" +
                     (l.customer ? "为客户 " + store::human_id(*l.customer) : "") +
                     "，请在客户上继续");
  return Error(Status::state, "lead " + id + " was disqualified",
               "线索 " + id + " 已判定为无效线索");
}

// ---------------------------------------------------------------------------
// Assignment (R4.2)

struct Choice {
  std::optional<std::int64_t> owner;
  std::string note;
};

// Who may take a lead now: active, not absent, under the cap of open leads.
// The reason when not, in both languages.
struct Availability {
  bool ok = true;
  std::string en, zh;
};

Availability availability(Session& s, const store::UserRow& u) {
  if (!u.active) return {false, "inactive", "已停用"};
  if (u.absent) return {false, "absent", "休假中"};
  const std::int64_t cap = setting_int(s, "lead.max_open_per_user", 0);
  if (cap > 0 && store::count_open_leads(s.db().conn(), u.id) >= cap)
    return {false, "has " + std::to_string(cap) + " open leads (lead.max_open_per_user)",
            "已有 " + std::to_string(cap) + " 条未结线索（lead.max_open_per_user）"};
  return {};
}

// A team's members who take leads: the department's users whose role works
// on its own leads (lead.write scope "own": the salespeople, not their
// managers), in id order.
std::vector<store::UserRow> team_of(Session& s, const std::string& department,
                                    const std::vector<store::UserRow>& users) {
  const AuthData& auth = s.db().auth();
  std::vector<store::UserRow> out;
  for (const auto& u : users) {
    if (u.department != department || !u.active) continue;
    if (auth.scopes(u.role)[static_cast<int>(Perm::lead_write)] != Scope::own) continue;
    out.push_back(u);
  }
  return out;
}

Choice choose_owner(Session& s, const store::LeadRow& l) {
  auto& conn = s.db().conn();
  const auto routes = store::list_lead_routes(conn);
  const auto users = store::list_users(conn);
  auto find = [&](std::int64_t id) -> const store::UserRow* {
    for (const auto& u : users)
      if (u.id == id) return &u;
    return nullptr;
  };
  const std::string region = l.region.value_or("");
  const std::string industry = l.industry.value_or("");
  std::string skipped;
  for (const auto& r : routes) {
    if (!route_matches(r, region, industry)) continue;
    const std::string rule = "rule " + std::to_string(r.id);
    if (r.user) {
      const store::UserRow* u = find(*r.user);
      Availability a = u ? availability(s, *u) : Availability{false, "gone", "不存在"};
      if (a.ok) return {*r.user, rule + ": " + u->name};
      skipped += (skipped.empty() ? "" : "; ") + rule + ": " + (u ? u->name : "?") + " " + a.en;
      continue;
    }
    std::vector<std::int64_t> ready;
    for (const auto& u : team_of(s, r.department.value_or(""), users))
      if (availability(s, u).ok) ready.push_back(u.id);
    auto pick = next_round_robin(ready, r.last_user);
    if (pick) {
      store::set_lead_route_cursor(conn, r.id, *pick);
      return {*pick, rule + ": " + *r.department + " round robin → " + find(*pick)->name};
    }
    skipped += (skipped.empty() ? "" : "; ") + rule + ": nobody in " + *r.department +
               " available (absent or at the cap)";
  }
  if (skipped.empty())
    return {std::nullopt, "no assignment rule matches region \"" + region + "\" and industry \"" +
                              industry + "\": pool"};
  return {std::nullopt, skipped + ": pool"};
}

// Gives the lead to `owner` (a change of owner starts the assigned step
// again) and tells them.
void give_to(Session& s, store::LeadRow& l, std::int64_t owner, const std::string& note) {
  const std::int64_t now = s.db().now();
  l.owner = owner;
  l.route_note = note;
  move_to(l, "assigned", now);
  l.assigned_at = now;
  save(s, l);
  add_event(s, l, "assign", 0, now, "to=" + std::to_string(owner) + "; " + note);
  notify_lead(s, "lead_assigned", l.id, now);
}

// Routes a lead by the rules: assigned, or left in the pool with the reason.
void route(Session& s, store::LeadRow& l) {
  Choice c = choose_owner(s, l);
  if (c.owner) {
    give_to(s, l, *c.owner, c.note);
    return;
  }
  l.route_note = c.note;
  save(s, l);
  add_event(s, l, "route", 0, s.db().now(), c.note);
}

// The normalised lead fields of a capture, or a validation error.
Record validated_capture(Session& s, const Record& input) {
  Normalized n = normalize_fields(kEntity, input, nullptr, s.db().dictionaries());
  check_record(kEntity, n.values, n.errors);
  if (const Value* o = n.values.find("owner"); o && is_int(*o)) {
    auto u = store::find_user(s.db().conn(), std::get<std::int64_t>(*o));
    if (!u || !u->active)
      n.errors.push_back(field_error(find_field(kEntity, "owner"), "owner", "unknown_value",
                                     std::to_string(std::get<std::int64_t>(*o))));
  }
  if (!n.errors.empty()) throw_validation(std::move(n.errors));
  return std::move(n.values);
}

// What a capture said, as a digest: a repeated external id with the same
// digest is a retry, with another one a conflict.
std::string capture_digest(const Record& v) {
  std::string text;
  for (const char* f : {"channel", "company", "person", "phone", "email", "region", "industry"})
    text += opt_text_of(v, f).value_or("") + '\x1f';
  return sha256_hex(text);
}

std::string channel_detail(const std::string& channel) { return "channel=" + channel; }

}  // namespace

// ---------------------------------------------------------------------------

CaptureResult capture_lead(Session& s, const Record& input) {
  if (s.scope_of(Perm::lead_write) == Scope::none) s.authorize(Perm::lead_write);
  Record v = validated_capture(s, input);
  std::optional<std::int64_t> owner;
  if (const Value* o = v.find("owner"); o && is_int(*o)) owner = std::get<std::int64_t>(*o);
  // A salesperson's own capture is theirs; others' go to the pool.
  if (!owner && s.scope_of(Perm::lead_write) == Scope::own) owner = s.user_id();
  if (owner)
    s.authorize_for(Perm::lead_write, *owner);
  else if (!s.may_lead(Perm::lead_write, std::nullopt))
    s.refuse(Perm::lead_write, "lead pool", "not allowed: put leads into the pool",
             "无权将线索放入线索池");

  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  const auto external_id = opt_text_of(v, "external_id");
  const std::string digest = capture_digest(v);
  if (external_id) {
    if (auto before = store::find_external_id(conn, *external_id)) {
      auto l = store::load_lead(conn, before->lead);
      s.authorize_lead(Perm::lead_read, before->lead, l ? l->owner : std::nullopt);
      if (before->digest != digest)
        throw Error(Status::conflict,
                    "external id \"" + quote_value(*external_id) + "\" was captured into lead " +
                        std::to_string(before->lead) + " with other details",
                    "外部编号“" + quote_value(*external_id) + "”已录入线索 " +
                        std::to_string(before->lead) + "，且内容不同");
      return {before->lead, CaptureOutcome::repeated};
    }
  }
  const auto phone = opt_text_of(v, "phone");
  const auto email = opt_text_of(v, "email");
  const std::string channel = *opt_text_of(v, "channel");
  const std::int64_t now = s.db().now();
  if (auto open = store::find_open_lead_by_contact(conn, phone, email)) {
    s.authorize_lead(Perm::lead_write, open->id, open->owner);
    add_event(s, *open, "recapture", 0, now, channel_detail(channel));
    save(s, *open);
    if (external_id) store::insert_external_id(conn, *external_id, open->id, digest);
    s.audit("lead.recapture", "lead:" + std::to_string(open->id), channel_detail(channel));
    tx.commit();
    return {open->id, CaptureOutcome::duplicate};
  }

  store::LeadRow l;
  l.external_id = external_id;
  l.channel = channel;
  l.company = *opt_text_of(v, "company");
  l.person = opt_text_of(v, "person");
  l.phone = phone;
  l.email = email;
  l.region = opt_text_of(v, "region");
  l.industry = opt_text_of(v, "industry");
  l.scale = opt_text_of(v, "scale");
  l.key_needs = opt_text_of(v, "key_needs");
  l.note = opt_text_of(v, "note");
  l.customer = store::find_customer_by_contact(conn, phone, email);
  l.captured_at = now;
  l.scored_at = now;
  l.created_by = s.user_id();
  l.updated_at = now;
  l.id = store::insert_lead(conn, l);
  if (external_id) store::insert_external_id(conn, *external_id, l.id, digest);
  add_event(s, l, "capture", 0, now, channel_detail(channel));
  notify_lead(s, "lead_welcome", l.id, now);
  if (owner) {
    give_to(s, l, *owner,
            *owner == s.user_id() ? "captured by the owner" : "owner given at capture");
  } else {
    if (s.db().setting("lead.auto_assign") == "captured") route(s, l);
    if (!l.owner) notify_lead(s, "lead_unassigned", l.id, now);
  }
  s.audit("lead.capture", "lead:" + std::to_string(l.id), channel_detail(channel));
  tx.commit();
  return {l.id, l.customer ? CaptureOutcome::linked : CaptureOutcome::created};
}

Record get_lead(Session& s, std::int64_t id) {
  store::ReadTransaction rt(s.db().conn());
  return lead_record(s, lead_for(s, id, Perm::lead_read), false);
}

Record unmask_lead(Session& s, std::int64_t id, const std::optional<std::string>& reason) {
  auto why = checked_reason(reason);
  if (!why)
    throw Error(Status::invalid_arg, "unmasking needs a reason", "查看完整联系方式须填写原因");
  store::WriteTransaction tx(s.db().conn());
  store::LeadRow l = lead_for(s, id, Perm::lead_write);
  s.audit("lead.unmask", "lead:" + std::to_string(id), *why, "unmask");
  tx.commit();
  return lead_record(s, l, true);
}

namespace {

store::LeadFilter visible_leads(Session& s) {
  Visibility v = s.visibility(Perm::lead_read);
  store::LeadFilter f;
  f.all = v.all;
  f.owners_json = ids_json(v.owners);
  f.pool = s.may_lead(Perm::lead_read, std::nullopt);
  return f;
}

// A code of dictionary `dict` ("lead_stage", "source" or "industry") from
// its code, label or alias; invalid_arg naming what it is otherwise.
std::string resolved(Session& s, const char* dict, const std::string& input) {
  auto code = s.db().dictionaries().resolve(dict, input);
  if (code) return *code;
  const std::string d = dict;
  const char* en = d == "lead_stage" ? "stage" : d == "source" ? "channel" : "industry";
  const char* zh = d == "lead_stage" ? "线索阶段" : d == "source" ? "渠道" : "行业";
  throw Error(Status::invalid_arg, std::string("unknown ") + en + " \"" + quote_value(input) + "\"",
              std::string("未知的") + zh + "“" + quote_value(input) + "”");
}

}  // namespace

std::vector<Record> list_leads(Session& s, const LeadQuery& q) {
  if (q.limit < 1 || q.limit > 1000)
    throw Error(Status::invalid_arg, "limit is 1 to 1000", "每页条数须为 1 到 1000");
  store::ReadTransaction rt(s.db().conn());
  store::LeadFilter f = visible_leads(s);
  if (q.stage) f.stage = resolved(s, "lead_stage", *q.stage);
  if (q.channel) f.channel = resolved(s, "source", *q.channel);
  f.owner = q.owner;
  f.high_value_only = q.high_value_only;
  f.after_id = q.after_id;
  f.limit = q.limit;
  std::vector<Record> out;
  for (const auto& l : store::list_leads(s.db().conn(), f)) out.push_back(lead_record(s, l, false));
  return out;
}

ScoreResult record_lead_event(Session& s, std::int64_t id, const std::string& kind, std::int64_t at,
                              const std::optional<std::string>& note) {
  auto detail = checked_reason(note);
  const std::int64_t now = s.db().now();
  if (at == 0) at = now;
  if (at < 0 || at > now)
    throw Error(Status::invalid_arg, "an event's time is not in the future, nor negative",
                "行为事件的时间不能晚于当前时间，也不能为负");
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::LeadRow l = lead_for(s, id, Perm::lead_write);
  auto rule = valid_event_kind(kind) ? store::load_score_rule(conn, kind) : std::nullopt;
  if (!rule) {
    std::string known;
    for (const auto& r : store::list_score_rules(conn))
      known += (known.empty() ? "" : ", ") + r.kind;
    throw Error(Status::invalid_arg,
                "no scoring rule for event \"" + quote_value(kind) + "\" (known: " + known + ")",
                "没有行为“" + quote_value(kind) + "”的评分规则（已有：" + known + "）");
  }
  if (lead_stage_final(l.stage)) throw final_stage(l);
  const std::int64_t half_life = half_life_ms(s);
  RunningScore rs = add_points(RunningScore{l.score, l.scored_at}, rule->points, at, half_life);
  l.score = rs.value;
  l.scored_at = rs.at;
  ScoreResult out;
  out.event = add_event(s, l, kind, rule->points, at, detail);
  const std::int64_t threshold = high_value_threshold(s);
  if (!l.high_value_at && reaches(rs.value, threshold)) {
    l.high_value_at = now;
    out.marked_now = true;
    add_event(s, l, "high_value", 0, now,
              "score reached " + std::to_string(threshold) + " (高价值线索)");
  }
  save(s, l);
  if (out.marked_now) {
    notify_lead(s, "lead_high_value", l.id, now);
    automation_lead_crossed(s, l);  // rules on score_crossed (R8)
  }
  s.audit("lead.event", "lead:" + std::to_string(id), kind);
  tx.commit();
  out.score = score_at(rs, now, half_life);
  out.high_value = l.high_value_at.has_value();
  return out;
}

std::vector<Record> explain_lead_score(Session& s, std::int64_t id) {
  auto& conn = s.db().conn();
  store::ReadTransaction rt(conn);
  store::LeadRow l = lead_for(s, id, Perm::lead_read);
  const std::int64_t now = s.db().now();
  const std::int64_t half_life = half_life_ms(s);
  std::map<std::string, store::ScoreRuleRow> rules;
  for (auto& r : store::list_score_rules(conn)) rules.emplace(r.kind, std::move(r));
  std::vector<Record> out;
  for (const auto& e : store::lead_events(conn, l.id, 0, 0, /*scoring_only=*/true)) {
    const double weight = decay_weight(now - e.at, half_life);
    auto it = rules.find(e.kind);
    Record r;
    r.append("event", e.id);
    r.append("kind", e.kind);
    r.append("label", it == rules.end() ? e.kind : it->second.label_zh);
    r.append("label_en", it == rules.end() ? e.kind : it->second.label_en);
    r.append("at", e.at);
    r.append("points", e.points);
    r.append("weight", weight);
    r.append("effective", static_cast<double>(e.points) * weight);
    r.append("note", optional_value(e.detail));
    out.push_back(std::move(r));
  }
  return out;
}

void advance_lead(Session& s, std::int64_t id, const std::string& stage_in,
                  const std::optional<std::string>& reason_in) {
  auto reason = checked_reason(reason_in);
  auto code = s.db().dictionaries().resolve("lead_stage", stage_in);
  const std::string stage = code.value_or(stage_in);
  if (stage != "screened" && stage != "following" && stage != "disqualified")
    throw Error(Status::invalid_arg,
                "a lead is moved to screened, following or disqualified here, not \"" +
                    quote_value(stage_in) + "\" (assign and convert have calls of their own)",
                "此处只能将线索改为初步筛选、跟进或无效线索，而非“" + quote_value(stage_in) +
                    "”（分配与转化另有接口）");
  if (stage == "disqualified" && !reason)
    throw Error(Status::invalid_arg, "disqualifying a lead needs a reason",
                "判定无效线索须填写原因");
  store::WriteTransaction tx(s.db().conn());
  store::LeadRow l = lead_for(s, id, Perm::lead_write);
  if (lead_stage_final(l.stage)) throw final_stage(l);
  if (!lead_step_allowed(l.stage, stage))
    throw Error(Status::state,
                "lead " + std::to_string(id) + " is " + l.stage + ": it cannot go back to " + stage,
                "线索 " + std::to_string(id) + " 当前为“" + stage_label(s, l.stage) +
                    "”，不能退回“" + stage_label(s, stage) + "”");
  if (stage == "following" && !l.owner)
    throw Error(
        Status::state,
        "lead " + std::to_string(id) + " has no owner yet: assign it before following it up",
        "线索 " + std::to_string(id) + " 尚未分配，请先分配再跟进");
  const std::string before = l.stage;
  const std::int64_t now = s.db().now();
  move_to(l, stage, now);
  if (stage == "disqualified") l.disqualify_reason = reason;
  save(s, l);
  add_event(s, l, "stage", 0, now, before + "→" + stage + (reason ? ": " + *reason : ""));
  if (stage == "screened" && !l.owner && s.db().setting("lead.auto_assign") == "screened")
    route(s, l);
  s.audit("lead.stage", "lead:" + std::to_string(id), before + "→" + stage);
  tx.commit();
}

std::optional<std::int64_t> assign_lead(Session& s, std::int64_t id, std::int64_t user) {
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::LeadRow l = lead_for(s, id, Perm::lead_write);
  if (lead_stage_final(l.stage)) throw final_stage(l);
  if (user == 0) {
    route(s, l);
    s.audit("lead.assign", "lead:" + std::to_string(id), l.route_note.value_or(""));
    tx.commit();
    return l.owner;
  }
  auto u = store::find_user(conn, user);
  if (!u)
    throw Error(Status::not_found, "no user " + std::to_string(user),
                "用户 " + std::to_string(user) + " 不存在");
  s.authorize_for(Perm::lead_write, user);
  if (l.owner == user) {
    tx.commit();
    return l.owner;
  }
  Availability a = availability(s, *u);
  if (!a.ok)
    throw Error(Status::state, "user " + u->name + " cannot take leads: " + a.en,
                "用户 " + u->name + " 暂不能接收线索：" + a.zh);
  give_to(s, l, user, "assigned by " + user_name(s, s.user_id()));
  s.audit("lead.assign", "lead:" + std::to_string(id), "to=" + std::to_string(user));
  tx.commit();
  return l.owner;
}

std::int64_t convert_lead(Session& s, std::int64_t id, const std::string& type_in,
                          const Record& fields) {
  std::string type = "prospect";
  if (!type_in.empty()) {
    auto code = s.db().dictionaries().resolve("customer_type", type_in);
    if (!code || (*code != "prospect" && *code != "intent"))
      throw Error(Status::invalid_arg,
                  "a lead converts into a prospect (潜在) or intent (意向) customer, not \"" +
                      quote_value(type_in) + "\"",
                  "线索只能转化为潜在客户或意向客户，而非“" + quote_value(type_in) + "”");
    type = *code;
  }
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::LeadRow l = lead_for(s, id, Perm::lead_write);
  if (lead_stage_final(l.stage)) throw final_stage(l);
  if (!l.owner)
    throw Error(Status::state,
                "lead " + std::to_string(id) + " has no owner yet: assign it before converting it",
                "线索 " + std::to_string(id) + " 尚未分配，请先分配再转化");
  Record overrides = fields;
  std::optional<std::int64_t> key;
  if (const Value* c = overrides.find("customer")) {
    if (!is_text(*c))
      throw Error(Status::invalid_arg, "customer is a customer id such as C0001",
                  "customer 须为客户编号，如 C0001");
    key = customer_key(s, std::get<std::string>(*c));
    overrides.unset("customer");
  } else if (l.customer) {
    key = l.customer;
  }
  if (key) {
    require_customer(s, *key, Perm::customer_read);
  } else {
    Record in;
    in.append("name", l.company);
    in.append("contact_name", optional_value(l.person));
    in.append("phone", optional_value(l.phone));
    in.append("email", optional_value(l.email));
    in.append("industry", optional_value(l.industry));
    in.append("scale", optional_value(l.scale));
    in.append("key_needs", optional_value(l.key_needs));
    in.append("source", l.channel);
    in.append("type", type);
    in.append("priority", l.high_value_at ? "high" : "medium");
    in.append("owner", *l.owner);
    for (const auto& [name, value] : overrides.entries()) in.set(name, value);
    try {
      key = create_customer(s, in);
    } catch (const Pending&) {
      // The new customer waits for review: keep that (and only that), leave
      // the lead as it is; it is converted into the customer once approved.
      tx.commit();
      throw;
    }
  }
  const std::int64_t now = s.db().now();
  const std::string field = "lead." + std::to_string(l.id);
  for (const auto& e : store::lead_events(conn, l.id, 0, 0, false)) {
    std::string what = e.kind + (e.points ? " +" + std::to_string(e.points) : "");
    record_history(s, *key, e.at, "lead", field, std::nullopt, what, e.detail);
  }
  record_history(s, *key, now, "lead", field, l.stage, std::string("converted"), std::nullopt);
  move_to(l, "converted", now);
  l.customer = key;
  save(s, l);
  add_event(s, l, "convert", 0, now, "customer=" + store::human_id(*key));
  s.audit("lead.convert", "lead:" + std::to_string(id), "customer=" + store::human_id(*key));
  tx.commit();
  return *key;
}

std::vector<Record> lead_funnel(Session& s, std::int64_t from, std::int64_t to,
                                const std::string& period) {
  if (!valid_funnel_period(period))
    throw Error(Status::invalid_arg,
                "period is day, week, month or all, not \"" + quote_value(period) + "\"",
                "统计周期须为 day、week、month 或 all，而非“" + quote_value(period) + "”");
  if (to == 0) to = s.db().now() + 1;
  if (from < 0 || to <= from)
    throw Error(Status::invalid_arg, "the funnel's range [from, to) is empty or negative",
                "漏斗统计的时间范围为空或为负");
  store::ReadTransaction rt(s.db().conn());
  store::LeadFilter f = visible_leads(s);
  struct Counts {
    std::int64_t n[6] = {0, 0, 0, 0, 0, 0};
  };
  // (period, channel) with "" for every channel; std::map keeps them in
  // order, the total first.
  std::map<std::pair<std::string, std::string>, Counts> buckets;
  for (const auto& l : store::leads_captured(s.db().conn(), f, from, to)) {
    const std::string p = funnel_period_of(l.captured_at, period, s.db().zone());
    const bool reached[6] = {true,
                             l.screened_at.has_value(),
                             l.assigned_at.has_value(),
                             l.following_at.has_value(),
                             l.converted_at.has_value(),
                             l.disqualified_at.has_value()};
    for (const std::string& channel : {std::string(), l.channel}) {
      Counts& c = buckets[{p, channel}];
      for (int i = 0; i < 6; ++i) c.n[i] += reached[i] ? 1 : 0;
    }
  }
  static const char* const kNames[] = {"captured",  "screened",  "assigned",
                                       "following", "converted", "disqualified"};
  std::vector<Record> out;
  for (const auto& [k, c] : buckets) {
    Record r;
    r.append("period", k.first);
    r.append("channel", k.second.empty() ? Value{} : Value{k.second});
    const auto* e = k.second.empty() ? nullptr : s.db().dictionaries().find("source", k.second);
    r.append("channel_label",
             k.second.empty() ? Value{"全部渠道"} : Value{e ? e->label_zh : k.second});
    for (int i = 0; i < 6; ++i) r.append(kNames[i], c.n[i]);
    r.append("conversion_rate", static_cast<double>(c.n[4]) / static_cast<double>(c.n[0]));
    out.push_back(std::move(r));
  }
  return out;
}

void set_score_rule(Session& s, const std::string& kind, std::int64_t points,
                    const std::string& label_zh, const std::string& label_en) {
  s.authorize(Perm::config_manage);
  if (!valid_event_kind(kind))
    throw Error(Status::invalid_arg,
                "an event kind is 1 to 40 of a-z, 0-9 and _, starting with a letter, not \"" +
                    quote_value(kind) + "\"",
                "行为类型须为小写字母开头的 a-z、0-9、_（最多 40 个字符），而非“" +
                    quote_value(kind) + "”");
  if (points < kMinEventPoints || points > kMaxEventPoints)
    throw Error(Status::invalid_arg,
                "points are from " + std::to_string(kMinEventPoints) + " to " +
                    std::to_string(kMaxEventPoints) + ", not " + std::to_string(points),
                "分值须为 " + std::to_string(kMinEventPoints) + " 到 " +
                    std::to_string(kMaxEventPoints) + "，而非 " + std::to_string(points));
  store::ScoreRuleRow r;
  r.kind = kind;
  r.points = points;
  r.label_zh = normalize_text(label_zh, TextMode::prose);
  r.label_en = normalize_text(label_en, TextMode::prose);
  for (const std::string* l : {&r.label_zh, &r.label_en})
    if (!is_valid_utf8(*l) || l->empty() || utf8_length(*l) > 50)
      throw Error(Status::invalid_arg, "a label is 1 to 50 characters", "名称须为 1 到 50 个字符");
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  auto before = store::load_score_rule(conn, kind);
  r.updated_at = s.db().now();
  r.updated_by = s.user_id();
  store::upsert_score_rule(conn, r);
  auto text = [](const store::ScoreRuleRow& x) {
    return "points=" + std::to_string(x.points) + ";label_zh=" + x.label_zh +
           ";label_en=" + x.label_en;
  };
  store::insert_config_history(conn, r.updated_at, s.user_id(), "lead_score." + kind,
                               before ? text(*before) : std::string(), text(r));
  s.audit("config.lead_score", "lead_score:" + kind, "points=" + std::to_string(points));
  tx.commit();
}

std::vector<Record> list_score_rules(Session& s) {
  s.authorize(Perm::config_read);
  std::vector<Record> out;
  for (const auto& r : store::list_score_rules(s.db().conn())) {
    Record rec;
    rec.append("kind", r.kind);
    rec.append("points", r.points);
    rec.append("label", r.label_zh);
    rec.append("label_en", r.label_en);
    rec.append("updated_at", r.updated_at);
    rec.append("updated_by", r.updated_by);
    out.push_back(std::move(rec));
  }
  return out;
}

std::int64_t add_lead_route(Session& s, const Record& rule) {
  s.authorize(Perm::config_manage);
  static const char* const kFields[] = {"position", "region", "industry", "user", "department"};
  for (const auto& [name, value] : rule.entries())
    if (std::none_of(std::begin(kFields), std::end(kFields),
                     [&](const char* f) { return name == f; }))
      throw Error(Status::invalid_arg,
                  "an assignment rule has no field \"" + quote_value(name) +
                      "\" (position, region, industry, user, department)",
                  "分配规则没有字段“" + quote_value(name) + "”");
  LeadRoute r;
  auto& conn = s.db().conn();
  if (const Value* v = rule.find("position")) {
    if (!is_int(*v) || std::get<std::int64_t>(*v) < 0 || std::get<std::int64_t>(*v) > 1000000)
      throw Error(Status::invalid_arg, "position is an integer from 0 to 1000000",
                  "position 须为 0 到 1000000 的整数");
    r.position = std::get<std::int64_t>(*v);
  } else {
    auto routes = store::list_lead_routes(conn);
    r.position = routes.empty() ? 10 : routes.back().position + 10;
  }
  if (auto region = opt_text_of(rule, "region")) {
    r.region = normalize_text(*region, TextMode::prose);
    if (!is_valid_utf8(r.region) || utf8_length(r.region) > 50)
      throw Error(Status::invalid_arg, "region is at most 50 characters", "地区最多 50 个字符");
  }
  if (auto industry = opt_text_of(rule, "industry"); industry && !industry->empty())
    r.industry = resolved(s, "industry", *industry);
  const Value* user = rule.find("user");
  auto department = opt_text_of(rule, "department");
  if ((user && !is_null(*user)) == department.has_value())
    throw Error(Status::invalid_arg, "an assignment rule names a user or a department, not both",
                "分配规则须指定一名销售或一个部门（二者选一）");
  const auto users = store::list_users(conn);
  if (user) {
    if (!is_int(*user)) throw Error(Status::invalid_arg, "user is a user id", "user 须为用户编号");
    const std::int64_t id = std::get<std::int64_t>(*user);
    auto it = std::find_if(users.begin(), users.end(), [&](const auto& u) { return u.id == id; });
    if (it == users.end() || !it->active)
      throw Error(Status::invalid_arg,
                  "user " + std::to_string(id) +
                      " does not exist or is inactive: the rule would "
                      "match nobody",
                  "用户 " + std::to_string(id) + " 不存在或已停用，该规则不会分配给任何人");
    r.user = id;
  } else {
    const std::string name = normalize_text(*department, TextMode::prose);
    if (!store::find_department(conn, name))
      throw Error(Status::invalid_arg, "no department \"" + quote_value(name) + "\"",
                  "部门“" + quote_value(name) + "”不存在");
    if (team_of(s, name, users).empty())
      throw Error(Status::invalid_arg,
                  "department " + name +
                      " has no active salesperson to take leads: the rule would match nobody",
                  "部门“" + name + "”没有可接收线索的在职销售，该规则不会分配给任何人");
    r.department = name;
  }
  store::WriteTransaction tx(conn);
  r.id = store::insert_lead_route(conn, r, s.db().now(), s.user_id());
  const std::string text =
      "position=" + std::to_string(r.position) + ";region=" + r.region + ";industry=" + r.industry +
      (r.user ? ";user=" + std::to_string(*r.user) : ";department=" + r.department.value_or(""));
  store::insert_config_history(conn, s.db().now(), s.user_id(),
                               "lead_route." + std::to_string(r.id), "", text);
  s.audit("config.lead_route", "lead_route:" + std::to_string(r.id), text);
  tx.commit();
  return r.id;
}

void remove_lead_route(Session& s, std::int64_t id) {
  s.authorize(Perm::config_manage);
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  if (!store::delete_lead_route(conn, id))
    throw Error(Status::not_found, "no assignment rule " + std::to_string(id),
                "分配规则 " + std::to_string(id) + " 不存在");
  store::insert_config_history(conn, s.db().now(), s.user_id(), "lead_route." + std::to_string(id),
                               "", "removed");
  s.audit("config.lead_route", "lead_route:" + std::to_string(id), "removed");
  tx.commit();
}

std::vector<Record> list_lead_routes(Session& s) {
  s.authorize(Perm::config_read);
  std::vector<Record> out;
  for (const auto& r : store::list_lead_routes(s.db().conn())) {
    Record rec;
    rec.append("id", r.id);
    rec.append("position", r.position);
    rec.append("region", r.region.empty() ? Value{} : Value{r.region});
    rec.append("industry", r.industry.empty() ? Value{} : Value{r.industry});
    rec.append("user", optional_value(r.user));
    rec.append("department", optional_value(r.department));
    rec.append("last_user", optional_value(r.last_user));
    out.push_back(std::move(rec));
  }
  return out;
}

void rescore_leads(Session& s) {
  auto& conn = s.db().conn();
  const std::int64_t half_life = half_life_ms(s);
  for (std::int64_t id : store::all_lead_ids(conn)) {
    auto l = store::load_lead(conn, id);
    RunningScore rs{0, l->captured_at};
    for (const auto& e : store::lead_events(conn, id, 0, 0, true))
      rs = add_points(rs, e.points, e.at, half_life);
    l->score = rs.value;
    l->scored_at = rs.at;
    store::update_lead(conn, *l);
  }
}

}  // namespace crm
