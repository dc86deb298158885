"""Maintenance plans for key customers (客户维护方案, R2.6): submitting for the
best tier only, every bad field named, who approves, the state machine and
the customer's history, through the Python binding.

Every test runs on a fixed clock (no sleeping)."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

import crm
from conftest import add_user, utc, valid_customer

# Monday 2 March 2026, 09:00 in Shanghai.
T0 = utc(2026, 3, 2, 1, 0)


@pytest.fixture
def admin(db, session):
    db.set_clock(T0)
    return session


def _user(admin, login, name, role, department="华东销售部"):
    return add_user(admin, login, name, role, department=department)


@pytest.fixture
def rep(db, admin):
    """A sales rep (销售) of 华东销售部."""
    with db.session(_user(admin, "lisi", "李四", "销售")) as s:
        yield s


@pytest.fixture
def manager(db, admin):
    """The sales manager (销售经理) of 华东销售部."""
    with db.session(_user(admin, "lina", "李娜", "销售经理")) as s:
        yield s


@pytest.fixture
def key(admin, rep):
    """A key customer (tier A) of the rep."""
    cid = rep.create_customer(valid_customer())
    rep.set_tier(cid, "重点客户")
    return cid


def plan(**overrides):
    fields = {"method": "定期拜访+专属客服", "measures": "每月上门巡检一次；季度技术培训",
              "responsible": "李四、李娜", "cost": "12000.50",
              "period_start": "2026-04-01", "period_end": "2026-09-30"}
    fields.update(overrides)
    return fields


def codes(excinfo):
    return [(e.field, e.code) for e in excinfo.value.errors]


def test_submit_returns_the_plan(rep, key):
    p = rep.submit_maintenance_plan(key, plan())
    assert (p["customer"], p["state"], p["cost"], p["created_by"]) == (
        key, "submitted", "12000.50", rep.user_id)
    assert p["created_at"] == crm.to_ms(T0)
    assert [f["name"] for f in crm.fields("maintenance_plan")] == list(p)
    for name in ("decision_note", "decided_by", "decided_at", "carried_out_at", "evaluation",
                 "satisfaction", "evaluated_at"):
        assert p[name] is None, name
    assert rep.maintenance_plan(p["id"]) == p
    assert rep.maintenance_plans(key) == [p]


def test_python_values_for_cost_and_dates(rep, key):
    p = rep.submit_maintenance_plan(key, **plan(cost=Decimal("8000.5"),
                                               period_start=date(2026, 4, 1),
                                               period_end=date(2026, 4, 30)))
    assert (p["cost"], p["period_start"], p["period_end"]) == ("8000.50", "2026-04-01",
                                                               "2026-04-30")
    assert rep.submit_maintenance_plan(key, plan(), cost=3000)["cost"] == "3000.00"  # kw wins
    with pytest.raises(TypeError):
        rep.submit_maintenance_plan(key, plan(period_start=datetime(2026, 4, 1,
                                                                    tzinfo=timezone.utc)))


def test_only_key_customers(admin, rep):
    ungraded = rep.create_customer(valid_customer())
    with pytest.raises(crm.StateError) as e:
        rep.submit_maintenance_plan(ungraded, plan())
    assert "尚未分级" in e.value.message_zh
    rep.set_tier(ungraded, "B")
    with pytest.raises(crm.StateError) as e:
        rep.submit_maintenance_plan(ungraded, plan())
    assert e.value.message_zh.endswith("为B类客户")
    with pytest.raises(crm.NotFound):
        rep.submit_maintenance_plan("C0099", plan())
    assert rep.maintenance_plans(ungraded) == []


def test_every_bad_field_is_named(rep, key):
    cases = [({"cost": "abc"}, [("cost", "invalid_number")]),
             ({"cost": "-100"}, [("cost", "negative")]),
             ({"cost": Decimal("0.001")}, [("cost", "invalid_number")]),
             ({"period_end": "2026-03-31"}, [("period_end", "before_start")]),
             ({"period_start": "2026-02-30"}, [("period_start", "invalid_date")]),
             ({"method": "访" * 201, "measures": "m" * 1001, "responsible": "r" * 201},
              [("method", "too_long"), ("measures", "too_long"), ("responsible", "too_long")]),
             ({"state": "approved"}, [("state", "read_only")])]
    for overrides, expected in cases:
        with pytest.raises(crm.ValidationError) as e:
            rep.submit_maintenance_plan(key, plan(**overrides))
        assert codes(e) == expected, overrides
    with pytest.raises(crm.ValidationError) as e:
        rep.submit_maintenance_plan(key)
    assert sorted(e.value.fields) == ["cost", "measures", "method", "period_end",
                                      "period_start", "responsible"]
    assert rep.maintenance_plans(key) == []
    # At the limits.
    p = rep.submit_maintenance_plan(key, plan(method="访" * 200, measures="m" * 1000,
                                              period_end="2026-04-01", period_start="2026-04-01"))
    assert p["state"] == "submitted"


def test_who_may_approve(db, admin, rep, manager, key):
    pid = rep.submit_maintenance_plan(key, plan())["id"]
    with pytest.raises(crm.PermissionDenied) as e:
        rep.decide_maintenance_plan(pid, True)
    assert e.value.message_zh == "维护方案 %d 由您提交，须由他人审批" % pid
    # A manager of another department does not even see the customer (R3.1).
    south = _user(admin, "wangqiang", "王强", "销售经理", department="华南销售部")
    with db.session(south) as s:
        with pytest.raises(crm.NotFound) as e:
            s.decide_maintenance_plan(pid, True)
        assert e.value.message_zh == "客户 %s 不存在" % key, e.value.message_zh
    # Service (客服) reads every customer but approves nothing.
    with db.session(_user(admin, "zhoumin", "周敏", "客服", department="客服部")) as s:
        with pytest.raises(crm.PermissionDenied) as e:
            s.decide_maintenance_plan(pid, True)
        assert e.value.message_zh == \
            "只有系统管理员或客户负责人所在部门（华东销售部）的销售经理可以审批维护方案 %d" % pid, \
            e.value.message_zh
    assert rep.maintenance_plan(pid)["state"] == "submitted"
    manager.decide_maintenance_plan(pid, True, note="同意")
    p = rep.maintenance_plan(pid)
    assert (p["state"], p["decided_by"], p["decision_note"]) == ("approved", manager.user_id,
                                                                 "同意")
    # Submitting needs maintenance.write = own: not for a rep's customer.
    with pytest.raises(crm.PermissionDenied):
        manager.submit_maintenance_plan(key, plan())
    mine = manager.create_customer(valid_customer())
    manager.set_tier(mine, "重点客户")
    own = manager.submit_maintenance_plan(mine, plan())["id"]
    with pytest.raises(crm.PermissionDenied):
        manager.decide_maintenance_plan(own, True)
    admin.decide_maintenance_plan(own, False, "预算不足")
    assert manager.maintenance_plan(own)["state"] == "rejected"
    with pytest.raises(TypeError):
        admin.decide_maintenance_plan(own, 1)
    with pytest.raises(crm.InvalidArgument):
        admin.decide_maintenance_plan(rep.submit_maintenance_plan(key, plan())["id"], True,
                                      "n" * 501)


def test_the_life_of_a_plan(db, rep, manager, key):
    pid = rep.submit_maintenance_plan(key, plan())["id"]
    with pytest.raises(crm.StateError) as e:
        rep.carry_out_maintenance_plan(pid)
    assert e.value.message_zh == "维护方案 %d 当前为“待审批”，只有“已批准”的方案才能执行" % pid
    with pytest.raises(crm.StateError):
        rep.evaluate_maintenance_plan(pid, "总结")
    manager.decide_maintenance_plan(pid, True)
    with pytest.raises(crm.StateError):
        manager.decide_maintenance_plan(pid, False)
    with pytest.raises(crm.StateError):
        rep.evaluate_maintenance_plan(pid, "总结")
    db.set_clock(T0 + timedelta(days=30))
    rep.carry_out_maintenance_plan(pid)
    with pytest.raises(crm.StateError):
        rep.carry_out_maintenance_plan(pid)
    for bad, expected in [(("", None), [("evaluation", "required")]),
                          (("总结", 0), [("satisfaction", "out_of_range")]),
                          (("总结", 6), [("satisfaction", "out_of_range")]),
                          (("e" * 2001, 3), [("evaluation", "too_long")])]:
        with pytest.raises(crm.ValidationError) as e:
            rep.evaluate_maintenance_plan(pid, *bad)
        assert codes(e) == expected, bad
    db.set_clock(T0 + timedelta(days=190))
    rep.evaluate_maintenance_plan(pid, "客户满意，续签年度服务合同", satisfaction=5)
    p = rep.maintenance_plan(pid)
    assert (p["state"], p["satisfaction"], p["evaluation"]) == (
        "evaluated", 5, "客户满意，续签年度服务合同")
    assert p["carried_out_at"] == crm.to_ms(T0 + timedelta(days=30))
    assert p["evaluated_at"] == crm.to_ms(T0 + timedelta(days=190))
    for step in (lambda: manager.decide_maintenance_plan(pid, True),
                 lambda: rep.carry_out_maintenance_plan(pid),
                 lambda: rep.evaluate_maintenance_plan(pid, "再评")):
        with pytest.raises(crm.StateError):
            step()

    history = [(h["field"], h["before"], h["after"], h["reason"])
               for h in rep.customer_history(key) if h["kind"] == "maintenance"]
    f = "maintenance.%d" % pid
    assert history == [(f, None, "submitted", None), (f, "submitted", "approved", None),
                       (f, "approved", "carried_out", None),
                       (f, "carried_out", "evaluated", None)]
    with pytest.raises(crm.NotFound):
        rep.maintenance_plan(999)
    with pytest.raises(crm.NotFound):
        rep.maintenance_plans("C0099")


def test_the_state_dictionary_is_fixed(admin):
    assert [(e["code"], e["label_zh"]) for e in admin.dictionary("maintenance_state")] == [
        ("submitted", "待审批"), ("approved", "已批准"), ("rejected", "已驳回"),
        ("carried_out", "已执行"), ("evaluated", "已评估")]
    with pytest.raises(crm.InvalidArgument):
        admin.add_dict_entry("maintenance_state", "paused", "暂停", "Paused")
