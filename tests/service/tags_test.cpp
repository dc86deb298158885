#include "service/tags.hpp"

#include <set>

#include "fixture.hpp"
#include "service/custom_fields.hpp"

namespace crm::testing {
namespace {

using TagsTest = ServiceTest;

std::set<std::string> ids_of(const std::vector<Record>& rows) {
  std::set<std::string> out;
  for (const auto& r : rows) out.insert(r.text("id"));
  return out;
}

std::int64_t version_of(Session& s, std::int64_t key) {
  return std::get<std::int64_t>(*get_customer(s, key).find("version"));
}

TEST_F(TagsTest, SeededTagsFromTheManualsAreThere) {
  std::set<std::string> labels;
  for (const auto& t : list_tags(*rep, ""))
    labels.insert(t.text("category") + ":" + t.text("label"));
  for (const char* want :
       {"industry:制造业", "industry:互联网", "need:采购设备", "need:寻求合作", "priority:高优先级",
        "priority:中优先级", "priority:低优先级", "value:高潜力"})
    EXPECT_TRUE(labels.count(want)) << want << " missing";
  auto need = list_tags(*rep, "需求");  // a category by its Chinese label
  ASSERT_EQ(need.size(), 2u);
  EXPECT_EQ(need[0].text("category_label"), "需求");
}

TEST_F(TagsTest, AttachAndDetachAreHistoryAndNewVersionsButNoOpsAreNot) {
  std::int64_t key = create_customer(*rep, customer());
  std::int64_t hot = find_tag(*rep, "", "高潜力");
  tag_customer(*rep, key, hot, true);
  EXPECT_EQ(version_of(*rep, key), 2);
  tag_customer(*rep, key, hot, true);  // already there
  EXPECT_EQ(version_of(*rep, key), 2) << "attaching twice changes nothing";
  ASSERT_EQ(customer_tags(*rep, key).size(), 1u);
  tag_customer(*rep, key, hot, false);
  tag_customer(*rep, key, hot, false);  // already gone
  EXPECT_EQ(version_of(*rep, key), 3);
  auto h = customer_history(*rep, key);
  ASSERT_EQ(h.size(), 3u) << "create, attach, detach";
  EXPECT_EQ(h[1].text("kind"), "tag");
  EXPECT_EQ(h[1].text("after"), "value:高潜力");
  EXPECT_TRUE(is_null(*h[1].find("before")));
  EXPECT_EQ(h[2].text("before"), "value:高潜力");
}

TEST_F(TagsTest, BadTagOperationsChangeNothing) {
  std::int64_t key = create_customer(*rep, customer());
  expect_error(Status::not_found, [&] { tag_customer(*rep, key, 9999, true); });
  expect_error(Status::not_found, [&] { find_tag(*rep, "", "不存在的标签"); });
  expect_error(Status::not_found, [&] { find_tag(*rep, "nope", "制造业"); });
  expect_error(Status::permission, [&] { define_tag(*rep, "need", "软件采购"); });
  expect_error(Status::conflict, [&] { define_tag(*admin, "need", "采购设备"); });
  expect_error(Status::invalid_arg, [&] { define_tag(*admin, "need", "  "); });
  expect_error(Status::invalid_arg, [&] { define_tag(*admin, "need", std::string(51 * 3, 'x')); });
  archive_customer(*rep, key, std::nullopt);
  expect_error(Status::state, [&] { tag_customer(*rep, key, find_tag(*rep, "", "制造业"), true); });
  EXPECT_EQ(customer_history(*rep, key).size(), 2u) << "create and archive only";
}

TEST_F(TagsTest, ALabelInSeveralCategoriesNeedsItsCategory) {
  std::int64_t twin = define_tag(*admin, "need", "高潜力");
  expect_error(Status::conflict, [&] { find_tag(*rep, "", "高潜力"); });
  EXPECT_EQ(find_tag(*rep, "need", "高潜力"), twin);
  EXPECT_NE(find_tag(*rep, "价值", "高潜力"), twin);
}

TEST_F(TagsTest, NewCategoriesComeThroughTheDictionary) {
  add_dictionary_entry(*admin, "tag_category", "region", "区域", "Region");
  std::int64_t east = define_tag(*admin, "区域", "华东");
  EXPECT_EQ(find_tag(*rep, "region", "华东"), east);
}

TEST_F(TagsTest, FiltersAllOfAndAnyOfAcrossPages) {
  const char* names[] = {"杭州恒达精密机械有限公司", "苏州纳微科技股份有限公司",
                         "宁波星海电子有限公司", "成都蜀光软件技术有限公司",
                         "青岛海韵食品有限公司"};
  std::vector<std::int64_t> keys;
  for (const char* n : names) keys.push_back(create_customer(*rep, customer(n)));
  std::int64_t mfg = find_tag(*rep, "industry", "制造业");
  std::int64_t net = find_tag(*rep, "industry", "互联网");
  std::int64_t hot = find_tag(*rep, "value", "高潜力");
  for (int i : {0, 1, 2}) tag_customer(*rep, keys[i], mfg, true);
  for (int i : {1, 2, 4}) tag_customer(*rep, keys[i], hot, true);
  tag_customer(*rep, keys[3], net, true);

  auto collect = [&](CustomerQuery q) {
    q.page_size = 2;
    std::vector<Record> all;
    for (;;) {
      CustomerPage p = list_customers(*rep, q);
      for (auto& r : p.rows) all.push_back(std::move(r));
      if (p.next.empty()) break;
      q.after = p.next;
    }
    return ids_of(all);
  };
  CustomerQuery q;
  q.tags_all = {mfg, hot};
  EXPECT_EQ(collect(q), (std::set<std::string>{"C0002", "C0003"}));
  q = CustomerQuery{};
  q.tags_any = {net, hot};
  EXPECT_EQ(collect(q), (std::set<std::string>{"C0002", "C0003", "C0004", "C0005"}));
  q.tags_all = {mfg};
  EXPECT_EQ(collect(q), (std::set<std::string>{"C0002", "C0003"}));

  q = CustomerQuery{};
  q.tags_all = {12345};
  expect_error(Status::not_found, [&] { list_customers(*rep, q); });
  q.tags_all.assign(33, mfg);
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
  // A token from an unfiltered query does not fit a filtered one.
  q = CustomerQuery{};
  q.page_size = 2;
  std::string token = list_customers(*rep, q).next;
  q.tags_any = {hot};
  q.after = token;
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
}

}  // namespace
}  // namespace crm::testing

namespace crm::testing {
namespace {

class TagLabelTest : public ServiceTest {};

TEST_F(TagLabelTest, AttachByLabelCreatesUnknownTagsOnlyWhenTheHostAllows) {
  std::int64_t c = create_customer(*rep, customer());
  EXPECT_EQ(tag_customer_by_label(*rep, c, "", "高潜力", true), find_tag(*rep, "", "高潜力"));
  expect_error(Status::not_found,
               [&] { tag_customer_by_label(*rep, c, "need", "售后升级", true); });
  EXPECT_EQ(get_setting(*rep, "tags.create_on_attach"), "0");
  expect_error(Status::permission, [&] { set_setting(*rep, "tags.create_on_attach", "1"); });
  expect_error(Status::invalid_arg, [&] { set_setting(*admin, "tags.create_on_attach", "yes"); });
  expect_error(Status::not_found, [&] { set_setting(*admin, "tags.no_such", "1"); });
  set_setting(*admin, "tags.create_on_attach", "1");
  // Without a category there is nowhere to create it.
  expect_error(Status::not_found, [&] { tag_customer_by_label(*rep, c, "", "售后升级", true); });
  // Removing never creates.
  expect_error(Status::not_found,
               [&] { tag_customer_by_label(*rep, c, "need", "售后升级", false); });
  // A sales rep may now create one by attaching it.
  std::int64_t t = tag_customer_by_label(*rep, c, "需求", "售后升级", true);
  EXPECT_EQ(find_tag(*rep, "need", "售后升级"), t);
  EXPECT_EQ(customer_tags(*rep, c).size(), 2u);
  auto h = customer_history(*rep, c);
  EXPECT_EQ(h.back().text("after"), "need:售后升级");
  tag_customer_by_label(*rep, c, "need", "售后升级", false);
  EXPECT_EQ(customer_tags(*rep, c).size(), 1u);
  expect_error(Status::not_found, [&] { tag_customer_by_label(*rep, c, "颜色", "红", true); });
}

}  // namespace
}  // namespace crm::testing
