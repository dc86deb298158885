#include "domain/email.hpp"

#include <cctype>
#include <cstring>

#include "domain/text.hpp"

namespace crm {
namespace {

bool is_atext(unsigned char c) {
  return std::isalnum(c) || std::strchr("!#$%&'*+/=?^_`{|}~-", c) != nullptr;
}

bool check_local(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(static_cast<unsigned char>(c))) {
      return false;
    }
    prev = c;
  }
  return true;
}

bool check_domain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t labels = 0;
  std::string_view last;
  while (true) {
    size_t dot = s.find('.');
    std::string_view label = s.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  if (labels < 2 || last.size() < 2) return false;
  for (char c : last)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

bool check_email(std::string_view input, std::string& out) {
  if (input.size() > 254) return false;
  size_t at = input.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string_view local = input.substr(0, at);
  std::string_view domain = input.substr(at + 1);
  if (!check_local(local) || !check_domain(domain)) return false;
  out.assign(local);
  out += '@';
  out += ascii_lower(domain);
  return true;
}

}  // namespace crm
