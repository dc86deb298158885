#include "service/tags.hpp"

#include "domain/error.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "service/custom_fields.hpp"
#include "service/customers.hpp"
#include "store/customer_repo.hpp"
#include "store/tag_repo.hpp"

namespace crm {
namespace {

constexpr std::size_t kMaxLabelChars = 50;

std::string category_code(Session& s, const std::string& category) {
  auto code = s.db().dictionaries().resolve("tag_category", category);
  if (!code) {
    std::string shown = quote_value(category);
    throw Error(Status::not_found, "no tag category \"" + shown + "\"",
                "标签类别“" + shown + "”不存在");
  }
  return *code;
}

std::string checked_label(const std::string& label) {
  if (!is_valid_utf8(label) || label.size() > kMaxLabelChars * 8)
    throw Error(Status::invalid_arg, "a tag label is UTF-8 text of at most 50 characters",
                "标签须为不超过 50 个字符的 UTF-8 文本");
  std::string l = normalize_text(label, TextMode::prose);
  if (l.empty() || utf8_length(l) > kMaxLabelChars)
    throw Error(Status::invalid_arg, "a tag label is UTF-8 text of 1 to 50 characters",
                "标签须为 1 到 50 个字符的文本");
  return l;
}

Record to_record(Session& s, const store::TagRow& t) {
  Record r;
  r.set("id", t.id);
  r.set("category", t.category);
  const auto* e = s.db().dictionaries().find("tag_category", t.category);
  r.set("category_label", e ? Value{e->label_zh} : Value{});
  r.set("label", t.label);
  return r;
}

Error no_tag(std::int64_t id) {
  return Error(Status::not_found, "no tag " + std::to_string(id),
               "标签 " + std::to_string(id) + " 不存在");
}

// A customer's tags belong to the "needs" field group: a grant without it
// does not open them.
void tags_of(Session& s, std::int64_t customer, Perm perm) {
  CustomerRef ref = require_customer(s, customer, perm);
  if (!(s.visible_groups(ref) & kGroupNeeds))
    throw Error(Status::permission, "not allowed: tags are outside your grant",
                "无权查看标签（不在授权范围内）");
}

}  // namespace

std::int64_t define_tag(Session& s, const std::string& category, const std::string& label) {
  s.authorize(Perm::config_manage);
  auto& conn = s.db().conn();
  std::string code = category_code(s, category);
  std::string l = checked_label(label);
  if (store::find_tag(conn, code, l))
    throw Error(Status::conflict, "tag \"" + l + "\" exists in category " + code,
                "类别 " + code + " 中已有标签“" + l + "”");
  store::WriteTransaction tx(conn);
  std::int64_t id = store::insert_tag(conn, code, l, s.db().now());
  s.audit("tag.define", "tag:" + std::to_string(id), code + ":" + l);
  tx.commit();
  return id;
}

std::int64_t find_tag(Session& s, const std::string& category, const std::string& label) {
  s.authorize(Perm::config_read);
  auto& conn = s.db().conn();
  std::string l = checked_label(label);
  if (!category.empty()) {
    auto t = store::find_tag(conn, category_code(s, category), l);
    if (!t) throw Error(Status::not_found, "no tag \"" + l + "\"", "标签“" + l + "”不存在");
    return t->id;
  }
  auto all = store::find_tags_by_label(conn, l);
  if (all.empty()) throw Error(Status::not_found, "no tag \"" + l + "\"", "标签“" + l + "”不存在");
  if (all.size() > 1)
    throw Error(Status::conflict,
                "tag \"" + l + "\" exists in several categories; name the category",
                "多个类别中都有标签“" + l + "”，请指明类别");
  return all.front().id;
}

std::vector<Record> list_tags(Session& s, const std::string& category) {
  s.authorize(Perm::config_read);
  std::string code = category.empty() ? std::string() : category_code(s, category);
  std::vector<Record> out;
  for (const auto& t : store::list_tags(s.db().conn(), code)) out.push_back(to_record(s, t));
  return out;
}

std::vector<Record> customer_tags(Session& s, std::int64_t customer) {
  auto& conn = s.db().conn();
  tags_of(s, customer, Perm::customer_read);
  std::vector<Record> out;
  for (const auto& t : store::customer_tags(conn, customer)) out.push_back(to_record(s, t));
  return out;
}

void tag_customer(Session& s, std::int64_t customer, std::int64_t tag, bool add) {
  auto& conn = s.db().conn();
  tags_of(s, customer, Perm::customer_update);
  require_not_archived(load_customer_or_throw(s, customer, Perm::customer_update));
  auto t = store::find_tag(conn, tag);
  if (!t) throw no_tag(tag);
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  bool changed =
      add ? store::attach_tag(conn, customer, tag) : store::detach_tag(conn, customer, tag);
  if (changed) {
    store::touch_customer(conn, customer, now, s.user_id());
    std::string label = t->category + ":" + t->label;
    record_history(s, customer, now, "tag", std::string("tags"),
                   add ? std::nullopt : std::optional<std::string>(label),
                   add ? std::optional<std::string>(label) : std::nullopt, std::nullopt);
    s.audit(add ? "customer.tag_add" : "customer.tag_remove", store::human_id(customer), label);
  }
  tx.commit();
}

std::int64_t tag_customer_by_label(Session& s, std::int64_t customer, const std::string& category,
                                   const std::string& label, bool add) {
  tags_of(s, customer, Perm::customer_update);
  require_not_archived(load_customer_or_throw(s, customer, Perm::customer_update));
  std::int64_t tag = 0;
  try {
    tag = find_tag(s, category, label);
  } catch (const Error& e) {
    // Creating on attach needs the host's consent and a category to put
    // the new tag in; it is then created in the same transaction as the
    // attachment (a failed attach leaves no stray tag).
    if (e.status() != Status::not_found || !add || category.empty() ||
        get_setting(s, "tags.create_on_attach") != "1")
      throw;
    auto& conn = s.db().conn();
    std::string code = category_code(s, category);
    store::WriteTransaction tx(conn);
    tag = store::insert_tag(conn, code, checked_label(label), s.db().now());
    tag_customer(s, customer, tag, true);
    tx.commit();
    return tag;
  }
  tag_customer(s, customer, tag, add);
  return tag;
}

void check_tags_exist(Session& s, const std::vector<std::int64_t>& ids) {
  for (std::int64_t id : ids)
    if (!store::find_tag(s.db().conn(), id)) throw no_tag(id);
}

}  // namespace crm
