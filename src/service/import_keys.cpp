#include "service/import_keys.hpp"

#include "domain/customer_rules.hpp"
#include "service/db.hpp"
#include "store/customer_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {

std::optional<std::int64_t> find_customer_by_key(Session& s, const std::string& key,
                                                 const std::string& text) {
  if (key == "id") {
    auto k = store::parse_human_id(text);
    if (!k || !store::customer_owner(s.db().conn(), *k)) return std::nullopt;
    return k;
  }
  Record one;
  one.set(key, text);
  Normalized n =
      normalize_fields("customer", one, nullptr, s.db().dictionaries(), &s.db().custom_fields());
  if (!n.errors.empty()) throw_validation(std::move(n.errors));
  const std::string v = n.values.text(key);
  if (v.empty()) return std::nullopt;
  return store::find_customer_by(s.db().conn(), key, v);
}

UserLookup::UserLookup(Session& s, bool include_inactive) {
  for (const auto& u : store::list_users(s.db().conn())) {
    if (!u.active && !include_inactive) continue;
    by_text_[std::to_string(u.id)] = u.id;
    by_text_[u.login] = u.id;
    auto [it, fresh] = by_text_.emplace(u.name, u.id);
    if (!fresh && it->second != u.id) it->second = 0;  // two users share the name
  }
}

std::optional<std::int64_t> UserLookup::find(const std::string& text) const {
  auto it = by_text_.find(text);
  if (it == by_text_.end() || it->second == 0) return std::nullopt;
  return it->second;
}

}  // namespace crm
