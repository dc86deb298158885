#include "domain/lifecycle.hpp"

namespace crm {

bool lifecycle_step_allowed(std::string_view from, std::string_view to) {
  struct Step {
    std::string_view from, to;
  };
  static constexpr Step kSteps[] = {
      {"prospect", "intent"}, {"prospect", "won"}, {"prospect", "churned"}, {"intent", "won"},
      {"intent", "churned"},  {"won", "churned"},  {"churned", "intent"},
  };
  for (const auto& s : kSteps)
    if (s.from == from && s.to == to) return true;
  return false;
}

}  // namespace crm
