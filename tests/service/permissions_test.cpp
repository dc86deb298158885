// Permissions, privacy and audit through the services (R3, R1.6): who sees
// and changes what, grants, review before effect, erasure, retention,
// export, alerts, backup, and the audit chain.
#include <SQLiteCpp/Database.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "followup_fixture.hpp"
#include "service/access.hpp"
#include "service/audit.hpp"
#include "service/backup.hpp"
#include "service/contacts.hpp"
#include "service/export.hpp"
#include "service/privacy.hpp"
#include "service/review.hpp"
#include "store/schema.hpp"

namespace crm::testing {
namespace {

namespace fs = std::filesystem;

// 销售中心 (supervisor 赵云) → 华东销售部 (manager 李娜, reps 张伟 and 刘洋) and
// 华南销售部 (rep 陈静); 客服部 (周敏); 市场部 (孙丽).
class PermissionsTest : public FollowupTest {
 protected:
  void SetUp() override {
    FollowupTest::SetUp();  // 张伟 (rep) and 李娜 (manager) in 华东销售部
    define_department(*admin, "销售中心", "", 0);
    update_department(*admin, "华东销售部", std::string("销售中心"), std::nullopt);
    define_department(*admin, "华南销售部", "销售中心", 0);
    director_id = add_user("zhaoyun", "赵云", "销售中心", "销售");
    update_department(*admin, "销售中心", std::nullopt, director_id);
    colleague_id = add_user("liuyang", "刘洋", "华东销售部", "销售");
    south_id = add_user("chenjing", "陈静", "华南销售部", "销售");
    service_id = add_user("zhoumin", "周敏", "客服部", "客服");
    marketing_id = add_user("sunli", "孙丽", "市场部", "市场");
    manager = std::make_unique<Session>(*db, manager_id);
    director = std::make_unique<Session>(*db, director_id);
    colleague = std::make_unique<Session>(*db, colleague_id);
    south = std::make_unique<Session>(*db, south_id);
    service = std::make_unique<Session>(*db, service_id);
    marketing = std::make_unique<Session>(*db, marketing_id);
  }

  std::int64_t create_as(Session& s, int i) {
    return create_customer(s, customer(company(i).c_str(), phone(i).c_str()));
  }

  static std::string ids(Session& s) {
    CustomerQuery q;
    q.page_size = 1000;
    std::string out;
    for (const auto& r : list_customers(s, q).rows) out += (out.empty() ? "" : ",") + r.text("id");
    return out;
  }

  std::vector<Record> audit_rows(const std::string& object = "") {
    AuditQuery q;
    q.object = object;
    q.page_size = 1000;
    return list_audit(*admin, q).rows;
  }

  std::int64_t director_id = 0, colleague_id = 0, south_id = 0, service_id = 0, marketing_id = 0;
  std::unique_ptr<Session> manager, director, colleague, south, service, marketing;
};

TEST_F(PermissionsTest, EachRoleSeesWhatTheMatrixAndTheTreeSay) {
  std::int64_t a = create_as(*rep, 0);        // C0001 张伟
  std::int64_t b = create_as(*colleague, 1);  // C0002 刘洋
  std::int64_t c = create_as(*south, 2);      // C0003 陈静
  EXPECT_EQ(ids(*rep), "C0001");
  EXPECT_EQ(ids(*colleague), "C0002");
  EXPECT_EQ(ids(*manager), "C0001,C0002") << "the manager's department";
  EXPECT_EQ(ids(*director), "C0001,C0002,C0003") << "the supervisor of the parent department";
  EXPECT_EQ(ids(*service), "C0001,C0002,C0003");
  EXPECT_EQ(ids(*marketing), "");
  EXPECT_EQ(ids(*admin), "C0001,C0002,C0003");
  EXPECT_EQ(crm::count_customers(*manager, CustomerQuery{}), 2);
  EXPECT_EQ(crm::count_customers(*rep, CustomerQuery{}), 1);

  // Not seeing is not-found, exactly like a customer that does not exist.
  Error hidden = expect_error(Status::not_found, [&] { get_customer(*colleague, a); });
  Error missing = expect_error(Status::not_found, [&] { get_customer(*colleague, 99); });
  EXPECT_EQ(hidden.message_en(), "no customer C0001");
  EXPECT_EQ(missing.message_en(), "no customer C0099");
  expect_error(Status::not_found, [&] { get_customer(*marketing, c); });

  // Seeing is not editing.
  Record patch;
  patch.set("key_needs", std::string("主管代改"));
  expect_error(Status::permission, [&] { update_customer(*manager, a, patch); });
  expect_error(Status::permission, [&] { update_customer(*director, b, patch); });
  expect_error(Status::permission, [&] { update_customer(*service, c, patch); });
  expect_error(Status::not_found, [&] { update_customer(*south, a, patch); });
  EXPECT_EQ(update_customer(*rep, a, patch), 2);

  // Follow-ups follow the same lines: the service reads, the manager reads.
  add_followup(*rep, a, record_fields());
  EXPECT_EQ(customer_followups(*service, a).size(), 1u);
  EXPECT_EQ(customer_followups(*manager, a).size(), 1u);
  expect_error(Status::permission, [&] { add_followup(*service, a, record_fields()); });
  expect_error(Status::not_found, [&] { customer_followups(*colleague, a); });
}

TEST_F(PermissionsTest, MovingADepartmentMovesWhatItsSupervisorSees) {
  create_as(*south, 0);
  EXPECT_EQ(ids(*director), "C0001");
  update_department(*admin, "华南销售部", std::string(""), std::nullopt);  // to the top
  EXPECT_EQ(ids(*director), "") << "华南销售部 is no longer below 销售中心";
  expect_error(Status::invalid_arg, [&] {
    update_department(*admin, "销售中心", std::string("华东销售部"), std::nullopt);
  });
}

TEST_F(PermissionsTest, TransfersMoveTheCustomerItsOpenPlansAndWhoSeesIt) {
  std::int64_t a = create_as(*rep, 0);
  std::int64_t plan = int_of(create_plan(*rep, a, plan_fields(kNow + kDay)), "id");
  expect_error(Status::permission, [&] { transfer_customer(*rep, a, colleague_id, std::nullopt); });
  expect_error(Status::permission, [&] {
    transfer_customer(*manager, a, south_id, std::string("跨区"));
  });  // the manager's reach ends at the department
  transfer_customer(*manager, a, colleague_id, std::string("区域调整"));
  expect_error(Status::not_found, [&] { get_customer(*rep, a); });
  EXPECT_EQ(int_of(get_customer(*colleague, a), "owner"), colleague_id);
  EXPECT_EQ(int_of(get_plan(*colleague, plan), "owner"), colleague_id) << "open plans go along";
  auto h = customer_history(*colleague, a);
  EXPECT_EQ(h.back().text("kind"), "transfer");
  EXPECT_EQ(h.back().text("reason"), "区域调整");

  // A leaver's customers, all at once, by the supervisor.
  create_as(*colleague, 1);
  EXPECT_EQ(transfer_customers(*director, colleague_id, rep_id, std::string("离职交接")), 2);
  EXPECT_EQ(ids(*rep), "C0001,C0002");
  EXPECT_EQ(ids(*colleague), "");
}

TEST_F(PermissionsTest, ADeactivatedUsersSessionFailsAtItsNextCall) {
  std::int64_t a = create_as(*colleague, 0);
  Record off;
  off.set("active", std::int64_t{0});
  update_user(*admin, colleague_id, off);
  Error e = expect_error(Status::permission, [&] { get_customer(*colleague, a); });
  EXPECT_EQ(e.message_zh(), "账号已停用");
  expect_error(Status::permission, [&] { list_customers(*colleague, CustomerQuery{}); });
  expect_error(Status::not_found, [&] { Session again(*db, colleague_id); });
  // The last active administrator stays.
  Record demote;
  demote.set("role", std::string("sales"));
  expect_error(Status::conflict, [&] { update_user(*admin, 1, demote); });
}

TEST_F(PermissionsTest, AMatrixChangeTakesEffectAtTheNextCallOnEveryHandle) {
  char tmpl[] = "/tmp/crm_perm_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/crm.db";
  {
    store::OpenOptions o;
    o.path = path;
    o.time_zone = "Asia/Shanghai";
    Database one(o), two(o);
    one.clock().fix(kNow);
    two.clock().fix(kNow);
    Session admin1(one, 1);
    define_department(admin1, "一部", "", 0);
    Record u;
    u.set("login", std::string("a"));
    u.set("name", std::string("甲"));
    u.set("department", std::string("一部"));
    u.set("role", std::string("sales"));
    std::int64_t a = create_user(admin1, u);
    u.set("login", std::string("b"));
    u.set("name", std::string("乙"));
    std::int64_t b = create_user(admin1, u);
    Session a1(one, a);
    create_customer(a1, customer());
    Session b2(two, b);  // on the other handle
    EXPECT_EQ(ids(b2), "");
    set_permission(admin1, "sales", "customer", "read", "department");
    EXPECT_EQ(ids(b2), "C0001") << "the other handle reloads at its next call";
    Record off;
    off.set("active", std::int64_t{0});
    update_user(admin1, b, off);
    expect_error(Status::permission, [&] { ids(b2); });
  }
  fs::remove_all(tmpl);
}

TEST_F(PermissionsTest, PersonalValuesAreMaskedAndUnmaskingIsAuditedWithItsReason) {
  std::int64_t a = create_as(*rep, 0);
  EXPECT_EQ(get_customer(*rep, a).text("phone"), "138****0000");
  expect_error(Status::invalid_arg, [&] { unmask_customer(*rep, a, std::nullopt); });
  expect_error(Status::invalid_arg, [&] { unmask_customer(*rep, a, std::string("  ")); });
  Record clear = unmask_customer(*rep, a, std::string("回访核对号码"));
  EXPECT_EQ(clear.text("phone"), "+8613812340000");
  expect_error(Status::permission, [&] { unmask_customer(*service, a, std::string("客诉回电")); });
  expect_error(Status::not_found, [&] { unmask_customer(*colleague, a, std::string("好奇")); });
  // A denial inside a read is written once the call is over: the C ABI
  // flushes after every call, a C++ caller of the services does it here.
  colleague->flush_audit();
  EXPECT_EQ(unmask_customer(*manager, a, std::string("抽查")).text("phone"), "+8613812340000");

  std::string actions;
  for (const auto& r : audit_rows("C0001"))
    actions += r.text("action") + ":" + r.text("outcome") + ":" + r.text("detail") + "|";
  EXPECT_EQ(actions,
            "customer.create:ok:|customer.unmask:ok:回访核对号码|customer.unmask:denied:|"
            "customer.read:denied:not visible|customer.unmask:ok:抽查|");
  for (const auto& r : audit_rows())
    EXPECT_EQ(r.text("detail").find("13812340000"), std::string::npos)
        << "a phone in the audit log: " << r.text("detail");
}

TEST_F(PermissionsTest, TooManyUnmasksOrDenialsInAnHourAlertTheAdministrators) {
  std::int64_t a = create_as(*rep, 0);
  set("alert.unmask_per_hour", "2");
  unmask_customer(*rep, a, std::string("一"));
  unmask_customer(*rep, a, std::string("二"));
  auto alerts = [&] {
    std::vector<Record> out;
    for (auto& m : outbox_after())
      if (m.text("kind") == "security_alert") out.push_back(m);
    return out;
  };
  EXPECT_TRUE(alerts().empty()) << "two is the threshold, not above it";
  unmask_customer(*rep, a, std::string("三"));
  ASSERT_EQ(alerts().size(), 1u);
  EXPECT_EQ(int_of(alerts()[0], "recipient_user"), 1);
  EXPECT_EQ(alerts()[0].text("message"),
            "【安全告警】用户“张伟”一小时内查看完整联系方式 3 次，超过阈值 2");
  unmask_customer(*rep, a, std::string("四"));
  EXPECT_EQ(alerts().size(), 1u) << "once per user, kind and clock hour";
  // An hour later the count starts again.
  db->clock().fix(kNow + kHour);
  unmask_customer(*rep, a, std::string("五"));
  EXPECT_EQ(alerts().size(), 1u);

  set("alert.denied_per_hour", "1");
  expect_error(Status::not_found, [&] { get_customer(*colleague, a); });
  expect_error(Status::not_found, [&] { get_customer(*colleague, a); });
  colleague->flush_audit();
  ASSERT_EQ(alerts().size(), 2u);
  EXPECT_NE(alerts()[1].text("message").find("刘洋"), std::string::npos);
}

TEST_F(PermissionsTest, AnAccessRequestBecomesAGrantThatEndsByItself) {
  std::int64_t a = create_as(*rep, 0);
  AccessRequestSpec spec;
  spec.level = "view";
  spec.groups = "basic";
  spec.reason = "联合投标需要了解客户规模";
  spec.hours = 24;
  std::int64_t r = request_access(*south, a, spec);
  expect_error(Status::conflict, [&] { request_access(*south, a, spec); });  // still pending
  expect_error(Status::conflict, [&] { request_access(*rep, a, spec); });    // one's own
  expect_error(Status::not_found, [&] { get_customer(*south, a); });  // not before the decision

  // The owner hears of it at the next tick; the manager a day later.
  tick(*admin, kNow + kMin);
  auto out = outbox_after();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().text("kind"), "access_pending");
  EXPECT_EQ(int_of(out.back(), "recipient_user"), rep_id);
  EXPECT_NE(out.back().text("message").find("陈静"), std::string::npos)
      << out.back().text("message");

  AccessQuery todo;
  todo.view = "to_decide";
  EXPECT_EQ(list_access(*rep, todo).size(), 1u);
  EXPECT_EQ(list_access(*manager, todo).size(), 1u) << "the owner's manager may decide too";
  EXPECT_TRUE(list_access(*colleague, todo).empty());
  expect_error(Status::permission, [&] { decide_access(*south, r, true, std::nullopt); });

  db->clock().fix(kNow + kHour);
  decide_access(*rep, r, true, std::string("同意，限一天"));
  Record seen = get_customer(*south, a);
  EXPECT_EQ(seen.text("name"), company(0));
  EXPECT_FALSE(seen.has("phone")) << "the contact group was not granted";
  EXPECT_FALSE(seen.has("key_needs")) << "nor the needs group";
  expect_error(Status::permission, [&] { update_customer(*south, a, Record{}); });
  // A filter on a field the grant does not open must not reveal its value.
  CustomerQuery by_phone;
  by_phone.filters.push_back({"phone", "=", "13812340000"});
  EXPECT_TRUE(list_customers(*south, by_phone).rows.empty());
  EXPECT_EQ(crm::count_customers(*south, by_phone), 0);
  EXPECT_EQ(crm::count_customers(*rep, by_phone), 1) << "the owner finds it";
  CustomerQuery by_name;
  by_name.name_contains = "恒达";
  EXPECT_EQ(crm::count_customers(*south, by_name), 1) << "the name is basic";
  EXPECT_EQ(ids(*south), "C0001") << "a grant lists the customer too";

  // It ends exactly at the decision + 24 hours.
  db->clock().fix(kNow + kHour + 24 * kHour - 1);
  EXPECT_NO_THROW(get_customer(*south, a));
  db->clock().fix(kNow + kHour + 24 * kHour);
  expect_error(Status::not_found, [&] { get_customer(*south, a); });
  EXPECT_EQ(ids(*south), "");
  AccessQuery mine;
  EXPECT_EQ(list_access(*south, mine).at(0).text("state"), "expired");
}

TEST_F(PermissionsTest, AnEditGrantOpensItsGroupsAndARevocationEndsItEarly) {
  std::int64_t a = create_as(*rep, 0);
  AccessRequestSpec spec;
  spec.level = "edit";
  spec.groups = "contact,followup";
  spec.reason = "代为跟进";
  spec.hours = 48;
  std::int64_t r = request_access(*colleague, a, spec);
  decide_access(*manager, r, true, std::nullopt);
  Record seen = get_customer(*colleague, a);
  EXPECT_EQ(seen.text("phone"), "138****0000");
  EXPECT_EQ(unmask_customer(*colleague, a, std::string("回电")).text("phone"), "+8613812340000");
  add_followup(*colleague, a, record_fields());
  Record contact_change;
  contact_change.set("contact_name", std::string("王建华"));
  update_customer(*colleague, a, contact_change);
  Record needs;
  needs.set("key_needs", std::string("越权修改"));
  expect_error(Status::permission, [&] {
    update_customer(*colleague, a, needs);
  });  // key needs are outside the granted groups
  revoke_access(*rep, r, std::string("已完成"));
  expect_error(Status::not_found, [&] { get_customer(*colleague, a); });
  expect_error(Status::state, [&] { revoke_access(*rep, r, std::nullopt); });

  // A rejection, and a withdrawal.
  std::int64_t r2 = request_access(*colleague, a, spec);
  decide_access(*rep, r2, false, std::string("无需"));
  std::int64_t r3 = request_access(*colleague, a, spec);
  withdraw_access(*colleague, r3);
  AccessQuery mine;
  std::string states;
  for (const auto& x : list_access(*colleague, mine)) states += x.text("state") + " ";
  EXPECT_EQ(states, "revoked rejected withdrawn ");
  std::string audit;
  for (const auto& x : audit_rows())
    if (x.text("action").rfind("access.", 0) == 0) audit += x.text("action") + " ";
  EXPECT_EQ(audit,
            "access.request access.approve access.revoke access.request access.reject "
            "access.request access.withdraw ");
}

TEST_F(PermissionsTest, BadAccessRequestsAreRefusedAndWriteNothing) {
  std::int64_t a = create_as(*rep, 0);
  auto bad = [&](const char* level, const char* groups, const char* reason, std::int64_t hours) {
    AccessRequestSpec s;
    s.level = level;
    s.groups = groups;
    s.reason = reason;
    s.hours = hours;
    return expect_error(Status::invalid_arg, [&] { request_access(*south, a, s); });
  };
  bad("admin", "", "理由", 24);
  bad("view", "secrets", "理由", 24);
  bad("view", "", "", 24);
  bad("view", "", "理由", 0);
  EXPECT_EQ(bad("view", "", "理由", 721).message_en(), "an access request lasts 1 to 720 hours");
  AccessQuery mine;
  EXPECT_TRUE(list_access(*south, mine).empty());
}

TEST_F(PermissionsTest, ReviewedCreatesAndUpdatesWaitForAReviewer) {
  set("review.create", "1");
  Pending* seen = nullptr;
  std::int64_t change = 0;
  try {
    create_as(*rep, 0);
  } catch (const Pending& p) {
    change = p.change();
    seen = const_cast<Pending*>(&p);
    EXPECT_EQ(p.message_zh(), "已提交审核（R1），审核通过后生效");
  }
  ASSERT_NE(seen, nullptr) << "the create should wait for review";
  EXPECT_EQ(crm::count_customers(*admin, CustomerQuery{}), 0) << "nothing created yet";
  PendingQuery todo;
  todo.view = "to_review";
  auto list = list_pending(*manager, todo);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_NE(list[0].text("fields").find("138****0000"), std::string::npos)
      << "personal values masked: " << list[0].text("fields");
  EXPECT_TRUE(list_pending(*colleague, todo).empty());
  expect_error(Status::permission, [&] { decide_pending(*rep, change, true, std::nullopt); });
  expect_error(Status::invalid_arg, [&] {
    decide_pending(*manager, change, false, std::nullopt);
  });  // a rejection needs a reason
  std::int64_t key = decide_pending(*manager, change, true, std::nullopt);
  Record c = get_customer(*rep, key);
  EXPECT_EQ(int_of(c, "owner"), rep_id);
  EXPECT_EQ(int_of(c, "created_by"), rep_id);
  expect_error(Status::state, [&] { decide_pending(*manager, change, true, std::nullopt); });
  // A reviewer's own create takes effect at once.
  EXPECT_NO_THROW(create_as(*manager, 1));

  set("review.create", "0");
  set("review.fields", "industry");
  Record needs;
  needs.set("key_needs", std::string("追加两台"));
  EXPECT_EQ(update_customer(*rep, key, needs), 2) << "not a reviewed field";
  Record industry;
  industry.set("industry", std::string("汽车"));
  expect_error(Status::pending, [&] { update_customer(*rep, key, industry); });
  EXPECT_EQ(get_customer(*rep, key).text("industry"), "manufacturing");
  // Changed meanwhile by a reviewer: the pending change is stale.
  Record other;
  other.set("industry", std::string("电子"));
  update_customer(*admin, key, other);
  auto pending = list_pending(*manager, todo);
  ASSERT_EQ(pending.size(), 1u);
  std::int64_t stale = *parse_change_id(pending[0].text("id"));
  expect_error(Status::conflict, [&] { decide_pending(*manager, stale, true, std::nullopt); });
  decide_pending(*manager, stale, false, std::string("已由管理员更正"));
  EXPECT_EQ(get_customer(*rep, key).text("industry"), "electronics");
}

TEST_F(PermissionsTest, ErasureLeavesThatItHappenedAndNoPersonalValue) {
  std::int64_t a = create_as(*rep, 0);
  Record change;
  change.set("phone", std::string("13912345678"));
  change.set("email", std::string("wang@hengda.com"));
  update_customer(*rep, a, change);
  Record li;
  li.set("name", std::string("李娜娜"));
  li.set("phone", std::string("13712345678"));
  add_contact(*rep, a, li);
  expect_error(Status::permission, [&] { erase_customer(*rep, a, std::string("客户要求")); });
  expect_error(Status::invalid_arg, [&] { erase_customer(*admin, a, std::nullopt); });
  erase_customer(*admin, a, std::string("客户依法要求删除个人信息"));
  Record c = get_customer(*admin, a, /*unmasked=*/true);
  EXPECT_EQ(c.text("contact_name"), "已删除");
  EXPECT_TRUE(is_null_field(c, "phone"));
  EXPECT_TRUE(is_null_field(c, "email"));
  EXPECT_EQ(int_of(c, "archived"), 1);
  for (const auto& k : list_contacts(*admin, a)) {
    EXPECT_EQ(k.text("name"), "已删除");
    EXPECT_TRUE(is_null_field(k, "phone"));
  }
  auto h = customer_history(*admin, a);
  for (const auto& row : h) {
    for (const char* side : {"before", "after"})
      for (const char* digits : {"12345678", "12340000", "wang@", "李娜娜", "王建国"})
        EXPECT_EQ(row.text(side).find(digits), std::string::npos)
            << row.text("field") << " " << side << ": " << row.text(side);
  }
  EXPECT_EQ(h.back().text("kind"), "erase");
  EXPECT_EQ(h.back().text("reason"), "客户依法要求删除个人信息");
}

TEST_F(PermissionsTest, RetentionListsArchivedCustomersOnceTheirTimeIsUp) {
  std::int64_t a = create_as(*rep, 0);
  std::int64_t b = create_as(*rep, 1);
  archive_customer(*rep, a, std::string("合作结束"));
  archive_customer(*rep, b, std::string("合作结束"));
  set("retention.months", "1");
  auto listed = [&] {
    std::string out;
    for (const auto& r : retention_due(*admin, 100, "").rows) out += r.text("id") + " ";
    return out;
  };
  // Archived on 2026-11-23 09:00: due a calendar month later.
  db->clock().fix(sh("2026-12-23 09:00") - 1);
  EXPECT_EQ(listed(), "");
  db->clock().fix(sh("2026-12-23 09:00") + 1);
  EXPECT_EQ(listed(), "C0001 C0002 ");
  erase_customer(*admin, b, std::string("保存期满"));
  EXPECT_EQ(listed(), "C0001 ");
  expect_error(Status::permission, [&] { retention_due(*rep, 100, ""); });
}

TEST_F(PermissionsTest, ExportsWriteWhatTheUserMayExportMaskedUnlessClear) {
  create_as(*rep, 0);
  create_as(*rep, 1);
  create_as(*colleague, 2);
  auto run = [&](Session& s, bool clear) {
    std::string text;
    ExportReport rep = export_customers(s, CustomerQuery{}, clear, [&](std::string_view chunk) {
      text += chunk;
      return true;
    });
    return std::make_pair(rep, text);
  };
  auto [r1, masked] = run(*rep, false);
  EXPECT_EQ(r1.rows, 2);
  EXPECT_EQ(std::count(masked.begin(), masked.end(), '\n'), 2);
  EXPECT_NE(masked.find("138****0000"), std::string::npos);
  EXPECT_EQ(masked.find("+86"), std::string::npos) << masked;
  auto [r2, clear] = run(*rep, true);
  EXPECT_EQ(r2.unmasked, 2);
  EXPECT_NE(clear.find("+8613812340000"), std::string::npos);
  EXPECT_EQ(run(*manager, false).first.rows, 3) << "the department";
  EXPECT_EQ(run(*service, false).first.rows, 0) << "service reads but does not export";
  EXPECT_EQ(run(*service, false).first.skipped, 3);

  // A sink that refuses a chunk stops the export: that chunk was not written.
  ExportReport refused =
      export_customers(*rep, CustomerQuery{}, false, [](std::string_view) { return false; });
  EXPECT_TRUE(refused.stopped);
  EXPECT_EQ(refused.rows, 0);

  set("alert.export_rows_per_hour", "3");
  run(*rep, false);  // 2 + 2 + 2 rows within the hour
  bool alerted = false;
  for (auto& m : outbox_after())
    alerted = alerted || (m.text("kind") == "security_alert" &&
                          m.text("message").find("导出客户 6 条") != std::string::npos);
  EXPECT_TRUE(alerted);
}

class BackupTest : public PermissionsTest {
 protected:
  void TearDown() override {
    if (!dir.empty()) fs::remove_all(dir);
  }
  std::string temp(const char* name) {
    if (dir.empty()) {
      char tmpl[] = "/tmp/crm_backup_XXXXXX";
      EXPECT_NE(mkdtemp(tmpl), nullptr);
      dir = tmpl;
    }
    return dir + "/" + name;
  }
  std::string dir;
};

TEST_F(BackupTest, ABackupVerifiesAndADamagedCopyDoesNot) {
  for (int i = 0; i < 30; ++i) create_as(*rep, i);
  const std::string path = temp("backup.db");
  expect_error(Status::permission, [&] { backup_database(*rep, path, 0, {}); });
  const store::AuditHead before = audit_head(*admin);
  std::int64_t calls = 0;
  std::int64_t pages = backup_database(*admin, path, 2, [&](std::int64_t done, std::int64_t total) {
    EXPECT_LE(done, total);
    ++calls;
    return true;
  });
  EXPECT_GT(pages, 2);
  EXPECT_GE(calls, pages / 2 - 1) << "progress after every step of 2 pages";
  Record v = verify_backup(path);
  EXPECT_EQ(int_of(v, "ok"), 1) << v.text("integrity") << " " << v.text("audit_problem");
  EXPECT_EQ(int_of(v, "customers"), 30);
  EXPECT_EQ(int_of(v, "schema_version"), store::latest_schema_version());
  EXPECT_EQ(v.text("audit_head"), before.hash)
      << "the backup's chain ends where the live one was (its own row comes after)";
  EXPECT_EQ(int_of(v, "audit_rows"), before.seq);

  // A copy with garbage in the middle fails the drill.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 8192u);
  for (std::size_t i = 4096; i < 8192; ++i) bytes[i] = static_cast<char>(0xA5);
  const std::string damaged = temp("damaged.db");
  std::ofstream(damaged, std::ios::binary) << bytes;
  Record d = verify_backup(damaged);
  EXPECT_EQ(int_of(d, "ok"), 0);
  EXPECT_NE(d.text("integrity"), "ok");

  // A caller may stop it: a new file is not left behind, and an earlier
  // backup at the path is kept as it was.
  expect_error(Status::state, [&] {
    backup_database(*admin, temp("stopped.db"), 1,
                    [](std::int64_t, std::int64_t) { return false; });
  });
  EXPECT_FALSE(fs::exists(temp("stopped.db")));
  create_as(*rep, 99);
  expect_error(Status::state, [&] {
    backup_database(*admin, path, 1, [](std::int64_t done, std::int64_t) { return done < 2; });
  });
  Record kept = verify_backup(path);
  EXPECT_EQ(int_of(kept, "ok"), 1);
  EXPECT_EQ(int_of(kept, "customers"), 30) << "the earlier backup, not a part of the new one";
  // The last step is reported too.
  std::int64_t last_done = 0, last_total = -1;
  backup_database(*admin, temp("again.db"), 0, [&](std::int64_t done, std::int64_t total) {
    last_done = done;
    last_total = total;
    return true;
  });
  EXPECT_EQ(last_done, last_total);
}

TEST_F(BackupTest, BadBackupsAndChecksAreClearErrorsAndLeaveNoFile) {
  expect_error(Status::invalid_arg, [&] { backup_database(*admin, "", 0, {}); });
  expect_error(Status::invalid_arg, [&] { backup_database(*admin, ":memory:", 0, {}); });
  expect_error(Status::invalid_arg, [&] { backup_database(*admin, temp("x.db"), -1, {}); });
  EXPECT_FALSE(fs::exists(temp("x.db")));
  Error e = expect_error(Status::cantopen,
                         [&] { backup_database(*admin, temp("no/such/dir/x.db"), 0, {}); });
  EXPECT_NE(e.message_en().find("cannot back up"), std::string::npos) << e.message_en();
  expect_error(Status::cantopen, [&] { verify_backup(temp("missing.db")); });
  // A file that is not a libcrm database is checked, and fails the drill.
  const std::string other = temp("other.db");
  {
    SQLite::Database raw(other, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE t(x)");
  }
  Record r = verify_backup(other);
  EXPECT_EQ(int_of(r, "ok"), 0);
  EXPECT_TRUE(is_null_field(r, "application"));
  EXPECT_TRUE(is_null_field(r, "customers"));
}

TEST_F(PermissionsTest, TheAuditChainReportsTheFirstAlteredRow) {
  create_as(*rep, 0);
  expect_error(Status::not_found, [&] { get_customer(*colleague, 1); });
  AuditReport ok = verify_audit(*admin, std::nullopt);
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.checked, ok.head.seq);
  store::AuditHead kept = audit_head(*admin);
  expect_error(Status::permission, [&] { verify_audit(*rep, std::nullopt); });

  auto& raw = db->conn().db();
  EXPECT_THROW(raw.exec("UPDATE audit_log SET detail = 'x' WHERE seq = 2"), SQLite::Exception)
      << "append-only";
  raw.exec("DROP TRIGGER audit_log_no_update");
  const std::string original =
      raw.execAndGet("SELECT detail FROM audit_log WHERE seq = 3").getString();
  raw.exec("UPDATE audit_log SET detail = 'x' WHERE seq = 3");
  AuditReport bad = verify_audit(*admin, std::nullopt);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.seq, 3);
  EXPECT_EQ(bad.problem, "altered");
  SQLite::Statement restore(raw, "UPDATE audit_log SET detail = ? WHERE seq = 3");
  restore.bind(1, original);
  restore.exec();
  EXPECT_TRUE(verify_audit(*admin, kept).ok) << "restored exactly";
  // Cutting rows off the end is seen only against a head kept elsewhere.
  raw.exec("DROP TRIGGER audit_log_no_delete");
  raw.exec("DELETE FROM audit_log WHERE seq > " + std::to_string(kept.seq - 1));
  EXPECT_TRUE(verify_audit(*admin, std::nullopt).ok);
  AuditReport cut = verify_audit(*admin, kept);
  EXPECT_FALSE(cut.ok);
  EXPECT_EQ(cut.seq, kept.seq);
  EXPECT_EQ(cut.problem, "removed");
}

}  // namespace
}  // namespace crm::testing
