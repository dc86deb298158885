// Customer-name search (simplified/traditional, pinyin, initials, short
// queries, permissions, paging), the pinyin list order and the search
// index across a migration.
#include "service/search.hpp"

#include <SQLiteCpp/Database.h>

#include <filesystem>

#include "fixture.hpp"
#include "followup_fixture.hpp"
#include "service/tags.hpp"
#include "store/connection.hpp"
#include "store/customer_repo.hpp"
#include "store/schema.hpp"

namespace crm::testing {
namespace {

class SearchTest : public FollowupTest {
 protected:
  void SetUp() override {
    FollowupTest::SetUp();  // 张伟 (rep) and 李娜 (manager) in 华东销售部
    south_id = add_user("chenjing", "陈静", "华南销售部", "销售");
    south = std::make_unique<Session>(*db, south_id);
    huawei = create_customer(*rep, customer("华为技术有限公司", "13800000001"));
    tencent = create_customer(*rep, customer("深圳市腾讯计算机系统有限公司", "13800000002"));
    alibaba = create_customer(*rep, customer("阿里巴巴（中国）网络技术有限公司", "13800000003"));
    cloud = create_customer(*rep, customer("華為雲計算技術有限公司", "13800000004"));
    hidden = create_customer(*south, customer("华为海外贸易有限公司", "13800000005"));
  }

  // The ids found by `s` for `text`, every page, with how each matched.
  static std::string found(Session& s, const std::string& text, bool archived = false) {
    SearchQuery q;
    q.text = text;
    q.include_archived = archived;
    std::string out;
    for (const auto& r : search_customers(s, q).rows)
      out += (out.empty() ? "" : ",") + r.text("id") + ":" + r.text("match");
    return out;
  }

  void rename_in_transaction(const char* id, const char* name) {
    Record r;
    r.set("name", std::string(name));
    update_customer(*rep, customer_key(*rep, id), r);
  }

  int index_rows() {
    return db->conn().db().execAndGet("SELECT count(*) FROM customer_search").getInt();
  }

  // How many index leaves FTS5 has written so far: the write counter of
  // its structure record (the row with id 10 of the data table: a 4-byte
  // cookie, then varints: levels, segments, leaves written).  A segment
  // flushed at a savepoint is at least one leaf.
  std::uint64_t index_leaves_written() {
    SQLite::Statement q(db->conn().db(), "SELECT block FROM customer_search_data WHERE id = 10");
    if (!q.executeStep()) return 0;
    const auto* p = static_cast<const unsigned char*>(q.getColumn(0).getBlob());
    const int n = q.getColumn(0).getBytes();
    int at = 4;
    auto varint = [&] {
      std::uint64_t v = 0;
      while (at < n) {
        unsigned char b = p[at++];
        v = (v << 7) | (b & 0x7f);
        if (!(b & 0x80)) break;
      }
      return v;
    };
    varint();  // levels
    varint();  // segments
    return varint();
  }

  std::int64_t south_id = 0;
  std::unique_ptr<Session> south;
  std::int64_t huawei = 0, tencent = 0, alibaba = 0, cloud = 0, hidden = 0;
};

TEST_F(SearchTest, TwoHanCharactersFindSimplifiedAndTraditionalNames) {
  EXPECT_EQ(found(*rep, "华为"), "C0001:name,C0004:name")
      << "华为 finds 华为技术 and the traditional 華為雲計算, not another rep's customer";
}

TEST_F(SearchTest, TraditionalInputFindsSimplifiedNames) {
  EXPECT_EQ(found(*rep, "華為技術"), "C0001:name");
  EXPECT_EQ(found(*rep, "华为云"), "C0004:name") << "simplified input, traditional name";
}

TEST_F(SearchTest, OneCharacterQueryWorks) {
  EXPECT_EQ(found(*rep, "腾"), "C0002:name");
  EXPECT_EQ(found(*rep, "雲"), "C0004:name") << "one traditional character";
  EXPECT_EQ(found(*rep, "云"), "C0004:name");
}

TEST_F(SearchTest, FullPinyinWithOrWithoutSpacesInAnyCase) {
  EXPECT_EQ(found(*rep, "huawei"), "C0001:pinyin,C0004:pinyin");
  EXPECT_EQ(found(*rep, "Hua Wei"), "C0001:pinyin,C0004:pinyin");
  EXPECT_EQ(found(*rep, "tengxun"), "C0002:pinyin");
}

TEST_F(SearchTest, PinyinInitialsLongAndShort) {
  EXPECT_EQ(found(*rep, "hwjs"), "C0001:initials");
  EXPECT_EQ(found(*rep, "HW"), "C0001:initials,C0004:initials") << "two letters: the scan path";
  EXPECT_EQ(found(*rep, "albb"), "C0003:initials");
}

TEST_F(SearchTest, ExactNameRanksBeforePrefixAndSubstring) {
  std::int64_t longer = create_customer(*rep, customer("北京华为技术有限公司", "13800000006"));
  SearchQuery q;
  q.text = "华为技术有限公司";
  auto rows = search_customers(*rep, q).rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].text("id"), "C0001") << "the exact name first";
  EXPECT_EQ(std::get<std::int64_t>(*rows[0].find("match_rank")), 0);
  EXPECT_EQ(rows[1].text("id"), store::human_id(longer));
  EXPECT_EQ(std::get<std::int64_t>(*rows[1].find("match_rank")), 2) << "a substring";
  q.text = "华为技";
  rows = search_customers(*rep, q).rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(std::get<std::int64_t>(*rows[0].find("match_rank")), 1) << "a prefix";
}

TEST_F(SearchTest, RenamedCustomerIsFoundByItsNewNameOnly) {
  Record change;
  change.set("name", std::string("深圳市华为终端有限公司"));
  update_customer(*rep, tencent, change);
  EXPECT_EQ(found(*rep, "腾讯"), "") << "the old name is gone from the index";
  EXPECT_EQ(found(*rep, "tengxun"), "");
  EXPECT_EQ(found(*rep, "华为"), "C0001:name,C0004:name,C0002:name")
      << "names starting with 华为 first, then 深圳市华为终端";
  EXPECT_EQ(found(*rep, "szshwzd"), "C0002:initials");
}

TEST_F(SearchTest, OnlyCustomersTheUserMayReadAreFound) {
  EXPECT_EQ(found(*admin, "华为"), "C0001:name,C0004:name,C0005:name");
  EXPECT_EQ(found(*south, "华为"), "C0005:name");
  EXPECT_EQ(found(*rep, "海外"), "") << "C0005 belongs to another department's rep";
}

TEST_F(SearchTest, ArchivedCustomersOnlyWhenAsked) {
  archive_customer(*rep, cloud, std::string("重复"));
  EXPECT_EQ(found(*rep, "华为"), "C0001:name");
  EXPECT_EQ(found(*rep, "华为", true), "C0001:name,C0004:name");
}

TEST_F(SearchTest, ResultsAreMaskedLikeTheList) {
  SearchQuery q;
  q.text = "腾讯";
  auto rows = search_customers(*rep, q).rows;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].text("phone"), "138****0002");
}

TEST_F(SearchTest, PagesFollowTheRankOrderAndTokensBelongToTheirQuery) {
  SearchQuery q;
  q.text = "有限公司";
  q.page_size = 3;
  auto first = search_customers(*rep, q);
  ASSERT_EQ(first.rows.size(), 3u);
  ASSERT_FALSE(first.next.empty());
  q.after = first.next;
  auto second = search_customers(*rep, q);
  ASSERT_EQ(second.rows.size(), 1u) << "4 visible customers in all";
  EXPECT_TRUE(second.next.empty());
  EXPECT_EQ(second.rows[0].text("id"), "C0004");
  q.text = "公司";
  expect_error(Status::invalid_arg, [&] { search_customers(*rep, q); });
  q.after = "q1.x";
  expect_error(Status::invalid_arg, [&] { search_customers(*rep, q); });
}

TEST_F(SearchTest, EmptyOrOverlongQueriesAreRefused) {
  SearchQuery q;
  q.text = "   ";
  expect_error(Status::invalid_arg, [&] { search_customers(*rep, q); });
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "华";
  q.text = hundred;
  EXPECT_NO_THROW(search_customers(*rep, q)) << "100 characters is the limit";
  q.text = hundred + "为";
  expect_error(Status::invalid_arg, [&] { search_customers(*rep, q); });
  q.text = "\xff";
  expect_error(Status::invalid_arg, [&] { search_customers(*rep, q); });
}

TEST_F(SearchTest, QuotesInTheQueryAreText) {
  EXPECT_EQ(found(*rep, "\"华为\" OR"), "");
  EXPECT_EQ(found(*rep, "a\"b"), "");
}

// 阿里 (a) < 北京 (b) < 华为 (h) < 深圳 (s) < 中兴 (z) in pinyin; in UTF-8 byte
// order 中 < 华 < 北 < 深 < 阿.
TEST_F(SearchTest, NamePinyinSortPagesInChineseOrder) {
  create_customer(*rep, customer("中兴通讯股份有限公司", "13800000007"));
  create_customer(*rep, customer("北京百度网讯科技有限公司", "13800000008"));
  auto names = [&](const std::string& sort) {
    CustomerQuery q;
    q.sort = sort;
    q.page_size = 2;
    std::string out;
    for (;;) {
      auto page = list_customers(*rep, q);
      // 华为 and 華為 read the same (huawei): either may come first.
      for (const auto& r : page.rows) {
        std::string head = r.text("name").substr(0, 6);
        out += (head == "華為" ? std::string("华为") : head) + " ";
      }
      if (page.next.empty()) break;
      q.after = page.next;
    }
    return out;
  };
  EXPECT_EQ(names("name_pinyin"), "阿里 北京 华为 华为 深圳 中兴 ");
  EXPECT_EQ(names("-name_pinyin"), "中兴 深圳 华为 华为 北京 阿里 ");
  EXPECT_EQ(names("name").substr(0, 7), "中兴 ") << "binary order differs";
}

// With a tag filter the list is driven through a second customers alias;
// the collated order and its page tokens work there too.
TEST_F(SearchTest, NamePinyinSortWithATagFilter) {
  std::int64_t tag = define_tag(*admin, "需求", "需要培训");
  for (std::int64_t key : {tencent, huawei, alibaba}) tag_customer(*rep, key, tag, true);
  CustomerQuery q;
  q.sort = "name_pinyin";
  q.tags_all = {tag};
  q.page_size = 1;
  std::string out;
  for (;;) {
    auto page = list_customers(*rep, q);
    for (const auto& r : page.rows) out += r.text("id") + " ";
    if (page.next.empty()) break;
    q.after = page.next;
  }
  EXPECT_EQ(out, "C0003 C0001 C0002 ") << "阿里 (a), 华为 (h), 深圳 (s); C0004 is not tagged";
}

// The index rows of a transaction are written at its end (FTS5 would make
// a segment at every per-call savepoint otherwise); a search inside the
// transaction still sees them.
TEST_F(SearchTest, ASearchInsideATransactionSeesItsNewCustomers) {
  db->begin();
  create_customer(*rep, customer("苏州恒瑞精密机械有限公司", "13800000011"));
  EXPECT_EQ(found(*rep, "恒瑞"), "C0006:name") << "created in the open transaction";
  rename_in_transaction("C0006", "苏州恒泰精密机械有限公司");
  EXPECT_EQ(found(*rep, "恒瑞"), "") << "the rename in the same transaction";
  EXPECT_EQ(found(*rep, "恒泰"), "C0006:name");
  db->commit();
  EXPECT_EQ(found(*rep, "恒泰"), "C0006:name") << "after the commit";
}

TEST_F(SearchTest, RowsWrittenBySearchInsideAnUndoneSavepointAreWrittenAgain) {
  db->begin();
  create_customer(*rep, customer("苏州恒瑞精密机械有限公司", "13800000011"));
  {
    // A call that searches (writing the queued row inside its savepoint)
    // and then fails: SQLite undoes the row with the savepoint.
    store::WriteTransaction failing(db->conn());
    EXPECT_EQ(found(*rep, "恒瑞"), "C0006:name");
  }
  EXPECT_EQ(found(*rep, "恒瑞"), "C0006:name") << "written again after the undone savepoint";
  db->commit();
  EXPECT_EQ(found(*rep, "hrjm"), "C0006:initials") << "and kept by the commit";
}

TEST_F(SearchTest, RolledBackCustomersLeaveNoIndexRows) {
  db->begin();
  create_customer(*rep, customer("苏州恒瑞精密机械有限公司", "13800000011"));
  db->rollback();
  EXPECT_EQ(found(*rep, "恒瑞"), "");
  EXPECT_EQ(index_rows(), 5) << "the five customers of the fixture only";
  create_customer(*rep, customer("苏州恒泰精密机械有限公司", "13800000012"));
  EXPECT_EQ(found(*rep, "恒泰"), "C0006:name") << "outside a transaction: its own";
  EXPECT_EQ(index_rows(), 6);
}

TEST_F(SearchTest, ABatchOfCreatesInOneTransactionWritesTheIndexOnce) {
  const std::uint64_t before = index_leaves_written();
  create_customer(*rep, customer("苏州恒瑞精密机械有限公司", "13800000011"));
  ASSERT_EQ(index_leaves_written(), before + 1) << "a create of its own writes one leaf";
  db->begin();
  for (int i = 0; i < 200; ++i) {
    std::string phone = "1390000" + std::to_string(1000 + i);
    std::string name = "苏州" + std::to_string(1000 + i) + "号精密机械有限公司";
    create_customer(*rep, customer(name.c_str(), phone.c_str()));
  }
  db->commit();
  // Flushed at each create's savepoint, they would be 200 segments of at
  // least a leaf each; written together, the leaves are full (about 14).
  EXPECT_LT(index_leaves_written() - before - 1, 50u)
      << "the 200 index rows of the transaction were written as one segment at its commit";
  EXPECT_EQ(found(*rep, "1199号"), "C0206:name");
}

TEST_F(SearchTest, MigrationIndexesExistingCustomers) {
  auto dir = std::filesystem::temp_directory_path() /
             ("crm_search_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
              "_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  std::filesystem::create_directories(dir);
  std::string p = (dir / "v1.db").string();
  {
    SQLite::Database raw(p, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("BEGIN");
    store::migrate(raw, 0, 1, "Asia/Shanghai");
    raw.exec("COMMIT");
    raw.exec(
        "INSERT INTO customers(name, contact_name, phone, industry, scale, type, source, "
        "key_needs, priority, owner_id, entry_date, created_at, created_by, updated_at, "
        "updated_by) VALUES ('華為技術有限公司', '王建国', '+8613812345678', "
        "'manufacturing', 'emp_100_500', 'intent', 'trade_show', '采购数控机床', 'high', 1, "
        "'2026-11-01', 1, 1, 1, 1)");
  }
  {
    store::OpenOptions o;
    o.path = p;
    Database old(o);
    Session a(old, 1);
    SearchQuery q;
    q.text = "hwjs";
    auto rows = search_customers(a, q).rows;
    ASSERT_EQ(rows.size(), 1u) << "the migration filled the index";
    EXPECT_EQ(rows[0].text("id"), "C0001");
    q.text = "华为";
    EXPECT_EQ(search_customers(a, q).rows.size(), 1u);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace crm::testing
