// crm_import_file: libcrm's CSV import (import_customers, R9.1) of a file of
// valid customer rows into a fresh database, for the comparison with the
// sqlite3 shell's own .import in benchmarks/import_vs_sqlite.sh
// (docs/performance.md, "CSV import").
//
//   crm_import_file generate <csv> <rows>   write <rows> valid rows (Chinese headers)
//   crm_import_file import <db> <csv> [batch]
//                                           import them as the administrator
//   crm_import_file create <db>             a new, empty libcrm database (for
//                                           the script's raw floor)
//   crm_import_file smoke <rows>            both, in a temporary directory, and
//                                           check that every row was inserted
//
// `import` removes <db> (and its -wal/-shm) first, opens it as libcrm does
// for a new file (schema, dictionaries, the administrator, Asia/Shanghai),
// and calls import_customers with default options: insert mode, key "auto"
// (the phone column), 1,000 rows per transaction (or [batch]), encoding
// detected.  It
// prints the report, the import's wall time and rows/s, and the process's
// peak resident set size (getrusage).  The exit status is 1 when a row was
// not inserted.
//
// The rows, all from dataset.cpp: distinct full legal company names (region,
// three-character trade name, industry word, legal form), distinct valid
// mobile numbers in four spellings, distinct e-mail addresses, contact names,
// dictionary labels and key needs.  Deterministic: the same <rows> give the same
// file on every machine.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "dataset.hpp"
#include "domain/error.hpp"
#include "service/csv_io.hpp"
#include "service/db.hpp"
#include "service/import.hpp"
#include "service/session.hpp"
#include "store/connection.hpp"

namespace {

const char* const kHeader =
    "客户全称,联系人姓名,联系电话,电子邮箱,所属行业,企业规模,信息来源渠道,关键需求,需求优先级\n";

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "crm_import_file: %s\n", what.c_str());
  std::exit(2);
}

std::string line_of(std::uint64_t i) {
  const crm_bench::Row base = crm_bench::make_row(i % crm_bench::max_rows());
  const std::string name = crm_bench::company_name(i).full();

  // The phone in one of four spellings: its prefix (3 digits), then 8 digits.
  char phone[32];
  const std::string mobile = crm_bench::mobile_number(i);
  const char* pre = mobile.c_str();
  const char* digits = pre + 3;
  switch (i % 4) {
    case 0:
      std::snprintf(phone, sizeof phone, "%s", pre);
      break;
    case 1:
      std::snprintf(phone, sizeof phone, "%.3s-%.4s-%s", pre, digits, digits + 4);
      break;
    case 2:
      std::snprintf(phone, sizeof phone, "%.3s %.4s %s", pre, digits, digits + 4);
      break;
    default:
      std::snprintf(phone, sizeof phone, "+86 %.3s %.4s %s", pre, digits, digits + 4);
      break;
  }
  // No field holds a comma, quote or line break: nothing needs quoting.
  std::string line;
  line.reserve(256);
  line += name;
  line += ',';
  line += base.contact_name;
  line += ',';
  line += phone;
  line += ",u" + std::to_string(i) + "." + base.email;
  line += ',';
  line += base.industry_label;
  line += ',';
  line += base.scale_label;
  line += ',';
  line += base.source_label;
  line += ',';
  line += base.key_needs;
  line += ',';
  line += base.priority_label;
  line += '\n';
  return line;
}

void generate(const std::string& path, std::uint64_t rows) {
  if (rows > crm_bench::company_name_space())
    die("at most " + std::to_string(crm_bench::company_name_space()) + " rows");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) die("cannot write " + path);
  std::fputs(kHeader, f);
  for (std::uint64_t i = 0; i < rows; ++i) std::fputs(line_of(i).c_str(), f);
  if (std::fclose(f) != 0) die("cannot write " + path);
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
}

// Returns the number of rows not inserted.
std::int64_t import(const std::string& db_path, const std::string& csv, int batch_rows = 1000) {
  for (const char* ext : {"", "-wal", "-shm", "-journal"}) unlink((db_path + ext).c_str());
  const double rss_before = peak_rss_mib();
  crm::store::OpenOptions o;
  o.path = db_path;
  o.time_zone = "Asia/Shanghai";  // what crm_db_open uses by default
  crm::Database db(o);
  crm::Session admin(db, 1);
  crm::ImportOptions opts;  // defaults: insert, key auto, 1,000 rows per transaction
  opts.batch_rows = batch_rows;

  const auto t0 = std::chrono::steady_clock::now();
  const crm::ImportReport r = crm::import_customers(
      admin, [&csv] { return crm::file_source(csv); }, opts);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::printf(
      "crm_import_file: %lld rows read, %lld inserted, %lld rejected, %lld duplicates, "
      "%lld pending (key %s, encoding %s)\n",
      static_cast<long long>(r.rows), static_cast<long long>(r.inserted),
      static_cast<long long>(r.rejected), static_cast<long long>(r.duplicates),
      static_cast<long long>(r.pending), r.key.c_str(), r.encoding.c_str());
  for (std::size_t i = 0; i < r.errors.size() && i < 5; ++i)
    std::printf("  row %lld: %s\n", static_cast<long long>(r.errors[i].row),
                r.errors[i].message_en.c_str());
  std::printf(
      "crm_import_file: import %.3f s, %.0f rows/s; peak RSS %.1f MiB (%.1f MiB before "
      "opening the database)\n",
      s, s > 0 ? static_cast<double>(r.inserted) / s : 0.0, peak_rss_mib(), rss_before);
  return r.rows - r.inserted;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "generate" && argc == 4) {
      generate(argv[2], std::strtoull(argv[3], nullptr, 10));
      return 0;
    }
    if (mode == "import" && (argc == 4 || argc == 5))
      return import(argv[2], argv[3], argc == 5 ? std::atoi(argv[4]) : 1000) == 0 ? 0 : 1;
    if (mode == "create" && argc == 3) {
      for (const char* ext : {"", "-wal", "-shm", "-journal"})
        unlink((std::string(argv[2]) + ext).c_str());
      crm::store::OpenOptions o;
      o.path = argv[2];
      o.time_zone = "Asia/Shanghai";
      crm::Database db(o);
      return 0;
    }
    if (mode == "smoke" && argc == 3) {
      char tmpl[] = "/tmp/crm_import_file_XXXXXX";
      if (!mkdtemp(tmpl)) die("mkdtemp failed");
      const std::string dir = tmpl, csv = dir + "/rows.csv", db = dir + "/import.db";
      const std::uint64_t rows = std::strtoull(argv[2], nullptr, 10);
      generate(csv, rows);
      const std::int64_t missing = import(db, csv);
      for (const char* f : {"/rows.csv", "/import.db", "/import.db-wal", "/import.db-shm"})
        unlink((dir + f).c_str());
      rmdir(dir.c_str());
      if (missing != 0) {
        std::fprintf(stderr, "crm_import_file: expected all %llu rows inserted, %lld were not\n",
                     static_cast<unsigned long long>(rows), static_cast<long long>(missing));
        return 1;
      }
      return 0;
    }
  } catch (const std::exception& e) {
    die(e.what());
  }
  std::fprintf(stderr,
               "usage: crm_import_file generate <csv> <rows>\n"
               "       crm_import_file import <db> <csv> [batch_rows]\n"
               "       crm_import_file create <db>\n"
               "       crm_import_file smoke <rows>\n");
  return 2;
}
