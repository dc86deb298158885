"""Tiers and grading (客户分层与分级, R2.1-R2.2), follow-up plans and records
(跟进计划与记录, R2.3-R2.5), agendas and daily reports, and reminders and the
outbox (提醒与发件箱, R2.5, R1.5, R1.10).

Every test runs on a fixed clock (no sleeping): time moves only when a test
sets it."""

import ctypes
from datetime import date, datetime, timedelta, timezone

import pytest

import crm
from crm import _lib
from conftest import add_user, utc, valid_customer

SHANGHAI = timezone(timedelta(hours=8))
# Monday 2 March 2026, 09:00 in Shanghai.
T0 = utc(2026, 3, 2, 1, 0)


def sh(*args):
    """An aware datetime in Shanghai time (UTC+8)."""
    return datetime(*args, tzinfo=SHANGHAI)


def ms(dt):
    return crm.to_ms(dt)


@pytest.fixture
def clock(db):
    """The database, its clock frozen at T0."""
    db.set_clock(T0)
    return db


@pytest.fixture
def admin(clock, session):
    """The administrator's session, at T0."""
    return session


@pytest.fixture
def rep(db, admin):
    """A session of a sales rep (销售) of 华东销售部."""
    uid = add_user(admin, "lisi", "李四", "销售", department="华东销售部")
    with db.session(uid) as s:
        yield s


@pytest.fixture
def customer(admin):
    """A customer made at T0 (owner: the administrator)."""
    return admin.create_customer(valid_customer())


@pytest.fixture
def rep_customer(admin, rep):
    """A customer of the rep (owner: the rep; a rep plans and records
    contacts for their own customers only, R3.1), made at T0."""
    return admin.create_customer(valid_customer(owner=rep.user_id))


def plan_fields(**overrides):
    fields = {"goal": "介绍新产品", "method": "拜访", "planned_at": T0 + timedelta(hours=2)}
    fields.update(overrides)
    return fields


# -- the C layout ------------------------------------------------------------------


def test_option_structs_match_the_header():
    names = {s: [n for n, _ in s._fields_]
             for s in (_lib.RosterQuery, _lib.AgendaQuery, _lib.TickReportStruct)}
    assert names[_lib.RosterQuery] == ["size", "tier", "owner", "page_size", "after"]
    assert names[_lib.AgendaQuery] == ["size", "owner", "page_size", "after"]
    assert names[_lib.TickReportStruct] == [
        "size", "now_ms", "fired", "messages", "escalated", "skipped", "rearmed", "pending",
        "last_tick_ms"]
    r, a, t = _lib.roster_query_init(), _lib.agenda_query_init(), _lib.tick_report_init()
    assert (r.size, r.tier, r.owner, r.page_size, r.after) == (
        ctypes.sizeof(_lib.RosterQuery), None, 0, 0, None)
    assert (a.size, a.owner, a.page_size, a.after) == (ctypes.sizeof(_lib.AgendaQuery), 0, 0,
                                                       None)
    assert t.size == ctypes.sizeof(_lib.TickReportStruct)
    assert all(getattr(t, n) == 0 for n in names[_lib.TickReportStruct][1:])
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        # Checked against gcc (offsetof on crm.h).
        assert ctypes.sizeof(_lib.RosterQuery) == 40
        assert (_lib.RosterQuery.owner.offset, _lib.RosterQuery.page_size.offset,
                _lib.RosterQuery.after.offset) == (16, 24, 32)
        assert ctypes.sizeof(_lib.AgendaQuery) == 32
        assert (_lib.AgendaQuery.owner.offset, _lib.AgendaQuery.page_size.offset,
                _lib.AgendaQuery.after.offset) == (8, 16, 24)
        assert ctypes.sizeof(_lib.TickReportStruct) == 72
        assert _lib.TickReportStruct.last_tick_ms.offset == 64


# -- tiers and grading ---------------------------------------------------------------


def test_seeded_tiers_and_criteria(admin):
    assert [(t["code"], t["label_zh"], t["cadence"], t["cadence_zh"], t["position"])
            for t in admin.tiers()] == [
        ("A", "A类客户", "1w", "每周一次", 1), ("B", "B类客户", "2w", "每2周一次", 2),
        ("C", "C类客户", "1m", "每月一次", 3)]
    crit = admin.grading_criteria()
    assert [(c["name"], c["unit"], c["thresholds"], c["retired"]) for c in crit] == [
        ("annual_potential", "万元", "A>=100,B>=30", 0),
        ("cooperation_likelihood", "%", "A>=70,B>=40", 0)]
    assert crit[0]["label_zh"] == "年采购潜力"


def test_define_tier_and_change_its_cadence(admin, rep):
    admin.define_tier("D", "2个月", label_zh="D类客户", label_en="Tier D")
    d = admin.tiers()[-1]
    assert (d["code"], d["label_zh"], d["label_en"], d["cadence"], d["position"]) == (
        "D", "D类客户", "Tier D", "2m", 4)
    admin.define_tier("B", "1w")                       # an existing tier: cadence only
    assert admin.tiers()[1]["cadence"] == "1w"
    changes = [(h["subject"], h["before"], h["after"]) for h in admin.config_history("tier.")]
    assert changes == [("tier.D", None, "2m"), ("tier.B", "2w", "1w")]
    with pytest.raises(crm.InvalidArgument):
        admin.define_tier("E", "sometimes", "E类客户", "Tier E")
    with pytest.raises(crm.InvalidArgument):
        admin.define_tier("B", "2w", label_zh="普通")     # labels cannot change
    with pytest.raises(crm.PermissionDenied):
        rep.define_tier("B", "3w")
    with pytest.raises(TypeError):
        admin.define_tier("B", 2)


def test_grade_customer(admin, customer):
    g = admin.grade_customer(customer, annual_potential=120, cooperation_likelihood="55")
    assert g["tier"] == "B", "the worst of A (potential) and B (likelihood)"
    assert "综合评定 B" in g["reason"] and "overall B" in g["reason_en"]
    assert g["next_due_date"] == "2026-03-16"          # created 2 March + 2 weeks
    c = admin.get_customer(customer)
    assert (c["tier"], c["tier_reason"], c["graded_at"], c["next_due_date"]) == (
        "B", g["reason"], ms(T0), "2026-03-16")
    last = admin.customer_history(customer)[-1]
    assert (last["kind"], last["field"], last["after"]) == ("tier", "tier", "B")
    # A dict, Decimals and floats work too; keywords win over the dict.
    from decimal import Decimal
    g = admin.grade_customer(customer, {"annual_potential": 1.5,
                                        "cooperation_likelihood": 10},
                             annual_potential=Decimal("150"), cooperation_likelihood=90.0)
    assert g["tier"] == "A"


def test_grading_errors_name_every_criterion(admin, customer):
    with pytest.raises(crm.ValidationError) as e:
        admin.grade_customer(customer, annual_potential=50, budget=3)
    assert {(fe.field, fe.code) for fe in e.value.errors} == {
        ("cooperation_likelihood", "required"), ("budget", "unknown_field")}
    assert "合作可能性" in [fe.label_zh for fe in e.value.errors]
    with pytest.raises(crm.ValidationError) as e:
        admin.grade_customer(customer, annual_potential="很多", cooperation_likelihood=50)
    assert [(fe.field, fe.code) for fe in e.value.errors] == [("annual_potential", "wrong_type")]
    with pytest.raises(TypeError, match="annual_potential"):
        admin.grade_customer(customer, annual_potential=True, cooperation_likelihood=50)
    assert admin.get_customer(customer)["tier"] is None, "nothing was written"


def test_define_and_retire_a_criterion(admin, customer, rep):
    admin.define_criterion("budget", "年度预算", "Annual budget", "A>=50,B>=10", unit="万元")
    admin.define_criterion("cooperation_likelihood", "合作可能性", "Likelihood of cooperation",
                           "A>=70,B>=40", unit="%", retired=True)
    assert [c["name"] for c in admin.grading_criteria()] == ["annual_potential", "budget"]
    assert [c["name"] for c in admin.grading_criteria(include_retired=True)] == [
        "annual_potential", "cooperation_likelihood", "budget"]
    assert admin.grade_customer(customer, annual_potential=200, budget=60)["tier"] == "A"
    assert [h["subject"] for h in admin.config_history("criterion.")] == [
        "criterion.budget", "criterion.cooperation_likelihood"]
    with pytest.raises(crm.InvalidArgument):
        admin.define_criterion("budget", "年度预算", "Annual budget", "B>=10,A>=50")
    with pytest.raises(crm.PermissionDenied):
        rep.define_criterion("budget", "年度预算", "Annual budget", "A>=60,B>=10")


def test_set_tier_by_hand(admin, customer):
    admin.set_tier(customer, "重点客户", reason="战略客户")      # a label of A
    c = admin.get_customer(customer)
    assert (c["tier"], c["tier_reason"], c["next_due_date"]) == ("A", "战略客户", "2026-03-09")
    assert admin.customer_history(customer)[-1]["reason"] == "战略客户"
    with pytest.raises(crm.NotFound):
        admin.set_tier(customer, "Z")


def test_verify_customer(admin, customer):
    admin.verify_customer(customer, "电话", note="已与王伟确认需求")
    c = admin.get_customer(customer)
    assert (c["verified_at"], c["verified_by"]) == (ms(T0), admin.user_id)
    with pytest.raises(crm.Conflict):
        admin.verify_customer(customer, "email")
    other = admin.create_customer(valid_customer())
    with pytest.raises(crm.InvalidArgument):
        admin.verify_customer(other, "拜访")              # phone or e-mail only (R1.5)


def test_roster_orders_filters_and_pages(db, admin, rep):
    a = admin.create_customer(valid_customer())
    b1 = admin.create_customer(valid_customer())
    admin.create_customer(valid_customer())            # never graded: not listed
    db.set_clock(T0 - timedelta(days=3))
    b2 = rep.create_customer(valid_customer())         # created earlier: due earlier
    db.set_clock(T0)
    admin.set_tier(b1, "B")
    rep.set_tier(b2, "B")
    admin.set_tier(a, "A")
    rows = list(admin.roster())
    assert [(r["id"], r["tier"]) for r in rows] == [(a, "A"), (b2, "B"), (b1, "B")]
    assert [r["next_due_date"] for r in rows] == ["2026-03-09", "2026-03-13", "2026-03-16"]
    assert rows[0]["graded_at"] == ms(T0) and rows[0]["last_followup_at"] is None
    assert list(admin.roster(page_size=1)) == rows, "paging yields the same rows"
    assert [r["id"] for r in admin.roster(tier="B类客户")] == [b2, b1]
    assert [r["id"] for r in admin.roster(owner=rep.user_id)] == [b2]
    unknown = admin.roster(tier="Z")
    with pytest.raises(crm.NotFound):
        next(unknown)
    with pytest.raises(TypeError):
        admin.roster(page_size="10")


def test_config_history_pages_and_filters(admin):
    admin.define_tier("B", "3w")
    admin.set_setting("followup.min_gap_hours", "12")
    admin.set_reminder_rule("plan_reminder", channels="app,sms")
    everything = list(admin.config_history(page_size=1))
    assert [h["subject"] for h in everything] == [
        "tier.B", "setting.followup.min_gap_hours", "rule.plan_reminder"]
    assert [h["seq"] for h in everything] == sorted(h["seq"] for h in everything)
    assert everything[1]["before"] == "24" and everything[1]["after"] == "12"
    assert (everything[0]["at"], everything[0]["actor"]) == (ms(T0), admin.user_id)
    assert [h["subject"] for h in admin.config_history("rule.")] == ["rule.plan_reminder"]
    assert list(admin.config_history("nothing.")) == []


# -- follow-up plans -------------------------------------------------------------------


def test_plan_followup(admin, customer):
    p = admin.plan_followup(customer, plan_fields(talking_points="上次遗留的报价问题",
                                                  materials="产品手册"))
    assert (p["customer"], p["goal"], p["method"], p["state"], p["owner"]) == (
        customer, "介绍新产品", "visit", "planned", admin.user_id)
    # Instants come back as UTC ms, like every instant of a record.
    assert p["planned_at"] == ms(T0 + timedelta(hours=2))
    assert p["remind_at"] == ms(T0 + timedelta(hours=1, minutes=30)), "30 minutes before"
    assert (p["talking_points"], p["materials"]) == ("上次遗留的报价问题", "产品手册")
    assert "warning" not in p
    assert admin.followup_plan(p["id"]) == p
    # Milliseconds and other zones work too; remind_at is kept as given.
    q = admin.plan_followup(customer, goal="电话回访", method="phone",
                            planned_at=ms(T0 + timedelta(days=3)),
                            remind_at=sh(2026, 3, 5, 8, 0))
    assert q["remind_at"] == ms(sh(2026, 3, 5, 8, 0))
    assert [x["id"] for x in admin.plans(customer)] == [p["id"], q["id"]]
    with pytest.raises(crm.NotFound):
        admin.followup_plan(999)
    with pytest.raises(ValueError, match="naive"):
        admin.plan_followup(customer, plan_fields(planned_at=datetime(2026, 3, 9, 10, 0)))


def test_plan_validation_codes(admin, customer):
    with pytest.raises(crm.ValidationError) as e:
        admin.plan_followup(customer, plan_fields(planned_at=T0 - timedelta(minutes=1)))
    assert [(fe.field, fe.code) for fe in e.value.errors] == [("planned_at", "in_past")]
    assert e.value.errors[0].label_zh == "计划时间"
    with pytest.raises(crm.ValidationError) as e:
        admin.plan_followup(customer, plan_fields(remind_at=T0 + timedelta(hours=3)))
    assert [(fe.field, fe.code) for fe in e.value.errors] == [("remind_at", "after_plan")]
    with pytest.raises(crm.ValidationError) as e:
        admin.plan_followup(customer, plan_fields(remind_at=T0 - timedelta(hours=1)))
    assert [(fe.field, fe.code) for fe in e.value.errors] == [("remind_at", "in_past")]
    with pytest.raises(crm.ValidationError) as e:
        admin.plan_followup(customer, {"method": "飞鸽传书"})
    assert {fe.field for fe in e.value.errors} >= {"goal", "method", "planned_at"}
    assert admin.plans(customer) == [], "nothing was written"
    with pytest.raises(crm.NotFound):
        admin.plan_followup("C9999", plan_fields())


def test_the_over_contact_guard_warns_then_refuses(admin, customer):
    first = admin.plan_followup(customer, plan_fields())
    assert "warning" not in first
    near = admin.plan_followup(customer, plan_fields(goal="补充报价",
                                                     planned_at=T0 + timedelta(hours=6)))
    assert near["warning"] == "too_soon"
    assert "minimum gap" in near["warning_message"]
    assert "过度打扰" in near["warning_message_zh"]
    assert near["state"] == "planned", "a warning does not stop the plan"
    far = admin.plan_followup(customer, plan_fields(planned_at=T0 + timedelta(days=2)))
    assert "warning" not in far

    admin.set_setting("followup.min_gap_action", "refuse")
    with pytest.raises(crm.ValidationError) as e:
        admin.plan_followup(customer, plan_fields(planned_at=T0 + timedelta(days=2, hours=1)))
    assert [(fe.field, fe.code) for fe in e.value.errors] == [("planned_at", "too_soon")]
    with pytest.raises(crm.ValidationError) as e:
        admin.add_followup(customer, method="电话", summary="电话确认参会")
    assert [(fe.field, fe.code) for fe in e.value.errors] == [("contacted_at", "too_soon")]
    admin.set_setting("followup.min_gap_hours", "0")          # off
    assert "warning" not in admin.add_followup(customer, method="电话", summary="电话确认参会")


def test_complete_close_and_reschedule(db, admin, customer):
    a = admin.plan_followup(customer, plan_fields())
    b = admin.plan_followup(customer, plan_fields(planned_at=T0 + timedelta(days=2)))
    c = admin.plan_followup(customer, plan_fields(planned_at=T0 + timedelta(days=4)))
    d = admin.plan_followup(customer, plan_fields(planned_at=T0 + timedelta(days=6)))

    db.set_clock(T0 + timedelta(hours=3))
    rec = admin.complete_plan(a["id"], summary="演示了新产品", feedback="很感兴趣",
                              contacted_at=T0 + timedelta(hours=2))
    assert (rec["plan_id"], rec["method"], rec["summary"], rec["contacted_at"]) == (
        a["id"], "visit", "演示了新产品", ms(T0 + timedelta(hours=2))), "method: the plan's"
    done = admin.followup_plan(a["id"])
    assert (done["state"], done["record_id"]) == ("done", rec["id"])
    with pytest.raises(crm.StateError):
        admin.complete_plan(a["id"], summary="again")

    admin.close_plan(b["id"], "cancelled", reason="客户出差")
    assert (admin.followup_plan(b["id"])["state"],
            admin.followup_plan(b["id"])["state_reason"]) == ("cancelled", "客户出差")
    admin.close_plan(c["id"], "missed")
    assert admin.followup_plan(c["id"])["state"] == "missed"
    with pytest.raises(crm.InvalidArgument):
        admin.close_plan(d["id"], "done")
    with pytest.raises(crm.StateError):
        admin.close_plan(b["id"], "missed")

    moved = admin.reschedule_plan(d["id"], T0 + timedelta(days=8), reason="客户改期")
    old = admin.followup_plan(d["id"])
    assert (old["state"], old["state_reason"], old["rescheduled_to"]) == (
        "rescheduled", "客户改期", moved["id"])
    assert (moved["state"], moved["goal"], moved["planned_at"], moved["remind_at"]) == (
        "planned", d["goal"], ms(T0 + timedelta(days=8)),
        ms(T0 + timedelta(days=8, minutes=-30)))
    again = admin.reschedule_plan(moved["id"], ms(T0 + timedelta(days=9)),
                                  remind_at=T0 + timedelta(days=8, hours=12))
    assert again["remind_at"] == ms(T0 + timedelta(days=8, hours=12))
    with pytest.raises(crm.ValidationError) as e:
        admin.reschedule_plan(again["id"], T0)
    assert [fe.code for fe in e.value.errors] == ["in_past"]
    assert [p["state"] for p in admin.plans(customer)] == [
        "done", "cancelled", "missed", "rescheduled", "rescheduled", "planned"]


# -- follow-up records ---------------------------------------------------------------------


def test_add_followup(db, admin, customer):
    admin.set_tier(customer, "A")
    db.set_clock(T0 + timedelta(days=1))
    rec = admin.add_followup(customer, {"method": "电话", "summary": "沟通采购计划"},
                             feedback="预算已批", intent_change="采购意向增强",
                             next_step="发送报价单", next_plan_at=T0 + timedelta(days=3))
    assert (rec["customer"], rec["method"], rec["owner"], rec["contacted_at"]) == (
        customer, "phone", admin.user_id, ms(T0 + timedelta(days=1))), "defaults: now, me"
    assert (rec["feedback"], rec["intent_change"], rec["next_step"]) == (
        "预算已批", "采购意向增强", "发送报价单")
    nxt = admin.followup_plan(rec["next_plan_id"])
    assert (nxt["goal"], nxt["method"], nxt["planned_at"]) == (
        "发送报价单", "phone", ms(T0 + timedelta(days=3)))
    c = admin.get_customer(customer)
    assert (c["last_followup_at"], c["next_step"], c["next_due_date"]) == (
        ms(T0 + timedelta(days=1)), "发送报价单", "2026-03-10")

    late = admin.add_followup(customer, method="邮件", summary="补录：上周发过资料",
                              contacted_at=sh(2026, 2, 27, 15, 0))
    assert "warning" not in late, "three days before: not too soon"
    assert [r["id"] for r in admin.followups(customer)] == [late["id"], rec["id"]], \
        "records are kept in contact-time order"
    assert admin.get_customer(customer)["last_followup_at"] == ms(T0 + timedelta(days=1)), \
        "a late entry does not move the last follow-up back"

    with pytest.raises(crm.ValidationError) as e:
        admin.add_followup(customer, method="电话", summary="未来", contacted_at=T0 +
                           timedelta(days=2))
    assert [(fe.field, fe.code) for fe in e.value.errors] == [("contacted_at", "in_future")]
    with pytest.raises(crm.ValidationError) as e:
        admin.add_followup(customer, method="电话", summary="约下次",
                           next_plan_at=T0 + timedelta(days=5))
    assert [(fe.field, fe.code) for fe in e.value.errors] == [("next_step", "required")]
    with pytest.raises(crm.NotFound):
        admin.followups("C9999")


# -- agenda and daily report ---------------------------------------------------------------


def test_agenda_merges_plans_and_lapsed_customers_and_pages(db, admin, rep):
    # The rep's customers: a rep plans for their own customers only (R3.1).
    customers = [admin.create_customer(valid_customer(owner=rep.user_id)) for _ in range(4)]
    lapsed = rep.create_customer(valid_customer())
    admin.set_tier(lapsed, "A")                        # due 2026-03-09
    plans = [rep.plan_followup(cid, plan_fields(owner=rep.user_id,
                                                planned_at=sh(2026, 3, day, 9, 0)))
             for day, cid in zip([8, 9, 10, 11], customers)]
    db.set_clock(sh(2026, 3, 10, 10, 0))
    assert list(admin.agenda()) == [], "the administrator has nothing to do"
    rows = list(rep.agenda())
    assert [(r["kind"], r["customer"]) for r in rows] == [
        ("overdue_plan", customers[0]), ("overdue_plan", customers[1]), ("lapsed", lapsed),
        ("plan", customers[2])], "most urgent first; tomorrow's plan is not listed"
    assert rows[0]["due_at"] == plans[0]["planned_at"] and rows[0]["plan_id"] == plans[0]["id"]
    assert rows[2]["due_at"] == ms(sh(2026, 3, 10, 0, 0)), "the end of its due date"
    assert (rows[2]["tier"], rows[2]["next_due_date"], rows[2]["plan_id"]) == (
        "A", "2026-03-09", None)
    assert rows[3]["goal"] == "介绍新产品" and rows[3]["method"] == "visit"
    assert list(rep.agenda(page_size=1)) == rows
    assert list(rep.agenda(page_size=3)) == rows
    assert list(admin.agenda(owner=rep.user_id, page_size=2)) == rows


def test_daily_report(db, admin, rep, rep_customer):
    customer = rep_customer
    rep.plan_followup(customer, plan_fields(owner=rep.user_id,
                                            planned_at=sh(2026, 3, 2, 16, 0)))
    db.set_clock(sh(2026, 3, 2, 11, 0))
    rep.add_followup(customer, method="拜访", summary="现场参观产线", feedback="满意",
                     next_step="出方案", contacted_at=sh(2026, 3, 2, 10, 0))
    rows = rep.daily_report("2026-03-02")
    assert [(r["kind"], r["at"]) for r in rows] == [
        ("record", ms(sh(2026, 3, 2, 10, 0))), ("open_plan", ms(sh(2026, 3, 2, 16, 0)))]
    assert (rows[0]["summary"], rows[0]["feedback"], rows[0]["next_step"], rows[0]["goal"]) == (
        "现场参观产线", "满意", "出方案", None)
    assert rows[1]["goal"] == "介绍新产品" and rows[1]["customer"] == customer
    assert admin.daily_report(date(2026, 3, 2), owner=rep.user_id) == rows
    assert admin.daily_report("2026-03-02") == [], "owner 0: the session's own report"
    assert rep.daily_report("2026-03-03") == []
    with pytest.raises(crm.InvalidArgument):
        rep.daily_report("2026-02-30")
    with pytest.raises(TypeError):
        rep.daily_report(sh(2026, 3, 2, 10, 0))


# -- reminders: the scheduler ------------------------------------------------------------


def test_tick_fires_each_reminder_once(db, admin, customer):
    p = admin.plan_followup(customer, plan_fields())          # reminder at 10:30
    first = admin.tick()
    assert isinstance(first, crm.TickReport)
    assert (first.now, first.fired, first.messages, first.last_tick) == (T0, 0, 0, None)
    assert first.pending > 0

    db.set_clock(T0 + timedelta(hours=1, minutes=30))
    rep1 = admin.tick()
    assert (rep1.fired, rep1.messages, rep1.escalated) == (1, 1, 0)
    assert rep1.last_tick == T0
    msgs = admin.outbox()
    assert [(m["kind"], m["customer"], m["recipient_user"], m["channel"]) for m in msgs] == [
        ("plan_reminder", customer, admin.user_id, "app")]
    assert msgs[0]["key"] == "plan_reminder:%d:%d:app" % (p["id"], p["remind_at"])
    assert "介绍新产品" in msgs[0]["message"] and "拜访" in msgs[0]["message"]
    assert msgs[0]["due_at"] == p["remind_at"] and msgs[0]["acked_at"] is None

    again = admin.tick()                                       # idempotent
    assert (again.fired, again.messages) == (0, 0)
    assert admin.tick(T0).messages == 0, "an earlier time fires nothing twice"
    assert admin.tick(ms(T0 + timedelta(hours=1, minutes=30))).messages == 0
    assert len(admin.outbox()) == 1


def test_tick_is_for_administrators(rep):
    with pytest.raises(crm.PermissionDenied):
        rep.tick()
    with pytest.raises(crm.PermissionDenied):
        rep.fetch_outbox()
    with pytest.raises(crm.PermissionDenied):
        rep.set_reminder_rule("plan_reminder", enabled=False)


def test_verification_ends_the_unverified_reminder(db, admin):
    checked = admin.create_customer(valid_customer())
    unchecked = admin.create_customer(valid_customer())
    admin.verify_customer(checked, "email")
    db.set_clock(T0 + timedelta(hours=25))
    admin.tick()
    assert [(m["kind"], m["customer"]) for m in admin.outbox()] == [("unverified", unchecked)]


def test_overdue_plan_escalates_to_the_supervisor(db, admin, rep, rep_customer):
    customer = rep_customer
    boss = admin.create_user(login="wangjl", name="王经理", department="华东销售部",
                             role="sales_manager")
    rep.plan_followup(customer, plan_fields(owner=rep.user_id))
    db.set_clock(sh(2026, 3, 3, 0, 0))                   # the plan's day is over
    r = admin.tick()
    overdue = [m for m in admin.outbox() if m["kind"] == "plan_overdue"]
    assert [m["recipient_user"] for m in overdue] == [rep.user_id]
    assert r.escalated == 0
    db.set_clock(sh(2026, 3, 4, 0, 0))                   # 24 hours later, still open
    r = admin.tick()
    assert r.escalated == 1
    up = [m for m in admin.outbox() if m["kind"] == "escalation"]
    assert [(m["recipient_user"], m["channel"], m["escalation_of"]) for m in up] == [
        (boss, "app", overdue[0]["id"]), (boss, "email", overdue[0]["id"])]
    assert "李四" in up[0]["message"]


# -- reminder rules -----------------------------------------------------------------------


# crm_reminder_rule_list fails: store::list_rules (src/store/schedule_repo.cpp)
# orders by rowid, which the WITHOUT ROWID table reminder_rules lacks.  Strict:
# once the library is fixed this test passes and the marker must go.
def test_reminder_rules(admin):
    rules = {r["kind"]: r for r in admin.reminder_rules()}
    assert list(rules) == ["plan_reminder", "plan_overdue", "cadence_lapsed", "unverified",
                           "review_due", "major_change", "access_pending", "lead_welcome",
                           "lead_assigned", "lead_high_value", "lead_unassigned", "escalation"]
    assert (rules["unverified"]["delay_minutes"], rules["unverified"]["escalate_after"],
            rules["unverified"]["channels"], rules["unverified"]["enabled"]) == (
        1440, 1440, "app", 1)
    assert "{customer}" in rules["plan_reminder"]["template_zh"]
    # Since 602068b: the owner hears of an access request at the next tick,
    # the manager a day later (R3.2).
    access = rules["access_pending"]
    assert (access["delay_minutes"], access["escalate_after"], access["channels"],
            access["enabled"]) == (0, 1440, "app", 1), access
    assert "{requester}" in access["template_zh"] and "{requester}" in access["template_en"]


def test_set_reminder_rule(db, admin, customer):
    admin.set_reminder_rule("plan_reminder", {"channels": "app"}, channels="app,sms",
                            template_en="Call {customer} about {goal}")
    admin.plan_followup(customer, plan_fields())
    db.set_clock(T0 + timedelta(hours=2))
    assert admin.tick().messages == 2, "one message per channel"
    text = "Call %s about 介绍新产品" % admin.get_customer(customer)["name"]
    assert [(m["channel"], m["message_en"]) for m in admin.outbox()] == [
        ("app", text), ("sms", text)]

    admin.set_reminder_rule("unverified", enabled=False, escalate_after=timedelta(hours=2))
    admin.create_customer(valid_customer())
    db.set_clock(T0 + timedelta(days=2))
    r = admin.tick()
    assert "unverified" not in {m["kind"] for m in admin.outbox()}
    assert r.skipped >= 2, "both customers' reminders are skipped: the rule is off"
    history = list(admin.config_history("rule.unverified"))
    assert "enabled=0" in history[-1]["after"] and "escalate_after=120" in history[-1]["after"]

    with pytest.raises(crm.InvalidArgument):
        admin.set_reminder_rule("plan_reminder", template_zh="{nobody}")
    with pytest.raises(crm.InvalidArgument):
        admin.set_reminder_rule("plan_reminder", colour="red")
    with pytest.raises(crm.NotFound):
        admin.set_reminder_rule("no_such_kind", enabled=True)
    with pytest.raises(crm.NotFound):
        admin.set_reminder_rule("plan_reminder", counting="working", calendar="火星")
    with pytest.raises(ValueError, match="whole number of minutes"):
        admin.set_reminder_rule("plan_reminder", delay_minutes=timedelta(seconds=90))


# -- the outbox ----------------------------------------------------------------------------


@pytest.fixture
def two_messages(db, admin):
    """Two undelivered messages: the unverified reminders of two customers."""
    a = admin.create_customer(valid_customer())
    b = admin.create_customer(valid_customer())
    db.set_clock(T0 + timedelta(hours=25))
    assert admin.tick().messages == 2
    return a, b


def test_outbox_lease_expires_and_ack(db, admin, two_messages):
    first = admin.fetch_outbox(limit=1, lease=timedelta(minutes=1))
    assert [(m["customer"], m["attempts"]) for m in first] == [(two_messages[0], 1)]
    second = admin.fetch_outbox(lease=60)                # seconds
    assert [m["customer"] for m in second] == [two_messages[1]], "the first is leased"
    assert admin.fetch_outbox() == []

    db.set_clock(T0 + timedelta(hours=25, seconds=61))   # both leases are over
    again = admin.fetch_outbox(lease=30.5)
    assert [(m["id"], m["attempts"]) for m in again] == [
        (first[0]["id"], 2), (second[0]["id"], 2)], "at-least-once: fetched again"
    admin.ack_outbox(first[0]["id"])
    with pytest.raises(crm.Conflict):
        admin.ack_outbox(first[0]["id"])
    with pytest.raises(crm.NotFound):
        admin.ack_outbox(999)

    db.set_clock(T0 + timedelta(hours=26))
    assert [m["id"] for m in admin.fetch_outbox()] == [second[0]["id"]], "acked: never again"
    pending = admin.outbox(pending_only=True)
    assert [m["id"] for m in pending] == [second[0]["id"]]
    everything = admin.outbox()
    assert everything[0]["acked_at"] == ms(T0 + timedelta(hours=25, seconds=61))
    assert admin.outbox(after=everything[0]["id"]) == everything[1:]
    assert admin.outbox(limit=1) == everything[:1]


def test_outbox_arguments(admin, two_messages):
    assert admin.fetch_outbox(channel="email") == []
    assert len(admin.fetch_outbox(channel="app")) == 2
    with pytest.raises(crm.InvalidArgument):
        admin.fetch_outbox(channel="fax")
    with pytest.raises(crm.InvalidArgument):
        admin.fetch_outbox(lease=0.5)                   # at least a second
    with pytest.raises(crm.InvalidArgument):
        admin.fetch_outbox(lease=timedelta(days=2))
    with pytest.raises(crm.InvalidArgument):
        admin.fetch_outbox(limit=0)
    with pytest.raises(TypeError):
        admin.fetch_outbox(lease="60")
    with pytest.raises(crm.InvalidArgument):
        admin.outbox(limit=1001)


def test_help_reads_well():
    for name in ["tiers", "define_tier", "grading_criteria", "define_criterion",
                 "grade_customer", "set_tier", "verify_customer", "roster", "config_history",
                 "plan_followup", "followup_plan", "complete_plan", "close_plan",
                 "reschedule_plan", "add_followup", "plans", "followups", "agenda",
                 "daily_report", "tick", "reminder_rules", "set_reminder_rule",
                 "fetch_outbox", "ack_outbox", "outbox"]:
        doc = getattr(crm.Session, name).__doc__
        assert doc and len(doc) > 80, "Session.%s needs a real docstring" % name
    assert "UTC ms" in crm.Session.plan_followup.__doc__
    assert crm.TickReport.__module__ == "crm" and "fired" in crm.TickReport.__doc__
