"""Permissions, privacy and audit (权限、隐私与审计, R3) through the Python
binding: departments and supervisors, what each role sees and may change,
masking and unmasking of contact details, transfers, deactivation, new roles
and the hash-chained audit log.

Every test runs on a fixed clock (no sleeping)."""

import re
import sqlite3
from types import SimpleNamespace

import pytest

import crm
from conftest import utc, valid_customer

# Monday 2 March 2026, 09:00 in Shanghai.
T0 = utc(2026, 3, 2, 1, 0)
T0_MS = crm.to_ms(T0)

# A personal value must never reach the audit log's detail: no phone digits,
# no e-mail address.
PHONE_OR_EMAIL = re.compile(r"\d{4}|@")


@pytest.fixture
def org(db, session):
    """An organisation on ``db`` at T0:

    销售中心 (supervisor 赵强)
      ├─ 华东销售部: 李四 rep, 王五 colleague (sales), 李娜 manager (sales_manager)
      └─ 华南销售部: 陈杰 south (sales)
    市场部: 孙丽 marketing;  客服部: 周敏 service

    Customers: ``a`` (李四's, with phone 138 1234 5678 and e-mail
    wangwei@example.com), ``b`` (王五's), ``m`` (李娜's own), ``s`` (陈杰's).
    ``o.open(name)`` opens a session of one of the users (closed with the
    database)."""
    db.set_clock(T0)
    admin = session
    admin.define_department("销售中心")
    admin.define_department("华东销售部", parent="销售中心")
    admin.define_department("华南销售部", parent="销售中心")
    admin.define_department("市场部")
    admin.define_department("客服部")
    users = {}
    for name, login, person, dept, role in [
            ("rep", "lisi", "李四", "华东销售部", "销售"),
            ("colleague", "wangwu", "王五", "华东销售部", "sales"),
            ("manager", "lina", "李娜", "华东销售部", "销售经理"),
            ("south", "chenjie", "陈杰", "华南销售部", "sales"),
            ("supervisor", "zhaoqiang", "赵强", "销售中心", "sales"),
            ("marketing", "sunli", "孙丽", "市场部", "市场"),
            ("service", "zhoumin", "周敏", "客服部", "客服")]:
        users[name] = admin.create_user(login=login, name=person, department=dept, role=role)
    admin.update_department("销售中心", supervisor=users["supervisor"])
    sessions = {}

    def open_session(name):
        if name not in sessions:
            sessions[name] = db.session(users[name])
        return sessions[name]

    o = SimpleNamespace(admin=admin, open=open_session, **{k + "_id": v for k, v in users.items()})
    o.a = open_session("rep").create_customer(valid_customer())
    o.b = open_session("colleague").create_customer(valid_customer(phone="13912345678"))
    o.m = open_session("manager").create_customer(valid_customer(phone="13712345678"))
    o.s = open_session("south").create_customer(valid_customer(phone="13612345678"))
    return o


def visible(session):
    """The ids a session lists, and its count of them."""
    return [c["id"] for c in session.customers(page_size=2)], session.count_customers()


def audit_rows(admin, **query):
    return list(admin.audit(**query))


# --------------------------------------------------------------------------
# Departments (部门) and supervisors (部门主管)
# --------------------------------------------------------------------------

def test_departments_tree_and_supervisor(org):
    admin = org.admin
    rows = admin.departments()
    assert [(d["name"], d["parent"]) for d in rows] == [
        ("销售中心", None), ("华东销售部", "销售中心"), ("华南销售部", "销售中心"),
        ("市场部", None), ("客服部", None)], "parents before children: %r" % rows
    top = rows[0]
    assert (top["supervisor"], top["supervisor_name"], top["members"]) == \
        (org.supervisor_id, "赵强", 1), top
    assert {d["name"]: d["members"] for d in rows}["华东销售部"] == 3
    assert all(isinstance(d["id"], int) for d in rows)

    # The subtree of a department lists its users and those below.
    assert {u["login"] for u in admin.users(department="销售中心")} == \
        {"lisi", "wangwu", "lina", "chenjie", "zhaoqiang"}
    assert [u["login"] for u in admin.users(department="华南销售部")] == ["chenjie"]
    with pytest.raises(crm.NotFound):
        admin.users(department="西北销售部")

    # Update: what is left out stays; None moves to the top / removes the supervisor.
    admin.update_department("华南销售部", supervisor=org.south_id)
    south = {d["name"]: d for d in admin.departments()}["华南销售部"]
    assert (south["parent"], south["supervisor"]) == ("销售中心", org.south_id), south
    admin.update_department("华南销售部", parent=None)
    south = {d["name"]: d for d in admin.departments()}["华南销售部"]
    assert (south["parent"], south["supervisor"]) == (None, org.south_id), south
    admin.update_department("华南销售部", parent="销售中心", supervisor=None)
    south = {d["name"]: d for d in admin.departments()}["华南销售部"]
    assert (south["parent"], south["supervisor"]) == ("销售中心", None), south

    with pytest.raises(crm.InvalidArgument):
        admin.update_department("销售中心", parent="华东销售部")    # below itself
    with pytest.raises(crm.Conflict):
        admin.define_department("华东销售部")
    with pytest.raises(crm.NotFound):
        admin.define_department("西北销售部", parent="不存在的部门")
    with pytest.raises(crm.NotFound):
        admin.define_department("西北销售部", supervisor=999)
    with pytest.raises(crm.PermissionDenied):
        org.open("manager").define_department("西北销售部")
    assert org.open("rep").departments() == admin.departments(), "every role reads them"

    subjects = [h["subject"] for h in admin.config_history("department.")]
    assert subjects[:5] == ["department.销售中心", "department.华东销售部", "department.华南销售部",
                            "department.市场部", "department.客服部"], subjects
    assert "department.华南销售部" in subjects[5:], "updates are kept too: %r" % subjects


def test_department_arguments_are_checked_before_the_call(session):
    with pytest.raises(TypeError):
        session.define_department(7)
    with pytest.raises(TypeError):
        session.update_department("华东销售部", supervisor="赵强")
    with pytest.raises(ValueError):
        session.update_department("华东销售部", supervisor=-1)
    with pytest.raises(TypeError):
        session.update_department("华东销售部", "销售中心")   # parent is keyword-only


# --------------------------------------------------------------------------
# Who sees and changes which customers
# --------------------------------------------------------------------------

def test_a_rep_sees_only_their_own_customers(org):
    rep = org.open("rep")
    assert visible(rep) == ([org.a], 1)
    assert rep.get_customer(org.a)["owner"] == org.rep_id
    # A colleague's customer does not exist for the rep: NotFound, exactly
    # as for a customer that does not exist, never PermissionDenied.
    for call in (lambda: rep.get_customer(org.b),
                 lambda: rep.update_customer(org.b, priority="低"),
                 lambda: rep.customer_history(org.b),
                 lambda: rep.contacts(org.b),
                 lambda: rep.archive_customer(org.b)):
        with pytest.raises(crm.NotFound) as info:
            call()
        assert not isinstance(info.value, crm.PermissionDenied)
        assert info.value.message == "no customer %s" % org.b, info.value.message
        assert info.value.message_zh == "客户 %s 不存在" % org.b
    with pytest.raises(crm.NotFound) as missing:
        rep.get_customer("C0999")
    assert missing.value.message == "no customer C0999", \
        "a hidden customer and a missing one must look the same"
    assert not rep.may("customer", "read", org.b), "may() answers False, never NotFound"
    assert rep.may("customer", "update", org.a) and rep.may("customer", "update")
    assert not rep.may("user", "manage")
    assert rep.count_customers(owner=org.colleague_id) == 0
    # A rep creates customers for themselves only.
    with pytest.raises(crm.PermissionDenied):
        rep.create_customer(valid_customer(owner=org.colleague_id))
    assert org.admin.get_customer(org.b)["priority"] == "high", "nothing changed"


def test_a_manager_sees_the_department_and_edits_only_their_own(org):
    manager = org.open("manager")
    assert visible(manager) == ([org.a, org.b, org.m], 3), "华东销售部's customers"
    assert manager.get_customer(org.a)["owner"] == org.rep_id
    with pytest.raises(crm.PermissionDenied) as info:
        manager.update_customer(org.a, priority="低")
    assert info.value.message_zh == "无权修改客户（%s）" % org.a, info.value.message_zh
    assert org.admin.get_customer(org.a)["priority"] == "high"
    assert manager.may("customer", "read", org.a)
    assert not manager.may("customer", "update", org.a)
    assert manager.may("customer", "transfer", org.a)
    manager.update_customer(org.m, priority="低")
    assert manager.get_customer(org.m)["priority"] == "low"
    with pytest.raises(crm.NotFound):
        manager.get_customer(org.s)                       # 华南销售部's
    # Not for someone outside the department.
    with pytest.raises(crm.PermissionDenied):
        manager.create_customer(valid_customer(owner=org.south_id))


def test_the_supervisor_of_a_parent_department_sees_its_children(org):
    boss = org.open("supervisor")     # a sales rep by role, but 销售中心's supervisor
    assert visible(boss) == ([org.a, org.b, org.m, org.s], 4), \
        "customers of 华东销售部 and 华南销售部, below 销售中心"
    assert boss.get_customer(org.s)["owner"] == org.south_id
    assert boss.may("customer", "transfer", org.s)
    with pytest.raises(crm.PermissionDenied):
        boss.update_customer(org.s, priority="低")       # read, approve, transfer: not edit
    # Supervision follows the tree: once 华南销售部 leaves 销售中心, it is gone.
    org.admin.update_department("华南销售部", parent=None)
    assert visible(boss) == ([org.a, org.b, org.m], 3)
    with pytest.raises(crm.NotFound):
        boss.get_customer(org.s)


def test_marketing_sees_no_customer(org):
    mkt = org.open("marketing")
    assert visible(mkt) == ([], 0)
    with pytest.raises(crm.NotFound):
        mkt.get_customer(org.a)
    with pytest.raises(crm.PermissionDenied):
        mkt.create_customer(valid_customer())
    assert list(mkt.history()) == []
    assert not mkt.may("customer", "read")


def test_service_sees_every_customer_but_changes_none(org):
    svc = org.open("service")
    assert visible(svc) == ([org.a, org.b, org.m, org.s], 4)
    assert svc.get_customer(org.s)["phone"] == "136****5678"
    assert [c["name"] for c in svc.contacts(org.a)] == ["王伟"]
    for call in (lambda: svc.update_customer(org.a, priority="低"),
                 lambda: svc.set_customer_type(org.a, "intent"),
                 lambda: svc.archive_customer(org.a),
                 lambda: svc.add_contact(org.a, name="赵六", email="z@example.com"),
                 lambda: svc.unmask_customer(org.a, "客户来电")):
        with pytest.raises(crm.PermissionDenied):
            call()
    with pytest.raises(crm.PermissionDenied):
        svc.create_customer(valid_customer())
    assert org.admin.get_customer(org.a)["version"] == 1, "nothing changed"


# --------------------------------------------------------------------------
# Masking (脱敏) and unmasking
# --------------------------------------------------------------------------

def test_masking_in_get_list_contacts_and_history(org):
    rep = org.open("rep")
    c = rep.get_customer(org.a)
    assert (c["phone"], c["phone_display"], c["email"]) == \
        ("138****5678", "138****5678", "w***@example.com"), c
    row = next(r for r in rep.customers() if r["id"] == org.a)
    assert (row["phone"], row["phone_display"], row["email"]) == \
        ("138****5678", "138****5678", "w***@example.com"), row
    k = rep.add_contact(org.a, name="李娜", phone="+861012345678", email="lina@example.com")
    contact = rep.get_contact(k)
    assert (contact["phone"], contact["phone_display"], contact["email"]) == \
        ("010****5678", "010****5678", "l***@example.com"), contact
    assert [(x["phone"], x["email"]) for x in rep.contacts(org.a)] == [
        ("138****5678", "w***@example.com"), ("010****5678", "l***@example.com")]

    rep.update_customer(org.a, phone="13912345678", email="boss@example.com")
    rows = [h for h in rep.customer_history(org.a) if h["field"] in ("phone", "email")]
    assert [(h["field"], h["before"], h["after"]) for h in rows] == [
        ("phone", "138****5678", "139****5678"),
        ("email", "w***@example.com", "b***@example.com")], rows
    listed = [(h["field"], h["before"], h["after"]) for h in rep.history(customer=org.a)
              if h["field"] in ("phone", "email")]
    assert listed == [(h["field"], h["before"], h["after"]) for h in rows]
    # Filters still compare with the stored clear value.
    assert [x["id"] for x in rep.customers(filters=[("phone", "=", "139 1234 5678")])] == \
        [org.a]
    # An administrator sees masks too: only unmasking shows the values.
    assert org.admin.get_customer(org.a)["phone"] == "139****5678"


def test_personal_custom_fields_are_masked(org):
    admin = org.admin
    key = admin.define_custom_field("legal_rep", "text", "法定代表人", "Legal representative",
                                    personal=True)
    admin.define_custom_field("remark", "text", "备注")
    assert {f["name"]: f["personal"] for f in admin.custom_fields()} == \
        {"custom.legal_rep": 1, "custom.remark": 0}
    rep = org.open("rep")
    rep.update_customer(org.a, {key: "王建国", "custom.remark": "老客户"})
    c = rep.get_customer(org.a)
    assert (c[key], c["custom.remark"]) == ("王**", "老客户"), c
    assert rep.unmask_customer(org.a, "核对法人")[key] == "王建国"
    h = [r for r in rep.customer_history(org.a) if r["field"] == key]
    assert [(r["before"], r["after"]) for r in h] == [(None, "王**")], h
    with pytest.raises(TypeError):
        admin.define_custom_field("id_no", "text", "身份证号", personal="yes")


def test_unmask_needs_a_reason_and_shows_e164(org):
    rep = org.open("rep")
    before = len(audit_rows(org.admin))
    for reason in (None, ""):
        with pytest.raises(crm.InvalidArgument) as info:
            rep.unmask_customer(org.a, reason)
        assert info.value.message_zh == "查看完整联系方式须填写原因", info.value.message_zh
    with pytest.raises(TypeError):
        rep.unmask_customer(org.a)                         # the reason is not optional
    assert len(audit_rows(org.admin)) == before, "a refused unmask shows and logs nothing"

    clear = rep.unmask_customer(org.a, "电话确认拜访时间")
    assert (clear["phone"], clear["phone_display"], clear["email"]) == \
        ("+8613812345678", "138 1234 5678", "wangwei@example.com"), clear
    assert clear["id"] == org.a and clear["version"] == 1
    pid = rep.contacts(org.a)[0]["id"]
    contact = rep.unmask_contact(pid, "发送报价")
    assert (contact["phone"], contact["email"]) == ("+8613812345678", "wangwei@example.com")
    with pytest.raises(crm.InvalidArgument):
        rep.unmask_contact(pid, "")

    # The manager unmasks the department's customers; others do not see them.
    assert org.open("manager").unmask_customer(org.a, "客户投诉处理")["phone"] == \
        "+8613812345678"
    with pytest.raises(crm.NotFound):
        org.open("colleague").unmask_customer(org.a, "帮同事查电话")
    with pytest.raises(crm.NotFound):
        org.open("colleague").unmask_contact(pid, "帮同事查电话")
    rows = audit_rows(org.admin, action="customer.unmask")
    assert [(r["actor"], r["object"], r["outcome"], r["detail"]) for r in rows] == [
        (org.rep_id, org.a, "ok", "电话确认拜访时间"),
        (org.manager_id, org.a, "ok", "客户投诉处理")], rows
    # The colleague was refused the read itself: the customer is not visible.
    denied = audit_rows(org.admin, actor=org.colleague_id, outcome="denied")
    assert [(r["action"], r["object"], r["detail"]) for r in denied] == \
        [("customer.read", org.a, "not visible")] * 2, denied


def test_many_unmaskings_alert_the_administrators(org):
    """R3.5: more than "alert.unmask_per_hour" unmaskings within an hour write
    one security alert per administrator to the outbox."""
    org.admin.set_setting("alert.unmask_per_hour", "2")
    rep = org.open("rep")
    for n in range(2):
        rep.unmask_customer(org.a, "电话回访 %d" % n)
    assert [m for m in org.admin.outbox() if m["kind"] == "security_alert"] == []
    rep.unmask_customer(org.a, "电话回访 2")
    rep.unmask_customer(org.a, "电话回访 3")
    alerts = [m for m in org.admin.outbox() if m["kind"] == "security_alert"]
    assert [(m["recipient_user"], m["channel"]) for m in alerts] == [(1, "app")], \
        "one alert per administrator, user and hour: %r" % alerts
    assert "李四" in alerts[0]["message"] and "3 次" in alerts[0]["message"], alerts[0]


def test_another_users_agenda_needs_to_reach_their_followups(org):
    with pytest.raises(crm.PermissionDenied):
        list(org.open("colleague").agenda(owner=org.rep_id))
    with pytest.raises(crm.PermissionDenied):
        org.open("colleague").daily_report("2026-03-02", owner=org.rep_id)
    for who in ("manager", "supervisor"):
        assert list(org.open(who).agenda(owner=org.rep_id)) == [], who
        assert org.open(who).daily_report("2026-03-02", owner=org.rep_id) == [], who
    assert list(org.admin.agenda(owner=org.rep_id)) == []


def test_writing_back_a_masked_record_changes_nothing(org):
    rep = org.open("rep")
    c = rep.get_customer(org.a)
    history = rep.customer_history(org.a)
    assert rep.update_customer(org.a, c) == c["version"], \
        "the whole record read back, masks included, is no change"
    assert rep.customer_history(org.a) == history
    assert rep.unmask_customer(org.a, "核对")["phone"] == "+8613812345678", \
        "the stored phone must not become the mask"
    # Only what was edited changes.
    c["priority"] = "低"
    v = rep.update_customer(org.a, c)
    assert v == c["version"] + 1
    assert [h["field"] for h in rep.customer_history(org.a)[len(history):]] == ["priority"]
    clear = rep.unmask_customer(org.a, "核对")
    assert (clear["phone"], clear["email"]) == ("+8613812345678", "wangwei@example.com")
    # The same for a contact.
    pid = rep.contacts(org.a)[0]["id"]
    shown = rep.get_contact(pid)
    rep.update_contact(pid, phone=shown["phone"], email=shown["email"])
    assert rep.get_customer(org.a)["version"] == v, "a masked contact written back is no change"
    assert rep.unmask_contact(pid, "核对")["phone"] == "+8613812345678"


# --------------------------------------------------------------------------
# Transfers (客户转移)
# --------------------------------------------------------------------------

def test_transfer_a_customer(org):
    rep, colleague, manager = org.open("rep"), org.open("colleague"), org.open("manager")
    plan = rep.plan_followup(org.a, goal="介绍新产品", method="拜访",
                             planned_at=utc(2026, 3, 3, 2, 0))
    with pytest.raises(crm.PermissionDenied):
        rep.transfer_customer(org.a, org.colleague_id, "我要休假")   # sales may not transfer
    with pytest.raises(crm.PermissionDenied):
        manager.transfer_customer(org.a, org.south_id, "跨区")        # outside her reach
    with pytest.raises(crm.NotFound):
        manager.transfer_customer(org.a, 999)
    assert org.admin.get_customer(org.a)["owner"] == org.rep_id

    manager.transfer_customer(org.a, org.colleague_id, reason="李四调岗")
    assert colleague.get_customer(org.a)["owner"] == org.colleague_id
    with pytest.raises(crm.NotFound):
        rep.get_customer(org.a)
    assert colleague.followup_plan(plan["id"])["owner"] == org.colleague_id, \
        "open follow-up plans move with the customer"
    h = org.admin.customer_history(org.a)[-1]
    assert (h["kind"], h["field"], h["before"], h["after"], h["reason"], h["actor"]) == \
        ("transfer", "owner", str(org.rep_id), str(org.colleague_id), "李四调岗",
         org.manager_id), h
    rows = audit_rows(org.admin, action="customer.transfer", outcome="ok")
    assert [(r["actor"], r["object"]) for r in rows] == [(org.manager_id, org.a)], rows
    # The supervisor of 销售中心 reaches both sales departments.
    org.open("supervisor").transfer_customer(org.a, org.south_id)
    assert org.open("south").get_customer(org.a)["owner"] == org.south_id
    # To the current owner: nothing happens.
    n = len(org.admin.customer_history(org.a))
    org.admin.transfer_customer(org.a, org.south_id)
    assert len(org.admin.customer_history(org.a)) == n


def test_transfer_every_customer_of_a_user(org):
    admin, rep = org.admin, org.open("rep")
    second = rep.create_customer(valid_customer())
    gone = rep.create_customer(valid_customer())
    rep.archive_customer(gone, reason="重复录入")
    admin.update_user(org.rep_id, active=False)                 # 李四 has left
    assert admin.transfer_customers(org.rep_id, org.colleague_id, reason="李四离职") == 2
    colleague = org.open("colleague")
    assert visible(colleague) == ([org.a, org.b, second], 3)
    assert admin.get_customer(gone)["owner"] == org.rep_id, "archived customers stay"
    assert admin.transfer_customers(org.rep_id, org.colleague_id) == 0
    with pytest.raises(crm.NotFound):
        admin.transfer_customers(org.colleague_id, org.rep_id)   # an inactive new owner
    with pytest.raises(crm.PermissionDenied):
        org.open("manager").transfer_customers(org.colleague_id, org.south_id)
    assert org.open("manager").transfer_customers(org.colleague_id, org.manager_id) == 3


# --------------------------------------------------------------------------
# Users: changes and deactivation
# --------------------------------------------------------------------------

def test_deactivating_a_user_fails_their_open_session(db, org):
    admin, rep = org.admin, org.open("rep")
    assert visible(rep) == ([org.a], 1)
    admin.update_user(org.rep_id, {"active": False})
    with pytest.raises(crm.PermissionDenied) as info:
        rep.get_customer(org.a)
    assert info.value.message_zh == "账号已停用", info.value.message_zh
    for call in (lambda: rep.update_customer(org.a, priority="低"),
                 lambda: rep.unmask_customer(org.a, "离职前查看"),
                 lambda: rep.tags(),
                 lambda: rep.departments()):
        with pytest.raises(crm.PermissionDenied):
            call()
    with pytest.raises(crm.NotFound):
        db.session(org.rep_id)
    assert org.rep_id not in [u["id"] for u in admin.users()]
    assert admin.get_user(org.rep_id)["active"] == 0
    assert [u["id"] for u in admin.users(include_inactive=True)] == \
        sorted(u["id"] for u in admin.users(include_inactive=True))
    assert org.rep_id in [u["id"] for u in admin.users(include_inactive=True)]

    admin.update_user(org.rep_id, active=True)
    assert visible(rep) == ([org.a], 1), "reactivated: the same session works again"
    admin.update_user(org.rep_id, name="李四四", department="华南销售部")
    u = admin.get_user(org.rep_id)
    assert (u["name"], u["department"], u["login"]) == ("李四四", "华南销售部", "lisi")
    assert org.open("south").may("customer", "read", org.a) is False, \
        "sales see their own customers only, even in the same department"
    assert org.a in visible(org.open("supervisor"))[0]

    with pytest.raises(crm.ValidationError) as bad:
        admin.update_user(org.rep_id, department="不存在的部门")
    assert [(e.field, e.code) for e in bad.value.errors] == [("department", "unknown_value")]
    with pytest.raises(crm.Conflict):
        admin.update_user(1, active=False)                      # the last administrator
    with pytest.raises(crm.PermissionDenied):
        org.open("manager").update_user(org.rep_id, active=False)
    actions = [r["action"] for r in audit_rows(admin, object="user:%d" % org.rep_id)]
    assert actions == ["user.create", "user.deactivate", "user.update", "user.update"], actions


# crm.h (crm_user_update): a deactivated user's open sessions "fail with
# CRM_ERR_PERMISSION from their next call" — lists and counts too (they used
# to come back empty; fixed in 602068b).
def test_a_deactivated_users_lists_fail_too(org):
    rep = org.open("rep")
    assert visible(rep) == ([org.a], 1)
    org.admin.update_user(org.rep_id, active=False)
    for what, call in (("customers", lambda: list(rep.customers())),
                       ("count_customers", rep.count_customers),
                       ("history", lambda: list(rep.history()))):
        with pytest.raises(crm.PermissionDenied, match="deactivated"):
            call()
            pytest.fail("%s() of a deactivated user's session returned instead of raising "
                        "PermissionDenied" % what)


# --------------------------------------------------------------------------
# Roles and the permission matrix (权限矩阵)
# --------------------------------------------------------------------------

def test_a_new_role_sees_nothing_until_granted(db, org):
    admin = org.admin
    admin.define_role("auditor", "审计员", "Auditor")
    with pytest.raises(crm.Conflict):
        admin.define_role("checker", "审计员", "Checker")         # the label is taken
    with pytest.raises(crm.InvalidArgument):
        admin.define_role("Bad Code", "坏", "Bad")
    uid = admin.create_user(login="qianqi", name="钱七", department="客服部", role="审计员")
    matrix = admin.permissions("auditor")
    assert {r["scope"] for r in matrix} == {"none"}, "a new role may do nothing"
    assert {(r["object"], r["action"]) for r in matrix} == \
        {(r["object"], r["action"]) for r in admin.permissions("sales")}
    with db.session(uid) as auditor:
        assert visible(auditor) == ([], 0)
        with pytest.raises(crm.NotFound):
            auditor.get_customer(org.a)
        with pytest.raises(crm.PermissionDenied):
            list(auditor.audit())
        with pytest.raises(crm.PermissionDenied):
            auditor.departments()                               # not even user.read
        assert not auditor.may("customer", "read")

        admin.set_permission("auditor", "customer", "read", "all")
        admin.set_permission("审计员", "audit", "read", "all")
        assert visible(auditor) == ([org.a, org.b, org.m, org.s], 4), \
            "a grant applies to an open session at its next call"
        assert auditor.may("customer", "read", org.s)
        assert not auditor.may("customer", "update", org.s)
        assert [r["action"] for r in auditor.audit(action="permission.")] == \
            ["permission.set", "permission.set"]
    scopes = {(r["object"], r["action"]): r["scope"] for r in admin.permissions("auditor")}
    assert (scopes[("customer", "read")], scopes[("audit", "read")],
            scopes[("customer", "update")]) == ("all", "all", "none")
    assert [(h["subject"], h["before"], h["after"])
            for h in admin.config_history("permission.")] == [
        ("permission.auditor.customer.read", "none", "all"),
        ("permission.auditor.audit.read", "none", "all")]

    with pytest.raises(crm.InvalidArgument):
        admin.set_permission("auditor", "audit", "read", "own")   # not about one customer
    with pytest.raises(crm.InvalidArgument):
        admin.set_permission("auditor", "customer", "read", "some")
    with pytest.raises(crm.InvalidArgument):
        admin.set_permission("auditor", "customer", "fly", "all")
    with pytest.raises(crm.InvalidArgument):
        admin.set_permission("admin", "customer", "read", "none")  # fixed
    with pytest.raises(crm.NotFound):
        admin.set_permission("nobody", "customer", "read", "all")
    with pytest.raises(crm.PermissionDenied):
        org.open("manager").set_permission("sales", "customer", "read", "all")
    with pytest.raises(crm.InvalidArgument):
        admin.may("customer", "fly")


def test_taking_a_permission_away_hides_the_customers(org):
    rep = org.open("rep")
    org.admin.set_permission("sales", "customer", "read", "none")
    assert visible(rep) == ([], 0)
    with pytest.raises(crm.NotFound):
        rep.get_customer(org.a)
    org.admin.set_permission("sales", "customer", "read", "own")
    assert visible(rep) == ([org.a], 1)


# --------------------------------------------------------------------------
# The audit log (审计日志)
# --------------------------------------------------------------------------

def test_audit_lists_writes_unmasks_and_denials(db, org):
    admin, rep = org.admin, org.open("rep")
    start = admin.audit_head()[0]
    rep.update_customer(org.a, phone="13912345678", priority="低")
    rep.unmask_customer(org.a, "电话回访")
    with pytest.raises(crm.NotFound):
        rep.get_customer(org.b)
    with pytest.raises(crm.PermissionDenied):
        org.open("manager").update_customer(org.a, priority="中")
    with pytest.raises(crm.PermissionDenied):
        list(rep.audit())
    rows = [r for r in admin.audit() if r["seq"] > start]
    got = [(r["actor"], r["action"], r["object"], r["outcome"]) for r in rows]
    assert got == [
        (org.rep_id, "customer.update", org.a, "ok"),
        (org.rep_id, "customer.unmask", org.a, "ok"),
        (org.rep_id, "customer.read", org.b, "denied"),
        (org.manager_id, "customer.update", org.a, "denied"),
        (org.rep_id, "audit.read", "", "denied"),
    ], rows
    assert rows[0]["detail"] == "phone,priority", "the detail names the changed fields"
    assert rows[1]["detail"] == "电话回访", "an unmask keeps its reason"
    assert all(r["at"] == T0_MS for r in rows), "the injected clock stamps the rows"
    assert [r["seq"] for r in rows] == list(range(start + 1, start + 6))
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["hash"]) for r in rows)

    k = rep.add_contact(org.a, name="李娜", phone="021-12345678", email="lina@example.com")
    rep.update_contact(k, phone="021-87654321", title="采购总监")
    rep.remove_contact(k, reason="已离职")
    everything = list(admin.audit())
    assert [(r["action"], r["detail"]) for r in everything[-3:]] == [
        ("contact.add", ""), ("contact.update", "phone,title"), ("contact.remove", "已离职")], \
        everything[-3:]
    creates = [r for r in everything if r["action"] == "customer.create"]
    assert [(r["actor"], r["object"]) for r in creates] == [
        (org.rep_id, org.a), (org.colleague_id, org.b), (org.manager_id, org.m),
        (org.south_id, org.s)], creates
    leaks = [r for r in everything if PHONE_OR_EMAIL.search(r["detail"] or "")]
    assert leaks == [], "the audit detail never holds a phone number or e-mail: %r" % leaks

    # Filters and paging.
    assert list(admin.audit(page_size=1)) == everything
    assert [r["action"] for r in admin.audit(actor=org.manager_id, since=T0)] == \
        ["customer.create", "customer.update"]
    assert {r["action"] for r in admin.audit(action="customer.")} == \
        {"customer.create", "customer.update", "customer.unmask", "customer.read"}
    assert [r["actor"] for r in admin.audit(outcome="denied")] == \
        [org.rep_id, org.manager_id, org.rep_id]
    on_a = [(r["action"], r["object"]) for r in admin.audit(object=org.a)]
    assert [a for a, o in on_a if o == org.a] == \
        ["customer.create", "customer.update", "customer.unmask", "customer.update"]
    # The customer's filter also finds what concerns it: its contacts …
    assert all(o == org.a or o.startswith(org.a + "/") for a, o in on_a)
    assert len(on_a) > 4
    assert list(admin.audit(until=T0)) == [r for r in everything if r["at"] < T0_MS]
    with pytest.raises(crm.InvalidArgument):
        list(admin.audit(page_size=1001))


def test_verify_audit_and_its_head(org):
    admin = org.admin
    seq, digest = admin.audit_head()
    assert seq == list(admin.audit())[-1]["seq"] and re.fullmatch(r"[0-9a-f]{64}", digest)
    report = admin.verify_audit()
    assert report == {"ok": 1, "seq": 0, "problem": None, "checked": seq, "head_seq": seq,
                      "head_hash": digest}, report
    assert admin.verify_audit((seq, digest))["ok"] == 1
    org.open("rep").update_customer(org.a, priority="低")
    assert admin.verify_audit((seq, digest))["ok"] == 1, "a kept head stays valid as rows are added"
    with pytest.raises(crm.PermissionDenied):
        org.open("manager").verify_audit()
    with pytest.raises(crm.PermissionDenied):
        org.open("manager").audit_head()
    with pytest.raises(TypeError):
        admin.verify_audit(seq)
    with pytest.raises(crm.InvalidArgument):
        admin.verify_audit((seq, "abc"))


def test_a_fresh_database_has_a_head_and_verifies(db):
    """A fresh database already has its migration row, so its head is not the
    genesis (seq 0, 64 zeros); that genesis head, passed as kept, fits any
    chain."""
    with db.session() as admin:
        seq, digest = admin.audit_head()
        assert seq >= 1 and len(digest) == 64
        assert admin.verify_audit((0, "0" * 64))["ok"] == 1


def test_tampering_with_the_file_is_reported(tmp_path):
    path = str(tmp_path / "audit.db")
    with crm.Db(path) as db, db.session() as admin:
        db.set_clock(T0)
        admin.define_department("华东销售部")
        uid = admin.create_user(login="lisi", name="李四", department="华东销售部", role="销售")
        with db.session(uid) as rep:
            cid = rep.create_customer(valid_customer())
            rep.update_customer(cid, priority="低")
            rep.unmask_customer(cid, "电话回访")
        assert admin.verify_audit()["ok"] == 1
        head = admin.audit_head()
        target = [r for r in admin.audit(action="customer.update")][0]["seq"]

    con = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE audit_log SET detail = 'nothing' WHERE seq = ?", (target,))
        con.rollback()
        con.execute("DROP TRIGGER audit_log_no_update")
        con.execute("UPDATE audit_log SET detail = 'type' WHERE seq = ?", (target,))
        con.commit()
    finally:
        con.close()

    with crm.Db(path) as db, db.session() as admin:
        report = admin.verify_audit()
        assert (report["ok"], report["seq"], report["problem"]) == (0, target, "altered"), \
            "the altered row %d should be reported: %r" % (target, report)
        assert admin.verify_audit(head)["seq"] == target
        assert [r["detail"] for r in admin.audit(action="customer.update")] == ["type"], \
            "the list shows what is stored; verify says it was altered"


def test_cutting_rows_off_the_end_needs_a_kept_head(tmp_path):
    path = str(tmp_path / "audit.db")
    with crm.Db(path) as db, db.session() as admin:
        db.set_clock(T0)
        admin.define_department("华东销售部")
        admin.define_department("华南销售部")
        head = admin.audit_head()
    con = sqlite3.connect(path)
    try:
        con.execute("DROP TRIGGER audit_log_no_delete")
        con.execute("DELETE FROM audit_log WHERE seq = ?", (head[0],))
        con.commit()
    finally:
        con.close()
    with crm.Db(path) as db, db.session() as admin:
        assert admin.verify_audit()["ok"] == 1, "without a head, a shorter chain still fits"
        report = admin.verify_audit(head)
        assert report["ok"] == 0 and report["problem"] is not None, report
