#include "store/search_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>
#include <unicode/coll.h>
#include <unicode/locid.h>
#include <unicode/stringpiece.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "domain/error.hpp"
#include "domain/search_text.hpp"
#include "domain/utf8.hpp"

namespace crm::store {
namespace {

void insert_keys(Connection& c, std::int64_t key, const std::string& name) {
  SearchKeys k = search_keys(name);
  auto q =
      c.prepare("INSERT INTO customer_search(rowid, name, pinyin, initials) VALUES (?, ?, ?, ?)");
  q->bind(1, static_cast<std::int64_t>(key));
  q->bind(2, k.name);
  q->bind(3, k.pinyin);
  q->bind(4, k.initials);
  q->exec();
}

// An FTS5 phrase: the text in double quotes, its own quotes doubled.
std::string phrase(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string ids_list(const std::vector<std::int64_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "]";
}

int zh_compare(void* ctx, int n1, const void* a, int n2, const void* b) {
  auto* coll = static_cast<icu::Collator*>(ctx);
  UErrorCode status = U_ZERO_ERROR;
  UCollationResult r = coll->compareUTF8(icu::StringPiece(static_cast<const char*>(a), n1),
                                         icu::StringPiece(static_cast<const char*>(b), n2), status);
  if (U_FAILURE(status)) {
    // Never expected for valid UTF-8; fall back to byte order, which is
    // still a total order.
    int c = std::memcmp(a, b, static_cast<std::size_t>(n1 < n2 ? n1 : n2));
    return c != 0 ? c : n1 - n2;
  }
  return r == UCOL_LESS ? -1 : r == UCOL_GREATER ? 1 : 0;
}

void zh_destroy(void* ctx) { delete static_cast<icu::Collator*>(ctx); }

}  // namespace

void register_zh_collation(SQLite::Database& db) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Collator> coll(icu::Collator::createInstance(icu::Locale("zh"), status));
  if (U_FAILURE(status) || !coll)
    throw Error(Status::internal, "cannot create the Chinese (pinyin) collator",
                "无法创建中文（拼音）排序规则");
  int rc = sqlite3_create_collation_v2(db.getHandle(), "crm_zh", SQLITE_UTF8, coll.get(),
                                       zh_compare, zh_destroy);
  if (rc != SQLITE_OK)
    throw Error(Status::internal, "cannot register the collation crm_zh",
                "无法注册排序规则 crm_zh");
  coll.release();  // owned by the connection now (zh_destroy)
}

void remove_customer_search(Connection& c, std::int64_t key) {
  auto q = c.prepare("DELETE FROM customer_search WHERE rowid = ?");
  q->bind(1, static_cast<std::int64_t>(key));
  q->exec();
}

namespace {

void write_customer_search(Connection& c, std::int64_t key) {
  remove_customer_search(c, key);
  auto q = c.prepare("SELECT name FROM customers WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(key));
  if (!q->executeStep()) return;
  std::string name = q->getColumn(0).getString();
  q->reset();
  insert_keys(c, key, name);
}

}  // namespace

void refresh_customer_search(Connection& c, std::int64_t key) {
  if (c.in_transaction())
    c.queue_search_refresh(key);
  else
    write_customer_search(c, key);
}

void flush_customer_search(Connection& c) {
  std::size_t position = 0;
  std::vector<std::int64_t> keys = c.search_refreshes(position);
  // In key order, each once: a batch of new customers appends to the index.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (std::int64_t key : keys) write_customer_search(c, key);
  c.search_refreshes_written(position);
}

void rebuild_customer_search(Connection& c) {
  c.run("DELETE FROM customer_search");
  std::vector<std::pair<std::int64_t, std::string>> rows;
  {
    auto q = c.prepare("SELECT id, name FROM customers ORDER BY id");
    while (q->executeStep())
      rows.emplace_back(q->getColumn(0).getInt64(), q->getColumn(1).getString());
  }
  for (const auto& [key, name] : rows) insert_keys(c, key, name);
}

std::vector<SearchHit> search_customers(Connection& c, const SearchFilter& f, bool& more) {
  // Rows queued in this transaction are written first, so that a search
  // sees the transaction's own changes.
  if (c.search_refresh_pending()) flush_customer_search(c);
  // ?1 folded name query, ?2 Latin query ('' = none): the rank of a row says
  // how it matched, NULL when it did not.
  static const char* const kRank =
      "CASE WHEN s.name = ?1 THEN 0 "
      "WHEN instr(s.name, ?1) = 1 THEN 1 "
      "WHEN instr(s.name, ?1) > 0 THEN 2 "
      "WHEN ?2 = '' THEN NULL "
      "WHEN s.pinyin = ?2 THEN 3 "
      "WHEN instr(s.pinyin, ?2) = 1 THEN 4 "
      "WHEN instr(s.pinyin, ?2) > 0 THEN 5 "
      "WHEN s.initials = ?2 THEN 6 "
      "WHEN instr(s.initials, ?2) = 1 THEN 7 "
      "WHEN instr(s.initials, ?2) > 0 THEN 8 END";
  // Trigram needs three characters of every phrase; a shorter query scans
  // the index's columns instead (a few hundred thousand short rows).
  const bool use_index = utf8_length(f.name) >= 3 && (f.latin.empty() || f.latin.size() >= 3);
  std::string sql = std::string("SELECT id, rank FROM (SELECT s.rowid AS id, ") + kRank +
                    " AS rank FROM customer_search s JOIN customers c ON c.id = s.rowid WHERE 1";
  if (use_index) sql += " AND s.customer_search MATCH ?3";
  // A merged customer is in no search, archived or not (R9.3).
  sql += " AND c.merged_into IS NULL";
  if (!f.include_archived) sql += " AND c.archived = 0";
  if (f.restricted)
    sql +=
        " AND (c.owner_id IN (SELECT value FROM json_each(?4)) OR c.id IN (SELECT value FROM "
        "json_each(?5)))";
  sql += ") WHERE rank IS NOT NULL AND (rank, id) > (?6, ?7) ORDER BY rank, id LIMIT ?8";
  auto q = c.prepare_text(sql);
  q->bind(1, f.name);
  q->bind(2, f.latin);
  if (use_index) {
    std::string match = "{name} : " + phrase(f.name);
    if (!f.latin.empty()) match += " OR {pinyin initials} : " + phrase(f.latin);
    q->bind(3, match);
  }
  if (f.restricted) {
    q->bind(4, ids_list(f.visible_owners));
    q->bind(5, ids_list(f.visible_keys));
  }
  q->bind(6, f.after_rank);
  q->bind(7, static_cast<std::int64_t>(f.after_key));
  q->bind(8, f.limit + 1);
  std::vector<SearchHit> out;
  while (q->executeStep()) out.push_back({q->getColumn(0).getInt64(), q->getColumn(1).getInt()});
  more = out.size() > static_cast<std::size_t>(f.limit);
  if (more) out.pop_back();
  return out;
}

}  // namespace crm::store
