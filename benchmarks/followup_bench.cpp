// followup_bench: a sales representative's agenda through libcrm's C ABI
// against the equivalent hand-written SQL, and the cost of crm_tick against
// the number of due reminders, in one binary and one run
// (docs/performance.md, "Agenda and tick").
//
//   CrmAgenda    crm_agenda(own session, owner 0, page_size 50) with the
//                database clock fixed, then crm_cursor_next over the page,
//                reading every field a host shows (kind, due_at, customer,
//                customer_name, then plan_id/goal/method or tier/
//                next_due_date by kind)
//   HandAgenda   the same page with two prepared statements on the same file,
//                the indexed queries libcrm runs (open plans of the owner up to
//                the end of today joined to their customer; customers of the
//                owner whose due date has passed), merged by due time while
//                stepping, the same fields read
//   CrmTick/…    crm_tick(admin session, now) with 0.1 %, 1 % and 10 % of the
//                customers due (cadence_lapsed timers that fire), each tick in
//                crm_db_begin … crm_db_rollback so that every iteration sees
//                the same due set (the rollback is not timed); CrmTick/none
//                ticks to one millisecond before anything is due: the fixed
//                cost of a tick
//   CrmTickCommitted/…  informational: one tick per repetition on a fresh
//                copy of the file, committing its batches as a host's tick
//                does (the copy and the opening are not timed)
//   ScanCustomers  informational: raw SQLite reading every customer's row
//                (NOT INDEXED), what a tick that scanned customers would pay
//                before doing any work
//   CountTimers  informational: raw `SELECT count(*) FROM timers`
//
// The agenda's two sides are checked to return the same rows for every owner
// of the rotation, and each tick to fire exactly its due set, before anything
// is timed.  The agenda ratio and the tick figures (time per tick, per due
// item, and how they grow) are printed after the Google Benchmark table.
//
// The databases are made once and kept under the build directory, keyed by
// the customer count (and for the tick the due fraction), libcrm's schema
// version and this program's data version.  Each is created by libcrm
// (crm_db_open), its sales representatives and managers through the C ABI,
// and the customers (graded, with primary contacts), follow-up records and
// plans and the scheduler's timers are then inserted with raw SQLite in one
// transaction, in the form libcrm stores them.
//
// Environment:
//   CRM_BENCH_AGENDA_ROWS  customers in the agenda database (1000000; about
//                          3 follow-ups each, 1 representative per 1000)
//   CRM_BENCH_TICK_ROWS    customers in each tick database (100000)
//   CRM_BENCH_REPS         repetitions of every benchmark (5)
//   CRM_BENCH_FOLLOWUP_DIR where the databases are kept (the build directory's
//                          benchmarks/followup_bench_data)
//
// Only libcrm's public C interface (crm.h) is used for the libcrm side.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "crm.h"
#include "dataset.hpp"

#ifndef CRM_BENCH_BUILD_TYPE
#define CRM_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef CRM_BENCH_FOLLOWUP_DATA_DIR
#define CRM_BENCH_FOLLOWUP_DATA_DIR "."
#endif

namespace {

using crm_bench::bind_opt_text;
using crm_bench::bind_text;
using crm_bench::CollectingReporter;
using crm_bench::crm_check;
using crm_bench::crm_department;
using crm_bench::crm_error_text;
using crm_bench::CrmHandle;
using crm_bench::die;
using crm_bench::fail;
using crm_bench::file_exists;
using crm_bench::make_dirs;
using crm_bench::print_plan;
using crm_bench::query_int;
using crm_bench::RawDb;
using crm_bench::register_timed;
using crm_bench::remove_db;
using crm_bench::seconds_since;
using crm_bench::splitmix64;
using crm_bench::sql_check;
using crm_bench::sql_exec;
using crm_bench::step_done;
using crm_bench::Stmt;

// The target: the agenda takes at most 1.5 times the hand-written queries' time.
constexpr double kAgendaTarget = 1.50;
constexpr int kPageSize = 50;
constexpr int kRotation = 16;  // owners whose agendas are read in turn

// Bump when the generated data changes, so that cached files are rebuilt.
constexpr int kDataVersion = 2;

struct Config {
  std::size_t agenda_rows = 1000000;
  std::size_t tick_rows = 100000;
  int reps = 5;
  std::string dir = CRM_BENCH_FOLLOWUP_DATA_DIR;
};
Config g_cfg;

// The tick databases: one customer in `stride` is due.
struct TickCase {
  const char* name;   // benchmark suffix
  const char* label;  // in the summary
  std::size_t stride;
};
const TickCase kTickCases[] = {{"0.1%", "0.1 %", 1000}, {"1%", "1 %", 100}, {"10%", "10 %", 10}};
constexpr int kTickCaseCount = 3;

// ---------------------------------------------------------------------------
// Helpers

void bind_opt_int(sqlite3_stmt* st, int i, std::int64_t v) {
  if (v)
    sqlite3_bind_int64(st, i, v);
  else
    sqlite3_bind_null(st, i);
}

// A per-customer sequence of draws (no std:: distributions, whose output
// differs between standard libraries).
struct Draw {
  std::uint64_t h;
  std::uint64_t operator()(std::uint64_t k) {
    h = splitmix64(h);
    return h % k;
  }
};

// ---------------------------------------------------------------------------
// Dates.  The databases use libcrm's default zone, Asia/Shanghai: UTC+8 all
// year (no daylight saving since 1991), so local days are plain arithmetic.

constexpr std::int64_t kMinute = 60000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kZoneOffset = 8 * kHour;

// Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int y, m, d;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (m <= 2)), m, d};
}

int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// `day` plus `months` calendar months, the day clamped to the month's last.
std::int64_t add_months(std::int64_t day, int months) {
  Civil c = civil_from_days(day);
  int m0 = c.m - 1 + months;
  int y = c.y + (m0 >= 0 ? m0 / 12 : (m0 - 11) / 12);
  m0 = ((m0 % 12) + 12) % 12;
  const int m = m0 + 1;
  return days_from_civil(y, m, std::min(c.d, days_in_month(y, m)));
}

std::int64_t local_day(std::int64_t ms) {
  const std::int64_t t = ms + kZoneOffset;
  return t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
}

// The instant a local day starts.
std::int64_t midnight(std::int64_t day) { return day * kDay - kZoneOffset; }

// add_local_months of libcrm's calendar: the same local time, months later.
std::int64_t add_local_months(std::int64_t ms, int months) {
  const std::int64_t day = local_day(ms);
  return midnight(add_months(day, months)) + (ms - midnight(day));
}

std::string format_day(std::int64_t day) {
  Civil c = civil_from_days(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.y, c.m, c.d);
  return buf;
}

// "YYYY-MM-DD" (exactly; the database holds nothing else) to a day number.
std::int64_t parse_day(const unsigned char* s) {
  auto num = [s](int at, int len) {
    int v = 0;
    for (int k = 0; k < len; ++k) v = v * 10 + (s[at + k] - '0');
    return v;
  };
  return days_from_civil(num(0, 4), num(5, 2), num(8, 2));
}

// The clock of every run: Tuesday 2026-11-24, 09:30 in Shanghai.
const std::int64_t kToday = days_from_civil(2026, 11, 24);
const std::int64_t kNow = midnight(kToday) + 9 * kHour + 30 * kMinute;
// Customers were created from 2021-01-01 to 2026-08-31, evenly by key.
const std::int64_t kFirstCreated = midnight(days_from_civil(2021, 1, 1));
const std::int64_t kCreatedSpan = midnight(days_from_civil(2026, 8, 31)) - kFirstCreated;

// ---------------------------------------------------------------------------
// The data

const char* const kTitles[] = {"采购经理", "总经理", "IT总监", "财务总监", "运营主管", nullptr};
const char* const kBranches[] = {"上海分公司", "北京分公司", "广州分公司", "成都分公司",
                                 "武汉分公司", "西安分公司", "南京分公司", "天津分公司"};
const char* const kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"};
const char* const kGiven[] = {"建国", "晓明", "丽娟", "志刚", "海涛",
                              "雪梅", "永强", "静怡", "文杰", "春燕"};

// Follow-up methods (stored codes), drawn uniformly: phone 3 in 7, visit 2 in 7.
const char* const kMethods[] = {"phone", "phone", "phone",         "visit",
                                "visit", "email", "online_meeting"};
const char* const kGoals[] = {"介绍新产品方案",  "确认采购需求与预算", "跟进报价反馈",
                              "安排技术交流会",  "商务条款谈判",       "回访设备使用情况",
                              "确认合同细节",    "邀请参加行业展会",   "了解决策流程",
                              "演示系统试用环境"};
const char* const kSummaries[] = {"电话沟通了下季度采购计划，客户预计年底前启动招标",
                                  "拜访客户技术负责人，现场演示了设备方案，对方认可交付能力",
                                  "发送了产品资料和报价，客户表示需要内部评估后答复",
                                  "线上会议讨论了系统集成方案，客户关注数据迁移风险",
                                  "客户反馈预算有所调整，采购规模可能缩减",
                                  "与采购经理确认了付款方式和交付周期",
                                  "客户提出需要参考案例，已约定下周提供",
                                  "回访使用情况，客户满意度较高，有扩容意向"};
const char* const kFeedback[] = {"对价格较敏感", "希望提供同行业案例", "需要内部评估",
                                 "认可方案，等待预算审批", "关注售后服务响应时间"};
const char* const kNextSteps[] = {"发送正式报价单", "安排工程师上门调研", "准备合同草案",
                                  "寄送样品",       "约见决策人",         "提交技术方案"};
const char* const kIntentChanges[] = {"意向增强", "意向减弱"};
const char* const kTalkingPoints[] = {"付款方式；交付周期；售后服务", "预算范围；决策流程",
                                      "技术指标；集成接口"};
const char* const kMaterials[] = {"产品手册、报价单", "案例集、技术白皮书", "合同模板"};
const char* const kCloseReasons[] = {"客户临时出差", "客户要求取消本次沟通", "联系不上客户"};

struct TierDef {
  const char* code;
  int days;    // cadence in days (0 = one month)
  int approx;  // its length in days, for the draws
  const char* reason;
};
const TierDef kTiers[] = {{"A", 7, 7, "年采购潜力≥100万元，合作可能性≥70%"},
                          {"B", 14, 14, "年采购潜力≥30万元，合作可能性≥40%"},
                          {"C", 0, 30, "年采购潜力不足30万元"}};

// The day a cadence ends, counted from the last contact.
std::int64_t next_due(std::int64_t last_day, const TierDef& t) {
  return t.days ? last_day + t.days : add_months(last_day, 1);
}

struct Plan {
  std::int64_t id = 0, planned_at = 0, remind_at = 0, record_id = 0;
  std::int64_t created_at = 0, updated_at = 0;
  const char *goal = nullptr, *method = nullptr, *talking_points = nullptr, *materials = nullptr,
             *state = "planned", *state_reason = nullptr;
};

struct Record {
  std::int64_t id = 0, plan_id = 0, contacted_at = 0, created_at = 0;
  const char *method = nullptr, *summary = nullptr, *feedback = nullptr, *intent_change = nullptr,
             *next_step = nullptr;
};

struct Timer {
  const char* kind;
  std::int64_t subject, base_at, due_at;
};

// One customer (key i + 1) and everything that belongs to it, in the form
// libcrm stores it.
struct Customer {
  crm_bench::Row row;  // name, contact, phone_e164, email, codes, key_needs
  const char* type = "prospect";
  std::int64_t owner = 0;
  std::int64_t created_at = 0, updated_at = 0, version = 1;
  std::string entry_date;
  const char* title = nullptr;
  int decision_maker = 0;
  std::int64_t verified_at = 0, reviewed_at = 0;
  const TierDef* tier = nullptr;
  std::int64_t graded_at = 0;
  std::string next_due_date;  // "" = none
  std::int64_t last_followup_at = 0;
  const char* next_step = nullptr;
  std::vector<Plan> plans;  // closed plans first, then done ones, then open
  std::vector<Record> records;
  std::vector<Timer> timers;
};

struct Counts {
  std::int64_t customers = 0, graded = 0, lapsed = 0, records = 0, plans = 0, open_plans = 0,
               overdue_plans = 0, today_plans = 0, timers = 0, due = 0;
};

// Customer i of n.  `stride` > 0: exactly the customers with i % stride ==
// stride / 2 have their due date yesterday, so their cadence_lapsed timer is
// due now; nobody else's is.  Ids of plans and records continue from
// `next_plan` and `next_record`.
Customer make_customer(std::size_t i, std::size_t n, std::size_t stride,
                       const std::vector<std::int64_t>& reps, std::int64_t& next_plan,
                       std::int64_t& next_record, Counts& counts) {
  Customer c;
  const std::int64_t key = static_cast<std::int64_t>(i) + 1;
  const std::size_t distinct = crm_bench::max_rows();
  c.row = crm_bench::make_row(i % distinct);
  if (i >= distinct) c.row.name += kBranches[(i / distinct - 1) % std::size(kBranches)];
  Draw pick{splitmix64(i ^ 0xF0110F0ULL)};
  c.owner = reps[pick(reps.size())];
  const std::uint64_t t = pick(100);  // the lifecycle
  c.type = t < 50 ? "prospect" : t < 75 ? "intent" : t < 95 ? "won" : "churned";
  c.created_at =
      kFirstCreated + kCreatedSpan / static_cast<std::int64_t>(n) * static_cast<std::int64_t>(i);
  c.entry_date = format_day(local_day(c.created_at));
  c.updated_at = std::min<std::int64_t>(kNow - kHour,
                                        c.created_at + static_cast<std::int64_t>(pick(30)) * kDay +
                                            static_cast<std::int64_t>(pick(kDay)));
  c.version = 1 + static_cast<std::int64_t>(pick(6));
  c.title = kTitles[pick(std::size(kTitles))];
  c.decision_maker = pick(10) < 3 ? 1 : 0;
  c.verified_at = c.created_at + static_cast<std::int64_t>(1 + pick(20)) * kHour;
  // Reviewed in the last four weeks: the next review is a month later.
  c.reviewed_at =
      kNow - static_cast<std::int64_t>(1 + pick(27)) * kDay - static_cast<std::int64_t>(pick(kDay));

  const bool in_due_set = stride > 0 && i % stride == stride / 2;
  const std::uint64_t g = pick(100);
  c.tier = g < 15 ? &kTiers[0] : g < 45 ? &kTiers[1] : g < 75 ? &kTiers[2] : nullptr;
  if (in_due_set && !c.tier) c.tier = &kTiers[2];
  std::uint64_t r = pick(100);
  std::size_t n_records = r < 10 ? 0 : r < 30 ? 1 : r < 60 ? 2 : r < 80 ? 3 : r < 95 ? 4 : 5;
  if (c.tier && n_records == 0) n_records = 1;  // graded customers have been contacted

  // The day of the last contact, and the due date it gives.
  std::int64_t last_day = 0, due_day = 0;
  if (n_records > 0) {
    if (c.tier) {
      const bool lapsed = pick(100) < 5;
      const std::int64_t d =
          lapsed ? c.tier->approx + 1 + static_cast<std::int64_t>(pick(20))
                 : static_cast<std::int64_t>(pick(static_cast<std::uint64_t>(c.tier->approx)));
      last_day = kToday - d;
      due_day = next_due(last_day, *c.tier);
      const std::int64_t yesterday = kToday - 1;
      if (in_due_set) {
        last_day = c.tier->days ? yesterday - c.tier->days : add_months(yesterday, -1);
        due_day = next_due(last_day, *c.tier);
        if (due_day != yesterday) throw std::logic_error("due date arithmetic");
      } else if (stride > 0) {
        while (due_day == yesterday) due_day = next_due(--last_day, *c.tier);
      }
    } else {
      last_day = kToday - static_cast<std::int64_t>(pick(90));
    }
  }
  // Contact times: the last one on last_day (before now if that is today),
  // the earlier ones days apart, none before the customer was created.
  std::vector<std::int64_t> times(n_records);
  if (n_records > 0) {
    std::int64_t at =
        midnight(last_day) + (last_day == kToday
                                  ? 8 * kHour + static_cast<std::int64_t>(pick(89)) * kMinute
                                  : 9 * kHour + static_cast<std::int64_t>(pick(9 * 60)) * kMinute);
    for (std::size_t k = n_records; k-- > 0;) {
      times[k] = std::max(at, c.created_at + static_cast<std::int64_t>(k + 1) * kHour);
      at = times[k] - static_cast<std::int64_t>(3 + pick(25)) * kDay -
           static_cast<std::int64_t>(pick(8 * 60)) * kMinute;
    }
  }
  // Plans closed as missed or cancelled (10 %), before the records.
  if (pick(10) == 0) {
    Plan p;
    p.id = next_plan++;
    p.planned_at =
        std::max(c.created_at + kDay, kNow - static_cast<std::int64_t>(2 + pick(60)) * kDay);
    p.remind_at = p.planned_at - 30 * kMinute;
    p.goal = kGoals[pick(std::size(kGoals))];
    p.method = kMethods[pick(std::size(kMethods))];
    p.state = pick(2) ? "missed" : "cancelled";
    p.state_reason = kCloseReasons[pick(std::size(kCloseReasons))];
    p.created_at =
        std::max(c.created_at, p.planned_at - static_cast<std::int64_t>(1 + pick(7)) * kDay);
    p.updated_at = p.planned_at + static_cast<std::int64_t>(pick(8)) * kHour;
    c.plans.push_back(p);
  }
  for (std::size_t k = 0; k < n_records; ++k) {
    Record rec;
    rec.id = next_record++;
    rec.contacted_at = times[k];
    rec.created_at =
        std::min(kNow, rec.contacted_at + static_cast<std::int64_t>(pick(30)) * kMinute);
    rec.method = kMethods[pick(std::size(kMethods))];
    rec.summary = kSummaries[pick(std::size(kSummaries))];
    if (pick(2)) rec.feedback = kFeedback[pick(std::size(kFeedback))];
    if (pick(10) == 0) rec.intent_change = kIntentChanges[pick(2)];
    if (pick(10) < 6) rec.next_step = kNextSteps[pick(std::size(kNextSteps))];
    if (pick(5) == 0) {  // a plan done by this contact (20 %)
      Plan p;
      p.id = next_plan++;
      p.planned_at = rec.contacted_at - static_cast<std::int64_t>(pick(60)) * kMinute;
      p.remind_at = p.planned_at - 30 * kMinute;
      p.goal = kGoals[pick(std::size(kGoals))];
      p.method = rec.method;
      p.state = "done";
      p.record_id = rec.id;
      p.created_at =
          std::max(c.created_at, p.planned_at - static_cast<std::int64_t>(1 + pick(7)) * kDay);
      p.updated_at = rec.created_at;
      rec.plan_id = p.id;
      c.plans.push_back(p);
    }
    c.records.push_back(rec);
  }
  if (n_records > 0) {
    c.last_followup_at = c.records.back().contacted_at;
    c.next_step = c.records.back().next_step;
  }
  // One open plan for 20 % of the customers: 7 % of them overdue (two days
  // to two weeks ago), 3 % later today, the rest in the next two months.
  if (pick(5) == 0) {
    Plan p;
    p.id = next_plan++;
    const std::uint64_t u = pick(100);
    if (u < 7) {
      p.planned_at = midnight(kToday - 2 - static_cast<std::int64_t>(pick(13))) + 9 * kHour +
                     static_cast<std::int64_t>(pick(9 * 60)) * kMinute;
      ++counts.overdue_plans;
    } else if (u < 10) {
      p.planned_at = midnight(kToday) + 10 * kHour + 30 * kMinute +
                     static_cast<std::int64_t>(pick(15)) * 30 * kMinute;
      ++counts.today_plans;
    } else {
      p.planned_at = midnight(kToday + 1 + static_cast<std::int64_t>(pick(60))) + 9 * kHour +
                     static_cast<std::int64_t>(pick(18)) * 30 * kMinute;
    }
    p.remind_at = p.planned_at - 30 * kMinute;
    p.goal = kGoals[pick(std::size(kGoals))];
    p.method = kMethods[pick(std::size(kMethods))];
    if (pick(2)) p.talking_points = kTalkingPoints[pick(std::size(kTalkingPoints))];
    if (pick(3) == 0) p.materials = kMaterials[pick(std::size(kMaterials))];
    p.created_at =
        std::max(c.created_at + kHour,
                 std::min(kNow, p.planned_at) - static_cast<std::int64_t>(1 + pick(10)) * kDay);
    p.updated_at = p.created_at;
    c.plans.push_back(p);
    ++counts.open_plans;
    // Reminders not yet fired: only plans of today and later still have them.
    if (p.remind_at > kNow) c.timers.push_back({"plan_reminder", p.id, p.remind_at, p.remind_at});
    const std::int64_t overdue_at = midnight(local_day(p.planned_at) + 1);
    if (overdue_at > kNow) c.timers.push_back({"plan_overdue", p.id, overdue_at, overdue_at});
  }
  if (c.tier) {
    c.graded_at = std::min(kNow - kHour, c.created_at + static_cast<std::int64_t>(pick(60)) * kDay);
    c.next_due_date = format_day(due_day);
    ++counts.graded;
    if (due_day < kToday) ++counts.lapsed;
    // Lapsed at the midnight after the due date.  A timer due before
    // yesterday's end has fired and is gone; yesterday's is due now.
    if (due_day >= kToday - 1) {
      const std::int64_t at = midnight(due_day + 1);
      c.timers.push_back({"cadence_lapsed", key, at, at});
      if (at <= kNow) ++counts.due;
    }
  }
  c.timers.push_back({"review_due", key, c.reviewed_at, add_local_months(c.reviewed_at, 1)});
  ++counts.customers;
  counts.records += static_cast<std::int64_t>(c.records.size());
  counts.plans += static_cast<std::int64_t>(c.plans.size());
  counts.timers += static_cast<std::int64_t>(c.timers.size());
  return c;
}

// Sales representatives (one per 1000 customers) in departments of ten,
// each department with a manager, through the C ABI.  Returns the
// representatives' ids.
std::vector<std::int64_t> define_users(crm_session* admin, std::size_t customers) {
  const std::size_t reps = std::max<std::size_t>(1, (customers + 999) / 1000);
  std::vector<std::int64_t> ids;
  auto create = [admin](const char* login, const std::string& name, const std::string& dept,
                        const char* role) {
    crm_record* u = nullptr;
    crm_check(crm_record_new(&u), "crm_record_new");
    crm_record_set_text(u, "login", login);
    crm_record_set_text(u, "name", name.c_str());
    crm_record_set_text(u, "department", dept.c_str());
    crm_record_set_text(u, "role", role);
    crm_department(admin, dept);
    std::int64_t id = 0;
    int rc = crm_user_create(admin, u, &id);
    crm_record_free(u);
    crm_check(rc, std::string("crm_user_create(") + login + ")");
    return id;
  };
  char login[32];
  for (std::size_t k = 0; k < reps; ++k) {
    const std::string dept = "销售" + std::to_string(k / 10 + 1) + "部";
    if (k % 10 == 0) {
      std::snprintf(login, sizeof login, "mgr%04zu", k / 10 + 1);
      create(login, std::string(kSurnames[(k / 10) % 10]) + kGiven[(k / 10 + 3) % 10] + "经理",
             dept, "sales_manager");
    }
    std::snprintf(login, sizeof login, "rep%05zu", k + 1);
    std::string name = std::string(kSurnames[k % 10]) + kGiven[(k / 10) % 10];
    if (k >= 100) name += std::to_string(k / 100);
    ids.push_back(create(login, name, dept, "sales"));
  }
  return ids;
}

std::vector<std::int64_t> read_reps(sqlite3* db) {
  Stmt st(db, "SELECT id FROM users WHERE role = 'sales' ORDER BY id");
  std::vector<std::int64_t> ids;
  while (sqlite3_step(st) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(st, 0));
  return ids;
}

// Everything with raw SQLite, in one transaction, into a file whose schema
// and users libcrm made.
Counts bulk_insert(sqlite3* db, std::size_t n, std::size_t stride,
                   const std::vector<std::int64_t>& reps) {
  sql_exec(db, "PRAGMA cache_size = -2097152");  // 2 GiB while building
  sql_exec(db, "BEGIN IMMEDIATE");
  Stmt cust(db,
            "INSERT INTO customers(name, contact_name, phone, email, industry, scale, type, "
            "source, key_needs, priority, owner_id, entry_date, archived, version, created_at, "
            "created_by, updated_at, updated_by, contact_title, reviewed_at, reviewed_by, "
            "last_followup_at, next_step, tier, tier_reason, graded_at, next_due_date, "
            "verified_at, verified_by, verify_method) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, ?14, ?11, ?15, "
            "?11, ?16, ?17, ?11, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?11, 'phone')");
  Stmt contact(db,
               "INSERT INTO contacts(customer_id, name, title, phone, email, decision_maker, "
               "is_primary, created_at, created_by, updated_at, updated_by) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?7, ?8)");
  Stmt plan(db,
            "INSERT INTO followup_plans(id, customer_id, owner_id, goal, method, talking_points, "
            "materials, planned_at, remind_at, state, state_reason, record_id, created_at, "
            "created_by, updated_at, updated_by) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?3, ?14, ?3)");
  Stmt record(db,
              "INSERT INTO followup_records(id, customer_id, plan_id, owner_id, method, "
              "contacted_at, summary, feedback, intent_change, next_step, created_at, "
              "created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?4)");
  Stmt timer(db, "INSERT INTO timers(kind, subject, base_at, due_at) VALUES (?, ?, ?, ?)");
  Counts counts;
  std::int64_t next_plan = 1, next_record = 1;
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const Customer c = make_customer(i, n, stride, reps, next_plan, next_record, counts);
    const std::int64_t key = static_cast<std::int64_t>(i) + 1;
    bind_text(cust, 1, c.row.name);
    bind_text(cust, 2, c.row.contact_name);
    bind_text(cust, 3, c.row.phone_e164);
    bind_text(cust, 4, c.row.email);
    bind_text(cust, 5, c.row.industry_code);
    bind_text(cust, 6, c.row.scale_code);
    sqlite3_bind_text(cust, 7, c.type, -1, SQLITE_STATIC);
    bind_text(cust, 8, c.row.source_code);
    bind_text(cust, 9, c.row.key_needs);
    bind_text(cust, 10, c.row.priority_code);
    sqlite3_bind_int64(cust, 11, c.owner);
    bind_text(cust, 12, c.entry_date);
    sqlite3_bind_int64(cust, 13, c.version);
    sqlite3_bind_int64(cust, 14, c.created_at);
    sqlite3_bind_int64(cust, 15, c.updated_at);
    bind_opt_text(cust, 16, c.title);
    sqlite3_bind_int64(cust, 17, c.reviewed_at);
    bind_opt_int(cust, 18, c.last_followup_at);
    bind_opt_text(cust, 19, c.next_step);
    bind_opt_text(cust, 20, c.tier ? c.tier->code : nullptr);
    bind_opt_text(cust, 21, c.tier ? c.tier->reason : nullptr);
    bind_opt_int(cust, 22, c.graded_at);
    if (c.next_due_date.empty())
      sqlite3_bind_null(cust, 23);
    else
      bind_text(cust, 23, c.next_due_date);
    sqlite3_bind_int64(cust, 24, c.verified_at);
    step_done(db, cust, "INSERT INTO customers");
    if (sqlite3_last_insert_rowid(db) != key)
      throw std::runtime_error("customer keys are not 1..n: is the file fresh?");

    sqlite3_bind_int64(contact, 1, key);
    bind_text(contact, 2, c.row.contact_name);
    bind_opt_text(contact, 3, c.title);
    bind_text(contact, 4, c.row.phone_e164);
    bind_text(contact, 5, c.row.email);
    sqlite3_bind_int(contact, 6, c.decision_maker);
    sqlite3_bind_int64(contact, 7, c.created_at);
    sqlite3_bind_int64(contact, 8, c.owner);
    step_done(db, contact, "INSERT INTO contacts");

    for (const Plan& p : c.plans) {
      sqlite3_bind_int64(plan, 1, p.id);
      sqlite3_bind_int64(plan, 2, key);
      sqlite3_bind_int64(plan, 3, c.owner);
      sqlite3_bind_text(plan, 4, p.goal, -1, SQLITE_STATIC);
      sqlite3_bind_text(plan, 5, p.method, -1, SQLITE_STATIC);
      bind_opt_text(plan, 6, p.talking_points);
      bind_opt_text(plan, 7, p.materials);
      sqlite3_bind_int64(plan, 8, p.planned_at);
      sqlite3_bind_int64(plan, 9, p.remind_at);
      sqlite3_bind_text(plan, 10, p.state, -1, SQLITE_STATIC);
      bind_opt_text(plan, 11, p.state_reason);
      bind_opt_int(plan, 12, p.record_id);
      sqlite3_bind_int64(plan, 13, p.created_at);
      sqlite3_bind_int64(plan, 14, p.updated_at);
      step_done(db, plan, "INSERT INTO followup_plans");
    }
    for (const Record& r : c.records) {
      sqlite3_bind_int64(record, 1, r.id);
      sqlite3_bind_int64(record, 2, key);
      bind_opt_int(record, 3, r.plan_id);
      sqlite3_bind_int64(record, 4, c.owner);
      sqlite3_bind_text(record, 5, r.method, -1, SQLITE_STATIC);
      sqlite3_bind_int64(record, 6, r.contacted_at);
      sqlite3_bind_text(record, 7, r.summary, -1, SQLITE_STATIC);
      bind_opt_text(record, 8, r.feedback);
      bind_opt_text(record, 9, r.intent_change);
      bind_opt_text(record, 10, r.next_step);
      sqlite3_bind_int64(record, 11, r.created_at);
      step_done(db, record, "INSERT INTO followup_records");
    }
    for (const Timer& t : c.timers) {
      sqlite3_bind_text(timer, 1, t.kind, -1, SQLITE_STATIC);
      sqlite3_bind_int64(timer, 2, t.subject);
      sqlite3_bind_int64(timer, 3, t.base_at);
      sqlite3_bind_int64(timer, 4, t.due_at);
      step_done(db, timer, "INSERT INTO timers");
    }
    if ((i + 1) % 100000 == 0)
      std::fprintf(stderr, "  %zu customers (%.0f s)\n", i + 1, seconds_since(t0));
  }
  // libcrm keeps the number of timers in meta (the tick reports it).
  sql_exec(db,
           "UPDATE meta SET value = (SELECT count(*) FROM timers) WHERE key = 'scheduler.timers'");
  sql_exec(db, "COMMIT");
  sql_exec(db, "ANALYZE");
  sql_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  return counts;
}

void print_counts(const Counts& c) {
  std::printf("  %" PRId64 " customers (%" PRId64 " graded, %" PRId64
              " past their due date), %" PRId64 " follow-up records, %" PRId64 " plans (%" PRId64
              " open: %" PRId64 " overdue, %" PRId64 " later today), %" PRId64 " timers (%" PRId64
              " due now)\n",
              c.customers, c.graded, c.lapsed, c.records, c.plans, c.open_plans, c.overdue_plans,
              c.today_plans, c.timers, c.due);
}

// The counts of a database built earlier, read back.
Counts read_counts(sqlite3* db) {
  Counts c;
  c.customers = query_int(db, "SELECT count(*) FROM customers");
  c.graded = query_int(db, "SELECT count(*) FROM customers WHERE tier IS NOT NULL");
  {
    Stmt st(db, "SELECT count(*) FROM customers WHERE next_due_date < ?");
    const std::string today = format_day(kToday);
    bind_text(st, 1, today);
    sqlite3_step(st);
    c.lapsed = sqlite3_column_int64(st, 0);
  }
  c.records = query_int(db, "SELECT count(*) FROM followup_records");
  c.plans = query_int(db, "SELECT count(*) FROM followup_plans");
  c.open_plans = query_int(db, "SELECT count(*) FROM followup_plans WHERE state = 'planned'");
  c.overdue_plans = query_int(
      db, "SELECT count(*) FROM followup_plans WHERE state = 'planned' AND planned_at < ?",
      midnight(kToday), true);
  c.today_plans = query_int(db,
                            "SELECT count(*) FROM followup_plans WHERE state = 'planned' AND "
                            "planned_at >= ?1 AND planned_at < ?1 + 86400000",
                            midnight(kToday), true);
  c.timers = query_int(db, "SELECT count(*) FROM timers");
  c.due = query_int(db, "SELECT count(*) FROM timers WHERE due_at <= ?", kNow, true);
  return c;
}

std::string data_path(const std::string& what, std::size_t rows) {
  return g_cfg.dir + "/" + what + "-" + std::to_string(rows) + "-schema" +
         std::to_string(crm_schema_version()) + "-data" + std::to_string(kDataVersion) + ".db";
}

// Builds the database file unless a complete one is there.  A file is only
// ever renamed into place once complete, so one that exists is usable; its
// schema version and customer count are checked anyway.
std::string ensure_database(const std::string& what, std::size_t rows, std::size_t stride) {
  make_dirs(g_cfg.dir);
  const std::string path = data_path(what, rows);
  if (file_exists(path)) {
    try {
      RawDb raw(path, true);
      if (query_int(raw.db, "PRAGMA user_version") == crm_schema_version() &&
          query_int(raw.db, "SELECT count(*) FROM customers") == static_cast<std::int64_t>(rows)) {
        std::printf("database: %s (reused)\n", path.c_str());
        print_counts(read_counts(raw.db));
        return path;
      }
    } catch (const std::exception&) {
    }
    std::printf("database: %s is incomplete or stale; rebuilding\n", path.c_str());
    remove_db(path);
  }
  auto t0 = std::chrono::steady_clock::now();
  const std::string tmp = path + ".building." + std::to_string(::getpid());
  remove_db(tmp);
  std::vector<std::int64_t> reps;
  {
    CrmHandle h(tmp, 1);  // libcrm's schema, seeds and admin user
    reps = define_users(h.s, rows);
  }
  Counts counts;
  {
    RawDb raw(tmp);
    if (read_reps(raw.db) != reps) throw std::runtime_error("the representatives differ");
    counts = bulk_insert(raw.db, rows, stride, reps);
  }
  if (file_exists(tmp + "-wal")) throw std::runtime_error(tmp + "-wal is left after closing");
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("rename(" + tmp + "): " + std::strerror(errno));
  std::printf("database: %s (built in %.1f s, untimed)\n", path.c_str(), seconds_since(t0));
  print_counts(counts);
  return path;
}

// ---------------------------------------------------------------------------
// The agenda: the two sides

// The hand-written statements: the open plans of the owner up to the end of
// today with their customer's name, and the owner's customers whose due
// date has passed; one more row each than the page, to know whether there is
// a next one.  ?1 owner, ?2 the end of today (plans) or today's date
// (customers), ?3 the limit.
const char* const kHandPlansSql =
    "SELECT p.id, p.customer_id, p.planned_at, p.goal, p.method, c.name "
    "FROM followup_plans p JOIN customers c ON c.id = p.customer_id "
    "WHERE p.owner_id = ?1 AND p.state = 'planned' AND p.planned_at < ?2 "
    "ORDER BY p.planned_at, p.id LIMIT ?3";
const char* const kHandLapsedSql =
    "SELECT id, name, tier, next_due_date FROM customers "
    "WHERE owner_id = ?1 AND next_due_date IS NOT NULL AND next_due_date < ?2 "
    "ORDER BY next_due_date, id LIMIT ?3";

// The statements libcrm prepares for the first page (src/store/
// followup_repo.cpp, AgendaPlanStream and LapsedStream), for their plans.
const char* const kLibcrmPlansSql =
    "SELECT p.id, p.customer_id, p.owner_id, p.goal, p.method, p.talking_points, p.materials, "
    "p.planned_at, p.remind_at, p.state, p.state_reason, p.rescheduled_to, p.record_id, "
    "p.created_at, p.created_by, p.updated_at, p.updated_by, c.name "
    "FROM followup_plans p JOIN customers c ON c.id = p.customer_id "
    "WHERE p.owner_id = ?1 AND p.state = 'planned' AND p.planned_at < ?2 "
    "AND (p.planned_at, p.id) > (?3, ?4) ORDER BY p.planned_at, p.id LIMIT ?5";
const char* const kLibcrmLapsedSql =
    "SELECT id, name, tier, next_due_date, last_followup_at FROM customers "
    "WHERE owner_id = ?1 AND next_due_date IS NOT NULL AND next_due_date < ?2 "
    "AND (next_due_date, id) > (?3, ?4) ORDER BY next_due_date, id LIMIT ?5";

// The fields a host reads from every row of the agenda.
struct Item {
  std::string kind, customer, customer_name, goal, method, tier, next_due_date;
  std::int64_t due_at = 0, plan_id = 0;
  bool operator==(const Item& o) const {
    return kind == o.kind && due_at == o.due_at && customer == o.customer &&
           customer_name == o.customer_name && plan_id == o.plan_id && goal == o.goal &&
           method == o.method && tier == o.tier && next_due_date == o.next_due_date;
  }
};

std::string str(const unsigned char* s) { return s ? reinterpret_cast<const char*>(s) : ""; }

struct AgendaFixture {
  std::string path;
  std::unique_ptr<CrmHandle> crm;      // the handle (its session: the admin)
  std::vector<std::int64_t> owners;    // the rotation
  std::vector<crm_session*> sessions;  // each owner's own session
  std::unique_ptr<RawDb> raw;
  sqlite3_stmt* plans = nullptr;   // kHandPlansSql
  sqlite3_stmt* lapsed = nullptr;  // kHandLapsedSql
  std::int64_t today_start = midnight(kToday), tomorrow_start = midnight(kToday + 1);
  std::string today = format_day(kToday);

  ~AgendaFixture() {
    sqlite3_finalize(plans);
    sqlite3_finalize(lapsed);
    raw.reset();
    for (crm_session* s : sessions) crm_session_close(s);
    crm.reset();
  }
};
std::unique_ptr<AgendaFixture> g_agenda;

// One agenda page through libcrm for owner number `k` of the rotation; `out`
// (optional) gets the fields read.  Returns the row count, or -1 with the
// error in `err`.
int crm_agenda_page(AgendaFixture& f, std::size_t k, std::uint64_t& sink, std::vector<Item>* out,
                    bool* more, std::string& err) {
  crm_agenda_query q = CRM_AGENDA_QUERY_INIT;
  q.page_size = kPageSize;
  crm_cursor* cur = nullptr;
  if (crm_agenda(f.sessions[k], &q, &cur) != CRM_OK) {
    err = "crm_agenda: " + crm_error_text();
    return -1;
  }
  int n = 0;
  const crm_record* row = nullptr;
  while (crm_cursor_next(cur, &row) == CRM_OK) {
    const char *kind = nullptr, *customer = nullptr, *name = nullptr;
    std::int64_t due_at = 0;
    crm_record_get_text(row, "kind", &kind);
    crm_record_get_int(row, "due_at", &due_at);
    crm_record_get_text(row, "customer", &customer);
    crm_record_get_text(row, "customer_name", &name);
    sink += static_cast<std::uint64_t>(due_at) + static_cast<unsigned char>(kind[0]) +
            static_cast<unsigned char>(customer[1]) + static_cast<unsigned char>(name[0]);
    Item* it = nullptr;
    if (out) {
      out->emplace_back();
      it = &out->back();
      it->kind = kind;
      it->due_at = due_at;
      it->customer = customer;
      it->customer_name = name;
    }
    if (kind[0] == 'l') {  // "lapsed": the customer's tier and due date
      const char *tier = nullptr, *due_date = nullptr;
      crm_record_get_text(row, "tier", &tier);
      crm_record_get_text(row, "next_due_date", &due_date);
      sink += static_cast<unsigned char>(tier[0]) + static_cast<unsigned char>(due_date[9]);
      if (it) {
        it->tier = tier;
        it->next_due_date = due_date;
      }
    } else {  // "plan" or "overdue_plan"
      std::int64_t plan_id = 0;
      const char *goal = nullptr, *method = nullptr;
      crm_record_get_int(row, "plan_id", &plan_id);
      crm_record_get_text(row, "goal", &goal);
      crm_record_get_text(row, "method", &method);
      sink += static_cast<std::uint64_t>(plan_id) + static_cast<unsigned char>(goal[0]) +
              static_cast<unsigned char>(method[0]);
      if (it) {
        it->plan_id = plan_id;
        it->goal = goal;
        it->method = method;
      }
    }
    ++n;
  }
  if (more) {
    const char* token = nullptr;
    crm_cursor_next_page(cur, &token);
    *more = token != nullptr;
  }
  crm_cursor_close(cur);
  return n;
}

// The same page with the two hand-written statements, merged while stepping:
// a plan comes first when its time is not after the lapsed customer's due
// instant (the midnight after its due date), as in libcrm.
int hand_agenda_page(AgendaFixture& f, std::size_t k, std::uint64_t& sink, std::vector<Item>* out,
                     bool* more, std::string& err) {
  sqlite3_stmt* p = f.plans;
  sqlite3_stmt* l = f.lapsed;
  const std::int64_t owner = f.owners[k];
  sqlite3_bind_int64(p, 1, owner);
  sqlite3_bind_int64(p, 2, f.tomorrow_start);
  sqlite3_bind_int(p, 3, kPageSize + 1);
  sqlite3_bind_int64(l, 1, owner);
  bind_text(l, 2, f.today);
  sqlite3_bind_int(l, 3, kPageSize + 1);
  int rp = sqlite3_step(p), rl = sqlite3_step(l);
  std::int64_t lapsed_due =
      rl == SQLITE_ROW ? midnight(parse_day(sqlite3_column_text(l, 3)) + 1) : 0;
  int n = 0;
  char customer[32];
  while (n < kPageSize && (rp == SQLITE_ROW || rl == SQLITE_ROW)) {
    const bool take_plan =
        rl != SQLITE_ROW || (rp == SQLITE_ROW && sqlite3_column_int64(p, 2) <= lapsed_due);
    if (take_plan) {
      const std::int64_t plan_id = sqlite3_column_int64(p, 0);
      const std::int64_t planned_at = sqlite3_column_int64(p, 2);
      const char* kind = planned_at < f.today_start ? "overdue_plan" : "plan";
      std::snprintf(customer, sizeof customer, "C%04" PRId64,
                    static_cast<std::int64_t>(sqlite3_column_int64(p, 1)));
      const unsigned char* goal = sqlite3_column_text(p, 3);
      const unsigned char* method = sqlite3_column_text(p, 4);
      const unsigned char* name = sqlite3_column_text(p, 5);
      sink += static_cast<std::uint64_t>(planned_at) + static_cast<unsigned char>(kind[0]) +
              static_cast<unsigned char>(customer[1]) + name[0] +
              static_cast<std::uint64_t>(plan_id) + goal[0] + method[0];
      if (out) {
        Item it;
        it.kind = kind;
        it.due_at = planned_at;
        it.customer = customer;
        it.customer_name = str(name);
        it.plan_id = plan_id;
        it.goal = str(goal);
        it.method = str(method);
        out->push_back(std::move(it));
      }
      rp = sqlite3_step(p);
    } else {
      std::snprintf(customer, sizeof customer, "C%04" PRId64,
                    static_cast<std::int64_t>(sqlite3_column_int64(l, 0)));
      const unsigned char* name = sqlite3_column_text(l, 1);
      const unsigned char* tier = sqlite3_column_text(l, 2);
      const unsigned char* due_date = sqlite3_column_text(l, 3);
      sink += static_cast<std::uint64_t>(lapsed_due) + 'l' +
              static_cast<unsigned char>(customer[1]) + name[0] + tier[0] + due_date[9];
      if (out) {
        Item it;
        it.kind = "lapsed";
        it.due_at = lapsed_due;
        it.customer = customer;
        it.customer_name = str(name);
        it.tier = str(tier);
        it.next_due_date = str(due_date);
        out->push_back(std::move(it));
      }
      rl = sqlite3_step(l);
      if (rl == SQLITE_ROW) lapsed_due = midnight(parse_day(sqlite3_column_text(l, 3)) + 1);
    }
    ++n;
  }
  const bool extra = rp == SQLITE_ROW || rl == SQLITE_ROW;
  const bool failed =
      (rp != SQLITE_ROW && rp != SQLITE_DONE) || (rl != SQLITE_ROW && rl != SQLITE_DONE);
  sqlite3_reset(p);
  sqlite3_reset(l);
  if (failed) {
    err = std::string("hand-written agenda: ") + sqlite3_errmsg(f.raw->db);
    return -1;
  }
  if (more) *more = extra;
  return n;
}

std::string describe(const std::vector<Item>& v) {
  std::string s;
  for (const Item& x : v) s += " " + x.kind.substr(0, 1) + ":" + x.customer;
  return s;
}

// Opens both sides, prints the plans, and checks that both return the same
// page for every owner of the rotation before anything is timed.
void setup_agenda(const std::string& path) {
  auto f = std::make_unique<AgendaFixture>();
  f->path = path;
  f->crm = std::make_unique<CrmHandle>(path, 1);
  crm_check(crm_db_clock_fixed(f->crm->db, kNow), "crm_db_clock_fixed");
  f->raw = std::make_unique<RawDb>(path);
  sqlite3* db = f->raw->db;
  const std::vector<std::int64_t> reps = read_reps(db);
  const std::size_t turns = std::min<std::size_t>(kRotation, reps.size());
  for (std::size_t k = 0; k < turns; ++k) {
    f->owners.push_back(reps[k * reps.size() / turns]);
    crm_session* s = nullptr;
    crm_check(crm_session_open(f->crm->db, f->owners.back(), &s), "crm_session_open");
    f->sessions.push_back(s);
  }
  sql_check(
      sqlite3_prepare_v3(db, kHandPlansSql, -1, SQLITE_PREPARE_PERSISTENT, &f->plans, nullptr), db,
      "prepare the hand-written plans query");
  sql_check(
      sqlite3_prepare_v3(db, kHandLapsedSql, -1, SQLITE_PREPARE_PERSISTENT, &f->lapsed, nullptr),
      db, "prepare the hand-written lapsed query");

  std::printf("\nagenda: %zu owners in turn (user %" PRId64 " … %" PRId64
              "), each through their own session, clock fixed at 2026-11-24 09:30 "
              "Asia/Shanghai, first page of %d\n",
              turns, f->owners.front(), f->owners.back(), kPageSize);
  print_plan(db, "Plan of the hand-written plans query:", kHandPlansSql);
  print_plan(db, "Plan of the hand-written lapsed query:", kHandLapsedSql);
  print_plan(db, "Plan of libcrm's plans query:", kLibcrmPlansSql);
  print_plan(db, "Plan of libcrm's lapsed query:", kLibcrmLapsedSql);

  std::uint64_t sink = 0;
  std::string err;
  std::size_t total = 0, full = 0;
  std::map<std::string, int> kinds;
  for (std::size_t k = 0; k < turns; ++k) {
    std::vector<Item> a, b;
    bool more_a = false, more_b = false;
    if (crm_agenda_page(*f, k, sink, &a, &more_a, err) < 0 ||
        hand_agenda_page(*f, k, sink, &b, &more_b, err) < 0)
      throw std::runtime_error(err);
    if (a.empty())
      throw std::runtime_error("an empty agenda for user " + std::to_string(f->owners[k]));
    if (!(a == b) || more_a != more_b)
      throw std::runtime_error(
          "libcrm and the hand-written queries return different agendas for user " +
          std::to_string(f->owners[k]) + ":" + describe(a) + " |" + describe(b));
    total += a.size();
    full += more_a ? 1 : 0;
    for (const Item& x : a) ++kinds[x.kind];
  }
  std::printf(
      "Verified: both sides return the same rows and fields for all %zu owners: %zu rows "
      "(%d overdue plans, %d plans of today, %d lapsed customers), %zu of the pages "
      "with a next page.\n\n",
      turns, total, kinds["overdue_plan"], kinds["plan"], kinds["lapsed"], full);
  g_agenda = std::move(f);
}

// ---------------------------------------------------------------------------
// The tick

struct TickFixture {
  std::string path;
  std::unique_ptr<CrmHandle> crm;  // an administrator's session
  std::int64_t due = 0;            // timers due at kNow
  std::int64_t pending = 0;        // timers after a tick
};
TickFixture g_tick[kTickCaseCount];
std::unique_ptr<RawDb> g_scan;  // raw, on the 10 % file

// One tick to `now` inside an explicit transaction, rolled back; the report
// is checked against `expect` fired reminders.
crm_tick_report checked_tick(TickFixture& f, std::int64_t now, std::int64_t expect) {
  crm_check(crm_db_begin(f.crm->db), "crm_db_begin");
  crm_tick_report rep = CRM_TICK_REPORT_INIT;
  int rc = crm_tick(f.crm->s, now, &rep);
  std::string e = rc == CRM_OK ? "" : crm_error_text();
  crm_check(crm_db_rollback(f.crm->db), "crm_db_rollback");
  if (rc != CRM_OK) throw std::runtime_error("crm_tick: " + e);
  if (rep.fired != expect || rep.messages != expect || rep.skipped != 0 || rep.rearmed != 0 ||
      rep.escalated != 0)
    throw std::runtime_error(
        f.path + ": the tick fired " + std::to_string(rep.fired) + " reminders (" +
        std::to_string(rep.messages) + " messages, " + std::to_string(rep.skipped) + " skipped, " +
        std::to_string(rep.rearmed) + " rearmed) instead of " + std::to_string(expect));
  return rep;
}

void setup_tick(int k, const std::string& path) {
  TickFixture& f = g_tick[k];
  f.path = path;
  {
    RawDb raw(path, true);
    f.due = query_int(raw.db, "SELECT count(*) FROM timers WHERE due_at <= ?", kNow, true);
    const std::int64_t cadence = query_int(
        raw.db, "SELECT count(*) FROM timers WHERE due_at <= ? AND kind = 'cadence_lapsed'", kNow,
        true);
    const std::int64_t want = static_cast<std::int64_t>(
        (g_cfg.tick_rows + kTickCases[k].stride - 1 - kTickCases[k].stride / 2) /
        kTickCases[k].stride);
    if (f.due != want || cadence != f.due)
      throw std::runtime_error(path + ": " + std::to_string(f.due) + " timers due (" +
                               std::to_string(cadence) + " cadence_lapsed) instead of " +
                               std::to_string(want));
  }
  f.crm = std::make_unique<CrmHandle>(path, 1);
  crm_check(crm_db_clock_fixed(f.crm->db, kNow), "crm_db_clock_fixed");
  crm_tick_report rep = checked_tick(f, kNow, f.due);
  checked_tick(f, midnight(kToday) - 1, 0);
  f.pending = rep.pending;
  checked_tick(f, kNow, f.due);  // the rollback restored the due set
}

// ---------------------------------------------------------------------------
// Benchmarks

using AgendaFn = int (*)(AgendaFixture&, std::size_t, std::uint64_t&, std::vector<Item>*, bool*,
                         std::string&);

void run_agenda(benchmark::State& state, AgendaFn page) {
  std::uint64_t sink = 0;
  std::int64_t rows = 0;
  std::string err;
  AgendaFixture& f = *g_agenda;
  std::size_t k = 0;
  for (auto _ : state) {
    int n = page(f, k, sink, nullptr, nullptr, err);
    if (n < 0) {
      fail(state, err);
      break;
    }
    rows += n;
    if (++k == f.owners.size()) k = 0;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());  // pages
  state.counters["rows"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kAvgIterations);
}

void BM_CrmAgenda(benchmark::State& state) { run_agenda(state, crm_agenda_page); }
void BM_HandAgenda(benchmark::State& state) { run_agenda(state, hand_agenda_page); }

// k: the case (0.1 %, 1 %, 10 %); k == kTickCaseCount: nothing due, on the
// 10 % file.
template <int K>
void BM_CrmTick(benchmark::State& state) {
  TickFixture& f = g_tick[K < kTickCaseCount ? K : kTickCaseCount - 1];
  const std::int64_t now = K < kTickCaseCount ? kNow : midnight(kToday) - 1;
  const std::int64_t expect = K < kTickCaseCount ? f.due : 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (crm_db_begin(f.crm->db) != CRM_OK) {
      fail(state, "crm_db_begin: " + crm_error_text());
      break;
    }
    crm_tick_report rep = CRM_TICK_REPORT_INIT;
    state.ResumeTiming();
    int rc = crm_tick(f.crm->s, now, &rep);
    state.PauseTiming();
    std::string e = rc == CRM_OK ? "" : crm_error_text();
    if (crm_db_rollback(f.crm->db) != CRM_OK) e += " crm_db_rollback: " + crm_error_text();
    state.ResumeTiming();
    if (!e.empty() || rep.fired != expect) {
      fail(state, "crm_tick: " + e + " fired " + std::to_string(rep.fired));
      break;
    }
  }
  state.counters["due"] = static_cast<double>(expect);
  if (expect > 0)
    state.counters["per_item"] = benchmark::Counter(
        static_cast<double>(expect),
        benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// One tick on a fresh copy of the file, committing as a host's tick does.
template <int K>
void BM_CrmTickCommitted(benchmark::State& state) {
  TickFixture& f = g_tick[K];
  const std::string copy = f.path + ".tick." + std::to_string(::getpid());
  for (auto _ : state) {
    state.PauseTiming();
    remove_db(copy);
    std::error_code ec;
    std::filesystem::copy_file(f.path, copy, ec);
    if (ec) {
      fail(state, "copy " + f.path + ": " + ec.message());
      break;
    }
    int rc = CRM_OK;
    crm_tick_report rep = CRM_TICK_REPORT_INIT;
    std::string e;
    {
      CrmHandle h(copy, 1);
      state.ResumeTiming();
      rc = crm_tick(h.s, kNow, &rep);
      state.PauseTiming();
      if (rc != CRM_OK) e = crm_error_text();
    }
    remove_db(copy);
    state.ResumeTiming();
    if (rc != CRM_OK || rep.fired != f.due) {
      fail(state, "crm_tick: " + e + " fired " + std::to_string(rep.fired));
      break;
    }
  }
  state.counters["due"] = static_cast<double>(f.due);
  state.counters["per_item"] =
      benchmark::Counter(static_cast<double>(f.due), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

void raw_count(benchmark::State& state, const char* sql, bool bind_today) {
  Stmt st(g_scan->db, sql, SQLITE_PREPARE_PERSISTENT);
  const std::string today = format_day(kToday);
  std::int64_t sink = 0;
  for (auto _ : state) {
    if (bind_today) bind_text(st, 1, today);
    if (sqlite3_step(st) != SQLITE_ROW) {
      fail(state, std::string(sql) + ": " + sqlite3_errmsg(g_scan->db));
      break;
    }
    sink += sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
  }
  benchmark::DoNotOptimize(sink);
}

void BM_ScanCustomers(benchmark::State& state) {
  raw_count(state,
            "SELECT count(*) FROM customers NOT INDEXED WHERE tier IS NOT NULL AND "
            "next_due_date < ?",
            true);
}

void BM_CountTimers(benchmark::State& state) {
  raw_count(state, "SELECT count(*) FROM timers", false);
}

// ---------------------------------------------------------------------------
// The summary

const crm_bench::RatioFormat kRatioFormat{"hand-written", "hand-written", 1, 1e6, "CPU", false};

double ms(const CollectingReporter& rep, const std::string& name) {
  return crm_bench::median(rep.real, name) * 1e3;
}

void print_tick_summary(const CollectingReporter& rep) {
  std::printf("\n==== crm_tick against the due reminders (median of repetitions) ====\n");
  std::printf("%zu customers per file, %" PRId64
              " timers pending after the tick; each tick in "
              "crm_db_begin … crm_db_rollback (rollback not timed)\n",
              g_cfg.tick_rows, g_tick[kTickCaseCount - 1].pending);
  const double none = ms(rep, "CrmTick/none");
  std::printf("  %-22s %8s %11s %11s %16s   %s\n", "due", "items", "ms/tick", "us/item",
              "us/item - fixed", "repetitions (us)");
  std::printf("  %-22s %8d %11.3f %11s %16s   %s\n", "none (fixed cost)", 0, none, "-", "-",
              crm_bench::all(rep.real, "CrmTick/none", 1e6).c_str());
  double per_item[kTickCaseCount] = {0}, marginal[kTickCaseCount] = {0};
  for (int k = 0; k < kTickCaseCount; ++k) {
    const std::string name = std::string("CrmTick/") + kTickCases[k].name;
    const double t = ms(rep, name);
    const double items = static_cast<double>(g_tick[k].due);
    per_item[k] = t > 0 && items > 0 ? t * 1e3 / items : 0;
    marginal[k] = t > 0 && items > 0 ? (t - none) * 1e3 / items : 0;
    std::printf("  %-22s %8.0f %11.3f %11.2f %16.2f   %s\n", kTickCases[k].label, items, t,
                per_item[k], marginal[k], crm_bench::all(rep.real, name, 1e6).c_str());
  }
  double lo = 0, hi = 0;  // the extremes of the per-item cost without the fixed cost
  for (double m : marginal)
    if (m > 0) {
      lo = lo > 0 ? std::min(lo, m) : m;
      hi = std::max(hi, m);
    }
  if (per_item[0] > 0 && per_item[kTickCaseCount - 1] > 0) {
    std::printf(
        "  Per-item cost, 10 %% against 0.1 %%: %.2f (1.00 = linear); without the fixed "
        "cost: %.2f\n",
        per_item[kTickCaseCount - 1] / per_item[0],
        marginal[0] > 0 ? marginal[kTickCaseCount - 1] / marginal[0] : 0.0);
    const double t1 = ms(rep, "CrmTick/1%"), t10 = ms(rep, "CrmTick/10%");
    std::printf("  Marginal cost between 1 %% and 10 %%: %.2f us per due item\n",
                (t10 - t1) * 1e3 / static_cast<double>(g_tick[2].due - g_tick[1].due));
  }
  const double scan = ms(rep, "ScanCustomers"), count = ms(rep, "CountTimers");
  if (scan > 0)
    std::printf(
        "  Full scan of the customers' rows (raw SQLite, NOT INDEXED): %.3f ms; the "
        "0.1 %% tick takes %.2f of it, the fixed cost %.2f\n",
        scan, ms(rep, "CrmTick/0.1%") / scan, none / scan);
  if (count > 0)
    std::printf("  SELECT count(*) FROM timers (raw SQLite): %.3f ms, %.0f %% of the fixed cost\n",
                count, none > 0 ? 100 * count / none : 0.0);
  if (lo > 0 && none > 0) {
    std::printf(
        "  Linear in the due items: %s (per-item cost without the fixed cost from %.1f to "
        "%.1f us, %.2fx apart; limit 2x)\n",
        hi / lo <= 2 ? "YES" : "NO", lo, hi, hi / lo);
    if (count > 0)
      std::printf("  No full scan: %s (%s)\n", none < 0.5 * count ? "YES" : "NO",
                  none < 0.5 * count
                      ? "a tick with nothing due costs far less than one count of the timers"
                      : "the fixed cost is about one SELECT count(*) FROM timers: every tick scans "
                        "all the timers, so it grows with the customers");
  }
  bool committed = false;
  for (int k = 0; k < kTickCaseCount; ++k) {
    const std::string name = std::string("CrmTickCommitted/") + kTickCases[k].name;
    const double t = ms(rep, name);
    if (t <= 0) continue;
    if (!committed) std::printf("  Committed, on a fresh copy (informational):\n");
    committed = true;
    std::printf("    %-20s %8" PRId64 " %11.3f ms %9.2f us/item   repetitions (us): %s\n",
                kTickCases[k].label, g_tick[k].due, t, t * 1e3 / static_cast<double>(g_tick[k].due),
                crm_bench::all(rep.real, name, 1e6).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  crm_bench::set_program_name("followup_bench");
  g_cfg.agenda_rows =
      crm_bench::env_size("CRM_BENCH_AGENDA_ROWS", g_cfg.agenda_rows, 100, 100000000);
  g_cfg.tick_rows = crm_bench::env_size("CRM_BENCH_TICK_ROWS", g_cfg.tick_rows, 1000, 100000000);
  g_cfg.reps = static_cast<int>(crm_bench::env_size("CRM_BENCH_REPS", g_cfg.reps, 1, 100));
  if (const char* d = std::getenv("CRM_BENCH_FOLLOWUP_DIR"); d && *d) g_cfg.dir = d;

  if (!crm_bench::initialize(argc, argv)) return 1;

  crm_bench::print_build(CRM_BENCH_BUILD_TYPE);
  std::printf("agenda: %zu customers; tick: %zu customers per file; repetitions: %d\n",
              g_cfg.agenda_rows, g_cfg.tick_rows, g_cfg.reps);
  benchmark::AddCustomContext("crm_agenda_rows", std::to_string(g_cfg.agenda_rows));
  benchmark::AddCustomContext("crm_tick_rows", std::to_string(g_cfg.tick_rows));
  benchmark::AddCustomContext("crm_version", crm_version());
  benchmark::AddCustomContext("sqlite_version", sqlite3_libversion());
  benchmark::AddCustomContext("crm_bench_build_type", CRM_BENCH_BUILD_TYPE);
  std::fflush(stdout);

  try {
    const std::string agenda = ensure_database("agenda", g_cfg.agenda_rows, 0);
    std::string tick[kTickCaseCount];
    for (int k = 0; k < kTickCaseCount; ++k)
      tick[k] = ensure_database(std::string("tick-due") + std::to_string(kTickCases[k].stride),
                                g_cfg.tick_rows, kTickCases[k].stride);
    std::fflush(stdout);
    setup_agenda(agenda);
    for (int k = 0; k < kTickCaseCount; ++k) setup_tick(k, tick[k]);
    g_scan = std::make_unique<RawDb>(tick[kTickCaseCount - 1], true);
    std::printf("Verified: each tick fires exactly its due set (");
    for (int k = 0; k < kTickCaseCount; ++k)
      std::printf("%s%" PRId64, k ? ", " : "", g_tick[k].due);
    std::printf(
        " cadence_lapsed reminders, one message each, nothing skipped), and nothing "
        "before midnight.\n\n");
  } catch (const std::exception& e) {
    die(std::string("setup failed: ") + e.what());
  }
  std::fflush(stdout);

  using benchmark::kMicrosecond;
  using benchmark::kMillisecond;
  register_timed("CrmAgenda", BM_CrmAgenda, g_cfg.reps, kMicrosecond);
  register_timed("HandAgenda", BM_HandAgenda, g_cfg.reps, kMicrosecond);
  register_timed("CrmTick/none", BM_CrmTick<kTickCaseCount>, g_cfg.reps, kMillisecond);
  register_timed("CrmTick/0.1%", BM_CrmTick<0>, g_cfg.reps, kMillisecond);
  register_timed("CrmTick/1%", BM_CrmTick<1>, g_cfg.reps, kMillisecond);
  register_timed("CrmTick/10%", BM_CrmTick<2>, g_cfg.reps, kMillisecond);
  register_timed("CrmTickCommitted/0.1%", BM_CrmTickCommitted<0>, g_cfg.reps, kMillisecond, true);
  register_timed("CrmTickCommitted/1%", BM_CrmTickCommitted<1>, g_cfg.reps, kMillisecond, true);
  register_timed("CrmTickCommitted/10%", BM_CrmTickCommitted<2>, g_cfg.reps, kMillisecond, true);
  register_timed("ScanCustomers", BM_ScanCustomers, g_cfg.reps, kMillisecond);
  register_timed("CountTimers", BM_CountTimers, g_cfg.reps, kMillisecond);

  CollectingReporter reporter(crm_bench::Measure::seconds_per_iteration,
                              crm_bench::console_options(argc, argv));
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::fflush(stdout);

  std::printf("\n==== libcrm C ABI vs hand-written SQL (median of repetitions) ====\n");
  char title[200];
  std::snprintf(
      title, sizeof title,
      "Agenda, first page (%d rows), owners in turn, %zu customers, about %zu follow-ups:",
      kPageSize, g_cfg.agenda_rows, 3 * g_cfg.agenda_rows);
  crm_bench::print_ratio(reporter, kRatioFormat, title, "CrmAgenda", "HandAgenda", "us/page",
                         kAgendaTarget);
  print_tick_summary(reporter);
  std::fflush(stdout);

  g_agenda.reset();
  g_scan.reset();
  for (auto& t : g_tick) t.crm.reset();
  benchmark::Shutdown();
  return crm_bench::failures() ? 1 : 0;
}
