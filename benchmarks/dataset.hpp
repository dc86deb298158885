// Deterministic, realistic and VALID customer rows for the libcrm benchmarks.
//
// Each row carries two views of the same customer:
//  - the INPUT a host application would pass to crm_customer_create (Chinese
//    dictionary labels such as 制造业 / 100-500人 / 展会 / 高, phones written the
//    way people type them: "138-1234-5678", "+86 138 1234 5678" …), and
//  - the STORED form libcrm writes into the customers table (E.164 phone,
//    dictionary codes), which the raw-SQLite side inserts directly.
// crm_bench verifies before measuring that both paths store identical rows.
#ifndef CRM_BENCH_DATASET_HPP
#define CRM_BENCH_DATASET_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace crm_bench {

struct Row {
  // Input, as given to crm_customer_create.
  std::string name;          // 客户全称, e.g. 杭州瑞达精密制造有限公司
  std::string contact_name;  // 联系人姓名
  std::string phone_input;   // as typed, several formats
  std::string email;
  std::string industry_label;  // 所属行业 (Chinese label)
  std::string scale_label;     // 企业规模
  std::string source_label;    // 信息来源渠道
  std::string priority_label;  // 需求优先级 高/中/低
  std::string key_needs;       // 关键需求

  // Stored form, as libcrm normalises it (for the raw side).
  std::string phone_e164;  // +8613812345678
  std::string industry_code;
  std::string scale_code;
  std::string source_code;
  std::string priority_code;
};

// SplitMix64: a fixed, portable hash for deterministic draws (no std::
// distributions, whose output differs between standard libraries).
std::uint64_t splitmix64(std::uint64_t x);

// The largest number of distinct company names make_rows can produce.
std::size_t max_rows();

// Row `i` (0-based) of the sequence make_rows produces: the same on every run
// and machine.  Throws std::out_of_range if i >= max_rows().
Row make_row(std::size_t i);

// `n` rows, identical for identical `n` on every run and machine.  All company
// names are distinct.  Throws std::out_of_range if n > max_rows().
std::vector<Row> make_rows(std::size_t n);

// A full legal company name in its parts (region + three-character trade
// name + industry word + legal form), from the larger name space of the
// import and duplicate-detection benchmarks: 60^3 trade names × 15 industry
// words = 3,240,000 distinct (trade name, word) pairs.
struct CompanyName {
  std::string region, trade, word, suffix;
  std::string full() const { return region + trade + word + suffix; }
};

// The number of distinct names company_name gives.
std::uint64_t company_name_space();

// Name `i`: the trade name and word from a permutation of the name space, so
// that no two i below company_name_space() share them; region and legal form
// from a hash of i.  The same on every run and machine.
CompanyName company_name(std::uint64_t i);

// A mobile number, 11 digits (of make_row's prefixes, which libphonenumber
// takes as valid), distinct for every i below 29 × 10^8: the prefix from
// i mod 29, eight digits from an affine permutation of i / 29.
std::string mobile_number(std::uint64_t i);

}  // namespace crm_bench

#endif
