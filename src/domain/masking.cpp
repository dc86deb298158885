#include "domain/masking.hpp"

#include "domain/phone.hpp"
#include "domain/utf8.hpp"

namespace crm {

namespace {

// The national digits of a Chinese E.164 number, without libphonenumber (a
// list page masks every row): mobiles (1 and ten more digits) and service
// numbers (400 and 800) as they are, landlines with their trunk 0.
std::string cn_national(std::string_view rest) {
  if (rest.size() == 11 && rest[0] == '1') return std::string(rest);
  if (rest.size() == 10 && (rest.substr(0, 3) == "400" || rest.substr(0, 3) == "800"))
    return std::string(rest);
  return "0" + std::string(rest);
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

}  // namespace

std::string mask_phone(std::string_view e164) {
  if (e164.empty()) return {};
  std::string digits;
  if (e164.substr(0, 3) == "+86" && all_digits(e164.substr(3))) {
    digits = cn_national(e164.substr(3));
  } else {
    for (char c : phone_display(e164))
      if ((c >= '0' && c <= '9') || (c == '+' && digits.empty())) digits += c;
  }
  if (digits.size() < 8) {
    std::string out(digits.size() > 2 ? digits.size() - 2 : 0, '*');
    return out + digits.substr(digits.size() > 2 ? digits.size() - 2 : 0);
  }
  return digits.substr(0, 3) + "****" + digits.substr(digits.size() - 4);
}

std::string mask_email(std::string_view email) {
  auto at = email.rfind('@');
  if (at == std::string_view::npos || at == 0) return mask_text(email);
  std::string_view local = email.substr(0, at);
  std::size_t first = utf8_length(local) > 0 ? utf8_prefix_bytes(local, 1) : 0;
  return std::string(local.substr(0, first)) + "***" + std::string(email.substr(at));
}

std::string mask_text(std::string_view text) {
  if (text.empty()) return {};
  return std::string(text.substr(0, utf8_prefix_bytes(text, 1))) + "**";
}

bool is_mask_of(std::string_view shown, std::string_view stored, char kind) {
  if (stored.empty() || shown.empty()) return false;
  switch (kind) {
    case 'p':
      return shown == mask_phone(stored);
    case 'e':
      return shown == mask_email(stored);
    default:
      return shown == mask_text(stored);
  }
}

}  // namespace crm
