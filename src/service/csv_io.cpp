#include "service/csv_io.hpp"

#include <csv.h>
#include <sys/stat.h>
#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>

#include "domain/error.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"

namespace crm {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";
constexpr char kGbBom[] = "\x84\x31\x95\x33";

// Spaces around unquoted fields are data: the text normaliser trims what
// should be trimmed, and an error file gives rows back as they were.
int no_space(unsigned char) { return 0; }

// UTF-8 unless the sample is mostly not: a row damaged by a stray byte must
// not make a UTF-8 file read as GB18030 (where it would decode to nonsense),
// while GBK text almost never forms valid UTF-8 sequences.
bool looks_utf8(std::string_view sample) {
  std::size_t good = 0, bad = 0;
  for (std::size_t i = 0; i < sample.size();) {
    const auto c = static_cast<unsigned char>(sample[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len && i + len > sample.size()) break;  // cut by the end of the sample
    if (len && is_valid_utf8(sample.substr(i, len))) {
      ++good;
      i += len;
    } else {
      ++bad;
      ++i;
    }
  }
  return bad == 0 || good >= 20 * bad;
}

struct IcuConverter {
  UConverter* c = nullptr;
  IcuConverter() {
    UErrorCode st = U_ZERO_ERROR;
    c = ucnv_open("GB18030", &st);
    if (U_FAILURE(st))
      throw Error(Status::internal, std::string("ICU cannot open GB18030: ") + u_errorName(st),
                  std::string("ICU 无法打开 GB18030 编码：") + u_errorName(st));
    // Stop at bytes that are not GB18030 instead of substituting U+FFFD.
    ucnv_setToUCallBack(c, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &st);
    ucnv_setFromUCallBack(c, UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &st);
  }
  ~IcuConverter() { ucnv_close(c); }
  IcuConverter(const IcuConverter&) = delete;
  IcuConverter& operator=(const IcuConverter&) = delete;
};

}  // namespace

std::optional<CsvEncoding> parse_csv_encoding(std::string_view name) {
  const std::string n = ascii_lower(name);
  if (n == "utf-8" || n == "utf8") return CsvEncoding::utf8;
  if (n == "gbk" || n == "gb2312" || n == "gb18030" || n == "cp936") return CsvEncoding::gb18030;
  return std::nullopt;
}

const char* csv_encoding_name(CsvEncoding e) {
  return e == CsvEncoding::utf8 ? "utf-8" : "gb18030";
}

ByteSource file_source(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    const std::string why = std::strerror(errno);
    throw Error(Status::cantopen, "cannot open " + path + ": " + why,
                "无法打开文件 " + path + "：" + why);
  }
  std::shared_ptr<std::FILE> file(f, [](std::FILE* p) { std::fclose(p); });
  return [file, path](char* buf, std::size_t n) {
    std::size_t got = std::fread(buf, 1, n, file.get());
    if (got < n && std::ferror(file.get()))
      throw Error(Status::cantopen, "cannot read " + path, "无法读取文件 " + path);
    return got;
  };
}

ByteSource memory_source(std::string_view bytes) {
  auto pos = std::make_shared<std::size_t>(0);
  return [bytes, pos](char* buf, std::size_t n) {
    std::size_t got = std::min(n, bytes.size() - *pos);
    std::memcpy(buf, bytes.data() + *pos, got);
    *pos += got;
    return got;
  };
}

struct CsvReader::Parser {
  csv_parser p{};
  std::deque<CsvRecord> ready;
  CsvRecord current;
  std::size_t current_bytes = 0;  // of the fields already complete
  std::unique_ptr<IcuConverter> gb;

  Parser() {
    if (csv_init(&p, 0) != 0) throw Error(Status::nomem, "out of memory", "内存不足");
    csv_set_space_func(&p, no_space);
  }
  ~Parser() { csv_free(&p); }

  static void on_field(void* data, std::size_t len, void* self) {
    auto* me = static_cast<Parser*>(self);
    me->current.raw.emplace_back(static_cast<const char*>(data), len);
    me->current_bytes += len;
  }
  static void on_end(int, void* self) {
    auto* me = static_cast<Parser*>(self);
    me->ready.push_back(std::move(me->current));
    me->current = CsvRecord{};
    me->current_bytes = 0;
  }
};

CsvReader::CsvReader(ByteSource src, std::optional<CsvEncoding> encoding,
                     std::size_t max_record_bytes)
    : src_(std::move(src)), max_record_bytes_(max_record_bytes), parser_(new Parser) {
  // The first chunk decides the encoding.
  pending_.resize(kChunk);
  std::size_t got = 0;
  while (got < kChunk) {
    std::size_t n = src_(pending_.data() + got, kChunk - got);
    if (n == 0) {
      eof_ = true;
      break;
    }
    got += n;
  }
  pending_.resize(got);
  bytes_ = static_cast<std::int64_t>(got);
  const bool utf8_bom = pending_.compare(0, 3, kUtf8Bom) == 0;
  const bool gb_bom = pending_.compare(0, 4, kGbBom) == 0;
  if (utf8_bom && encoding == CsvEncoding::gb18030)
    throw Error(Status::invalid_arg,
                "the file starts with a UTF-8 byte-order mark but GBK/GB18030 was declared",
                "文件以 UTF-8 字节序标记开头，但声明的编码是 GBK/GB18030");
  if (gb_bom && encoding == CsvEncoding::utf8)
    throw Error(Status::invalid_arg,
                "the file starts with a GB18030 byte-order mark but UTF-8 was declared",
                "文件以 GB18030 字节序标记开头，但声明的编码是 UTF-8");
  if (utf8_bom || gb_bom) {
    bom_ = true;
    pending_.erase(0, utf8_bom ? 3 : 4);
  }
  if (encoding)
    encoding_ = *encoding;
  else if (utf8_bom)
    encoding_ = CsvEncoding::utf8;
  else if (gb_bom)
    encoding_ = CsvEncoding::gb18030;
  else
    encoding_ = looks_utf8(pending_) ? CsvEncoding::utf8 : CsvEncoding::gb18030;
  if (encoding_ == CsvEncoding::gb18030) parser_->gb = std::make_unique<IcuConverter>();
}

CsvReader::~CsvReader() = default;

bool CsvReader::fill() {
  Parser& ps = *parser_;
  std::string buf;
  if (!pending_.empty()) {
    buf.swap(pending_);
  } else if (!eof_) {
    buf.resize(kChunk);
    std::size_t n = src_(buf.data(), kChunk);
    buf.resize(n);
    bytes_ += static_cast<std::int64_t>(n);
    if (n == 0) eof_ = true;
  }
  if (!buf.empty()) {
    if (csv_parse(&ps.p, buf.data(), buf.size(), Parser::on_field, Parser::on_end, &ps) !=
        buf.size())
      throw Error(Status::nomem, std::string("CSV parser: ") + csv_strerror(csv_error(&ps.p)),
                  std::string("CSV 解析失败：") + csv_strerror(csv_error(&ps.p)));
    if (ps.current_bytes + ps.p.entry_pos > max_record_bytes_) {
      const std::string n =
          std::to_string(number_ + static_cast<std::int64_t>(ps.ready.size()) + 1);
      const std::string mib = std::to_string(max_record_bytes_ >> 20);
      throw Error(Status::invalid_arg,
                  "record " + n + " is longer than " + mib +
                      " MiB (an unterminated quote?); reading stopped there",
                  "第 " + n + " 行超过 " + mib + " MiB（引号未闭合？），读取在此停止");
    }
    return true;
  }
  if (eof_ && parser_) {
    // The end: a quoted field still open is an unterminated quote; the
    // record is handed on with what it holds so far, marked.  (libcsv's
    // CSV_STRICT_FINI reports it only in strict mode, which stops at the
    // first stray quote instead of reading on; its parser state 2 is
    // "inside a field".)
    const bool open_quote = ps.p.quoted && ps.p.pstate == 2;
    csv_fini(&ps.p, Parser::on_field, Parser::on_end, &ps);
    if (open_quote && !ps.ready.empty()) ps.ready.back().unterminated = true;
    eof_ = true;
    return false;
  }
  return false;
}

void CsvReader::decode(CsvRecord& r) const {
  r.fields.clear();
  r.fields.reserve(r.raw.size());
  r.decoded = true;
  for (const auto& raw : r.raw) {
    if (raw.find('\0') != std::string::npos) r.has_nul = true;
    if (encoding_ == CsvEncoding::utf8) {
      if (!is_valid_utf8(raw, true)) r.decoded = false;
      r.fields.push_back(raw);
      continue;
    }
    UErrorCode st = U_ZERO_ERROR;
    ucnv_reset(parser_->gb->c);
    icu::UnicodeString u(raw.data(), static_cast<int32_t>(raw.size()), parser_->gb->c, st);
    if (U_FAILURE(st)) {
      r.decoded = false;
      r.fields.emplace_back();
      continue;
    }
    std::string utf8;
    u.toUTF8String(utf8);
    r.fields.push_back(std::move(utf8));
  }
  if (!r.decoded) r.fields.clear();
}

bool CsvReader::next(CsvRecord& out) {
  Parser& ps = *parser_;
  while (ps.ready.empty()) {
    if (!fill() && ps.ready.empty()) return false;
  }
  out = std::move(ps.ready.front());
  ps.ready.pop_front();
  out.number = ++number_;
  decode(out);
  return true;
}

std::int64_t count_csv_records(ByteSource src) {
  csv_parser p{};
  if (csv_init(&p, 0) != 0) throw Error(Status::nomem, "out of memory", "内存不足");
  csv_set_space_func(&p, no_space);
  std::int64_t count = 0;
  auto on_field = [](void*, std::size_t, void*) {};
  auto on_end = [](int, void* n) { ++*static_cast<std::int64_t*>(n); };
  std::string buf(kChunk, '\0');
  for (;;) {
    std::size_t n = src(buf.data(), kChunk);
    if (n == 0) break;
    csv_parse(&p, buf.data(), n, on_field, on_end, &count);
    if (p.entry_pos > (1u << 20)) {  // a record the reader will refuse anyway
      csv_free(&p);
      return -1;
    }
  }
  csv_fini(&p, on_field, on_end, &count);
  csv_free(&p);
  return count;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    const std::string& f = fields[i];
    const bool quote = f.find_first_of(",\"\r\n") != std::string::npos ||
                       (!f.empty() && (f.front() == ' ' || f.back() == ' '));
    if (!quote) {
      out += f;
      continue;
    }
    out += '"';
    for (char c : f) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += "\r\n";
  return out;
}

std::string encode_text(std::string_view utf8, CsvEncoding e) {
  if (e == CsvEncoding::utf8 || utf8.empty()) return std::string(utf8);
  IcuConverter gb;
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), utf8.size()));
  UErrorCode st = U_ZERO_ERROR;
  std::string out(static_cast<std::size_t>(u.length()) * 4 + 4, '\0');
  int32_t n = u.extract(out.data(), static_cast<int32_t>(out.size()), gb.c, st);
  if (U_FAILURE(st))
    throw Error(Status::internal, std::string("GB18030 conversion: ") + u_errorName(st),
                std::string("GB18030 编码转换失败：") + u_errorName(st));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

namespace {
constexpr const char* kErrorColumnZh = "错误说明";
constexpr const char* kErrorColumnEn = "import_errors";
}  // namespace

bool is_error_column(std::string_view header) {
  return header == kErrorColumnZh || header == kErrorColumnEn;
}

void refuse_error_file_over_source(const std::string& source, const std::string& error_path) {
  if (error_path.empty()) return;
  struct stat a {};
  struct stat b {};
  if (::stat(source.c_str(), &a) != 0 || ::stat(error_path.c_str(), &b) != 0) return;
  if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
    throw Error(Status::invalid_arg,
                "the error file " + error_path +
                    " is the file being read; write the rejected rows to another file",
                "错误文件 " + error_path + " 就是正在读取的文件，请将错误行写入另一个文件",
                {{"error_path", "invalid", "is the file being read", "是正在读取的文件", ""}});
}

CsvErrorFile::CsvErrorFile(std::string path, std::vector<std::string> header_raw, CsvEncoding enc,
                           bool bom, bool zh)
    : path_(std::move(path)), header_(std::move(header_raw)), enc_(enc), bom_(bom), zh_(zh) {
  if (path_.empty()) return;
  try {
    open();
  } catch (...) {
    if (f_) {
      std::fclose(f_);
      std::remove(path_.c_str());
    }
    throw;
  }
}

CsvErrorFile::~CsvErrorFile() {
  if (!f_) return;
  std::fclose(f_);
  if (rows_ == 0) std::remove(path_.c_str());
}

void CsvErrorFile::write(std::vector<std::string> raw, const std::string& why) {
  if (path_.empty()) return;
  // A short row is padded so that the reason lands in its own column.
  if (raw.size() < header_.size()) raw.resize(header_.size());
  raw.push_back(encode_text(why, enc_));
  put(csv_line(raw));
  ++rows_;
}

void CsvErrorFile::flush() {
  if (f_ && std::fflush(f_) != 0) fail();
}

void CsvErrorFile::open() {
  f_ = std::fopen(path_.c_str(), "wb");
  if (!f_) fail();
  if (bom_ && enc_ == CsvEncoding::utf8) put(kUtf8Bom);
  std::vector<std::string> h = header_;
  h.push_back(encode_text(zh_ ? kErrorColumnZh : kErrorColumnEn, enc_));
  put(csv_line(h));
}

void CsvErrorFile::put(const std::string& s) {
  if (std::fwrite(s.data(), 1, s.size(), f_) != s.size()) fail();
}

void CsvErrorFile::fail() {
  const std::string why = std::strerror(errno);
  throw Error(Status::cantopen, "cannot write the error file " + path_ + ": " + why,
              "无法写入错误文件 " + path_ + "：" + why);
}

}  // namespace crm
