// JSON output of records (export, the C ABI's crm_record_to_json).
#pragma once

#include <string>
#include <string_view>

#include "domain/value.hpp"

namespace crm {

// Appends `s` as a JSON string literal (UTF-8 kept as is, control characters
// escaped).
void json_append_string(std::string& out, std::string_view s);

// {"name": value, …} in the record's order; reals are written with 17
// significant digits (so they round-trip), non-finite reals become null.
// JSON is UTF-8: a text value that is not throws Status::invalid_arg naming
// the field (a record built by a host may hold any bytes until validated).
std::string record_to_json(const Record& r);

}  // namespace crm
