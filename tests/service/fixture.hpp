// A fresh in-memory database, an administrator and a sales rep, and a frozen
// clock: 2026-11-23 09:00 in Asia/Shanghai.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "domain/error.hpp"
#include "service/customers.hpp"
#include "service/db.hpp"
#include "service/error.hpp"
#include "service/organization.hpp"
#include "service/session.hpp"
#include "service/users.hpp"
#include "store/auth_repo.hpp"

namespace crm::testing {

// 2026-11-23T01:00:00Z = 09:00 in Shanghai.
constexpr std::int64_t kNow = 1795395600000;

inline Record customer(const char* name = "杭州恒达精密机械有限公司",
                       const char* phone = "13812345678") {
  Record r;
  r.set("name", std::string(name));
  r.set("contact_name", std::string("王建国"));
  r.set("phone", std::string(phone));
  r.set("industry", std::string("制造业"));
  r.set("scale", std::string("100-500人"));
  r.set("source", std::string("展会"));
  r.set("key_needs", std::string("采购数控机床，希望年内完成选型"));
  r.set("priority", std::string("高"));
  return r;
}

// Runs `f`, expecting a crm::Error with `status`; returns it.
template <class F>
Error expect_error(Status status, F&& f) {
  try {
    f();
  } catch (...) {
    Error e = current_error();  // what the C ABI would report
    EXPECT_EQ(static_cast<int>(e.status()), static_cast<int>(status))
        << "expected " << status_name(status) << ", got " << status_name(e.status()) << ": "
        << e.message_en();
    return e;
  }
  ADD_FAILURE() << "expected " << status_name(status) << ", but the call succeeded";
  return Error(Status::ok, "", "");
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::OpenOptions o;
    o.path = ":memory:";
    o.time_zone = "Asia/Shanghai";
    db = std::make_unique<Database>(o);
    db->clock().fix(kNow);
    admin = std::make_unique<Session>(*db, 1);
    ensure_department("华东销售部");
    Record u;
    u.set("login", std::string("zhangwei"));
    u.set("name", std::string("张伟"));
    u.set("department", std::string("华东销售部"));
    u.set("role", std::string("销售"));
    rep_id = create_user(*admin, u);
    rep = std::make_unique<Session>(*db, rep_id);
  }

  // Users name an existing department (R3.1).
  void ensure_department(const std::string& name) {
    if (!store::find_department(db->conn(), name)) define_department(*admin, name, "", 0);
  }

  std::size_t count_customers(bool include_archived = true) {
    CustomerQuery q;
    q.page_size = 1000;
    q.include_archived = include_archived;
    return list_customers(*admin, q).rows.size();
  }

  std::unique_ptr<Database> db;
  std::unique_ptr<Session> admin, rep;
  std::int64_t rep_id = 0;
};

}  // namespace crm::testing
