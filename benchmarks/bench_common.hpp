// What crm_bench and list_bench share: error handling, small SQLite helpers,
// the command line, and the collection and printing of the libcrm/baseline
// ratios after the Google Benchmark table.
#ifndef CRM_BENCH_BENCH_COMMON_HPP
#define CRM_BENCH_BENCH_COMMON_HPP

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crm.h"

namespace crm_bench {

// ---------------------------------------------------------------------------
// Errors

// The name that prefixes every message on stderr ("crm_bench", "list_bench").
void set_program_name(const char* name);

// Prints "<program>: what" on stderr and exits with status 2.
[[noreturn]] void die(const std::string& what);

// Counts a failed benchmark, reports it on stderr and skips the run.
void fail(benchmark::State& state, const std::string& what);

// How many times fail() was called.
int failures();

// An integer from the environment in [lo, hi], `dflt` if unset or empty;
// anything else is fatal (die).
std::size_t env_size(const char* name, std::size_t dflt, std::size_t lo, std::size_t hi);

// The last libcrm error, with every failing field.
std::string crm_error_text();

// Throws std::runtime_error("what: <libcrm error>") unless rc is CRM_OK.
void crm_check(int rc, const char* what);
void crm_check(int rc, const std::string& what);

// Defines a department (users name an existing one); one that exists
// already is fine.
void crm_department(crm_session* admin, const std::string& name);

// ---------------------------------------------------------------------------
// SQLite

// Throws unless rc is SQLITE_OK, SQLITE_DONE or SQLITE_ROW.
void sql_check(int rc, sqlite3* db, const char* what);

// Runs `sql`, throwing on error.
void sql_exec(sqlite3* db, const char* sql);

// Removes a database file and its -wal, -shm and -journal companions.
void remove_db(const std::string& path);

// A text column as a std::string ("" for NULL).
std::string column_text(sqlite3_stmt* st, int col);

// Binds `s` without copying: it must outlive the statement's next step.
void bind_text(sqlite3_stmt* st, int i, const std::string& s);

// Throws unless stepping `st` is SQLITE_DONE ("what: <error>"); resets it.
void step_done(sqlite3* db, sqlite3_stmt* st, const char* what);

// Binds `s`, or NULL when it is nullptr; `s` must outlive the next step.
void bind_opt_text(sqlite3_stmt* st, int i, const char* s);

// A prepared statement, finalized on scope exit.
struct Stmt {
  sqlite3_stmt* st = nullptr;
  Stmt(sqlite3* db, const char* sql, unsigned flags = 0);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  operator sqlite3_stmt*() const { return st; }
};

// The first column of the first row of `sql` (with `bind1` bound to ?1
// when `bind`); throws if there is no row.
std::int64_t query_int(sqlite3* db, const char* sql, std::int64_t bind1 = 0, bool bind = false);

// Prints EXPLAIN QUERY PLAN of `sql` as an indented tree under `title`.
void print_plan(sqlite3* db, const char* title, const char* sql);

// An SQLite connection to a file libcrm made, with libcrm's settings (WAL,
// synchronous NORMAL, temp_store MEMORY, foreign keys, a busy timeout).
struct RawDb {
  sqlite3* db = nullptr;
  explicit RawDb(const std::string& path, bool readonly = false);
  ~RawDb();
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
};

// ---------------------------------------------------------------------------
// libcrm

// Opens `path` through libcrm (creating its schema) with a session as `user`.
struct CrmHandle {
  crm_db* db = nullptr;
  crm_session* s = nullptr;
  CrmHandle(const std::string& path, std::int64_t user);
  ~CrmHandle();
  CrmHandle(const CrmHandle&) = delete;
  CrmHandle& operator=(const CrmHandle&) = delete;
};

// ---------------------------------------------------------------------------
// Files and time

bool file_exists(const std::string& path);

// mkdir -p; fatal (die) on failure.
void make_dirs(const std::string& path);

double seconds_since(std::chrono::steady_clock::time_point t0);

// ---------------------------------------------------------------------------
// Command line

// benchmark::Initialize, with --benchmark_enable_random_interleaving=true
// added unless the command line sets it.  False if an argument is unknown
// (already reported).
bool initialize(int argc, char** argv);

// The console reporter's options, coloured as Google Benchmark would decide
// from --benchmark_color=auto|true|false.
benchmark::ConsoleReporter::OutputOptions console_options(int argc, char** argv);

// "<program>: libcrm <version>, SQLite <version>, <program> built as
// <build_type>", and a warning unless build_type is "Release".
void print_build(const char* build_type);

// Registers `fn` with `reps` repetitions timed by the wall clock in `unit`;
// `once` runs each repetition as a single iteration (whole-batch benchmarks).
void register_timed(const char* name, void (*fn)(benchmark::State&), int reps,
                    benchmark::TimeUnit unit, bool once = false);

// ---------------------------------------------------------------------------
// Collecting the repetitions and printing the ratios

// benchmark function name -> one value per repetition
using Samples = std::map<std::string, std::vector<double>>;

// What CollectingReporter records of every repetition.
enum class Measure {
  items_per_second,      // items per wall-clock second (and per CPU-second)
  seconds_per_iteration  // wall-clock (and CPU) seconds per iteration
};

// The console table, plus every repetition's measure so that the ratios can
// be printed at the end.
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  CollectingReporter(Measure measure, OutputOptions o);

  Samples real, cpu;  // by wall-clock and by CPU time

  void ReportRuns(const std::vector<Run>& runs) override;

 private:
  Measure measure_;
};

// Median of the repetitions; 0 if the benchmark did not run.
double median(const Samples& samples, const std::string& name);

// Every repetition times `scale`, no decimals, separated by spaces.
std::string all(const Samples& samples, const std::string& name, double scale = 1);

// How a program prints its ratios.
struct RatioFormat {
  const char* baseline_label;  // 12 columns, as "libcrm C ABI": "raw SQLite  "
  const char* baseline_name;   // in "RATIO libcrm/<name>"
  int decimals;                // of the figures
  double scale;                // figure = measure * scale
  const char* cpu_suffix;      // after the CPU figure: "per CPU-second", "CPU"
  bool higher_is_better;       // target is a minimum (else a maximum)
};

// Title, then the medians of `crm_name` and `baseline_name` in `unit`, then
// their ratio against `target` (none if target <= 0).
void print_ratio(const CollectingReporter& rep, const RatioFormat& fmt, const char* title,
                 const char* crm_name, const char* baseline_name, const char* unit, double target);

}  // namespace crm_bench

#endif
