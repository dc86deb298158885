#include "bench_common.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>

#include "crm.h"

namespace crm_bench {
namespace {

const char* g_program = "crm_bench";
int g_failures = 0;

}  // namespace

// ---------------------------------------------------------------------------
// Errors

void set_program_name(const char* name) { g_program = name; }

void die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", g_program, what.c_str());
  std::exit(2);
}

void fail(benchmark::State& state, const std::string& what) {
  ++g_failures;
  std::fprintf(stderr, "%s: %s\n", g_program, what.c_str());
  state.SkipWithError(what.c_str());
}

int failures() { return g_failures; }

std::size_t env_size(const char* name, std::size_t dflt, std::size_t lo, std::size_t hi) {
  const char* v = std::getenv(name);
  if (!v || !*v) return dflt;
  char* end = nullptr;
  unsigned long long x = std::strtoull(v, &end, 10);
  if (*end != '\0' || x < lo || x > hi)
    die(std::string(name) + "=" + v + ": expected an integer in [" + std::to_string(lo) + ", " +
        std::to_string(hi) + "]");
  return static_cast<std::size_t>(x);
}

std::string crm_error_text() {
  std::string s = std::string(crm_status_name(crm_errcode())) + ": " + crm_errmsg();
  for (int32_t i = 0; i < crm_error_field_count(); ++i)
    s += std::string(" [") + crm_error_field_name(i) + ": " + crm_error_field_code(i) + "]";
  return s;
}

void crm_check(int rc, const char* what) {
  if (rc != CRM_OK) throw std::runtime_error(std::string(what) + ": " + crm_error_text());
}

void crm_check(int rc, const std::string& what) {
  if (rc != CRM_OK) throw std::runtime_error(what + ": " + crm_error_text());
}

void crm_department(crm_session* admin, const std::string& name) {
  int rc = crm_department_define(admin, name.c_str(), nullptr, 0, nullptr);
  if (rc != CRM_ERR_CONFLICT) crm_check(rc, "crm_department_define(" + name + ")");
}

// ---------------------------------------------------------------------------
// SQLite

void sql_check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "?"));
}

void sql_exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    throw std::runtime_error(std::string(sql) + ": " + m);
  }
}

void remove_db(const std::string& path) {
  for (const char* ext : {"", "-wal", "-shm", "-journal"}) ::unlink((path + ext).c_str());
}

std::string column_text(sqlite3_stmt* st, int col) {
  const unsigned char* p = sqlite3_column_text(st, col);
  if (!p) return std::string();
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(st, col)));
}

void bind_text(sqlite3_stmt* st, int i, const std::string& s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

// ---------------------------------------------------------------------------
// Command line

bool initialize(int argc, char** argv) {
  // Interleave the repetitions of the two sides at random unless told
  // otherwise: background load then hits both sides alike.
  std::vector<char*> args(argv, argv + argc);
  static char interleave[] = "--benchmark_enable_random_interleaving=true";
  bool has_interleave = false;
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--benchmark_enable_random_interleaving", 38) == 0)
      has_interleave = true;
  if (!has_interleave) args.insert(args.begin() + 1, interleave);
  int nargs = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&nargs, args.data());
  return !benchmark::ReportUnrecognizedArguments(nargs, args.data());
}

benchmark::ConsoleReporter::OutputOptions console_options(int argc, char** argv) {
  bool color = ::isatty(STDOUT_FILENO) != 0;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (std::strncmp(a, "--benchmark_color=", 18) == 0) {
      std::string v = a + 18;
      if (v == "false" || v == "no" || v == "0" || v == "off")
        color = false;
      else if (v == "true" || v == "yes" || v == "1" || v == "on")
        color = true;
    }
  }
  return color ? benchmark::ConsoleReporter::OO_ColorTabular
               : benchmark::ConsoleReporter::OO_Tabular;
}

void register_timed(const char* name, void (*fn)(benchmark::State&), int reps,
                    benchmark::TimeUnit unit, bool once) {
  auto* b = benchmark::RegisterBenchmark(name, fn);
  if (once) b->Iterations(1);
  b->Repetitions(reps)->UseRealTime()->Unit(unit);
}

void print_build(const char* build_type) {
  std::printf("%s: libcrm %s, SQLite %s, %s built as %s\n", g_program, crm_version(),
              sqlite3_libversion(), g_program, build_type);
  if (std::string(build_type) != "Release")
    std::printf(
        "WARNING: not a Release build; figures are not comparable with "
        "docs/performance.md\n");
}

// ---------------------------------------------------------------------------
// Collecting the repetitions and printing the ratios

CollectingReporter::CollectingReporter(Measure measure, OutputOptions o)
    : ConsoleReporter(o), measure_(measure) {}

void CollectingReporter::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
    const std::string& name = run.run_name.function_name;
    if (measure_ == Measure::items_per_second) {
      auto it = run.counters.find("items_per_second");  // per real second (UseRealTime)
      if (it == run.counters.end() || run.cpu_accumulated_time <= 0) continue;
      real[name].push_back(it->second.value);
      cpu[name].push_back(it->second.value * run.real_accumulated_time / run.cpu_accumulated_time);
    } else {
      if (run.iterations <= 0) continue;
      real[name].push_back(run.real_accumulated_time / static_cast<double>(run.iterations));
      cpu[name].push_back(run.cpu_accumulated_time / static_cast<double>(run.iterations));
    }
  }
  ConsoleReporter::ReportRuns(runs);
}

double median(const Samples& samples, const std::string& name) {
  auto it = samples.find(name);
  if (it == samples.end() || it->second.empty()) return 0;
  std::vector<double> v = it->second;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::string all(const Samples& samples, const std::string& name, double scale) {
  auto it = samples.find(name);
  std::string s;
  if (it == samples.end()) return s;
  char buf[32];
  for (double x : it->second) {
    std::snprintf(buf, sizeof buf, "%s%.0f", s.empty() ? "" : " ", x * scale);
    s += buf;
  }
  return s;
}

void print_ratio(const CollectingReporter& rep, const RatioFormat& fmt, const char* title,
                 const char* crm_name, const char* baseline_name, const char* unit, double target) {
  const double c = median(rep.real, crm_name), b = median(rep.real, baseline_name);
  std::printf("%s\n", title);
  if (c <= 0 || b <= 0) {
    std::printf("  n/a: run both %s and %s (see --benchmark_filter)\n", crm_name, baseline_name);
    return;
  }
  const double cc = median(rep.cpu, crm_name), bc = median(rep.cpu, baseline_name);
  const int d = fmt.decimals;
  std::printf("  libcrm C ABI : %9.*f %s wall  (%9.*f %s)   repetitions: %s\n", d, c * fmt.scale,
              unit, d, cc * fmt.scale, fmt.cpu_suffix, all(rep.real, crm_name, fmt.scale).c_str());
  std::printf("  %s : %9.*f %s wall  (%9.*f %s)   repetitions: %s\n", fmt.baseline_label, d,
              b * fmt.scale, unit, d, bc * fmt.scale, fmt.cpu_suffix,
              all(rep.real, baseline_name, fmt.scale).c_str());
  const double ratio = c / b;
  if (target > 0) {
    const bool pass = fmt.higher_is_better ? ratio >= target : ratio <= target;
    std::printf("  RATIO libcrm/%s = %.3f (wall clock; CPU time: %.3f)   target %s %.2f   %s\n",
                fmt.baseline_name, ratio, cc / bc, fmt.higher_is_better ? ">=" : "<=", target,
                pass                   ? "PASS"
                : fmt.higher_is_better ? "BELOW TARGET"
                                       : "ABOVE TARGET");
  } else {
    std::printf(
        "  RATIO libcrm/%s = %.3f (wall clock; CPU time: %.3f)   no target, informational\n",
        fmt.baseline_name, ratio, cc / bc);
  }
}

// ---------------------------------------------------------------------------
// SQLite, libcrm and files (shared by list_bench and followup_bench)

void step_done(sqlite3* db, sqlite3_stmt* st, const char* what) {
  if (sqlite3_step(st) != SQLITE_DONE)
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
  sqlite3_reset(st);
}

void bind_opt_text(sqlite3_stmt* st, int i, const char* s) {
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

Stmt::Stmt(sqlite3* db, const char* sql, unsigned flags) {
  sql_check(sqlite3_prepare_v3(db, sql, -1, flags, &st, nullptr), db, sql);
}

Stmt::~Stmt() { sqlite3_finalize(st); }

std::int64_t query_int(sqlite3* db, const char* sql, std::int64_t bind1, bool bind) {
  Stmt st(db, sql);
  if (bind) sqlite3_bind_int64(st, 1, bind1);
  if (sqlite3_step(st) != SQLITE_ROW) throw std::runtime_error(std::string(sql) + ": no row");
  return sqlite3_column_int64(st, 0);
}

void print_plan(sqlite3* db, const char* title, const char* sql) {
  std::printf("%s\n", title);
  const std::string eqp = std::string("EXPLAIN QUERY PLAN ") + sql;
  Stmt st(db, eqp.c_str());
  std::map<int, int> depth;  // plan node id -> indentation
  while (sqlite3_step(st) == SQLITE_ROW) {
    const int id = sqlite3_column_int(st, 0), parent = sqlite3_column_int(st, 1);
    const int level = parent == 0 ? 1 : depth[parent] + 1;
    depth[id] = level;
    std::printf("%*s%s\n", 2 * level, "",
                reinterpret_cast<const char*>(sqlite3_column_text(st, 3)));
  }
}

RawDb::RawDb(const std::string& path, bool readonly) {
  int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw std::runtime_error("sqlite3_open_v2(" + path + "): " + m);
  }
  sqlite3_busy_timeout(db, 5000);
  if (!readonly) {
    sql_exec(db, "PRAGMA journal_mode = WAL");
    sql_exec(db, "PRAGMA synchronous = NORMAL");
    sql_exec(db, "PRAGMA temp_store = MEMORY");
  }
  sql_exec(db, "PRAGMA foreign_keys = ON");
  sql_exec(db, "PRAGMA cache_size = -16384");  // libcrm's page cache (16 MiB)
}

RawDb::~RawDb() { sqlite3_close(db); }

CrmHandle::CrmHandle(const std::string& path, std::int64_t user) {
  crm_check(crm_db_open(path.c_str(), nullptr, &db), "crm_db_open(" + path + ")");
  crm_check(crm_session_open(db, user, &s), "crm_session_open");
}

CrmHandle::~CrmHandle() {
  crm_session_close(s);
  crm_db_close(db);
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

void make_dirs(const std::string& path) {
  for (std::size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') {
      std::string p = path.substr(0, i);
      if (::mkdir(p.c_str(), 0777) != 0 && errno != EEXIST)
        die("mkdir(" + p + "): " + std::strerror(errno));
    }
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace crm_bench
