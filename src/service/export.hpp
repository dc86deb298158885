// Export of customers (R3.6, R9.1): JSON Lines, one customer per line, or
// CSV with the columns an import reads, of what the user may export — customer.export on each
// customer — filtered like a list.  Personal values are masked unless the caller asks for them in
// clear and may unmask the customer (customer.unmask); each export is audited with its row count
// (alert kind "export", so that a sales account exporting more than "alert.export_rows_per_hour"
// rows in an hour alerts the administrators, R3.5), and an export in clear also as an unmask of
// that many customers.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "service/csv_io.hpp"
#include "service/customers.hpp"

namespace crm {

// Receives the output in chunks (whole lines); returning false stops the
// export (what was written so far is audited).
using ExportSink = std::function<bool(std::string_view chunk)>;

struct ExportReport {
  std::int64_t rows = 0;      // lines written
  std::int64_t unmasked = 0;  // of which in clear
  std::int64_t skipped = 0;   // visible but not exportable by the user
  bool stopped = false;       // the sink asked to stop
};

// `q`'s filters and order apply; its page_size and after are ignored (the
// export walks every page).
ExportReport export_customers(Session& s, const CustomerQuery& q, bool in_clear,
                              const ExportSink& sink);

struct CsvExportOptions {
  CsvEncoding encoding = CsvEncoding::utf8;
  bool zh = true;    // Chinese headers (labels); false: field names
  bool bom = false;  // a UTF-8 byte-order mark first (what Excel needs to see UTF-8)
};

// The same as CSV (RFC 4180, CRLF): a header row, then one row per customer
// with the columns customer_csv_headers gives and the customer id first —
// what import_customers reads back, so that an export in clear imports
// again unchanged (key "id" or "external_id").  The owner is written as a
// login, tags as "类别:标签" separated by ";".
ExportReport export_customers_csv(Session& s, const CustomerQuery& q, bool in_clear,
                                  const CsvExportOptions& o, const ExportSink& sink);

}  // namespace crm
