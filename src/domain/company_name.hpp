// The customer's full legal name (客户全称) must be the name on the business
// licence, not an abbreviation or a placeholder (seed 000: "禁止使用简称、缩写或
// 模糊描述"; "某科技公司" is the manual's own example of what to refuse).
#pragma once

#include <string>
#include <string_view>

namespace crm {

// Returns "" for an acceptable name, otherwise a field error code:
//  - "too_short": fewer than 4 characters (e.g. "华为", an abbreviation);
//  - "vague_name": a placeholder (某, XX, ××, *, ?, 未知, 待定) or nothing but a
//    region, generic industry words and a legal suffix, i.e. no trade name
//    (字号): "有限公司", "科技有限公司", "北京市贸易有限公司".
// Precondition: `name` is normalised text (TextMode::prose).
std::string check_company_name(std::string_view name);

}  // namespace crm
