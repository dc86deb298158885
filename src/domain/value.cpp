#include "domain/value.hpp"

#include <algorithm>

namespace crm {

void Record::set(std::string_view name, Value v) {
  for (auto& e : entries_) {
    if (e.first == name) {
      e.second = std::move(v);
      return;
    }
  }
  entries_.emplace_back(std::string(name), std::move(v));
}

bool Record::unset(std::string_view name) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.first == name; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

const Value* Record::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.first == name) return &e.second;
  return nullptr;
}

std::string Record::text(std::string_view name) const {
  const Value* v = find(name);
  if (v && is_text(*v)) return std::get<std::string>(*v);
  return {};
}

}  // namespace crm
