// The customer lifecycle (客户类型, R1.3): 潜在 prospect → 意向 intent → 成交 won
// → 流失 churned.
#pragma once

#include <string_view>

namespace crm {

// Allowed steps, and why:
//  - prospect → intent: the need is confirmed (the normal path);
//  - prospect → won: a prospect may buy at once (e.g. a small repeat order);
//  - prospect → churned, intent → churned: the prospect is lost;
//  - intent → won: the order is signed;
//  - won → churned: the customer stopped buying;
//  - churned → intent: win-back (a lost customer shows interest again) —
//    re-entering as intent rather than won forces a fresh sale to be recorded.
// Everything else (e.g. won → prospect, intent → prospect, churned → won) is
// refused: a lifecycle never goes backwards without passing through a real
// event, so reports on conversion stay honest.  A step to the same type is no
// step and is refused too.
bool lifecycle_step_allowed(std::string_view from, std::string_view to);

}  // namespace crm
