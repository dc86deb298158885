#include "service/search.hpp"

#include <cstdio>

#include "domain/error.hpp"
#include "domain/search_text.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "service/custom_fields.hpp"
#include "service/privacy.hpp"
#include "store/customer_repo.hpp"
#include "store/search_repo.hpp"

namespace crm {
namespace {

Error bad_query() {
  return Error(Status::invalid_arg, "search text must be UTF-8 text of 1 to 100 characters",
               "检索内容须为 1 到 100 个字符的 UTF-8 文本");
}

std::uint64_t query_hash(const store::SearchFilter& f) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xFF) * 1099511628211ULL;
  };
  mix(f.name);
  mix(f.latin);
  mix(f.include_archived ? "a" : "-");
  mix(std::to_string(f.limit));
  return h;
}

const char* match_kind(int rank) {
  if (rank <= store::kRankName) return "name";
  if (rank <= store::kRankPinyin) return "pinyin";
  return "initials";
}

}  // namespace

SearchPage search_customers(Session& s, const SearchQuery& q) {
  if (q.page_size < 0 || q.page_size > 1000)
    throw Error(Status::invalid_arg, "page_size must be between 1 and 1000 (0 = 20)",
                "每页条数须在 1 到 1000 之间（0 表示 20）");
  if (!is_valid_utf8(q.text) || q.text.size() > 800) throw bad_query();
  SearchTerms terms = search_terms(q.text);
  if (terms.name.empty() || utf8_length(terms.name) > 100) throw bad_query();

  store::SearchFilter f;
  f.name = std::move(terms.name);
  f.latin = std::move(terms.latin);
  f.include_archived = q.include_archived;
  f.limit = q.page_size == 0 ? 20 : q.page_size;
  const std::uint64_t hash = query_hash(f);
  if (!q.after.empty()) {
    int rank = 0;
    long long key = 0;
    unsigned long long h = 0;
    int used = 0;
    if (q.after.size() > 64 ||
        std::sscanf(q.after.c_str(), "q1.%d.%lld.%16llx%n", &rank, &key, &h, &used) != 3 ||
        static_cast<std::size_t>(used) != q.after.size() || rank < 0 || rank > 8 || key < 0)
      throw Error(Status::invalid_arg, "malformed page token", "分页标记格式错误");
    if (h != hash)
      throw Error(Status::invalid_arg, "page token belongs to another query",
                  "分页标记属于另一个查询");
    f.after_rank = rank;
    f.after_key = key;
  }

  store::ReadTransaction snapshot(s.db().conn());
  Visibility v = s.visibility(Perm::customer_read);
  f.restricted = !v.all;
  f.visible_owners = std::move(v.owners);
  f.visible_keys = std::move(v.granted);
  bool more = false;
  auto hits = store::search_customers(s.db().conn(), f, more);
  const CustomFieldSet& custom = s.db().custom_fields();
  SearchPage page;
  page.rows.reserve(hits.size());
  for (const auto& hit : hits) {
    auto r = store::load_customer(s.db().conn(), hit.key);
    if (!r) continue;
    append_custom_values(s, custom, *r, hit.key);
    present_customer(s, *r, custom);
    r->append("match", std::string(match_kind(hit.rank)));
    r->append("match_rank", std::int64_t{hit.rank});
    page.rows.push_back(std::move(*r));
  }
  if (more && !hits.empty()) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "q1.%d.%lld.%016llx", hits.back().rank,
                  static_cast<long long>(hits.back().key), static_cast<unsigned long long>(hash));
    page.next = buf;
  }
  return page;
}

}  // namespace crm
