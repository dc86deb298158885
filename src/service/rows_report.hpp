// What every run over the rows of a file reports, whatever it does with
// them: customer imports (R9.1) and follow-up migrations (R9.2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace crm {

struct ImportRowError {
  std::int64_t row = 0;  // record number in the file, the header being 1
  std::string message_en, message_zh;
};

struct RowsReport {
  std::int64_t rows = 0;               // data rows read (the header not counted)
  std::int64_t rejected = 0;           // rows refused (why: in errors and the error file)
  std::string encoding;                // "utf-8" or "gb18030"
  std::string key;                     // the key column used
  std::int64_t error_rows = 0;         // rows written to the error file
  bool cancelled = false;              // the progress callback stopped it
  std::vector<ImportRowError> errors;  // the first 100 rejected rows and why
};

}  // namespace crm
