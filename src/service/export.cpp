#include "service/export.hpp"

#include "domain/json.hpp"
#include "domain/permissions.hpp"
#include "service/privacy.hpp"
#include "store/customer_repo.hpp"

namespace crm {

ExportReport export_customers(Session& s, const CustomerQuery& q, bool in_clear,
                              const ExportSink& sink) {
  ExportReport rep;
  CustomerQuery page_q = q;
  page_q.page_size = 500;
  page_q.after.clear();
  std::string chunk;
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
    chunk.clear();
    std::int64_t rows = 0, unmasked = 0;
    for (auto& r : page.rows) {
      if (r.empty()) {
        ++rep.skipped;
        continue;
      }
      if (r.unset("unmasked")) ++unmasked;
      chunk += record_to_json(r);
      chunk += '\n';
      ++rows;
    }
    // A chunk the sink refuses was not written.
    if (!chunk.empty() && !sink(chunk)) {
      rep.stopped = true;
      break;
    }
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

}  // namespace crm
