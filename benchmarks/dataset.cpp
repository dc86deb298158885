#include "dataset.hpp"

#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace crm_bench {
namespace {

struct Syllable {
  const char* zh;
  const char* py;
};

// Trade names (字号) are two characters: first × second.  Neither list forms a
// region name, a generic industry word or a placeholder, so every name keeps a
// distinctive trade name and passes libcrm's vague-name check.
const Syllable kTradeFirst[] = {
    {"华", "hua"},  {"瑞", "rui"}, {"恒", "heng"}, {"博", "bo"},    {"德", "de"},   {"鼎", "ding"},
    {"嘉", "jia"},  {"锦", "jin"}, {"凯", "kai"},  {"联", "lian"},  {"隆", "long"}, {"明", "ming"},
    {"鹏", "peng"}, {"启", "qi"},  {"荣", "rong"}, {"盛", "sheng"}, {"泰", "tai"},  {"祥", "xiang"},
    {"鑫", "xin"},  {"耀", "yao"}, {"永", "yong"}, {"宇", "yu"},    {"远", "yuan"}, {"卓", "zhuo"},
    {"汇", "hui"},  {"睿", "rui"}, {"澜", "lan"},  {"沃", "wo"},    {"钧", "jun"},  {"奥", "ao"},
};
const Syllable kTradeSecond[] = {
    {"安", "an"},   {"邦", "bang"},  {"诚", "cheng"}, {"达", "da"},     {"丰", "feng"},
    {"冠", "guan"}, {"航", "hang"},  {"和", "he"},    {"宏", "hong"},   {"辉", "hui"},
    {"佳", "jia"},  {"捷", "jie"},   {"杰", "jie"},   {"骏", "jun"},    {"朗", "lang"},
    {"茂", "mao"},  {"诺", "nuo"},   {"锐", "rui"},   {"森", "sen"},    {"晟", "sheng"},
    {"拓", "tuo"},  {"威", "wei"},   {"欣", "xin"},   {"毅", "yi"},     {"源", "yuan"},
    {"泽", "ze"},   {"众", "zhong"}, {"铭", "ming"},  {"创", "chuang"}, {"腾", "teng"},
};
constexpr std::size_t kFirst = sizeof kTradeFirst / sizeof kTradeFirst[0];
constexpr std::size_t kSecond = sizeof kTradeSecond / sizeof kTradeSecond[0];

const char* const kRegions[] = {"杭州", "深圳市", "苏州",   "北京", "上海", "广州市",
                                "成都", "武汉",   "南京市", "宁波", "厦门", "青岛"};
constexpr std::size_t kRegionCount = sizeof kRegions / sizeof kRegions[0];

struct Industry {
  const char* label_zh;   // input (a dictionary label)
  const char* code;       // stored
  const char* name_word;  // the industry word in the company name
  const char* slug;       // for the company e-mail domain
};
const Industry kIndustries[] = {
    {"软件和信息技术服务", "software", "软件", "soft"},
    {"互联网", "internet", "网络科技", "net"},
    {"制造业", "manufacturing", "精密制造", "mfg"},
    {"机械制造", "machinery", "机械", "machine"},
    {"电子", "electronics", "电子", "elec"},
    {"物流", "logistics", "供应链管理", "scm"},
    {"医疗健康", "healthcare", "医疗器械", "med"},
    {"食品饮料", "food", "食品", "food"},
    {"化工", "chemicals", "化工", "chem"},
    {"零售", "retail", "商贸", "trade"},
    {"建筑工程", "construction", "建设工程", "build"},
    {"能源", "energy", "新能源", "energy"},
    {"汽车", "automotive", "汽车零部件", "auto"},
    {"教育", "education", "教育科技", "edu"},
};
constexpr std::size_t kIndustryCount = sizeof kIndustries / sizeof kIndustries[0];

const char* const kLegalSuffixes[] = {"有限公司", "股份有限公司", "有限责任公司"};
constexpr std::size_t kSuffixCount = sizeof kLegalSuffixes / sizeof kLegalSuffixes[0];

constexpr std::size_t kNameSpace = kFirst * kSecond * kRegionCount * kIndustryCount * kSuffixCount;
// Coprime with kNameSpace (= 2^5 * 3^4 * 5^2 * 7): i -> i*kStride mod kNameSpace
// is a permutation, so consecutive rows look unrelated and names stay distinct.
constexpr std::uint64_t kStride = 104729;

struct Label {
  const char* zh;
  const char* code;
};
const Label kScales[] = {
    {"50人以下", "emp_lt50"},       {"50-100人", "emp_50_100"},       {"100-500人", "emp_100_500"},
    {"500-1000人", "emp_500_1000"}, {"1000-5000人", "emp_1000_5000"}, {"5000人以上", "emp_gt5000"},
    {"1000万以下", "rev_lt10m"},    {"1000万-1亿", "rev_10m_100m"},   {"1-5亿", "rev_100m_500m"},
    {"5-10亿", "rev_500m_1b"},      {"10亿以上", "rev_gt1b"},
};
const Label kSources[] = {
    {"官网注册", "website"},
    {"展会", "trade_show"},
    {"电话咨询", "phone_inquiry"},
    {"合作伙伴推荐", "partner_referral"},
    {"客户转介绍", "customer_referral"},
    {"市场调研", "market_research"},
    {"销售拜访", "sales_visit"},
};
const Label kPriorities[] = {{"高", "high"}, {"中", "medium"}, {"低", "low"}};

const Syllable kSurnames[] = {
    {"王", "wang"},  {"李", "li"},    {"张", "zhang"}, {"刘", "liu"},  {"陈", "chen"},
    {"杨", "yang"},  {"黄", "huang"}, {"赵", "zhao"},  {"吴", "wu"},   {"周", "zhou"},
    {"徐", "xu"},    {"孙", "sun"},   {"马", "ma"},    {"朱", "zhu"},  {"胡", "hu"},
    {"郭", "guo"},   {"何", "he"},    {"高", "gao"},   {"林", "lin"},  {"罗", "luo"},
    {"郑", "zheng"}, {"梁", "liang"}, {"谢", "xie"},   {"宋", "song"},
};
const Syllable kGiven[] = {
    {"伟", "wei"},       {"芳", "fang"},       {"娜", "na"},         {"敏", "min"},
    {"静", "jing"},      {"丽", "li"},         {"强", "qiang"},      {"磊", "lei"},
    {"军", "jun"},       {"洋", "yang"},       {"勇", "yong"},       {"艳", "yan"},
    {"杰", "jie"},       {"娟", "juan"},       {"涛", "tao"},        {"明", "ming"},
    {"超", "chao"},      {"秀英", "xiuying"},  {"霞", "xia"},        {"平", "ping"},
    {"建华", "jianhua"}, {"志强", "zhiqiang"}, {"晓东", "xiaodong"}, {"海燕", "haiyan"},
    {"俊杰", "junjie"},  {"雨萱", "yuxuan"},   {"子涵", "zihan"},    {"浩然", "haoran"},
    {"思远", "siyuan"},  {"文博", "wenbo"},
};

const char* const kMobilePrefixes[] = {"130", "131", "132", "133", "134", "135", "136", "137",
                                       "138", "139", "150", "151", "152", "153", "155", "156",
                                       "157", "158", "159", "180", "181", "182", "183", "184",
                                       "185", "186", "187", "188", "189"};

const char* const kWebmail[] = {"163.com",  "qq.com",      "126.com",
                                "sina.com", "foxmail.com", "aliyun.com"};

// Key needs use only characters that NFKC leaves unchanged (CJK, 、 and 。,
// ASCII digits), so the stored text equals the input.
const char* const kNeeds[] = {
    "客户信息集中管理", "销售漏斗与商机跟踪", "合同与回款提醒", "移动端拜访签到",
    "售后工单流转",     "数据报表与业绩分析", "与企业微信集成", "与ERP系统对接",
    "营销活动线索分配", "多级审批流程",       "报价单自动生成", "渠道代理商管理",
};
const char* const kNeedNotes[] = {
    "预算已获批准。",   "计划下季度上线。",   "正在比较三家供应商。",
    "要求本地化部署。", "希望尽快安排演示。", "",
};

template <class T, std::size_t N>
constexpr std::size_t count_of(const T (&)[N]) {
  return N;
}

// company_name's trade-name characters (the union of kTradeFirst and
// kTradeSecond: none starts a region name or is a placeholder) and industry
// words (kIndustries' and 环保).
const char* const kNameChars[] = {
    "华", "瑞", "恒", "博", "德", "鼎", "嘉", "锦", "凯", "联", "隆", "明", "鹏", "启", "荣",
    "盛", "泰", "祥", "鑫", "耀", "永", "宇", "远", "卓", "汇", "睿", "澜", "沃", "钧", "奥",
    "安", "邦", "诚", "达", "丰", "冠", "航", "和", "宏", "辉", "佳", "捷", "杰", "骏", "朗",
    "茂", "诺", "锐", "森", "晟", "拓", "威", "欣", "毅", "源", "泽", "众", "铭", "创", "腾"};
constexpr std::uint64_t kNameCharCount = count_of(kNameChars);
const char* const kNameWords[] = {"软件",       "网络科技", "精密制造",   "机械",     "电子",
                                  "供应链管理", "医疗器械", "食品",       "化工",     "商贸",
                                  "建设工程",   "新能源",   "汽车零部件", "教育科技", "环保"};
constexpr std::uint64_t kNameWordCount = count_of(kNameWords);
constexpr std::uint64_t kCompanyNameSpace =
    kNameCharCount * kNameCharCount * kNameCharCount * kNameWordCount;

}  // namespace

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::size_t max_rows() { return kNameSpace; }

Row make_row(std::size_t i) {
  if (i >= kNameSpace)
    throw std::out_of_range("at most " + std::to_string(kNameSpace) + " distinct rows");
  char buf[64];
  Row r;
  // Company name from a permutation of the name space: distinct for every i.
  std::uint64_t p = (static_cast<std::uint64_t>(i) * kStride) % kNameSpace;
  const Syllable& t1 = kTradeFirst[p % kFirst];
  p /= kFirst;
  const Syllable& t2 = kTradeSecond[p % kSecond];
  p /= kSecond;
  const char* region = kRegions[p % kRegionCount];
  p /= kRegionCount;
  const Industry& ind = kIndustries[p % kIndustryCount];
  p /= kIndustryCount;
  const char* suffix = kLegalSuffixes[p % kSuffixCount];
  r.name = std::string(region) + t1.zh + t2.zh + ind.name_word + suffix;
  r.industry_label = ind.label_zh;
  r.industry_code = ind.code;

  // Everything else from a per-row hash (no std:: distributions, whose
  // output differs between standard libraries).
  std::uint64_t h = splitmix64(i + 0x5EED);
  auto pick = [&h](std::size_t k) {
    std::size_t v = static_cast<std::size_t>(h % k);
    h /= k;
    return v;
  };
  const Syllable& sur = kSurnames[pick(count_of(kSurnames))];
  const Syllable& giv = kGiven[pick(count_of(kGiven))];
  r.contact_name = std::string(sur.zh) + giv.zh;

  const char* prefix = kMobilePrefixes[pick(count_of(kMobilePrefixes))];
  unsigned a = static_cast<unsigned>(pick(10000)), b = static_cast<unsigned>(pick(10000));
  std::snprintf(buf, sizeof buf, "%s%04u%04u", prefix, a, b);
  r.phone_e164 = std::string("+86") + buf;
  switch (pick(4)) {
    case 0:
      r.phone_input = buf;
      break;
    case 1:
      std::snprintf(buf, sizeof buf, "%s-%04u-%04u", prefix, a, b);
      r.phone_input = buf;
      break;
    case 2:
      std::snprintf(buf, sizeof buf, "%s %04u %04u", prefix, a, b);
      r.phone_input = buf;
      break;
    default:
      std::snprintf(buf, sizeof buf, "+86 %s %04u %04u", prefix, a, b);
      r.phone_input = buf;
      break;
  }

  if (pick(2) == 0) {  // company mailbox
    r.email = std::string(sur.py) + "." + giv.py + "@" + t1.py + t2.py + "-" + ind.slug + ".com.cn";
  } else {  // personal webmail
    r.email = std::string(giv.py) + sur.py + std::to_string(i % 1000) + "@" +
              kWebmail[pick(count_of(kWebmail))];
  }

  const Label& scale = kScales[pick(count_of(kScales))];
  const Label& source = kSources[pick(count_of(kSources))];
  const Label& prio = kPriorities[pick(count_of(kPriorities))];
  r.scale_label = scale.zh;
  r.scale_code = scale.code;
  r.source_label = source.zh;
  r.source_code = source.code;
  r.priority_label = prio.zh;
  r.priority_code = prio.code;

  h = splitmix64(h ^ i);
  std::size_t n1 = pick(count_of(kNeeds));
  std::size_t n2 = (n1 + 1 + pick(count_of(kNeeds) - 1)) % count_of(kNeeds);
  r.key_needs = std::string("需要") + kNeeds[n1] + "、" + kNeeds[n2] + "。预计" +
                std::to_string(5 + pick(200)) + "个账号使用。" +
                kNeedNotes[pick(count_of(kNeedNotes))];
  return r;
}

std::uint64_t company_name_space() { return kCompanyNameSpace; }

CompanyName company_name(std::uint64_t i) {
  // 7919 is prime and does not divide the name space: a permutation.
  const std::uint64_t p = (i * 7919u) % kCompanyNameSpace;
  CompanyName n;
  n.region = kRegions[splitmix64(i) % kRegionCount];
  n.trade = std::string(kNameChars[p % kNameCharCount]) +
            kNameChars[(p / kNameCharCount) % kNameCharCount] +
            kNameChars[(p / kNameCharCount / kNameCharCount) % kNameCharCount];
  n.word = kNameWords[(p / kNameCharCount / kNameCharCount / kNameCharCount) % kNameWordCount];
  n.suffix = kLegalSuffixes[splitmix64(i + 1) % kSuffixCount];
  return n;
}

std::string mobile_number(std::uint64_t i) {
  constexpr std::uint64_t kPrefixCount = count_of(kMobilePrefixes);
  char buf[32];
  std::snprintf(
      buf, sizeof buf, "%s%08llu", kMobilePrefixes[i % kPrefixCount],
      static_cast<unsigned long long>(((i / kPrefixCount) * 7919u + 1234567u) % 100000000u));
  return buf;
}

std::vector<Row> make_rows(std::size_t n) {
  if (n > kNameSpace)
    throw std::out_of_range("at most " + std::to_string(kNameSpace) + " distinct rows");
  std::vector<Row> rows;
  rows.reserve(n);
  for (std::size_t i = 0; i < n; ++i) rows.push_back(make_row(i));
  return rows;
}

}  // namespace crm_bench
