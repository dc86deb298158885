// Masking of personal information (个人信息脱敏, R3.6, PIPL): what a read
// shows of a contact detail unless the reader unmasks it.  Pure.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// A stored E.164 phone as its national digits with the middle hidden:
// +8613812345678 → 138****5678, +861012345678 → 010****5678,
// +864008108888 → 400****8888; a foreign number keeps its '+' and country
// code in the first three characters.  Short numbers keep their last two.
std::string mask_phone(std::string_view e164);

// wang.jianguo@hengda.com → w***@hengda.com.
std::string mask_email(std::string_view email);

// Any other personal text: its first character and two asterisks
// (王建国 → 王**); empty stays empty.
std::string mask_text(std::string_view text);

// Whether `shown` is what mask_phone / mask_email / mask_text make of
// `stored`: a record read back masked and written unchanged must not
// overwrite the real value.
bool is_mask_of(std::string_view shown, std::string_view stored, char kind);

}  // namespace crm
