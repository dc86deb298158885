#include "service/duplicates.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "domain/custom_fields.hpp"
#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/match_keys.hpp"
#include "store/connection.hpp"
#include "store/customer_repo.hpp"
#include "store/match_key_repo.hpp"

namespace crm {
namespace {

// Blocks larger than this are chained (each member paired with the next)
// instead of paired all with all: a switchboard number shared by hundreds
// of customers still joins them into one group, in linear work.
constexpr std::size_t kMaxBlockPairs = 50;
// How many preceding distinct name keys each name key is compared with.
constexpr std::size_t kNameWindow = 3;
// How many name keys with a common prefix a single-record check reads.
constexpr int kPrefixLimit = 200;
constexpr std::int64_t kProgressEvery = 4096;
constexpr std::int64_t kDayMs = 86400000;

double checked_threshold(double t) {
  if (t == 0) return kDefaultDuplicateThreshold;
  if (!(t > 0 && t <= 1))
    throw Error(Status::invalid_arg, "threshold must be in (0, 1] (0 = the default 0.6)",
                "阈值须大于 0 且不大于 1（0 表示默认值 0.6）");
  return t;
}

[[noreturn]] void stopped() {
  throw Error(Status::state, "stopped by the progress callback", "已被进度回调中止");
}

// The first two code points of a key (all of it if shorter).
std::string_view prefix2(std::string_view key) {
  std::size_t n = 0;
  for (int cps = 0; n < key.size() && cps < 2; ++cps) {
    unsigned char c = static_cast<unsigned char>(key[n]);
    n += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  }
  return key.substr(0, std::min(n, key.size()));
}

// Who takes part: readable (with contact fields) and not archived.  Looked
// up once per customer, and only for customers that share a key.
class Eligibility {
 public:
  Eligibility(Session& s, unsigned needed) : conn_(s.db().conn()) {
    vis_ = s.visibility(Perm::customer_read, needed);
  }
  bool operator()(std::int64_t key) { return entry(key).ok; }
  const std::string& name(std::int64_t key) { return entry(key).name; }
  bool visible(std::int64_t key, std::int64_t owner) const {
    return vis_.all || std::binary_search(vis_.owners.begin(), vis_.owners.end(), owner) ||
           std::binary_search(vis_.granted.begin(), vis_.granted.end(), key);
  }

 private:
  struct Entry {
    bool ok = false;
    std::string name;
  };
  const Entry& entry(std::int64_t key) {
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    Entry e;
    if (auto b = store::customer_brief(conn_, key)) {
      e.ok = !b->archived && visible(key, b->owner);
      if (e.ok) e.name = std::move(b->name);
    }
    return cache_.emplace(key, std::move(e)).first->second;
  }
  store::Connection& conn_;
  Visibility vis_;
  std::unordered_map<std::int64_t, Entry> cache_;
};

using Pair = std::pair<std::int64_t, std::int64_t>;

// The pairs of one block.  A small block's pairs are taken as they are
// (who may take part is checked once for all candidates, in key order, after
// the scan); a large one is chained over its eligible members.
void add_pairs(std::vector<std::int64_t>& members, Eligibility& ok, std::vector<Pair>& out) {
  if (members.size() < 2) return;  // most keys: nothing to do
  if (members.size() <= kMaxBlockPairs) {
    for (std::size_t i = 0; i < members.size(); ++i)
      for (std::size_t j = i + 1; j < members.size(); ++j) out.emplace_back(members[i], members[j]);
    return;
  }
  members.erase(std::remove_if(members.begin(), members.end(), [&](auto k) { return !ok(k); }),
                members.end());
  for (std::size_t i = 0; i + 1 < members.size(); ++i) out.emplace_back(members[i], members[i + 1]);
}

struct NameBlock {
  std::string key;
  std::vector<std::int64_t> members;
};

// Union-find over customer keys.
class Groups {
 public:
  std::int64_t find(std::int64_t x) {
    auto it = parent_.find(x);
    if (it == parent_.end()) {
      parent_.emplace(x, x);
      return x;
    }
    if (it->second == x) return x;
    std::int64_t root = find(it->second);
    parent_[x] = root;
    return root;
  }
  void join(std::int64_t a, std::int64_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);  // the root is the smallest key
  }

 private:
  std::unordered_map<std::int64_t, std::int64_t> parent_;
};

std::string id_list(const std::vector<std::int64_t>& keys) {
  std::string out;
  for (auto k : keys) out += (out.empty() ? "" : ",") + store::human_id(k);
  return out;
}

std::vector<std::string> text_values(const Record& r, std::string_view name) {
  std::string t = r.text(name);
  return t.empty() ? std::vector<std::string>{} : std::vector<std::string>{t};
}

}  // namespace

DuplicateResult find_duplicates(Session& s, double threshold, const DuplicateProgress& progress) {
  threshold = checked_threshold(threshold);
  auto& conn = s.db().conn();
  store::ReadTransaction snapshot(conn);
  Eligibility ok(s, kGroupBasic | kGroupContact);

  // 1. Blocking: one pass over the keys in key order.
  const std::int64_t rows = store::count_blocking_keys(conn);
  std::int64_t done = 0;
  std::vector<Pair> candidates;
  std::string kind, key;
  std::vector<std::int64_t> members;
  std::deque<NameBlock> recent;  // the last kNameWindow name blocks
  auto flush = [&] {
    if (members.empty()) return;
    if (kind == "name") {
      std::string_view p = prefix2(key);
      for (const NameBlock& nb : recent) {
        if (prefix2(nb.key) != p ||
            best_score_with_similar_name(name_similarity(nb.key, key)) < threshold)
          continue;
        for (auto x : nb.members)
          for (auto y : members) candidates.emplace_back(std::min(x, y), std::max(x, y));
      }
      // Reuse the oldest block's storage: one allocation-free step per key.
      NameBlock nb;
      if (recent.size() == kNameWindow) {
        nb = std::move(recent.front());
        recent.pop_front();
      }
      nb.key.assign(key);
      nb.members.assign(members.begin(), members.end());
      recent.push_back(std::move(nb));
    }
    add_pairs(members, ok, candidates);
    members.clear();
  };
  store::scan_blocking_keys(conn, [&](std::string_view k, std::string_view v, std::int64_t c) {
    if (k != kind || v != key) {
      flush();
      if (k != kind) recent.clear();
      kind.assign(k);
      key.assign(v);
    }
    members.push_back(c);
    if (++done % kProgressEvery == 0 && progress && !progress(done, rows)) stopped();
    return true;
  });
  flush();
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  // Who may take part, and their keys, read in key order: neighbouring rows
  // share pages, where the order of the blocks would jump about the file.
  std::vector<std::int64_t> involved;
  involved.reserve(candidates.size() * 2);
  for (const auto& [a, b] : candidates) {
    involved.push_back(a);
    involved.push_back(b);
  }
  std::sort(involved.begin(), involved.end());
  involved.erase(std::unique(involved.begin(), involved.end()), involved.end());
  std::unordered_map<std::int64_t, MatchKeys> keys;
  for (auto c : involved)
    if (ok(c)) keys.emplace(c, store::load_match_keys(conn, c));
  candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                  [&](const Pair& p) { return !ok(p.first) || !ok(p.second); }),
                   candidates.end());

  // 2. Scoring each candidate pair once.
  const std::int64_t total = rows + static_cast<std::int64_t>(candidates.size());
  if (progress && !progress(done, total)) stopped();
  auto keys_of = [&](std::int64_t c) -> const MatchKeys& { return keys.at(c); };
  DuplicateResult result;
  Groups groups;
  for (const auto& [a, b] : candidates) {
    MatchScore m = score_match(keys_of(a), keys_of(b));
    if (m.score >= threshold) {
      DuplicatePair p;
      p.a = a;
      p.b = b;
      p.score = m.score;
      p.name_similarity = m.name_similarity;
      p.reasons = std::move(m.reasons);
      result.pairs.push_back(std::move(p));
      groups.join(a, b);
    }
    if (++done % kProgressEvery == 0 && progress && !progress(done, total)) stopped();
  }
  if (progress && !progress(total, total)) stopped();

  // 3. Groups, numbered in the order of their smallest keys.
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> by_root;
  for (const auto& p : result.pairs) {
    by_root[groups.find(p.a)].push_back(p.a);
    by_root[groups.find(p.b)].push_back(p.b);
  }
  std::vector<std::int64_t> roots;
  for (auto& [root, m] : by_root) {
    std::sort(m.begin(), m.end());
    m.erase(std::unique(m.begin(), m.end()), m.end());
    roots.push_back(root);
  }
  std::sort(roots.begin(), roots.end());
  std::unordered_map<std::int64_t, std::int64_t> number;
  for (auto root : roots) {
    number[root] = static_cast<std::int64_t>(result.groups.size()) + 1;
    result.groups.push_back(std::move(by_root[root]));
  }
  for (auto& p : result.pairs) {
    p.group = number[groups.find(p.a)];
    p.a_name = ok.name(p.a);
    p.b_name = ok.name(p.b);
  }
  std::sort(result.pairs.begin(), result.pairs.end(), [](const auto& x, const auto& y) {
    return std::tie(x.group, x.a, x.b) < std::tie(y.group, y.a, y.b);
  });
  return result;
}

std::vector<Record> duplicate_rows(const DuplicateResult& r) {
  std::vector<Record> rows;
  rows.reserve(r.pairs.size());
  for (const auto& p : r.pairs) {
    Record row;
    row.append("group", p.group);
    row.append("a", store::human_id(p.a));
    row.append("a_name", p.a_name);
    row.append("b", store::human_id(p.b));
    row.append("b_name", p.b_name);
    row.append("score", p.score);
    row.append("name_similarity", p.name_similarity);
    row.append("reasons", join_reasons(p.reasons));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Record> duplicates_of(Session& s, const Record& fields, double threshold) {
  threshold = checked_threshold(threshold);
  for (const auto& [name, value] : fields.entries()) {
    if (name != "name" && name != "phone" && name != "email" && name != "contact_name" &&
        name != "exclude")
      throw Error(Status::invalid_arg,
                  "unknown field \"" + name +
                      "\" (duplicates are looked up by name, phone, email and contact_name)",
                  "未知字段“" + name + "”（查重只使用 name、phone、email、contact_name）");
    if (!is_null(value) && !std::holds_alternative<std::string>(value))
      throw Error(Status::invalid_arg, "field \"" + name + "\" must be text",
                  "字段“" + name + "”须为文本");
  }
  std::int64_t exclude = 0;
  if (std::string ex = fields.text("exclude"); !ex.empty()) {
    auto k = store::parse_human_id(ex);
    if (!k)
      throw Error(Status::invalid_arg, "exclude must be a customer id such as C0001",
                  "exclude 须为客户编号（形如 C0001）");
    exclude = *k;
  }
  MatchKeys probe =
      make_match_keys(fields.text("name"), text_values(fields, "phone"),
                      text_values(fields, "email"), text_values(fields, "contact_name"));

  auto& conn = s.db().conn();
  store::ReadTransaction snapshot(conn);
  Eligibility ok(s, kGroupBasic | kGroupContact);
  std::vector<std::int64_t> candidates;
  auto take = [&](const char* kind, const std::string& k) {
    auto found = store::customers_with_key(conn, kind, k);
    candidates.insert(candidates.end(), found.begin(), found.end());
  };
  if (!probe.name.empty()) {
    take("name", probe.name);
    for (const auto& [k, c] :
         store::names_with_prefix(conn, std::string(prefix2(probe.name)), kPrefixLimit))
      if (best_score_with_similar_name(name_similarity(k, probe.name)) >= threshold)
        candidates.push_back(c);
  }
  for (const auto& p : probe.phones) take("phone", p);
  for (const auto& e : probe.emails) take("email", e);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  struct Hit {
    std::int64_t key;
    MatchScore m;
  };
  std::vector<Hit> hits;
  for (auto c : candidates) {
    if (c == exclude || !ok(c)) continue;
    MatchScore m = score_match(probe, store::load_match_keys(conn, c));
    if (m.score >= threshold) hits.push_back(Hit{c, std::move(m)});
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& x, const Hit& y) {
    return x.m.score != y.m.score ? x.m.score > y.m.score : x.key < y.key;
  });
  std::vector<Record> rows;
  for (const auto& h : hits) {
    Record row;
    row.append("customer", store::human_id(h.key));
    row.append("name", ok.name(h.key));
    row.append("score", h.m.score);
    row.append("name_similarity", h.m.name_similarity);
    row.append("reasons", join_reasons(h.m.reasons));
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

Record check_row(const char* check, const std::vector<std::int64_t>& customers) {
  Record r;
  r.append("check", std::string(check));
  r.append_null("field");
  r.append_null("group");
  r.append("count", static_cast<std::int64_t>(customers.size()));
  r.append("customers", id_list(customers));
  r.append_null("reasons");
  r.append_null("days");
  return r;
}

}  // namespace

std::vector<Record> cleansing_report(Session& s, int stale_days, double threshold,
                                     const DuplicateProgress& progress) {
  if (stale_days < 0 || stale_days > 3650)
    throw Error(Status::invalid_arg,
                "stale_days must be from 1 to 3650 (0 = the setting cleansing.stale_days)",
                "stale_days 须在 1 到 3650 之间（0 表示使用设置 cleansing.stale_days）");
  if (stale_days == 0) {
    auto n = parse_integer_text(s.db().setting("cleansing.stale_days"));
    stale_days = n && *n > 0 ? static_cast<int>(*n) : 90;
  }
  threshold = checked_threshold(threshold);
  std::vector<Record> rows;
  std::int64_t examined_count = 0;
  auto& conn = s.db().conn();
  {
    store::ReadTransaction snapshot(conn);
    DuplicateResult dup = find_duplicates(s, threshold, progress);

    // Required fields: the registry's (that a write can set) and the
    // active custom ones; recommended: how to reach and address the contact.
    std::vector<std::string> required, names;
    for (const FieldDef& f : *fields_of("customer"))
      if ((f.flags & kRequired) && !(f.flags & kReadOnly)) required.push_back(f.name);
    const std::vector<std::string> recommended = {"phone", "email", "contact_title"};
    names = required;
    names.insert(names.end(), recommended.begin(), recommended.end());
    struct CustomCheck {
      std::string name;
      std::vector<std::int64_t> holders;
    };
    std::vector<CustomCheck> custom;
    for (const auto& f : s.db().custom_fields().all())
      if (f.live && f.required && !f.retired)
        custom.push_back({f.qualified, store::customers_with_custom_value(conn, f.id)});

    Eligibility ok(s, kGroupBasic | kGroupContact);
    std::vector<std::int64_t> examined, unreachable, bad_phone, bad_email, stale;
    std::vector<std::vector<std::int64_t>> missing_required(required.size() + custom.size());
    std::vector<std::vector<std::int64_t>> missing_recommended(recommended.size());
    const std::int64_t cutoff = s.db().now() - static_cast<std::int64_t>(stale_days) * kDayMs;
    const std::int64_t total = store::count_live_customers(conn);
    std::int64_t done = 0;
    store::scan_cleansing_rows(conn, names, [&](const store::CleansingRow& r) {
      if (++done % kProgressEvery == 0 && progress && !progress(done, total)) stopped();
      if (!ok.visible(r.key, r.owner)) return true;
      examined.push_back(r.key);
      if (!r.reachable) unreachable.push_back(r.key);
      for (std::size_t i = 0; i < required.size(); ++i)
        if (r.fields[i].second.empty()) missing_required[i].push_back(r.key);
      for (std::size_t i = 0; i < custom.size(); ++i)
        if (!std::binary_search(custom[i].holders.begin(), custom[i].holders.end(), r.key))
          missing_required[required.size() + i].push_back(r.key);
      for (std::size_t i = 0; i < recommended.size(); ++i) {
        const std::string& v = r.fields[required.size() + i].second;
        if (v.empty()) missing_recommended[i].push_back(r.key);
        if (i == 0 && !v.empty() && phone_key(v).empty()) bad_phone.push_back(r.key);
        if (i == 1 && !v.empty() && email_key(v).empty()) bad_email.push_back(r.key);
      }
      if (r.updated_at < cutoff && (!r.last_followup_at || *r.last_followup_at < cutoff))
        stale.push_back(r.key);
      return true;
    });
    if (progress && !progress(total, total)) stopped();
    examined_count = static_cast<std::int64_t>(examined.size());

    Record head = check_row("examined", {});
    head.set("count", examined_count);
    head.set("customers", std::string());
    rows.push_back(std::move(head));
    std::vector<std::int64_t> all_members;
    for (std::size_t g = 0; g < dup.groups.size(); ++g) {
      Record r = check_row("duplicate_group", dup.groups[g]);
      r.set("group", static_cast<std::int64_t>(g + 1));
      std::vector<std::string> reasons;
      for (const auto& p : dup.pairs)
        if (p.group == static_cast<std::int64_t>(g + 1))
          for (const auto& why : p.reasons)
            if (std::find(reasons.begin(), reasons.end(), why) == reasons.end())
              reasons.push_back(why);
      r.set("reasons", join_reasons(reasons));
      rows.push_back(std::move(r));
      all_members.insert(all_members.end(), dup.groups[g].begin(), dup.groups[g].end());
    }
    std::sort(all_members.begin(), all_members.end());
    Record dups = check_row("duplicates", all_members);
    dups.set("count", static_cast<std::int64_t>(dup.groups.size()));
    rows.push_back(std::move(dups));
    rows.push_back(check_row("unreachable", unreachable));
    rows.push_back(check_row("invalid_phone", bad_phone));
    rows.push_back(check_row("invalid_email", bad_email));
    for (std::size_t i = 0; i < missing_required.size(); ++i) {
      if (missing_required[i].empty()) continue;
      Record r = check_row("missing_required", missing_required[i]);
      r.set("field", i < required.size() ? required[i] : custom[i - required.size()].name);
      rows.push_back(std::move(r));
    }
    for (std::size_t i = 0; i < recommended.size(); ++i) {
      if (missing_recommended[i].empty()) continue;
      Record r = check_row("missing_recommended", missing_recommended[i]);
      r.set("field", recommended[i]);
      rows.push_back(std::move(r));
    }
    Record st = check_row("stale", stale);
    st.set("days", static_cast<std::int64_t>(stale_days));
    rows.push_back(std::move(st));
  }
  store::WriteTransaction tx(conn);
  s.audit(
      "customer.cleansing_report", "customers",
      "examined " + std::to_string(examined_count) + "; stale_days " + std::to_string(stale_days));
  tx.commit();
  return rows;
}

}  // namespace crm
