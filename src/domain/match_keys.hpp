// Match keys for finding duplicate customers (查重, R9.3): the same customer
// entered from several channels is written differently — traditional or
// simplified characters, with or without its city, "有限公司" or
// "有限责任公司", a phone with spaces or a +86, an e-mail in capitals.  Each
// key folds those differences away, so that equal keys mean "probably the
// same", and score_match() weighs the keys two customers share.  Pure
// functions of their input; safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crm {

// The company-name key: NFKC, traditional → simplified, lower case, notes in
// parentheses that only name a region ("（深圳）", "(中国)") dropped,
// punctuation and spaces removed, legal suffixes stripped at the end
// (有限公司, 有限责任公司, 股份有限公司, 集团, 公司, Co., Ltd., Inc., Corp.,
// LLC …) and region prefixes stripped at the start (中国, provinces and major
// cities, with or without 省 / 市 / 自治区).  "深圳市华为技术有限公司",
// "華為技術有限公司" and "华为技术（深圳）有限公司" all give "华为技术".  A
// name that is nothing but a region and a suffix keeps its region
// ("北京有限公司" → "北京"); "" for a blank name or invalid UTF-8.
std::string name_key(std::string_view name);

// The phone key: the E.164 form ("+8613812345678") of a number that
// check_phone accepts, typed in any of the usual ways; "" otherwise.
std::string phone_key(std::string_view phone);

// The e-mail key: the whole address trimmed and lower-cased
// ("Wang@Huawei.COM " → "wang@huawei.com") when check_email accepts it; ""
// otherwise.
std::string email_key(std::string_view email);

// The contact-person key: the name normalised, Latin letters lower-cased,
// spaces removed ("王 伟" → "王伟"); "" for a blank name.
std::string contact_key(std::string_view name);

// Similarity of two name keys from 0 to 1: the Dice coefficient of their
// sets of character bigrams (a one-character key is its own bigram).
// "华为技术" vs "华为终端" is 1/3; equal keys are 1.
double name_similarity(std::string_view a, std::string_view b);

// The keys of one customer: its name key and the phone, e-mail and contact
// keys of the customer and of its contacts (each list sorted, no blanks, no
// repeats).
struct MatchKeys {
  std::string name;
  std::vector<std::string> phones, emails, contacts;
};

// Builds MatchKeys from raw values (each normalised by the functions above;
// blanks and repeats dropped).
MatchKeys make_match_keys(std::string_view name, const std::vector<std::string>& phones,
                          const std::vector<std::string>& emails,
                          const std::vector<std::string>& contacts);

// Names under which a name key is similar enough to count (below it, a
// shared prefix is a coincidence: 华为技术 vs 华为终端).
constexpr double kSimilarNameMin = 0.6;

// The default score above which two customers are reported as duplicates.
constexpr double kDefaultDuplicateThreshold = 0.6;

// Why two customers may be the same one, and how likely: each agreement
// weighs w (same_name 0.7, same_phone 0.7, same_email 0.7, similar_name
// 0.6 × similarity, same_contact 0.3) and the score is 1 − Π(1 − w), so any
// one strong key alone passes the default threshold, a similar name alone
// does not, and each further agreement raises the score.  Reasons, in this
// order: "same_name", "similar_name", "same_phone", "same_email",
// "same_contact".
struct MatchScore {
  double score = 0;
  double name_similarity = 0;
  std::vector<std::string> reasons;
};
MatchScore score_match(const MatchKeys& a, const MatchKeys& b);

// The highest score two customers can reach when a similar name (of this
// similarity) is all their blocking keys have in common: with the same
// contact as well.  Detection skips such pairs when this is below its
// threshold, without reading them.
double best_score_with_similar_name(double similarity);

// "same_name,same_phone".
std::string join_reasons(const std::vector<std::string>& reasons);

}  // namespace crm
