"""Erasure (删除个人信息), retention, export (导出) and online backup (备份)
through the Python binding (R3.6, R3.7): what erasure leaves, what the
retention list proposes, what an export writes and audits, and a backup with
its recovery drill (crm.verify_backup).

Every test runs on a fixed clock (no sleeping)."""

import io
import json
import sqlite3
from datetime import timedelta

import pytest

import crm
from conftest import sales_org, utc, valid_customer

# Monday 2 March 2026, 09:00 in Shanghai.
T0 = utc(2026, 3, 2, 1, 0)
T0_MS = crm.to_ms(T0)


@pytest.fixture
def org(db, session):
    return sales_org(db, session, T0)


def outbox_of(admin, kind):
    return [m for m in admin.outbox(limit=1000) if m["kind"] == kind]


# --------------------------------------------------------------------------
# Erasure (删除个人信息, PIPL)
# --------------------------------------------------------------------------

def test_erasure_clears_personal_values_everywhere_and_keeps_that_it_happened(db, org):
    admin, rep = org.admin, org.rep
    legal = admin.define_custom_field("legal_rep", "text", "法定代表人", personal=True)
    admin.define_custom_field("remark", "text", "备注")
    rep.update_customer(org.a, {legal: "王建国", "custom.remark": "老客户",
                                "phone": "13912340000", "email": "boss@example.com"})
    primary = rep.contacts(org.a)[0]["id"]
    rep.update_contact(primary, title="总经理")
    other = rep.add_contact(org.a, name="李娜", title="采购总监", phone="021-12345678",
                            email="lina@example.com", decision_maker=True)
    rep.update_contact(other, phone="021-87654321")
    before = admin.unmask_customer(org.a, "删除前核对")
    assert (before["contact_name"], before[legal]) == ("王伟", "王建国"), before

    with pytest.raises(crm.PermissionDenied):
        rep.erase_customer(org.a, "客户要求删除")        # customer.erase: administrators
    for reason in (None, ""):
        with pytest.raises(crm.InvalidArgument) as info:
            admin.erase_customer(org.a, reason)
        assert info.value.message_zh == "删除个人信息须填写原因"

    db.set_clock(T0 + timedelta(hours=1))
    admin.erase_customer(org.a, "客户依据《个人信息保护法》要求删除")

    # In clear, even for the administrator: the values are gone.
    c = admin.unmask_customer(org.a, "核对删除结果")
    assert (c["contact_name"], c["contact_title"], c["phone"], c["phone_display"],
            c["email"], c.get(legal)) == ("已删除", None, None, None, None, None), c
    assert (c["name"], c["industry"], c["custom.remark"], c["archived"]) == (
        before["name"], "manufacturing", "老客户", 1), "what is not personal stays"
    assert c["updated_by"] == 1
    contacts = [admin.unmask_contact(k["id"], "核对删除结果") for k in admin.contacts(org.a)]
    assert [(k["id"], k["name"], k["title"], k["phone"], k["email"]) for k in contacts] == [
        (primary, "已删除", None, None, None), (other, "已删除", None, None, None)], contacts

    history = admin.customer_history(org.a)
    personal = {"phone", "email", "contact_name", "contact_title", "contacts",
                "primary_contact", legal}
    touched = [h for h in history
               if h["field"] in personal or (h["field"] or "").startswith("contact.")]
    assert {h["field"] for h in touched} >= {"phone", "email", legal, "contacts",
                                              "contact.%d.title" % primary,
                                              "contact.%d.phone" % other}, touched
    assert [(h["field"], h["before"], h["after"]) for h in touched
            if h["before"] is not None or h["after"] is not None] == [], \
        "no personal value is left in the history"
    remark = [h for h in history if h["field"] == "custom.remark"]
    assert [h["after"] for h in remark] == ["老客户"], "other history stays"
    erase = history[-1]
    assert (erase["kind"], erase["actor"], erase["at"], erase["reason"]) == (
        "erase", 1, T0_MS + 3600 * 1000, "客户依据《个人信息保护法》要求删除"), erase

    assert org.a not in [x["id"] for x in admin.customers()], "archived: out of the lists"
    assert org.a in [x["id"] for x in admin.customers(include_archived=True)]
    audit = [(r["actor"], r["outcome"], r["detail"])
             for r in admin.audit(action="customer.erase")]
    assert audit == [(org.rep_id, "denied", ""),
                     (1, "ok", "客户依据《个人信息保护法》要求删除")], audit


def test_an_erased_customer_gets_no_more_reminders(db, org):
    org.admin.erase_customer(org.a, "客户要求删除")
    db.set_clock(T0 + timedelta(days=2))
    org.admin.tick()
    assert [m for m in org.admin.outbox(limit=1000) if m["customer"] == org.a] == [], \
        "nothing about an erased customer"
    assert [m["customer"] for m in outbox_of(org.admin, "unverified")] == [org.b, org.s]


# --------------------------------------------------------------------------
# Retention (保存期限)
# --------------------------------------------------------------------------

def test_retention_lists_archived_customers_past_the_period_but_not_erased_ones(db, org):
    admin, rep = org.admin, org.rep
    gone = rep.create_customer(valid_customer(phone="13500000001"))
    erased = rep.create_customer(valid_customer(phone="13500000002"))
    later = rep.create_customer(valid_customer(phone="13500000003"))
    rep.archive_customer(gone, reason="重复录入")
    rep.archive_customer(org.a, reason="客户流失")
    admin.erase_customer(erased, "客户要求删除")
    db.set_clock(T0 + timedelta(days=10))
    rep.archive_customer(later, reason="停业")

    assert list(admin.retention_due()) == [], "36 months by default"
    admin.set_setting("retention.months", "1")
    # One month after T0 (2026-04-02 09:00 in Shanghai) is not "older than".
    db.set_clock(utc(2026, 4, 2, 1, 0))
    assert list(admin.retention_due()) == []
    db.set_clock(utc(2026, 4, 2, 1, 0) + timedelta(milliseconds=1))
    due = list(admin.retention_due())
    assert [(r["id"], r["owner"], r["archived_at"]) for r in due] == [
        (org.a, org.rep_id, T0_MS), (gone, org.rep_id, T0_MS)], due
    assert due[0]["name"] == admin.get_customer(org.a)["name"]
    assert erased not in [r["id"] for r in due], "an erased customer is done with"
    assert list(admin.retention_due(page_size=1)) == due, "pages of one row"

    db.set_clock(utc(2026, 4, 13, 1, 0))
    assert [r["id"] for r in admin.retention_due()] == [org.a, gone, later]
    admin.erase_customer(gone, "保存期限已满")
    assert [r["id"] for r in admin.retention_due()] == [org.a, later]

    admin.set_setting("retention.months", "0")
    assert list(admin.retention_due()) == [], "0 lists nothing"
    with pytest.raises(crm.PermissionDenied):
        list(rep.retention_due())
    with pytest.raises(crm.InvalidArgument):
        list(admin.retention_due(page_size=0))
    with pytest.raises(crm.InvalidArgument):
        admin.set_setting("retention.months", "1201")


# --------------------------------------------------------------------------
# Export (导出)
# --------------------------------------------------------------------------

def test_a_rep_exports_only_their_own_customers_masked(org):
    rows = org.rep.export_customers()
    assert [r["id"] for r in rows] == [org.a]
    row = rows[0]
    assert (row["phone"], row["phone_display"], row["email"]) == (
        "138****5678", "138****5678", "w***@example.com"), row
    assert row == org.rep.get_customer(org.a), "a line is the record get_customer shows"
    manager_rows = org.manager.export_customers()
    assert [r["id"] for r in manager_rows] == [org.a, org.b], "the manager's department"
    assert org.marketing.export_customers() == []
    assert [r["id"] for r in org.manager.export_customers(owner=org.colleague_id)] == [org.b]
    assert [r["id"] for r in org.manager.export_customers(
        filters=[("phone", "=", "139 1234 5678")])] == [org.b]
    audit = [(r["actor"], r["object"], r["detail"])
             for r in org.admin.audit(action="customer.export")]
    assert audit[:2] == [(org.rep_id, "customers", "rows=1,unmasked=0"),
                         (org.manager_id, "customers", "rows=2,unmasked=0")], audit


def test_an_export_in_clear_is_audited_as_an_unmask(org):
    rows = org.rep.export_customers(in_clear=True)
    assert [(r["id"], r["phone"], r["phone_display"], r["email"]) for r in rows] == [
        (org.a, "+8613812345678", "138 1234 5678", "wangwei@example.com")], rows
    unmasks = [(r["actor"], r["object"], r["detail"])
               for r in org.admin.audit(action="customer.unmask")]
    assert unmasks == [(org.rep_id, "customers", "export of 1")], unmasks
    assert [r["detail"] for r in org.admin.audit(action="customer.export")] == \
        ["rows=1,unmasked=1"]
    # Only what the user may unmask comes out in clear: a view grant is read,
    # not exported at all.
    rid = org.colleague.request_access(org.a, "协助", 24, groups="contact")
    org.rep.decide_access(rid, True)
    assert [r["id"] for r in org.colleague.export_customers(in_clear=True)] == [org.b]


def test_export_to_text_and_binary_files(tmp_path, org):
    expected = org.manager.export_customers()
    text = io.StringIO()
    assert org.manager.export_customers(text) == 2
    lines = text.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == expected
    assert text.getvalue().endswith("\n")

    binary = io.BytesIO()
    assert org.manager.export_customers(binary) == 2
    assert binary.getvalue().decode("utf-8") == text.getvalue()

    path = tmp_path / "customers.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        assert org.manager.export_customers(f, industry="制造业") == 2
    with open(path, "rb") as f:
        assert org.manager.export_customers(io.BytesIO()) == 2
        assert f.read().decode("utf-8") == text.getvalue()

    with pytest.raises(TypeError):
        org.manager.export_customers(str(path))       # a path is not a file
    with pytest.raises(TypeError):
        org.manager.export_customers(path)


def test_an_exception_while_writing_stops_the_export_and_is_raised_unchanged(org):
    class DiskFull(Exception):
        pass

    class Failing:
        calls = 0

        def write(self, data):
            Failing.calls += 1
            raise DiskFull("no space left on device")

    with pytest.raises(DiskFull, match="no space left"):
        org.manager.export_customers(Failing())
    assert Failing.calls == 1, "stopped at the first failure"
    stopped = list(org.admin.audit(action="customer.export"))[-1]
    assert stopped["detail"].endswith(",stopped"), stopped

    # A callback that uses the same database gets a StateError (raised
    # through the export) instead of a deadlock.
    class Reentrant:
        def write(self, data):
            org.manager.get_customer(org.a)

    with pytest.raises(crm.StateError, match="callback"):
        org.manager.export_customers(Reentrant())
    assert org.manager.get_customer(org.a)["id"] == org.a, "the session works afterwards"


def test_exporting_more_rows_than_the_alert_threshold_alerts_the_administrators(org):
    admin = org.admin
    admin.set_setting("alert.export_rows_per_hour", "2")
    second_admin = admin.create_user(login="admin2", name="周敏", department="市场部",
                                     role="admin")
    org.rep.export_customers()                         # 1 row: under the threshold
    assert outbox_of(admin, "security_alert") == []
    org.manager.export_customers()                     # 2 rows: 2 in the hour, not more
    assert outbox_of(admin, "security_alert") == []
    org.manager.export_customers()                     # 4 rows within the hour
    alerts = outbox_of(admin, "security_alert")
    assert sorted(m["recipient_user"] for m in alerts) == [1, second_admin], alerts
    assert alerts[0]["message"] == "【安全告警】用户“李娜”一小时内导出客户 4 条，超过阈值 2", \
        alerts[0]["message"]
    assert "exported customers 4 rows" in alerts[0]["message_en"], alerts[0]["message_en"]


# --------------------------------------------------------------------------
# Backup (备份) and the recovery drill (恢复演练)
# --------------------------------------------------------------------------

@pytest.fixture
def filed(tmp_path):
    """An organisation in a database file, with follow-ups, an archived
    customer and outbox messages; yields the namespace (``o.path``)."""
    path = str(tmp_path / "live.db")
    with crm.Db(path) as db, db.session() as admin:
        o = sales_org(db, admin, T0)
        o.path = path
        o.rep.add_contact(o.a, name="李娜", phone="021-12345678")
        o.rep.add_followup(o.a, method="phone", summary="电话沟通需求")
        o.rep.plan_followup(o.a, goal="介绍新产品", method="visit",
                            planned_at=T0 + timedelta(days=3))
        o.colleague.archive_customer(o.b, reason="重复录入")
        db.set_clock(T0 + timedelta(days=2))
        admin.tick()
        yield o


def live_counts(o):
    admin = o.admin
    ids = [c["id"] for c in admin.customers(include_archived=True)]
    return {
        "customers": len(ids),
        "contacts": sum(len(admin.contacts(i)) for i in ids),
        "users": len(admin.users(include_inactive=True)),
        "departments": len(admin.departments()),
        "followup_records": sum(len(admin.followups(i)) for i in ids),
        "followup_plans": sum(len(admin.plans(i)) for i in ids),
        "outbox": len(admin.outbox(limit=1000)),
    }


def test_a_backup_verifies_with_the_live_counts(tmp_path, filed):
    admin = filed.admin
    head_seq, head_hash = admin.audit_head()
    copy = tmp_path / "backup.db"
    pages = admin.backup(copy)                         # a path-like works
    assert pages > 0
    report = crm.verify_backup(copy)
    counts = live_counts(filed)
    assert counts["outbox"] > 0 and counts["followup_records"] == 1
    assert {k: report[k] for k in counts} == counts, report
    assert (report["ok"], report["integrity"], report["application"], report["schema_version"],
            report["audit_ok"], report["audit_problem"]) == (
        1, "ok", "CRM1", crm.schema_version(), 1, None), report
    assert (report["audit_rows"], report["audit_head"]) == (head_seq, head_hash), \
        "the copy holds the audit log as it was when the backup began"
    last = list(admin.audit())[-1]
    assert (last["seq"], last["action"], last["outcome"]) == (head_seq + 1, "backup.run", "ok")
    assert last["detail"] == "%s; pages=%d" % (copy, pages), last

    # The copy is a database: it opens and reads like the original.
    with crm.Db(str(copy), readonly=True) as restored, restored.session() as s:
        assert [c["id"] for c in s.customers(include_archived=True)] == [
            filed.a, filed.b, filed.s]
    assert crm.verify_backup(str(copy))["ok"] == 1, "opening it changed nothing"
    assert crm.verify_backup(filed.path)["ok"] == 1, "the live file passes too"


def test_a_damaged_copy_does_not_verify(tmp_path, filed):
    copy = str(tmp_path / "backup.db")
    filed.admin.backup(copy)
    con = sqlite3.connect(copy)
    try:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        roots = [r for (r,) in con.execute("SELECT rootpage FROM sqlite_master "
                                           "WHERE rootpage > 1")]
    finally:
        con.close()
    # The b-tree page nearest the middle of the file, overwritten.
    middle = min(roots, key=lambda r: abs(r - pages // 2))
    with open(copy, "r+b") as f:
        f.seek((middle - 1) * page_size)
        f.write(b"\xa5" * page_size)
    report = crm.verify_backup(copy)
    assert report["ok"] == 0 and report["integrity"] != "ok", report

    # An altered audit row: the integrity check passes, the chain does not.
    chain = str(tmp_path / "chain.db")
    filed.admin.backup(chain)
    target = [r["seq"] for r in filed.admin.audit(action="customer.archive")][0]
    con = sqlite3.connect(chain)
    try:
        con.execute("DROP TRIGGER audit_log_no_update")
        con.execute("UPDATE audit_log SET detail = 'nothing' WHERE seq = ?", (target,))
        con.commit()
    finally:
        con.close()
    report = crm.verify_backup(chain)
    assert (report["ok"], report["integrity"], report["audit_ok"], report["audit_seq"],
            report["audit_problem"]) == (0, "ok", 0, target, "altered"), report

    # Not a database at all; no file at all.
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database " * 100)
    report = crm.verify_backup(junk)
    assert (report["ok"], report["application"], report["audit_ok"]) == (0, None, None), report
    with pytest.raises(crm.CantOpen):
        crm.verify_backup(tmp_path / "missing" / "backup.db")
    with pytest.raises(TypeError):
        crm.verify_backup(7)


def test_backup_progress_is_reported_and_can_stop(tmp_path, filed):
    admin = filed.admin
    calls = []
    pages = admin.backup(tmp_path / "backup.db", pages_per_step=5,
                         progress=lambda done, total: calls.append((done, total)))
    assert len(calls) >= pages // 5 - 1 and calls, calls
    assert all(total == pages for _, total in calls), calls
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[0][0] == 5

    # Returning False stops it: StateError, and no partial file is left.
    stop = tmp_path / "stopped.db"
    seen = []

    def stop_at_once(done, total):
        seen.append(done)
        return False

    with pytest.raises(crm.StateError) as info:
        admin.backup(stop, pages_per_step=1, progress=stop_at_once)
    assert info.value.message_zh == "备份到“%s”已被调用方中止，文件保持原样" % stop
    assert seen == [1] and not stop.exists()
    # None (a callable that returns nothing) goes on.
    assert admin.backup(tmp_path / "quiet.db", pages_per_step=50,
                        progress=lambda done, total: None) == pages

    # An exception in the callback stops it and is raised unchanged.
    def boom(done, total):
        raise KeyError("progress bar gone")

    with pytest.raises(KeyError, match="progress bar gone"):
        admin.backup(tmp_path / "boom.db", pages_per_step=1, progress=boom)
    assert not (tmp_path / "boom.db").exists()
    # The callback may not use the database that is being backed up.
    with pytest.raises(crm.StateError, match="callback"):
        admin.backup(tmp_path / "re.db", pages_per_step=1,
                     progress=lambda d, t: admin.get_customer(filed.a))
    assert not (tmp_path / "re.db").exists()
    assert [r["action"] for r in admin.audit(action="backup.")] == ["backup.run"] * 2, \
        "only the finished backups are audited"

    with pytest.raises(TypeError):
        admin.backup(tmp_path / "x.db", progress="yes")
    with pytest.raises(crm.InvalidArgument):
        admin.backup(tmp_path / "x.db", pages_per_step=-1)
    with pytest.raises(crm.PermissionDenied):
        filed.manager.backup(tmp_path / "manager.db")
    assert not (tmp_path / "manager.db").exists()


def test_an_in_memory_database_backs_up_to_a_file(tmp_path, org):
    path = tmp_path / "memory-backup.db"
    org.admin.backup(path)
    report = crm.verify_backup(path)
    assert (report["ok"], report["customers"], report["users"]) == (1, 3, 6), report


# crm.h (crm_db_backup): "`progress` (optional) is called after each step",
# the last one included, so the caller sees done == total, and a database
# smaller than one step gets one call.
def test_backup_progress_reports_every_step_up_to_the_total(tmp_path, org):
    calls = []
    pages = org.admin.backup(tmp_path / "steps.db", pages_per_step=5,
                             progress=lambda done, total: calls.append((done, total)))
    steps = -(-pages // 5)
    assert len(calls) == steps and calls[-1] == (pages, pages), \
        "%d pages in steps of 5: expected %d calls ending with (%d, %d), got %d ending with %r" \
        % (pages, steps, pages, pages, len(calls), calls[-1] if calls else None)
