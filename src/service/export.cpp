#include "service/export.hpp"

#include <map>

#include "domain/json.hpp"
#include "domain/permissions.hpp"
#include "service/import.hpp"
#include "service/privacy.hpp"
#include "store/customer_repo.hpp"
#include "store/tag_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

// Walks every page of `q`, handing each exportable customer (presented:
// masked unless in clear and unmaskable) to `format`, which appends its
// output; `head` starts the output.  Audits the export.
ExportReport walk(Session& s, const CustomerQuery& q, bool in_clear, const ExportSink& sink,
                  std::string head, const std::function<void(Record&, std::string&)>& format) {
  ExportReport rep;
  CustomerQuery page_q = q;
  page_q.page_size = 500;
  page_q.after.clear();
  std::string chunk = std::move(head);
  for (;;) {
    CustomerPage page = list_customers(s, page_q, [&](Record& r, const CustomFieldSet& custom) {
      const CustomerRef ref{std::get<std::int64_t>(*r.find("key")),
                            std::get<std::int64_t>(*r.find("owner"))};
      if (!s.may(Perm::customer_export, ref)) {
        r.clear();  // not exported
        return;
      }
      const bool clear = in_clear && s.may(Perm::customer_unmask, ref);
      present_customer(s, r, custom, clear);
      if (clear) r.set("unmasked", std::int64_t{1});
    });
    std::int64_t rows = 0, unmasked = 0;
    for (auto& r : page.rows) {
      if (r.empty()) {
        ++rep.skipped;
        continue;
      }
      if (r.unset("unmasked")) ++unmasked;
      format(r, chunk);
      ++rows;
    }
    // A chunk the sink refuses was not written.
    if (!chunk.empty() && !sink(chunk)) {
      rep.stopped = true;
      break;
    }
    chunk.clear();
    rep.rows += rows;
    rep.unmasked += unmasked;
    if (page.next.empty()) break;
    page_q.after = page.next;
  }
  store::WriteTransaction tx(s.db().conn());
  s.audit("customer.export", "customers",
          "rows=" + std::to_string(rep.rows) + ",unmasked=" + std::to_string(rep.unmasked) +
              (rep.stopped ? ",stopped" : ""),
          "export", rep.rows);
  if (rep.unmasked > 0)
    s.audit("customer.unmask", "customers", "export of " + std::to_string(rep.unmasked), "unmask",
            rep.unmasked);
  tx.commit();
  return rep;
}

std::string cell(const Value& v) {
  if (is_null(v)) return "";
  if (is_int(v)) return std::to_string(std::get<std::int64_t>(v));
  if (is_real(v)) return std::to_string(std::get<double>(v));
  return std::get<std::string>(v);
}

}  // namespace

ExportReport export_customers(Session& s, const CustomerQuery& q, bool in_clear,
                              const ExportSink& sink) {
  return walk(s, q, in_clear, sink, "", [](Record& r, std::string& out) {
    out += record_to_json(r);
    out += '\n';
  });
}

ExportReport export_customers_csv(Session& s, const CustomerQuery& q, bool in_clear,
                                  const CsvExportOptions& o, const ExportSink& sink) {
  // The import's columns, with the id in front; names in the header's
  // language, so that the file imports again as it is.
  std::vector<std::string> header = customer_csv_headers(s, o.zh);
  std::vector<std::string> names = customer_csv_headers(s, false);
  header.insert(header.begin(), o.zh ? "客户编号" : "id");
  names.insert(names.begin(), "id");

  std::string head = o.bom && o.encoding == CsvEncoding::utf8 ? "\xEF\xBB\xBF" : "";
  std::vector<std::string> enc;
  for (const auto& h : header) enc.push_back(encode_text(h, o.encoding));
  head += csv_line(enc);

  auto& conn = s.db().conn();
  std::map<std::int64_t, std::string> logins;
  for (const auto& u : store::list_users(conn)) logins[u.id] = u.login;
  const auto& dicts = s.db().dictionaries();
  std::vector<std::string> fields(names.size());
  return walk(s, q, in_clear, sink, std::move(head), [&](Record& r, std::string& out) {
    const std::int64_t key = std::get<std::int64_t>(*r.find("key"));
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string& n = names[i];
      std::string v;
      if (n == "tags") {
        for (const auto& t : store::customer_tags(conn, key)) {
          const auto* e = dicts.find("tag_category", t.category);
          v += (v.empty() ? "" : ";") + (e ? e->label_zh : t.category) + ":" + t.label;
        }
      } else if (n == "owner") {
        const std::int64_t id = std::get<std::int64_t>(*r.find("owner"));
        auto it = logins.find(id);
        v = it != logins.end() ? it->second : std::to_string(id);
      } else if (const Value* x = r.find(n)) {
        v = cell(*x);
      }
      fields[i] = encode_text(v, o.encoding);
    }
    out += csv_line(fields);
  });
}

}  // namespace crm
