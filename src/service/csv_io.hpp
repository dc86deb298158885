// CSV in and out for imports and exports (R9.1): RFC 4180 records parsed by
// libcsv from a byte stream, in UTF-8 (with or without a byte-order mark) or
// GB18030 (which includes GBK and GB2312), converted field by field with ICU;
// and the reverse for writing.  Both stream: memory stays bounded by the
// longest record, which the reader caps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crm {

enum class CsvEncoding { utf8, gb18030 };

// "utf-8"/"utf8", "gbk", "gb2312", "gb18030" (case-insensitive); nullopt for
// anything else.  "auto"/"" are handled by the caller.
std::optional<CsvEncoding> parse_csv_encoding(std::string_view name);
const char* csv_encoding_name(CsvEncoding e);

// Reads up to `n` bytes into `buf`; returns how many (0 at the end).  Throws
// crm::Error on a read failure.
using ByteSource = std::function<std::size_t(char* buf, std::size_t n)>;

// A source over a file (opened here; Error cantopen when it cannot be).
ByteSource file_source(const std::string& path);
// A source over bytes the caller keeps alive.
ByteSource memory_source(std::string_view bytes);

struct CsvRecord {
  std::int64_t number = 0;          // 1 for the first record (the header)
  std::vector<std::string> raw;     // fields as in the file (its encoding)
  std::vector<std::string> fields;  // the same in UTF-8 (empty when !decoded)
  bool decoded = true;              // false: a field is not valid in the encoding
  bool has_nul = false;             // a field contains a NUL byte
  bool unterminated = false;        // the file ended inside a quoted field
};

class CsvReader {
 public:
  // `encoding` nullopt: detected from the first 64 KiB — a UTF-8 byte-order
  // mark or text that is UTF-8 but for a few stray bytes (at most one
  // invalid byte per 20 valid characters) means UTF-8, anything else
  // GB18030.  A leading BOM
  // is dropped in either case.  Records longer than `max_record_bytes` stop
  // the reader with Error invalid_arg (nothing after them is read).
  CsvReader(ByteSource src, std::optional<CsvEncoding> encoding,
            std::size_t max_record_bytes = 1 << 20);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next record, or false at the end of the input.  Blank lines are
  // skipped.
  bool next(CsvRecord& out);

  CsvEncoding encoding() const { return encoding_; }
  bool had_bom() const { return bom_; }
  std::int64_t bytes_read() const { return bytes_; }

 private:
  struct Parser;
  bool fill();
  void decode(CsvRecord& r) const;

  ByteSource src_;
  CsvEncoding encoding_ = CsvEncoding::utf8;
  bool bom_ = false;
  std::size_t max_record_bytes_;
  std::unique_ptr<Parser> parser_;
  std::string pending_;  // bytes read for detection, not parsed yet
  bool eof_ = false;
  std::int64_t bytes_ = 0;
  std::int64_t number_ = 0;
};

// Counts the records of a CSV stream (the header included) without
// decoding them; quoted line breaks do not start records.  Delimiters never
// occur inside a multi-byte character in UTF-8 or GB18030, so the count is
// right in both.
std::int64_t count_csv_records(ByteSource src);

// One record as CSV text ending in CRLF (RFC 4180), fields quoted only when
// they hold a comma, quote, CR or LF, or start or end with a space.
std::string csv_line(const std::vector<std::string>& fields);

// UTF-8 text in `e`: unchanged for UTF-8; characters GB18030 cannot hold
// do not exist (it covers all of Unicode).
std::string encode_text(std::string_view utf8, CsvEncoding e);

// The column an error file adds ("错误说明" or "import_errors"); imports
// skip it, so that a corrected error file imports as it is.
bool is_error_column(std::string_view header);

// Rejected rows, as they were read (the file's encoding, its byte-order
// mark), with a last column saying why; the file is created when the first
// row is written.  No file when `path` is "".
// Refuses (Error invalid_arg) an error file that is the very file being
// read: writing it would destroy the rows still to be read.  Paths that do
// not exist yet are fine.
void refuse_error_file_over_source(const std::string& source, const std::string& error_path);

// The rejected rows of an import or migration.  With a path, the file is
// created (or truncated) at once — a path that cannot be written fails
// before any row is read (Error cantopen) — and removed again at the end
// when no row was written to it: no file means no errors, even where an
// earlier run left one.
class CsvErrorFile {
 public:
  CsvErrorFile(std::string path, std::vector<std::string> header_raw, CsvEncoding enc, bool bom,
               bool zh);
  ~CsvErrorFile();
  CsvErrorFile(const CsvErrorFile&) = delete;
  CsvErrorFile& operator=(const CsvErrorFile&) = delete;

  // `raw`: the row's fields as read; `why`: UTF-8.  Throws Error cantopen
  // when the file cannot be written.
  void write(std::vector<std::string> raw, const std::string& why);
  void flush();
  std::int64_t rows() const { return rows_; }

 private:
  void open();
  void put(const std::string& s);
  [[noreturn]] void fail();

  std::string path_;
  std::vector<std::string> header_;
  CsvEncoding enc_;
  bool bom_, zh_;
  std::FILE* f_ = nullptr;
  std::int64_t rows_ = 0;
};

}  // namespace crm
