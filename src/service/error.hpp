// Turning whatever was thrown into a crm::Error, at the edge of the library.
#pragma once

#include "domain/error.hpp"

namespace crm {

// Call from inside a catch (...) block: classifies the in-flight exception
// (crm::Error, SQLite::Exception, std::bad_alloc, anything else).
Error current_error();

}  // namespace crm
