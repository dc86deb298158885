#include "service/merge.hpp"

#include <algorithm>
#include <map>

#include "domain/custom_fields.hpp"
#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "service/customers.hpp"
#include "service/scheduler.hpp"
#include "service/tiers.hpp"
#include "store/customer_repo.hpp"
#include "store/match_key_repo.hpp"
#include "store/merge_repo.hpp"
#include "store/schedule_repo.hpp"
#include "store/search_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

// The built-in fields a merge chooses, with their column.
struct Choosable {
  const char* field;
  const char* column;
};
const Choosable kChoosable[] = {
    {"name", "name"},         {"industry", "industry"}, {"scale", "scale"},
    {"type", "type"},         {"source", "source"},     {"key_needs", "key_needs"},
    {"priority", "priority"}, {"owner", "owner_id"},    {"entry_date", "entry_date"},
};

// Fields that mirror the primary contact.
const char* const kContactMirror[] = {"contact_name", "phone", "email", "contact_title"};

// Row columns that say when and by whom, not what: never reported as
// changes of their own.
bool bookkeeping(const std::string& column) {
  return column == "version" || column == "updated_at" || column == "updated_by";
}

enum class Side { survivor, merged };

const Value* find_value(const std::vector<std::pair<std::string, Value>>& cols,
                        std::string_view name) {
  for (const auto& [n, v] : cols)
    if (n == name) return &v;
  return nullptr;
}

const Value* find_custom(const std::vector<std::pair<std::int64_t, Value>>& values,
                         std::int64_t field) {
  for (const auto& [f, v] : values)
    if (f == field) return &v;
  return nullptr;
}

bool empty_value(const Value* v) {
  return !v || is_null(*v) || (is_text(*v) && std::get<std::string>(*v).empty());
}

std::optional<std::string> history_text(const Value* v) {
  if (!v || is_null(*v)) return std::nullopt;
  if (is_int(*v)) return std::to_string(std::get<std::int64_t>(*v));
  if (is_real(*v)) return std::to_string(std::get<double>(*v));
  return std::get<std::string>(*v);
}

const CustomField* custom_by_id(Session& s, std::int64_t id) {
  for (const auto& f : s.db().custom_fields().all())
    if (f.id == id) return &f;
  return nullptr;
}

std::string custom_name(Session& s, std::int64_t id) {
  const CustomField* f = custom_by_id(s, id);
  return f ? f->qualified : "custom#" + std::to_string(id);
}

Error bad_choice(const std::string& field, const std::string& code, const std::string& en,
                 const std::string& zh) {
  return Error(Status::invalid_arg, en, zh, {FieldError{field, code, en, zh, ""}});
}

// The caller's choices, checked: field → side.
std::map<std::string, Side> read_choices(Session& s, const Record& choices) {
  std::map<std::string, Side> out;
  for (const auto& [name, value] : choices.entries()) {
    const std::string shown = quote_value(name);
    bool known = name == "primary_contact";
    for (const auto& c : kChoosable) known = known || name == c.field;
    if (!known && is_custom_name(name)) {
      const CustomField* cf = s.db().custom_fields().find(name);
      known = cf && cf->live;
    }
    if (!known) {
      for (const char* m : kContactMirror)
        if (name == m)
          throw bad_choice(
              name, "follows_primary_contact",
              "field \"" + shown + "\" follows the primary contact: choose primary_contact instead",
              "字段“" + shown + "”随主联系人而定：请改为选择 primary_contact");
      if (find_field("customer", name))
        throw bad_choice(name, "read_only",
                         "field \"" + shown + "\" is set by the library and cannot be chosen",
                         "字段“" + shown + "”由系统维护，不能选择");
      throw bad_choice(name, "unknown_field", "unknown field \"" + shown + "\" in the choices",
                       "合并选择中有未知字段“" + shown + "”");
    }
    const std::string side = is_text(value) ? std::get<std::string>(value) : std::string();
    if (side == "survivor" || side == "保留")
      out[name] = Side::survivor;
    else if (side == "merged" || side == "合并")
      out[name] = Side::merged;
    else
      throw bad_choice(name, "unknown_side",
                       "choice for \"" + shown + "\" must be \"survivor\" or \"merged\"",
                       "字段“" + shown + "”的选择须为 survivor（保留）或 merged（合并）");
  }
  return out;
}

Error merged_already(std::int64_t key, std::int64_t into) {
  const std::string id = store::human_id(key), to = store::human_id(into);
  return Error(Status::state, "customer " + id + " was already merged into " + to,
               "客户 " + id + " 已合并到 " + to);
}

void check_mergeable(Session& s, std::int64_t key) {
  auto& conn = s.db().conn();
  if (auto into = store::merged_into(conn, key)) throw merged_already(key, *into);
  auto row = store::load_customer(conn, key);
  if (row && std::get<std::int64_t>(*row->find("archived")) != 0) {
    const std::string id = store::human_id(key);
    throw Error(Status::state, "customer " + id + " is archived and cannot be merged",
                "客户 " + id + " 已归档，不能合并");
  }
}

// The customer's reminder timers as `state` has them (the scheduler's count
// kept through arm/drop).
void restore_timers(Session& s, std::int64_t key, const store::CustomerState& state) {
  auto& conn = s.db().conn();
  for (const auto& kind : store::customer_timer_kinds()) store::drop_timer(conn, kind, key);
  for (const auto& t : state.timers) store::arm_timer(conn, t);
}

// What differs between the state after the merge and now, as names.
std::vector<std::string> differences(Session& s, const store::CustomerState& then,
                                     const store::CustomerState& now) {
  std::vector<std::string> out;
  for (const auto& [name, value] : then.columns) {
    if (bookkeeping(name)) continue;
    const Value* cur = find_value(now.columns, name);
    if (!cur || *cur != value) out.push_back(name == "owner_id" ? "owner" : name);
  }
  std::vector<std::int64_t> fields;
  for (const auto& [f, v] : then.custom) fields.push_back(f);
  for (const auto& [f, v] : now.custom) fields.push_back(f);
  std::sort(fields.begin(), fields.end());
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  for (std::int64_t f : fields) {
    const Value* a = find_custom(then.custom, f);
    const Value* b = find_custom(now.custom, f);
    if (!a || !b || *a != *b) out.push_back(custom_name(s, f));
  }
  if (then.tags != now.tags) out.push_back("tags");
  if (then.primary_contact != now.primary_contact) out.push_back("primary_contact");
  return out;
}

std::string joined(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

Error no_merge(std::int64_t id) {
  return Error(Status::not_found, "no merge " + std::to_string(id),
               "合并记录 " + std::to_string(id) + " 不存在");
}

}  // namespace

void customer_rows_changed(Session& s, std::int64_t key) {
  // Derived per-customer data (the name search index; duplicate-match
  // keys) is refreshed here.  A merged customer keeps its index row, which
  // searches skip (merged_into), so an unmerge needs nothing more.
  store::refresh_customer_search(s.db().conn(), key);
  store::refresh_match_keys(s.db().conn(), key);
}

MergeOutcome merge_customers(Session& s, std::int64_t survivor, std::int64_t merged,
                             const Record& choices, std::optional<std::string> reason) {
  reason = checked_reason(reason);
  if (survivor == merged) {
    const std::string id = store::human_id(survivor);
    throw Error(Status::invalid_arg, "cannot merge customer " + id + " with itself",
                "不能将客户 " + id + " 与自身合并");
  }
  // Everything is read inside the write transaction: what is checked is
  // what is merged.
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  Record surv = load_customer_or_throw(s, survivor, Perm::customer_update);
  load_customer_or_throw(s, merged, Perm::customer_archive);
  check_mergeable(s, survivor);
  check_mergeable(s, merged);
  const std::map<std::string, Side> chosen = read_choices(s, choices);
  if (std::int64_t n = store::pending_reviews(conn, merged); n > 0) {
    const std::string id = store::human_id(merged);
    throw Error(Status::conflict,
                "customer " + id + " has " + std::to_string(n) +
                    " change(s) waiting for review; decide them before merging",
                "客户 " + id + " 有 " + std::to_string(n) + " 项变更待审核，请先处理再合并");
  }

  const store::CustomerState before_s = store::read_customer_state(conn, survivor);
  const store::CustomerState before_m = store::read_customer_state(conn, merged);
  auto side_of = [&](const std::string& field, const Value* mine) {
    auto it = chosen.find(field);
    if (it != chosen.end()) return it->second;
    return empty_value(mine) ? Side::merged : Side::survivor;
  };

  // The survivor's new row values, field by field.
  std::vector<std::pair<std::string, Value>> columns;
  std::vector<std::string> decisions, from_merged;
  std::vector<std::pair<std::string, std::pair<const Value*, const Value*>>> changed;
  for (const auto& c : kChoosable) {
    const Value* mine = find_value(before_s.columns, c.column);
    const Value* theirs = find_value(before_m.columns, c.column);
    Side side = side_of(c.field, mine);
    if (side == Side::merged && empty_value(theirs)) side = Side::survivor;
    decisions.push_back(std::string(c.field) + (side == Side::merged ? "=merged" : "=survivor"));
    if (side == Side::survivor) continue;
    from_merged.push_back(c.field);
    if (mine && theirs && *mine == *theirs) continue;
    columns.emplace_back(c.column, *theirs);
    changed.push_back({c.field, {mine, theirs}});
  }
  // The owner changes hands only as a transfer may (R3.1).
  if (const Value* o = find_value(columns, "owner_id")) {
    const std::int64_t to = std::get<std::int64_t>(*o);
    auto u = store::find_user(conn, to);
    if (!u || !u->active)
      throw Error(Status::state,
                  "the merged customer's owner " + std::to_string(to) + " is not an active user",
                  "被合并客户的负责人 " + std::to_string(to) + " 不是有效用户");
    s.authorize(Perm::customer_transfer,
                CustomerRef{survivor, std::get<std::int64_t>(*surv.find("owner"))});
    s.authorize_for(Perm::customer_transfer, to);
  }
  // The primary contact, and the row's mirror of it.
  auto pc = chosen.find("primary_contact");
  const bool their_contact =
      pc != chosen.end() && pc->second == Side::merged && before_m.primary_contact != 0;
  decisions.push_back(std::string("primary_contact=") + (their_contact ? "merged" : "survivor"));
  if (their_contact) {
    from_merged.push_back("primary_contact");
    for (const char* m : kContactMirror) {
      const Value* mine = find_value(before_s.columns, m);
      const Value* theirs = find_value(before_m.columns, m);
      if (mine && theirs && *mine == *theirs) continue;
      changed.push_back({m, {mine, theirs}});
    }
  }
  // The latest follow-up of either (the records move to the survivor).
  auto last_at = [](const store::CustomerState& st) {
    const Value* v = find_value(st.columns, "last_followup_at");
    return v && is_int(*v) ? std::get<std::int64_t>(*v) : std::int64_t{-1};
  };
  if (last_at(before_m) > last_at(before_s))
    for (const char* col : {"last_followup_at", "next_step"})
      if (const Value* v = find_value(before_m.columns, col)) columns.emplace_back(col, *v);
  // Custom values.
  std::vector<std::pair<std::int64_t, Value>> custom;
  std::vector<std::int64_t> ids;
  for (const auto& [f, v] : before_s.custom) ids.push_back(f);
  for (const auto& [f, v] : before_m.custom) ids.push_back(f);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::pair<std::string, std::pair<const Value*, const Value*>>> custom_changed;
  for (std::int64_t f : ids) {
    const std::string name = custom_name(s, f);
    const Value* mine = find_custom(before_s.custom, f);
    const Value* theirs = find_custom(before_m.custom, f);
    Side side = side_of(name, mine);
    if (side == Side::merged && !theirs) side = Side::survivor;
    decisions.push_back(name + (side == Side::merged ? "=merged" : "=survivor"));
    const Value* kept = side == Side::merged ? theirs : mine;
    if (kept) custom.emplace_back(f, *kept);
    if (side == Side::merged) {
      from_merged.push_back(name);
      if (!(mine && *mine == *theirs)) custom_changed.push_back({name, {mine, theirs}});
    }
  }

  const std::int64_t now = s.db().now();
  const std::string sid = store::human_id(survivor), mid = store::human_id(merged);
  store::MergeRow row;
  row.survivor = survivor;
  row.merged = merged;
  row.merged_at = now;
  row.merged_by = s.user_id();
  row.choices = joined(decisions, ",");
  row.reason = reason;
  const std::int64_t id = store::insert_merge(conn, row);
  const std::string label = "merge " + std::to_string(id);
  store::save_state(conn, id, survivor, "before", before_s);
  store::save_state(conn, id, merged, "before", before_m);

  // Children move; the survivor's row takes its chosen values.
  std::vector<store::MovedRow> moved = store::move_children(conn, merged, survivor);
  store::save_moves(conn, id, moved);
  if (their_contact) {
    store::make_primary_contact(conn, survivor, before_m.primary_contact);
    store::mirror_primary_contact(conn, survivor);
  }
  store::set_customer_columns(conn, survivor, columns, now, s.user_id());
  store::replace_custom_values(conn, survivor, custom);
  store::add_tags(conn, survivor, before_m.tags);
  // Its follow-ups now include the merged customer's: the next due date and
  // its cadence reminder follow the later contact.
  refresh_next_due(s, survivor);
  // The merged customer: archived, pointing at the survivor, due for nothing.
  store::clear_tags(conn, merged);
  store::set_customer_columns(conn, merged,
                              {{"archived", Value{std::int64_t{1}}},
                               {"merged_into", Value{survivor}},
                               {"next_due_date", Value{}}},
                              now, s.user_id());
  unschedule_customer(s, merged);

  const std::optional<std::string> why = reason ? std::optional<std::string>(label + ": " + *reason)
                                                : std::optional<std::string>(label);
  record_history(s, survivor, now, "merge", std::string("merged_from"), std::nullopt, mid, why);
  for (const auto& [field, values] : changed)
    record_history(s, survivor, now, "merge", field, history_text(values.first),
                   history_text(values.second), why);
  for (const auto& [field, values] : custom_changed)
    record_history(s, survivor, now, "merge", field, history_text(values.first),
                   history_text(values.second), why);
  if (!before_m.tags.empty())
    record_history(s, survivor, now, "merge", std::string("tags"), std::nullopt,
                   std::to_string(before_m.tags.size()) + " tag(s) of " + mid, why);
  record_history(s, merged, now, "merge", std::string("merged_into"), std::nullopt, sid, why);
  s.audit("customer.merge", sid,
          "absorbed " + mid + " (" + label + "); from " + mid + ": " + joined(from_merged, ",") +
              "; moved " + std::to_string(moved.size()) + (reason ? "; " + *reason : ""));
  s.audit("customer.merge", mid, "merged into " + sid + " (" + label + ")");
  customer_rows_changed(s, survivor);
  customer_rows_changed(s, merged);
  store::save_state(conn, id, survivor, "after", store::read_customer_state(conn, survivor));
  store::save_state(conn, id, merged, "after", store::read_customer_state(conn, merged));
  tx.commit();

  MergeOutcome out;
  out.merge = id;
  out.from_merged = std::move(from_merged);
  out.moved = static_cast<std::int64_t>(moved.size());
  return out;
}

UnmergeOutcome unmerge_customers(Session& s, std::int64_t merge, bool force,
                                 std::optional<std::string> reason) {
  reason = checked_reason(reason);
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  auto m = store::load_merge(conn, merge);
  if (!m) throw no_merge(merge);
  const std::string sid = store::human_id(m->survivor), mid = store::human_id(m->merged);
  load_customer_or_throw(s, m->survivor, Perm::customer_update);
  load_customer_or_throw(s, m->merged, Perm::customer_archive);
  if (m->undone_at)
    throw Error(Status::state, "merge " + std::to_string(merge) + " was undone already",
                "合并记录 " + std::to_string(merge) + " 已撤销");
  if (auto into = store::merged_into(conn, m->survivor))
    throw Error(Status::state,
                "customer " + sid + " was merged into " + store::human_id(*into) +
                    " later; undo that merge first",
                "客户 " + sid + " 之后又合并到 " + store::human_id(*into) + "，请先撤销那次合并");

  // What changed since the merge.
  const store::CustomerState now_s = store::read_customer_state(conn, m->survivor);
  const store::CustomerState now_m = store::read_customer_state(conn, m->merged);
  // An erasure (R3.6) removed what the merge kept; nothing may bring it back.
  for (const auto* st : {&now_s, &now_m}) {
    const Value* erased = find_value(st->columns, "erased_at");
    if (erased && !is_null(*erased)) {
      const std::string who = st == &now_s ? sid : mid;
      throw Error(
          Status::state,
          "customer " + who + "'s personal data was erased; merge " + std::to_string(merge) +
              " cannot be undone",
          "客户 " + who + " 的个人信息已删除，合并记录 " + std::to_string(merge) + " 不能撤销");
    }
  }
  const std::vector<store::MovedRow> moves = store::load_moves(conn, merge);
  std::vector<std::string> changes;
  std::vector<FieldError> details;
  auto note = [&](const std::string& who, const std::vector<std::string>& what) {
    for (const auto& w : what) {
      changes.push_back(who + "." + w);
      details.push_back(FieldError{who + "." + w, "changed_since_merge",
                                   w + " of " + who + " changed after the merge",
                                   who + " 的 " + w + " 在合并后有变更", ""});
    }
  };
  note(sid, differences(s, store::load_state(conn, merge, m->survivor, "after"), now_s));
  note(mid, differences(s, store::load_state(conn, merge, m->merged, "after"), now_m));
  for (const auto& c : store::changed_moves(conn, moves, m->survivor, m->merged_at)) {
    changes.push_back(c);
    details.push_back(FieldError{c, "changed_since_merge", c + " changed after the merge",
                                 c + " 在合并后有变更", ""});
  }
  if (!changes.empty() && !force)
    throw Error(Status::conflict,
                "merge " + std::to_string(merge) + " cannot be undone safely: changed since: " +
                    joined(changes) + " (undo with force to overwrite them)",
                "合并记录 " + std::to_string(merge) + " 之后已有变更：" + joined(changes, "、") +
                    "（如需覆盖请使用强制撤销）",
                std::move(details));

  const std::int64_t now = s.db().now();
  const std::string label = "unmerge " + std::to_string(merge);
  const store::CustomerState before_s = store::load_state(conn, merge, m->survivor, "before");
  const store::CustomerState before_m = store::load_state(conn, merge, m->merged, "before");
  store::move_back(conn, moves, m->merged);
  store::write_customer_state(conn, m->merged, before_m, now, s.user_id());
  store::write_customer_state(conn, m->survivor, before_s, now, s.user_id());
  // Contacts are the truth the rows mirror (they differ only when forced).
  store::mirror_primary_contact(conn, m->merged);
  store::mirror_primary_contact(conn, m->survivor);
  // The merged customer's reminders as they were; the survivor's cadence
  // reminder follows its restored tier and last contact.
  restore_timers(s, m->merged, before_m);
  refresh_next_due(s, m->survivor);
  store::mark_merge_undone(conn, merge, now, s.user_id(), reason);

  const std::optional<std::string> why = reason ? std::optional<std::string>(label + ": " + *reason)
                                                : std::optional<std::string>(label);
  for (const auto& [name, value] : before_s.columns) {
    if (bookkeeping(name)) continue;
    const Value* cur = find_value(now_s.columns, name);
    if (cur && *cur == value) continue;
    record_history(s, m->survivor, now, "unmerge", name == "owner_id" ? "owner" : name,
                   history_text(cur), history_text(&value), why);
  }
  record_history(s, m->survivor, now, "unmerge", std::string("merged_from"), mid, std::nullopt,
                 why);
  record_history(s, m->merged, now, "unmerge", std::string("merged_into"), sid, std::nullopt, why);
  const std::string over = changes.empty() ? "" : "; overwrote " + joined(changes, ",");
  s.audit("customer.unmerge", sid,
          "released " + mid + " (" + label + "); moved back " + std::to_string(moves.size()) +
              over + (reason ? "; " + *reason : ""));
  s.audit("customer.unmerge", mid, "restored from " + sid + " (" + label + ")");
  customer_rows_changed(s, m->survivor);
  customer_rows_changed(s, m->merged);
  tx.commit();

  UnmergeOutcome out;
  out.merge = merge;
  out.restored = static_cast<std::int64_t>(moves.size());
  out.overwritten = std::move(changes);
  return out;
}

std::vector<Record> list_merges(Session& s, const std::string& customer, std::int64_t after_id,
                                int limit) {
  if (limit < 0 || limit > 1000)
    throw Error(Status::invalid_arg, "limit must be between 1 and 1000 (0 = 100)",
                "条数须在 1 到 1000 之间（0 表示 100）");
  if (after_id < 0)
    throw Error(Status::invalid_arg, "after_id must not be negative", "after_id 不能为负");
  store::ReadTransaction snapshot(s.db().conn());
  auto& conn = s.db().conn();
  std::int64_t key = 0;
  if (!customer.empty()) {
    key = customer_key(s, customer);
    require_customer(s, key, Perm::customer_read);
  }
  const int want = limit == 0 ? 100 : limit;
  std::vector<Record> out;
  std::int64_t after = after_id;
  // Rows the user may not read are skipped; read on until the page is full.
  while (static_cast<int>(out.size()) < want) {
    auto rows = store::list_merges(conn, key, after, want);
    if (rows.empty()) break;
    for (const auto& m : rows) {
      after = m.id;
      auto visible = [&](std::int64_t k) {
        auto owner = store::customer_owner(conn, k);
        return owner && s.may(Perm::customer_read, CustomerRef{k, *owner});
      };
      if (!visible(m.survivor) && !visible(m.merged)) continue;
      Record r;
      r.append("id", m.id);
      r.append("survivor", store::human_id(m.survivor));
      r.append("merged", store::human_id(m.merged));
      r.append("merged_at", m.merged_at);
      r.append("merged_by", m.merged_by);
      r.append("choices", m.choices);
      r.append("reason", m.reason ? Value{*m.reason} : Value{});
      r.append("moved", m.moved);
      r.append("undone", std::int64_t{m.undone_at ? 1 : 0});
      r.append("undone_at", m.undone_at ? Value{*m.undone_at} : Value{});
      r.append("undone_by", m.undone_by ? Value{*m.undone_by} : Value{});
      r.append("undo_note", m.undo_note ? Value{*m.undo_note} : Value{});
      out.push_back(std::move(r));
      if (static_cast<int>(out.size()) == want) break;
    }
  }
  return out;
}

}  // namespace crm
