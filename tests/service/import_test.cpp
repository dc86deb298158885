// Import of customers from CSV (R9.1) and the CSV export that reads back.
#include "service/import.hpp"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixture.hpp"
#include "service/custom_fields.hpp"
#include "service/export.hpp"
#include "service/tags.hpp"
#include "store/customer_repo.hpp"

namespace crm::testing {
namespace {

const char* const kHeaderZh =
    "客户全称,联系人姓名,联系电话,电子邮箱,所属行业,企业规模,信息来源渠道,关键需求,需求优先级\n";

std::string row(const std::string& name, const std::string& phone, const std::string& email = "") {
  return name + ",李明," + phone + "," + email + ",制造业,100-500人,展会,采购数控机床,高\n";
}

class ImportTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    dir = std::filesystem::temp_directory_path() /
          ("crm-import-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  ImportReport run(const std::string& bytes, ImportOptions o = {}, Session* s = nullptr) {
    data = bytes;
    if (o.error_path.empty()) o.error_path = (dir / "errors.csv").string();
    return import_customers(
        *(s ? s : admin.get()), [this] { return memory_source(data); }, o);
  }
  std::string errors_file() {
    std::ifstream f(dir / "errors.csv", std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  std::string export_csv(const CsvExportOptions& o = {}) {
    std::string out;
    export_customers_csv(*admin, CustomerQuery{}, true, o, [&](std::string_view c) {
      out += c;
      return true;
    });
    return out;
  }

  std::filesystem::path dir;
  std::string data;
};

TEST_F(ImportTest, ChineseHeadersImportAndReportEveryCount) {
  ImportReport r = run(std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678") +
                       row("宁波海天塑机集团有限公司", "0574-86180000"));
  EXPECT_EQ(r.rows, 2);
  EXPECT_EQ(r.inserted, 2);
  EXPECT_EQ(r.rejected, 0);
  EXPECT_EQ(r.encoding, "utf-8");
  EXPECT_EQ(r.key, "phone");  // auto: the first key column the file has
  EXPECT_EQ(count_customers(), 2u);
  Record c = get_customer(*admin, 2, true);
  EXPECT_EQ(c.text("phone"), "+8657486180000");
  EXPECT_EQ(c.text("contact_name"), "李明");
  // No rejected row, no error file.
  EXPECT_FALSE(std::filesystem::exists(dir / "errors.csv"));
}

TEST_F(ImportTest, ReimportingTheSameFileChangesNothing) {
  const std::string file = std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678") +
                           row("宁波海天塑机集团有限公司", "13987654321");
  ASSERT_EQ(run(file).inserted, 2);
  const std::int64_t version = std::get<std::int64_t>(*get_customer(*admin, 1).find("version"));
  ImportReport again = run(file);
  EXPECT_EQ(again.inserted, 0);
  EXPECT_EQ(again.unchanged, 2);
  EXPECT_EQ(again.duplicates, 0);
  EXPECT_EQ(count_customers(), 2u);
  EXPECT_EQ(std::get<std::int64_t>(*get_customer(*admin, 1).find("version")), version);
  // The same in upsert mode.
  ImportOptions up;
  up.mode = ImportMode::upsert;
  EXPECT_EQ(run(file, up).unchanged, 2);
}

TEST_F(ImportTest, BadRowsGoToTheErrorFileAsTheyWereWithTheReason) {
  const std::string bad = "某科技公司,李明,12345,not-an-email,制造业,100-500人,展会,采购,高\n";
  ImportReport r =
      run(std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678") + bad);
  EXPECT_EQ(r.inserted, 1);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(r.error_rows, 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].row, 3);
  EXPECT_NE(r.errors[0].message_zh.find("第 3 行"), std::string::npos) << r.errors[0].message_zh;
  const std::string err = errors_file();
  // The header and the row unchanged, then the reason — in Chinese, as the
  // headers are — naming every failing field.
  EXPECT_EQ(err.rfind(std::string("客户全称,联系人姓名,联系电话,电子邮箱,所属行业,企业规模,"
                                  "信息来源渠道,关键需求,需求优先级,错误说明\r\n") +
                          "某科技公司,李明,12345,not-an-email,制造业,100-500人,展会,采购,高,",
                      0),
            0u)
      << err;
  // The reason (after the row) names the name, the phone — the key — and
  // the e-mail.
  const std::string reason = err.substr(err.find(",采购,高,") + std::strlen(",采购,高,"));
  EXPECT_EQ(reason.rfind("客户全称", 0), 0u) << reason;
  EXPECT_NE(reason.find("；联系电话"), std::string::npos) << reason;
  EXPECT_NE(reason.find("；电子邮箱"), std::string::npos) << reason;

  // Corrected in place, the error file imports as it is (its reason column
  // is skipped).
  std::string fixed = err;
  fixed.replace(fixed.find("某科技公司"), std::strlen("某科技公司"), "苏州科创电子科技有限公司");
  fixed.replace(fixed.find(",12345,"), 7, ",13600001111,");
  fixed.replace(fixed.find("not-an-email"), 12, "li@kc.cn");
  ImportReport second = run(fixed);
  EXPECT_EQ(second.inserted, 1) << (second.errors.empty() ? "" : second.errors[0].message_en);
  EXPECT_EQ(second.rejected, 0);
}

TEST_F(ImportTest, GbkFilesAreDetectedOrDeclared) {
  const std::string utf8 = std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678");
  const std::string gbk = encode_text(utf8, CsvEncoding::gb18030);
  ASSERT_NE(gbk, utf8);
  ImportReport detected = run(gbk);
  EXPECT_EQ(detected.encoding, "gb18030");
  EXPECT_EQ(detected.inserted, 1);
  EXPECT_EQ(get_customer(*admin, 1).text("name"), "杭州恒达精密机械有限公司");

  // Declared UTF-8, the GBK bytes are refused at the header, nothing written.
  ImportOptions o;
  o.encoding = CsvEncoding::utf8;
  Error e = expect_error(Status::invalid_arg, [&] { run(gbk, o); });
  EXPECT_NE(e.message_en().find("encoding"), std::string::npos) << e.message_en();
  EXPECT_EQ(count_customers(), 1u);
}

TEST_F(ImportTest, AByteOrderMarkIsDroppedAndKeptInTheErrorFile) {
  ImportReport r = run(std::string("\xEF\xBB\xBF") + kHeaderZh + row("x", "1"));
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(errors_file().rfind("\xEF\xBB\xBF客户全称", 0), 0u);
}

TEST_F(ImportTest, BadHeadersAreRefusedBeforeAnyRow) {
  Error unknown = expect_error(Status::invalid_arg,
                               [&] { run("客户全称,客户名称X,联系电话\n" + row("a", "b")); });
  EXPECT_NE(unknown.message_zh().find("未知的列“客户名称X”"), std::string::npos)
      << unknown.message_zh();
  Error twice = expect_error(Status::invalid_arg, [&] {
    run("客户全称,联系电话,name\n杭州恒达精密机械有限公司,13812345678,x\n");
  });
  EXPECT_NE(twice.message_en().find("are both name"), std::string::npos) << twice.message_en();
  Error read_only = expect_error(Status::invalid_arg, [&] { run("客户全称,创建时间\n"); });
  EXPECT_NE(read_only.message_en().find("created_at"), std::string::npos);
  Error empty = expect_error(Status::invalid_arg, [&] { run(""); });
  EXPECT_NE(empty.message_en().find("empty"), std::string::npos);
  EXPECT_EQ(count_customers(), 0u);
  // An explicit mapping names what the labels do not, or skips a column.
  ImportOptions o;
  o.mapping = {{"公司", "name"}, {"备注", ""}};
  ImportReport r =
      run("公司,联系人姓名,联系电话,所属行业,企业规模,信息来源渠道,关键需求,需求优先级,备注\n"
          "杭州恒达精密机械有限公司,李明,13812345678,制造业,100-500人,展会,采购数控机床,高,随便\n",
          o);
  EXPECT_EQ(r.inserted, 1) << (r.errors.empty() ? "" : r.errors[0].message_en);
}

TEST_F(ImportTest, DamagedRowsAreRejectedAndTheRestImported) {
  const std::string good = row("杭州恒达精密机械有限公司", "13812345678");
  std::string nul_row = row("宁波海天塑机集团有限公司", "13987654321");
  nul_row.insert(nul_row.find("李明"), 1, '\0');
  ImportReport r =
      run(std::string(kHeaderZh) + "只有,三列,而已\n" + nul_row + "\xEF\xBB\xBF" +
          row("上海联影医疗科技股份有限公司", "13700000001") + good + "\"未闭合的引号,李明\n");
  EXPECT_EQ(r.rows, 5);
  EXPECT_EQ(r.inserted, 1);
  EXPECT_EQ(r.rejected, 4);
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_NE(r.errors[0].message_en.find("3 fields, the header 9"), std::string::npos);
  EXPECT_NE(r.errors[1].message_en.find("NUL"), std::string::npos);
  EXPECT_NE(r.errors[2].message_en.find("byte-order mark"), std::string::npos);
  EXPECT_NE(r.errors[3].message_en.find("quote"), std::string::npos);
  EXPECT_EQ(r.error_rows, 4);
}

TEST_F(ImportTest, ARecordLongerThanTheLimitStopsTheImportThere) {
  ImportOptions o;
  o.max_record_bytes = 1 << 20;
  o.batch_rows = 1;
  std::string file = std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678") +
                     "\"" + std::string(3 << 20, 'x') + "\n";
  Error e = expect_error(Status::invalid_arg, [&] { run(file, o); });
  EXPECT_NE(e.message_en().find("record 3 is longer than 1 MiB"), std::string::npos)
      << e.message_en();
  EXPECT_EQ(count_customers(), 1u);  // the batch before it stays
}

TEST_F(ImportTest, UpdateAndUpsertFindCustomersByTheKey) {
  ASSERT_EQ(run(std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678")).inserted,
            1);
  ImportOptions o;
  o.mode = ImportMode::update;
  // The phone typed differently still finds the customer; an unknown one is rejected.
  ImportReport r =
      run("联系电话,关键需求\n+86 138-1234-5678,采购五轴加工中心\n13900000000,采购\n", o);
  EXPECT_EQ(r.updated, 1);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(get_customer(*admin, 1).text("key_needs"), "采购五轴加工中心");
  o.mode = ImportMode::upsert;
  r = run(std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678") +
              row("宁波海天塑机集团有限公司", "13987654321"),
          o);
  EXPECT_EQ(r.updated, 1);  // key_needs back to the file's
  EXPECT_EQ(r.inserted, 1);
  // Insert mode: a matching customer with other data is a duplicate, not written.
  o.mode = ImportMode::insert;
  r = run(std::string(kHeaderZh) + row("杭州恒达精密机械（集团）有限公司", "13812345678"), o);
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_NE(r.errors[0].message_en.find("already exists as C0001"), std::string::npos);
  EXPECT_EQ(get_customer(*admin, 1).text("name"), "杭州恒达精密机械有限公司");
}

TEST_F(ImportTest, RowsThatLookLikeAnExistingCustomerAreHeldBack) {
  ASSERT_EQ(run(std::string(kHeaderZh) + row("深圳市华为技术有限公司", "13812345678")).inserted, 1);
  // Another phone (so the key does not match), the same company: the
  // traditional spelling without the region is the same name key.
  ImportReport r = run(std::string(kHeaderZh) + row("華為技術有限公司", "13987654321") +
                       row("宁波海天塑机集团有限公司", "13700000001"));
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_EQ(r.inserted, 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message_en.find("looks like C0001"), std::string::npos)
      << r.errors[0].message_en;
  EXPECT_NE(errors_file().find("疑似与已有客户 C0001"), std::string::npos);
  // Allowed on purpose, it goes in.
  ImportOptions o;
  o.insert_duplicates = true;
  EXPECT_EQ(run(std::string(kHeaderZh) + row("華為技術有限公司", "13987654321"), o).inserted, 1);
  // Two rows of one file that are one company: the second is held back.
  r = run(std::string(kHeaderZh) + row("上海联影医疗科技股份有限公司", "13600000001") +
          row("上海联影医疗科技有限公司", "13600000002"));
  EXPECT_EQ(r.inserted, 1);
  EXPECT_EQ(r.duplicates, 1);
}

TEST_F(ImportTest, DryRunValidatesEveryRowAndWritesNothing) {
  ImportOptions o;
  o.mode = ImportMode::dry_run;
  ImportReport r = run(
      std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678") + row("x", "1"), o);
  EXPECT_EQ(r.inserted, 1);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(count_customers(), 0u);
}

TEST_F(ImportTest, ProgressCountsRowsAndCanStopBetweenBatches) {
  std::string file = kHeaderZh;
  const char* const names[] = {"杭州恒达精密机械有限公司",      "宁波海天塑机集团有限公司",
                               "苏州汇川技术有限公司",          "无锡先导智能装备股份有限公司",
                               "合肥科大讯飞股份有限公司",      "武汉华工激光工程有限责任公司",
                               "成都秦川物联网科技股份有限公司"};
  for (int i = 0; i < 7; ++i) file += row(names[i], "1381234567" + std::to_string(i));
  ImportOptions o;
  o.batch_rows = 3;
  std::vector<std::pair<std::int64_t, std::int64_t>> calls;
  o.progress = [&](std::int64_t done, std::int64_t total) {
    calls.emplace_back(done, total);
    return calls.size() < 2;  // stop after the second batch
  };
  ImportReport r = run(file, o);
  EXPECT_TRUE(r.cancelled);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], std::make_pair(std::int64_t{3}, std::int64_t{7}));
  EXPECT_EQ(calls[1], std::make_pair(std::int64_t{6}, std::int64_t{7}));
  EXPECT_EQ(count_customers(), 6u);  // two whole batches, committed
}

TEST_F(ImportTest, RowsAreAuthorisedLikeInteractiveCreates) {
  // A sales rep may create customers only for themself.
  ImportReport r =
      run(std::string("客户全称,联系人姓名,联系电话,所属行业,企业规模,信息来源渠道,关键需求,"
                      "需求优先级,负责人\n"
                      "杭州恒达精密机械有限公司,李明,13812345678,制造业,100-500人,展会,采购,高,"
                      "zhangwei\n"
                      "宁波海天塑机集团有限公司,李明,13987654321,制造业,100-500人,展会,采购,高,"
                      "admin\n"),
          ImportOptions{}, rep.get());
  EXPECT_EQ(r.inserted, 1);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(std::get<std::int64_t>(*get_customer(*admin, 1).find("owner")), rep_id);
}

TEST_F(ImportTest, AnotherUsersCustomerIsNeitherWrittenNorNamed) {
  ASSERT_EQ(run(std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678")).inserted,
            1);
  for (ImportMode m : {ImportMode::insert, ImportMode::update, ImportMode::upsert}) {
    ImportOptions o;
    o.mode = m;
    ImportReport r =
        run(std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678"), o, rep.get());
    EXPECT_EQ(r.rejected, 1);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].message_en.find("exists that you may not see"), std::string::npos)
        << r.errors[0].message_en;
    EXPECT_EQ(r.errors[0].message_en.find("C0001"), std::string::npos) << r.errors[0].message_en;
  }
  EXPECT_EQ(count_customers(), 1u);
}

TEST_F(ImportTest, AnUnknownOwnerIsReportedWithTheRowsOtherMistakes) {
  ImportReport r =
      run("客户全称,联系人姓名,联系电话,所属行业,企业规模,信息来源渠道,关键需求,需求优先级,负责人\n"
          "某科技公司,李明,13812345678,制造业,100-500人,展会,采购,高,赵六\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message_zh.find("负责人：不存在有效用户“赵六”"), std::string::npos)
      << r.errors[0].message_zh;
  EXPECT_NE(r.errors[0].message_zh.find("客户全称"), std::string::npos) << r.errors[0].message_zh;
}

TEST_F(ImportTest, ExportInClearImportsBackUnchanged) {
  define_tag(*admin, "industry", "重点行业");
  ASSERT_EQ(run("客户全称,联系人姓名,联系电话,电子邮箱,所属行业,企业规模,信息来源渠道,关键需求,"
                "需求优先级,外部编号,标签\n"
                "杭州恒达精密机械有限公司,李明,13812345678,li@hd.cn,制造业,100-500人,展会,"
                "\"采购数控机床，希望年内完成选型\",高,ERP-001,重点行业\n")
                .inserted,
            1);
  for (bool zh : {true, false})
    for (CsvEncoding enc : {CsvEncoding::utf8, CsvEncoding::gb18030}) {
      CsvExportOptions eo;
      eo.zh = zh;
      eo.encoding = enc;
      const std::string csv = export_csv(eo);
      ImportOptions o;
      o.key = "external_id";
      o.mode = ImportMode::upsert;
      ImportReport r = run(csv, o);
      EXPECT_EQ(r.unchanged, 1) << "zh=" << zh << " " << csv_encoding_name(enc) << ": "
                                << (r.errors.empty() ? "" : r.errors[0].message_en) << "\n"
                                << csv;
    }
  // Into an empty database: the same customer again.
  const std::string csv = export_csv();
  Database other([] {
    store::OpenOptions o;
    o.path = ":memory:";
    o.time_zone = "Asia/Shanghai";
    return o;
  }());
  other.clock().fix(kNow);
  Session a(other, 1);
  define_tag(a, "industry", "重点行业");
  data = csv;
  ImportOptions o;
  o.error_path = (dir / "errors.csv").string();
  ImportReport r = import_customers(
      a, [this] { return memory_source(data); }, o);
  EXPECT_EQ(r.inserted, 1) << (r.errors.empty() ? "" : r.errors[0].message_en);
  Record got = get_customer(a, 1, true), want = get_customer(*admin, 1, true);
  for (const char* f : {"name", "contact_name", "phone", "email", "industry", "scale", "source",
                        "key_needs", "priority", "external_id", "entry_date"})
    EXPECT_EQ(got.text(f), want.text(f)) << f;
}

// The error file is made before any row is read: a path that cannot be
// written fails at once, with nothing imported, even when every row is good.
TEST_F(ImportTest, AnErrorFileThatCannotBeWrittenFailsBeforeAnyRow) {
  ImportOptions o;
  o.error_path = (dir / "missing-directory" / "errors.csv").string();
  Error e = expect_error(Status::cantopen, [&] {
    run(std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678"), o);
  });
  EXPECT_NE(e.message_en().find("missing-directory"), std::string::npos) << e.message_en();
  EXPECT_EQ(db->conn().db().execAndGet("SELECT count(*) FROM customers").getInt(), 0)
      << "nothing imported";
}

TEST_F(ImportTest, NoErrorsLeaveNoErrorFileEvenWhereAnEarlierRunLeftOne) {
  {
    std::ofstream old(dir / "errors.csv");
    old << "客户全称,错误说明\n某公司,旧的错误\n";
  }
  ImportReport r = run(std::string(kHeaderZh) + row("杭州恒达精密机械有限公司", "13812345678"));
  EXPECT_EQ(r.inserted, 1);
  EXPECT_EQ(r.error_rows, 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "errors.csv"))
      << "the earlier run's file would say there were errors";
  // A bad row: the file is there, with the header and the row.
  r = run(std::string(kHeaderZh) + row("某科技公司", "13812345679"));
  EXPECT_EQ(r.error_rows, 1);
  EXPECT_NE(errors_file().find("某科技公司"), std::string::npos) << errors_file();
}

TEST_F(ImportTest, AnErrorFileThatIsTheSourceIsRefused) {
  const std::string path = (dir / "rows.csv").string();
  {
    std::ofstream f(path, std::ios::binary);
    f << kHeaderZh << row("某科技公司", "13812345679");
  }
  Error e = expect_error(Status::invalid_arg, [&] { refuse_error_file_over_source(path, path); });
  EXPECT_NE(e.message_zh().find("正在读取的文件"), std::string::npos) << e.message_zh();
  // Another name for the same file (a hard link) is the same file.
  std::filesystem::create_hard_link(path, dir / "link.csv");
  expect_error(Status::invalid_arg,
               [&] { refuse_error_file_over_source(path, (dir / "link.csv").string()); });
  // A new path, or another existing file, is fine.
  refuse_error_file_over_source(path, (dir / "new.csv").string());
  refuse_error_file_over_source(path, (dir / "link.csv").string() + ".x");
}

}  // namespace
}  // namespace crm::testing
