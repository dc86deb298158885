// Bringing customers in (R9.1): a CSV file from a spreadsheet or another
// system, streamed, every row validated exactly as an interactive create or
// update, good rows committed in batches, bad rows written to an error file
// that can be fixed and imported again.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "service/csv_io.hpp"
#include "service/rows_report.hpp"
#include "service/session.hpp"

namespace crm {

enum class ImportMode {
  dry_run,  // validate every row as an insert/update would, write nothing
  insert,   // new customers only; rows whose key matches one are not written
  update,   // existing customers only, found by the key
  upsert,   // update when the key matches, insert otherwise
};

// "dry_run", "insert", "update", "upsert"; nullopt otherwise.
std::optional<ImportMode> parse_import_mode(std::string_view s);

// Return false to stop after the batch in hand is committed.
using ImportProgress = std::function<bool(std::int64_t done, std::int64_t total)>;

struct ImportOptions {
  ImportMode mode = ImportMode::insert;
  // How a row finds the customer it is about: "external_id", "id" (C0001),
  // "phone", "email" (both normalised first) or "name" (the full legal
  // name as normalised).  "auto": the first of external_id, phone, email,
  // name that is a column of the file.
  std::string key = "auto";
  std::optional<CsvEncoding> encoding;  // nullopt: detected
  // Header → field name ("name", "custom.budget", "tags", "id"); an empty
  // field name skips the column.  Headers not listed are resolved by field
  // name, Chinese or English label.
  std::vector<std::pair<std::string, std::string>> mapping;
  // Where rejected rows go (created when the first one is met); "" = no file.
  std::string error_path;
  int batch_rows = 1000;  // rows per transaction, 1..100000
  // A new row that looks like a customer already there — duplicates_of
  // finds one with the same name key, phone or e-mail (a merely similar
  // name is left to the cleansing report) — is not inserted but counted as
  // a duplicate and explained in the error file, unless this is true.
  bool insert_duplicates = false;
  ImportProgress progress;
  std::size_t max_record_bytes = 1 << 20;
};

struct ImportReport : RowsReport {
  std::int64_t inserted = 0, updated = 0, unchanged = 0;
  // Not written as the same customer is there: in insert mode the key
  // matched one with other data; in any mode a new row looked like one
  // (unless insert_duplicates).
  std::int64_t duplicates = 0;
  std::int64_t pending = 0;  // waiting for review (review.create / review.update on)
};

// A source of bytes that can be opened more than once (the rows are counted
// before they are imported, for progress).
using SourceOpener = std::function<ByteSource()>;

// Imports customers.  Refused before any row is read (Error invalid_arg,
// nothing written): an empty file, an unknown, read-only or repeated
// column, a key that is not a column, a bad option.  A row longer than
// max_record_bytes stops the import there (Error invalid_arg naming the
// row); batches committed before it stay.  Each data row is otherwise
// either written or counted and explained (rejected, duplicate, pending).
// Rows are authorised like the interactive calls (customer.create for the
// owner; customer.update, customer.transfer for a new owner).  Audited
// once ("customer.import" with the counts) besides each row's own audit.
ImportReport import_customers(Session& s, const SourceOpener& open, const ImportOptions& o);

// The columns an import reads and an export writes, in order: the writable
// customer fields, external_id, tags, live custom fields — labels in
// Chinese (zh) or field names (en).  An export adds "id" in front.
std::vector<std::string> customer_csv_headers(Session& s, bool zh);

}  // namespace crm
