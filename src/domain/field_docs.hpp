// The field reference (docs/fields.md) rendered from the registry, so the
// documentation cannot drift from the code.
#pragma once

#include <string>

namespace crm {

std::string render_field_reference();

}  // namespace crm
