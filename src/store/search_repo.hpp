// The customer-name search index (客户名称检索): an FTS5 table with the
// trigram tokenizer, one row per customer (rowid = customer key) holding the
// folded name, its pinyin and its initials (src/domain/search_text.hpp).
// The service layer keeps it in step with customers.name: pinyin needs ICU,
// which SQL triggers cannot call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

// Rewrites the index row of customer `key` from its stored name (removes it
// when there is no such customer).  Inside a transaction the row is written
// just before the outermost COMMIT (Connection::queue_search_refresh), from
// the name stored then; searches inside the transaction write what is
// queued first, so they see it.  Outside one it is written at once.
void refresh_customer_search(Connection& c, std::int64_t key);

// Writes the index rows queued by refresh_customer_search in this
// transaction.  Called before the outermost COMMIT and before a search.
void flush_customer_search(Connection& c);

// Removes the index row of customer `key`.
void remove_customer_search(Connection& c, std::int64_t key);

// Fills the index for every customer (a migration, or a repair).
void rebuild_customer_search(Connection& c);

struct SearchFilter {
  std::string name;   // folded query (SearchTerms::name)
  std::string latin;  // folded Latin query for pinyin and initials; "" = none
  bool include_archived = false;
  bool restricted = false;  // as in CustomerFilter
  std::vector<std::int64_t> visible_owners, visible_keys;
  int after_rank = -1;  // keyset: hits after (after_rank, after_key)
  std::int64_t after_key = 0;
  int limit = 50;
};

// How a hit matched, best first; the order of search results.
enum SearchRank : int {
  kRankNameExact = 0,
  kRankNamePrefix = 1,
  kRankName = 2,
  kRankPinyinExact = 3,
  kRankPinyinPrefix = 4,
  kRankPinyin = 5,
  kRankInitialsExact = 6,
  kRankInitialsPrefix = 7,
  kRankInitials = 8,
};

struct SearchHit {
  std::int64_t key = 0;
  int rank = 0;
};

// Hits in (rank, key) order; fetches limit + 1 to learn whether more follow.
// Queries of at least 3 characters go through the trigram index; shorter
// ones (below trigram's minimum) scan the index's columns with instr().
std::vector<SearchHit> search_customers(Connection& c, const SearchFilter& f, bool& more);

// Registers the collation "crm_zh" (ICU's zh collator: pinyin order) on the
// connection; each connection gets its own collator, used only under the
// connection's serialised calls.  `name COLLATE crm_zh` orders 阿里 before
// 百度 before 华为.
void register_zh_collation(SQLite::Database& db);

}  // namespace crm::store
