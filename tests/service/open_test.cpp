// Opening files: every kind of bad file gets its own status, and nothing is
// modified.  Migrations are tested from every older schema version.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fixture.hpp"
#include "service/audit.hpp"
#include "service/contacts.hpp"
#include "service/followups.hpp"
#include "service/maintenance.hpp"
#include "service/organization.hpp"
#include "service/tags.hpp"
#include "service/users.hpp"
#include "store/schema.hpp"

namespace crm::testing {
namespace {

namespace fs = std::filesystem;

class OpenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crm_open_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string path(const char* name) const { return (dir / name).string(); }

  static std::string read_all(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static void write_all(const std::string& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
  }

  static std::unique_ptr<Database> open(const std::string& p, bool readonly = false,
                                        bool nocreate = false) {
    store::OpenOptions o;
    o.path = p;
    o.readonly = readonly;
    o.nocreate = nocreate;
    o.time_zone = "Asia/Shanghai";
    return std::make_unique<Database>(o);
  }

  // Makes a database with `n` customers and closes it.
  void make_db(const std::string& p, int n) {
    auto db = open(p);
    db->clock().fix(kNow);
    Session admin(*db, 1);
    const char* names[] = {"杭州恒达精密机械有限公司", "苏州纳微科技股份有限公司",
                           "宁波星海电子有限公司"};
    for (int i = 0; i < n; ++i) create_customer(admin, customer(names[i % 3]));
  }

  fs::path dir;
};

TEST_F(OpenTest, CreatesANewFileWithTheCurrentSchema) {
  auto db = open(path("new.db"));
  EXPECT_EQ(db->conn().schema_version(), store::latest_schema_version());
  EXPECT_EQ(db->zone_name(), "Asia/Shanghai");
  EXPECT_TRUE(fs::exists(path("new.db")));
}

TEST_F(OpenTest, MissingDirectoryIsCantOpen) {
  Error e = expect_error(Status::cantopen, [&] { open(path("no/such/dir/x.db")); });
  EXPECT_NE(e.message_en().find("does not exist"), std::string::npos) << e.message_en();
  EXPECT_FALSE(fs::exists(path("no")));
}

TEST_F(OpenTest, NoCreateOnAMissingFileIsCantOpenAndCreatesNothing) {
  expect_error(Status::cantopen, [&] { open(path("absent.db"), false, true); });
  EXPECT_FALSE(fs::exists(path("absent.db")));
}

TEST_F(OpenTest, GarbageFileIsNotADatabaseAndStaysUntouched) {
  std::string garbage(8192, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919) % 251);
  write_all(path("garbage.db"), garbage);
  expect_error(Status::notadb, [&] { open(path("garbage.db")); });
  EXPECT_EQ(read_all(path("garbage.db")), garbage);
  write_all(path("short.db"), "SQLite");
  expect_error(Status::notadb, [&] { open(path("short.db")); });
}

TEST_F(OpenTest, TruncatedFileIsCorruptAndStaysUntouched) {
  make_db(path("t.db"), 30);
  std::string bytes = read_all(path("t.db"));
  ASSERT_GT(bytes.size(), 8192u);
  std::string half = bytes.substr(0, bytes.size() / 2);
  write_all(path("t.db"), half);
  Error e = expect_error(Status::corrupt, [&] { open(path("t.db")); });
  EXPECT_NE(e.message_en().find("truncated"), std::string::npos) << e.message_en();
  EXPECT_EQ(read_all(path("t.db")), half);
}

TEST_F(OpenTest, NewerSchemaIsRefusedAndStaysUntouched) {
  make_db(path("v.db"), 1);
  {
    SQLite::Database raw(path("v.db"), SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = 999");
  }
  std::string before = read_all(path("v.db"));
  Error e = expect_error(Status::version, [&] { open(path("v.db")); });
  EXPECT_NE(e.message_en().find("999"), std::string::npos) << e.message_en();
  EXPECT_EQ(read_all(path("v.db")), before);
}

TEST_F(OpenTest, ForeignSqliteDatabaseIsRefused) {
  {
    SQLite::Database raw(path("other.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE invoices(id INTEGER PRIMARY KEY)");
  }
  std::string before = read_all(path("other.db"));
  expect_error(Status::notadb, [&] { open(path("other.db")); });
  EXPECT_EQ(read_all(path("other.db")), before);
}

TEST_F(OpenTest, ReadOnlyOpenReadsButNeverWrites) {
  make_db(path("ro.db"), 2);
  auto db = open(path("ro.db"), true);
  Session admin(*db, 1);
  CustomerQuery q;
  EXPECT_EQ(list_customers(admin, q).rows.size(), 2u);
  expect_error(Status::readonly, [&] { create_customer(admin, customer("宁波星海电子有限公司")); });
  expect_error(Status::readonly, [&] { db->begin(); });
}

// Schema migrations: a database as every older version made it must open,
// keep its data and end at the current version.  Version 0 is an empty file
// (what an older release leaves after a crash before its first commit).
TEST_F(OpenTest, MigratesFromEveryOlderVersion) {
  for (int v = 0; v < store::latest_schema_version(); ++v) {
    std::string p = path(("old" + std::to_string(v) + ".db").c_str());
    {
      SQLite::Database raw(p, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      raw.exec("BEGIN");
      store::migrate(raw, 0, v, "Asia/Shanghai");
      raw.exec("COMMIT");
    }
    auto db = open(p);
    EXPECT_EQ(db->conn().schema_version(), store::latest_schema_version()) << "from v" << v;
    Session admin(*db, 1);
    EXPECT_NO_THROW(create_customer(admin, customer())) << "from v" << v;
  }
}

// A file made by schema version 1 (before tags) with real data: opening it
// migrates to the current version and keeps every customer and its history.
TEST_F(OpenTest, MigratesAVersionOneFileWithData) {
  std::string p = path("v1.db");
  {
    SQLite::Database raw(p, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("BEGIN");
    store::migrate(raw, 0, 1, "Asia/Shanghai");
    raw.exec("COMMIT");
    raw.exec(
        "INSERT INTO customers(name, contact_name, phone, industry, scale, type, source, "
        "key_needs, priority, owner_id, entry_date, created_at, created_by, updated_at, "
        "updated_by) VALUES ('杭州恒达精密机械有限公司', '王建国', '+8613812345678', "
        "'manufacturing', 'emp_100_500', 'intent', 'trade_show', '采购数控机床', 'high', 1, "
        "'2026-11-01', 1, 1, 1, 1)");
    raw.exec(
        "INSERT INTO customer_history(customer_id, at, actor_id, kind, field, before, after) "
        "VALUES (1, 2, 1, 'update', 'priority', 'medium', 'high')");
  }
  auto db = open(p);
  EXPECT_EQ(db->conn().schema_version(), store::latest_schema_version());
  Session admin(*db, 1);
  Record c = get_customer(admin, 1);
  EXPECT_EQ(c.text("name"), "杭州恒达精密机械有限公司");
  EXPECT_EQ(c.text("type"), "intent");
  auto h = customer_history(admin, 1);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].text("after"), "high");
  // Version 3 made the registration contact the primary contact.
  auto contacts = list_contacts(admin, 1);
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0].text("name"), "王建国");
  EXPECT_EQ(get_contact(admin, std::get<std::int64_t>(*contacts[0].find("id")), true).text("phone"),
            "+8613812345678");
  EXPECT_EQ(std::get<std::int64_t>(*contacts[0].find("primary")), 1);
  // The new version's features work on the old data.
  tag_customer(admin, 1, find_tag(admin, "", "高潜力"), true);
  EXPECT_EQ(customer_tags(admin, 1).size(), 1u);
  EXPECT_NO_THROW(create_customer(admin, customer("苏州纳微科技股份有限公司")));
}

// A file made by schema version 7, before permissions: its users name
// departments as free text.  Version 8 makes a department of each name,
// supervised by its lowest-id active sales manager, starts the audit log,
// and applies the permission matrix to the users already there.
TEST_F(OpenTest, MigratesAVersionSevenFileWithUsersAndDepartments) {
  std::string p = path("v7.db");
  {
    SQLite::Database raw(p, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("BEGIN");
    store::migrate(raw, 0, 7, "Asia/Shanghai");
    raw.exec("COMMIT");
    raw.exec(
        "INSERT INTO users(id, login, name, department, role, active, created_at) VALUES "
        "(2, 'zhangwei', '张伟', '华东销售部', 'sales', 1, 1), "
        "(3, 'lina', '李娜', '华东销售部', 'sales_manager', 1, 1), "
        "(4, 'wangqiang', '王强', '华东销售部', 'sales_manager', 1, 1), "
        "(5, 'chenjing', '陈静', '华南销售部', 'sales', 1, 1)");
    raw.exec(
        "INSERT INTO customers(name, contact_name, phone, industry, scale, type, source, "
        "key_needs, priority, owner_id, entry_date, created_at, created_by, updated_at, "
        "updated_by) VALUES ('杭州恒达精密机械有限公司', '王建国', '+8613812345678', "
        "'manufacturing', 'emp_100_500', 'won', 'trade_show', '采购数控机床', 'high', 2, "
        "'2026-11-01', 1, 1, 1, 1)");
  }
  auto db = open(p);
  EXPECT_EQ(db->conn().schema_version(), store::latest_schema_version());
  db->clock().fix(kNow);
  Session admin(*db, 1);
  std::string tree;
  for (const auto& d : list_departments(admin))
    tree += d.text("name") + ":" +
            (d.find("supervisor") && is_int(*d.find("supervisor"))
                 ? std::to_string(std::get<std::int64_t>(*d.find("supervisor")))
                 : std::string("-")) +
            " ";
  EXPECT_EQ(tree, "华东销售部:3 华南销售部:- ");
  // The rules of schema 8 hold for the users already there.
  Session rep(*db, 2), manager(*db, 3), south(*db, 5);
  EXPECT_EQ(get_customer(rep, 1).text("phone"), "138****5678");
  EXPECT_NO_THROW(get_customer(manager, 1));
  expect_error(Status::not_found, [&] { get_customer(south, 1); });
  AuditReport audit = verify_audit(admin, std::nullopt);
  EXPECT_TRUE(audit.ok);
  EXPECT_GE(audit.checked, 1);
}

// A file made by schema version 6 (follow-ups, before maintenance plans) with
// a key customer and its follow-up plan: version 7 adds maintenance plans and
// their states, and keeps everything else.
TEST_F(OpenTest, MigratesAVersionSixFileWithData) {
  std::string p = path("v6.db");
  {
    SQLite::Database raw(p, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("BEGIN");
    store::migrate(raw, 0, 6, "Asia/Shanghai");
    raw.exec("COMMIT");
    raw.exec(
        "INSERT INTO customers(name, contact_name, phone, industry, scale, type, source, "
        "key_needs, priority, owner_id, entry_date, created_at, created_by, updated_at, "
        "updated_by, tier, tier_reason, graded_at, next_due_date) VALUES "
        "('杭州恒达精密机械有限公司', '王建国', '+8613812345678', 'manufacturing', "
        "'emp_100_500', 'won', 'trade_show', '采购数控机床', 'high', 1, '2026-11-01', 1, 1, 1, "
        "1, 'A', '年度框架协议', 1, '2026-11-08')");
    raw.exec(
        "INSERT INTO followup_plans(customer_id, owner_id, goal, method, planned_at, state, "
        "created_at, created_by, updated_at, updated_by) VALUES (1, 1, '季度回访', 'visit', "
        "1795395600000, 'planned', 1, 1, 1, 1)");
    EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), 6);
  }
  auto db = open(p);
  EXPECT_EQ(db->conn().schema_version(), store::latest_schema_version());
  db->clock().fix(kNow);
  Session admin(*db, 1);
  Record c = get_customer(admin, 1);
  EXPECT_EQ(c.text("tier"), "A");
  EXPECT_EQ(c.text("next_due_date"), "2026-11-08");
  EXPECT_EQ(customer_plans(admin, 1).size(), 1u);

  auto states = list_dictionary(admin, "maintenance_state");
  std::string labels;
  for (const auto& e : states) labels += e.text("code") + "=" + e.text("label_zh") + " ";
  EXPECT_EQ(
      labels,
      "submitted=待审批 approved=已批准 rejected=已驳回 carried_out=已执行 evaluated=已评估 ");
  expect_error(Status::invalid_arg, [&] {
    add_dictionary_entry(admin, "maintenance_state", "paused", "暂停", "Paused");
  });

  Record f;
  f.set("method", std::string("定期拜访+专属客服"));
  f.set("measures", std::string("每月上门巡检"));
  f.set("responsible", std::string("系统管理员"));
  f.set("cost", std::string("5000"));
  f.set("period_start", std::string("2026-12-01"));
  f.set("period_end", std::string("2026-12-31"));
  Record plan = submit_maintenance_plan(admin, 1, f);
  EXPECT_EQ(plan.text("state"), "submitted");
  EXPECT_EQ(customer_maintenance_plans(admin, 1).size(), 1u);
}

TEST_F(OpenTest, TwoHandlesOnOneFileSeeEachOthersCommits) {
  auto a = open(path("shared.db"));
  auto b = open(path("shared.db"));
  Session sa(*a, 1), sb(*b, 1);
  create_customer(sa, customer());
  CustomerQuery q;
  EXPECT_EQ(list_customers(sb, q).rows.size(), 1u);
}

TEST_F(OpenTest, AWriterWaitsThenGetsBusyWhileAnotherHoldsTheLock) {
  auto a = open(path("busy.db"));
  store::OpenOptions o;
  o.path = path("busy.db");
  o.busy_timeout_ms = 50;
  Database b(o);
  Session sb(b, 1);
  a->begin();
  expect_error(Status::busy, [&] { create_customer(sb, customer()); });
  a->rollback();
  EXPECT_NO_THROW(create_customer(sb, customer()));
}

// A write that failed with BUSY must not leave its handle reading an old
// snapshot (an unfinished statement keeps its read transaction).
TEST_F(OpenTest, AHandleSeesNewCommitsAfterItsWriteWasBusy) {
  auto a = open(path("snap.db"));
  store::OpenOptions o;
  o.path = path("snap.db");
  o.busy_timeout_ms = 20;
  Database b(o);
  Session sa(*a, 1), sb(b, 1);
  a->begin();
  create_customer(sa, customer());
  expect_error(Status::busy, [&] { create_customer(sb, customer("苏州纳微科技股份有限公司")); });
  a->commit();
  create_customer(sa, customer("宁波星海电子有限公司"));
  CustomerQuery q;
  EXPECT_EQ(list_customers(sb, q).rows.size(), 2u) << "b must see both of a's commits";
}

}  // namespace
}  // namespace crm::testing
