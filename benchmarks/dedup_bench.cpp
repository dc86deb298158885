// dedup_bench: duplicate detection (crm_duplicates_find, docs/duplicates.md)
// over N customers with 5 % planted duplicates, against a plain scan and
// sort of the same stored match keys, measured in the same run; prints the
// time ratio (target <= 3x) and the recall and precision on the planted
// pairs (target >= 0.95 each) as counters.
//
//   CRM_BENCH_DEDUP_ROWS=1000000 ./build-release/benchmarks/dedup_bench
//
// N is the benchmark's argument (CRM_BENCH_DEDUP_ROWS, default 1,000,000);
// CRM_BENCH_DEDUP_KEEP=1 keeps the database (its path is printed) for
// profiling.
// The database is built once per run in a temporary directory (through the
// C ABI, 1,000 creates per transaction), which for a million customers
// takes far longer than the measurement itself.
//
// The population: N − N/20 distinct customers (no two share a name, phone or
// e-mail key) and N/20 planted duplicates of some of them, one per original,
// each entered differently:
//   0  the name in traditional characters (華為… → 华为…), its own e-mail
//   1  the region written another way (中国杭州市… for 杭州…), its own e-mail
//   2  another legal form with the region as a note (…（杭州）有限责任公司)
//   3  a longer name (…科技…), the same phone typed another way
//   4  a longer name, the same e-mail in capitals, no phone
// Recall: planted pairs found / planted pairs; precision: found pairs that
// are planted / found pairs.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "bench_common.hpp"
#include "dataset.hpp"

namespace {

using crm_bench::crm_check;

// Simplified → traditional for the characters above (OpenCC's t2s maps them
// back).
const std::pair<const char*, const char*> kTraditional[] = {
    {"华", "華"}, {"锦", "錦"}, {"凯", "凱"}, {"联", "聯"}, {"鹏", "鵬"}, {"启", "啟"},
    {"荣", "榮"}, {"远", "遠"}, {"汇", "匯"}, {"澜", "瀾"}, {"钧", "鈞"}, {"诚", "誠"},
    {"达", "達"}, {"丰", "豐"}, {"辉", "輝"}, {"骏", "駿"}, {"诺", "諾"}, {"锐", "銳"},
    {"泽", "澤"}, {"众", "眾"}, {"铭", "銘"}, {"创", "創"}, {"腾", "騰"}, {"软", "軟"},
    {"网", "網"}, {"络", "絡"}, {"机", "機"}, {"电", "電"}, {"应", "應"}, {"链", "鏈"},
    {"医", "醫"}, {"疗", "療"}, {"贸", "貿"}, {"设", "設"}, {"车", "車"}, {"环", "環"},
    {"门", "門"}, {"广", "廣"}, {"苏", "蘇"}, {"圳", "圳"}, {"宁", "寧"}, {"汉", "漢"},
    {"岛", "島"}, {"东", "東"}, {"责", "責"}, {"限", "限"}, {"务", "務"}, {"术", "術"}};

std::string traditional(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    std::string ch = s.substr(i, len);
    for (const auto& [simp, trad] : kTraditional)
      if (ch == simp) {
        ch = trad;
        break;
      }
    out += ch;
    i += len;
  }
  return out;
}

struct Customer {
  std::string name, contact, phone, email;
  crm_bench::Row base;  // labels and key needs
};

std::string key_of(const char* kind, const std::string& text) {
  char* out = nullptr;
  crm_check(crm_match_key(kind, text.c_str(), &out), "crm_match_key");
  std::string k = out ? out : "";
  crm_free(out);
  return k;
}

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string reformat_phone(const std::string& e164) {
  // +8613812345678 → "0086 138-1234-5678"
  std::string d = e164.substr(3);
  return "0086 " + d.substr(0, 3) + "-" + d.substr(3, 4) + "-" + d.substr(7);
}

struct Dataset {
  std::string dir, path;
  std::size_t rows = 0, planted = 0;
  std::unordered_map<std::int64_t, std::int64_t> original_of;  // variant key → original key
};

void create(crm_session* s, const Customer& c) {
  crm_record* r = nullptr;
  crm_check(crm_record_new(&r), "crm_record_new");
  crm_record_set_text(r, "name", c.name.c_str());
  crm_record_set_text(r, "contact_name", c.contact.c_str());
  if (!c.phone.empty()) crm_record_set_text(r, "phone", c.phone.c_str());
  if (!c.email.empty()) crm_record_set_text(r, "email", c.email.c_str());
  crm_record_set_text(r, "industry", c.base.industry_label.c_str());
  crm_record_set_text(r, "scale", c.base.scale_label.c_str());
  crm_record_set_text(r, "source", c.base.source_label.c_str());
  crm_record_set_text(r, "key_needs", c.base.key_needs.c_str());
  crm_record_set_text(r, "priority", c.base.priority_label.c_str());
  char* id = nullptr;
  int rc = crm_customer_create(s, r, &id);
  crm_free(id);
  crm_record_free(r);
  crm_check(rc, "crm_customer_create " + c.name);
}

Dataset build(std::size_t n) {
  Dataset d;
  char tmpl[] = "/tmp/dedup_bench_XXXXXX";
  if (!mkdtemp(tmpl)) crm_bench::die("mkdtemp failed");
  d.dir = tmpl;
  d.path = d.dir + "/dedup.db";
  d.planted = n / 20;
  const std::size_t originals = n - d.planted;
  crm_bench::CrmHandle h(d.path, 1);
  crm_check(crm_db_clock_fixed(h.db, INT64_C(1795395600000)), "crm_db_clock_fixed");

  std::unordered_set<std::string> names, phones, emails;
  std::vector<Customer> base;
  base.reserve(originals);
  std::vector<crm_bench::CompanyName> base_parts;
  for (std::size_t i = 0; base.size() < originals; ++i) {
    Customer c;
    c.base = crm_bench::make_row(i % crm_bench::max_rows());
    crm_bench::CompanyName p = crm_bench::company_name(i);
    c.name = p.full();
    c.contact = c.base.contact_name;
    // make_row repeats after max_rows() (453,600) rows, and so would its
    // phones: every later candidate would be skipped as a shared phone and
    // the loop would never end.  Past it, the phone comes from i.
    if (i >= crm_bench::max_rows())
      c.base.phone_e164 = c.base.phone_input = "+86" + crm_bench::mobile_number(i);
    c.phone = c.base.phone_input;
    c.email = "u" + std::to_string(i) + "." + c.base.email;
    // Distinct customers: no shared name, phone or e-mail key.
    if (!names.insert(key_of("name", c.name)).second) continue;
    if (!phones.insert(c.base.phone_e164).second) continue;
    emails.insert(key_of("email", c.email));
    base.push_back(std::move(c));
    base_parts.push_back(p);
  }
  std::int64_t key = 0;
  crm_check(crm_db_begin(h.db), "crm_db_begin");
  for (const Customer& c : base) {
    create(h.s, c);
    if (++key % 1000 == 0) {
      crm_check(crm_db_commit(h.db), "crm_db_commit");
      crm_check(crm_db_begin(h.db), "crm_db_begin");
    }
  }
  // The planted duplicates: one each of originals spread over the set.
  const std::size_t stride = originals / std::max<std::size_t>(d.planted, 1);
  for (std::size_t f = 0; f < d.planted; ++f) {
    const std::size_t o = f * stride;
    const Customer& orig = base[o];
    const crm_bench::CompanyName& p = base_parts[o];
    std::string region_bare = p.region;
    if (region_bare.size() > 3 && region_bare.compare(region_bare.size() - 3, 3, "市") == 0)
      region_bare.resize(region_bare.size() - 3);
    Customer v;
    v.base = orig.base;
    v.contact = orig.contact;
    v.email = "dup" + std::to_string(f) + "@bench.example.com";
    switch (f % 5) {
      case 0:
        v.name = traditional(orig.name);
        break;
      case 1:
        v.name = "中国" + region_bare + "市" + p.trade + p.word + p.suffix;
        break;
      case 2:
        v.name = p.trade + p.word + "（" + region_bare + "）" +
                 (p.suffix == std::string("有限责任公司") ? "有限公司" : "有限责任公司");
        break;
      case 3:
        v.name = p.region + p.trade + p.word + "科技" + p.suffix;
        v.phone = reformat_phone(orig.base.phone_e164);
        break;
      default:
        v.name = p.region + p.trade + p.word + "科技" + p.suffix;
        v.email = upper(orig.email);
        break;
    }
    create(h.s, v);
    ++key;
    d.original_of[key] = static_cast<std::int64_t>(o + 1);
    if (key % 1000 == 0) {
      crm_check(crm_db_commit(h.db), "crm_db_commit");
      crm_check(crm_db_begin(h.db), "crm_db_begin");
    }
  }
  crm_check(crm_db_commit(h.db), "crm_db_commit");
  d.rows = static_cast<std::size_t>(key);
  return d;
}

std::int64_t key_of_id(const char* id) { return std::strtoll(id + 1, nullptr, 10); }

void BM_DedupVsScan(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Dataset d;
  try {
    d = build(n);
  } catch (const std::exception& e) {
    crm_bench::fail(state, e.what());
    return;
  }
  crm_bench::CrmHandle h(d.path, 1);
  crm_bench::RawDb raw(d.path, true);
  double detect_s = 0, scan_s = 0, recall = 0, precision = 0;
  std::size_t found = 0;
  for (auto _ : state) {
    // (a) duplicate detection, every pair drained from the cursor.
    auto t0 = std::chrono::steady_clock::now();
    crm_cursor* c = nullptr;
    crm_check(crm_duplicates_find(h.s, 0, nullptr, nullptr, &c), "crm_duplicates_find");
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
    const crm_record* row = nullptr;
    while (crm_cursor_next(c, &row) == CRM_OK) {
      const char *a = nullptr, *b = nullptr;
      crm_record_get_text(row, "a", &a);
      crm_record_get_text(row, "b", &b);
      pairs.emplace_back(key_of_id(a), key_of_id(b));
    }
    crm_cursor_close(c);
    detect_s = crm_bench::seconds_since(t0);

    // (b) a plain scan and sort of the keys detection reads.
    auto t1 = std::chrono::steady_clock::now();
    std::vector<std::tuple<std::string, std::string, std::int64_t>> keys;
    {
      crm_bench::Stmt st(raw.db,
                         "SELECT kind, key, customer_id FROM match_keys "
                         "WHERE kind IN ('email', 'name', 'phone')");
      while (sqlite3_step(st) == SQLITE_ROW)
        keys.emplace_back(crm_bench::column_text(st, 0), crm_bench::column_text(st, 1),
                          sqlite3_column_int64(st, 2));
    }
    std::sort(keys.begin(), keys.end());
    scan_s = crm_bench::seconds_since(t1);
    benchmark::DoNotOptimize(keys.data());
    state.SetIterationTime(detect_s);

    std::size_t hits = 0;
    for (const auto& [a, b] : pairs) {
      auto it = d.original_of.find(b);
      if (it != d.original_of.end() && it->second == a) ++hits;
    }
    found = pairs.size();
    recall = d.planted ? static_cast<double>(hits) / static_cast<double>(d.planted) : 1;
    precision = found ? static_cast<double>(hits) / static_cast<double>(found) : 1;
  }
  state.counters["customers"] = static_cast<double>(d.rows);
  state.counters["planted"] = static_cast<double>(d.planted);
  state.counters["pairs"] = static_cast<double>(found);
  state.counters["detect_s"] = detect_s;
  state.counters["scan_sort_s"] = scan_s;
  state.counters["ratio"] = scan_s > 0 ? detect_s / scan_s : 0;
  state.counters["recall"] = recall;
  state.counters["precision"] = precision;
  std::printf(
      "dedup_bench: %zu customers, %zu planted; detection %.3f s, scan+sort %.3f s, "
      "ratio %.2fx (target <= 3x); recall %.4f, precision %.4f (targets >= 0.95)\n",
      d.rows, d.planted, detect_s, scan_s, scan_s > 0 ? detect_s / scan_s : 0, recall, precision);
  if (const char* keep = std::getenv("CRM_BENCH_DEDUP_KEEP"); keep && *keep == '1') {
    std::printf("dedup_bench: the database is kept at %s\n", d.path.c_str());
    return;
  }
  crm_bench::remove_db(d.path);
  rmdir(d.dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  crm_bench::set_program_name("dedup_bench");
  const std::size_t rows = crm_bench::env_size("CRM_BENCH_DEDUP_ROWS", 1000000, 100, 10000000);
  if (!crm_bench::initialize(argc, argv)) return 1;
  crm_bench::print_build(CRM_BENCH_BUILD_TYPE);
  benchmark::RegisterBenchmark("DedupVsScan", BM_DedupVsScan)
      ->Arg(static_cast<std::int64_t>(rows))
      ->UseManualTime()
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return crm_bench::failures() ? 1 : 0;
}
