#include "domain/value.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

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

namespace {

void pack_item(std::string& out, char tag, std::string_view payload) {
  out += tag;
  out += std::to_string(payload.size());
  out += ':';
  out += payload;
}

// Reads "<tag><length>:<payload>" at `pos`; false when malformed.
bool unpack_item(std::string_view in, std::size_t& pos, char& tag, std::string_view& payload) {
  if (pos >= in.size()) return false;
  tag = in[pos++];
  std::size_t n = 0, digits = 0;
  while (pos < in.size() && in[pos] >= '0' && in[pos] <= '9' && digits < 10) {
    n = n * 10 + static_cast<std::size_t>(in[pos++] - '0');
    ++digits;
  }
  if (digits == 0 || pos >= in.size() || in[pos] != ':') return false;
  ++pos;
  if (in.size() - pos < n) return false;
  payload = in.substr(pos, n);
  pos += n;
  return true;
}

}  // namespace

std::string pack_record(const Record& r) {
  std::string out = "r1;";
  for (const auto& [name, v] : r.entries()) {
    pack_item(out, 'k', name);
    if (is_null(v)) {
      pack_item(out, 'N', "");
    } else if (is_int(v)) {
      pack_item(out, 'I', std::to_string(std::get<std::int64_t>(v)));
    } else if (is_real(v)) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(v));
      pack_item(out, 'R', buf);
    } else {
      pack_item(out, 'T', std::get<std::string>(v));
    }
  }
  return out;
}

std::optional<Record> unpack_record(std::string_view in) {
  if (in.substr(0, 3) != "r1;") return std::nullopt;
  Record r;
  std::size_t pos = 3;
  while (pos < in.size()) {
    char tag = 0, type = 0;
    std::string_view name, payload;
    if (!unpack_item(in, pos, tag, name) || tag != 'k') return std::nullopt;
    if (!unpack_item(in, pos, type, payload)) return std::nullopt;
    std::string text(payload);
    switch (type) {
      case 'N':
        r.append(name, Value{});
        break;
      case 'I': {
        char* end = nullptr;
        long long n = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0') return std::nullopt;
        r.append(name, std::int64_t{n});
        break;
      }
      case 'R': {
        char* end = nullptr;
        double d = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0') return std::nullopt;
        r.append(name, d);
        break;
      }
      case 'T':
        r.append(name, std::move(text));
        break;
      default:
        return std::nullopt;
    }
  }
  return r;
}

}  // namespace crm
