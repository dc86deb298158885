"""Customers (客户) through a session: create, read, update, validation,
lifecycle, archive, history."""

import json
import re

import pytest

import crm
from conftest import valid_customer


def test_create_and_get_normalises_fields(session):
    fields = valid_customer(name="北京星河智能制造有限公司", phone="138 1234 5678",
                            email="WangWei@Example.com")
    cid = session.create_customer(fields)
    assert re.fullmatch(r"C\d{4,}", cid), "human ids look like C0001, got %r" % cid
    c = session.get_customer(cid)
    assert c["id"] == cid
    assert c["name"] == "北京星河智能制造有限公司"
    assert c["contact_name"] == "王伟"
    assert c["phone"] == c["phone_display"] == "138****5678", \
        "reads mask the phone (R3.6): %r" % c
    assert c["email"] == "W***@example.com", "reads mask the e-mail: %r" % c["email"]
    clear = session.unmask_customer(cid, "核对新建客户")
    assert clear["phone"] == "+8613812345678", "phones are stored in E.164"
    assert clear["phone_display"] == "138 1234 5678", "the national format is filled"
    assert clear["email"] == "WangWei@example.com", "the e-mail's domain is lower-cased"
    assert c["industry"] == "manufacturing", "enumerations come back as codes"
    assert c["scale"] == "emp_50_100"
    assert c["source"] == "trade_show"
    assert c["priority"] == "high"
    assert c["type"] == "prospect", "type defaults to prospect (潜在)"
    assert c["owner"] == 1, "owner defaults to the session's user"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", c["entry_date"])
    assert isinstance(c["created_at"], int) and isinstance(c["version"], int)
    assert c["key_needs"] == "采购自动化产线设备"


def test_create_with_keywords(session):
    cid = session.create_customer(**valid_customer(name="广州远航精密仪器有限公司"))
    assert session.get_customer(cid)["name"] == "广州远航精密仪器有限公司"
    # a dict and keywords together: the keywords win
    base = valid_customer(priority="高")
    cid2 = session.create_customer(base, priority="低")
    assert session.get_customer(cid2)["priority"] == "low"
    assert base["priority"] == "高", "the caller's dict must not be modified"
    with pytest.raises(TypeError, match="dict"):
        session.create_customer([("priority", "高")])


def test_ids_are_sequential_and_get_by_key(make_customer, session):
    a, b = make_customer(), make_customer()
    assert int(b[1:]) == int(a[1:]) + 1, "ids count up: %s then %s" % (a, b)
    key = session.get_customer(b)["key"]
    assert isinstance(key, int)
    assert session.get_customer(key)["id"] == b, "an int argument is the internal key"


def test_get_unknown_customer_is_notfound(session):
    with pytest.raises(crm.NotFound) as info:
        session.get_customer("C9999")
    assert isinstance(info.value, LookupError)
    assert info.value.code == crm.Status.NOT_FOUND


def test_validation_reports_every_failing_field_and_writes_nothing(session):
    bad = valid_customer(name="某科技公司", phone="12345678901", email="a@",
                         entry_date="2026-02-30", industry="火星采矿业")
    with pytest.raises(crm.ValidationError) as info:
        session.create_customer(bad)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == crm.Status.VALIDATION
    failing = {e.field for e in err.errors}
    assert failing == {"name", "phone", "email", "entry_date", "industry"}, (
        "every failing field, and only those, must be reported: %s" % err.errors)
    by_field = {e.field: e for e in err.errors}
    assert by_field["name"].code == "vague_name"
    assert by_field["phone"].code == "invalid_phone"
    for e in err.errors:
        assert e.code and e.message and e.message_zh, "incomplete field error %r" % (e,)
        assert re.search(r"[\u4e00-\u9fff]", e.message_zh), "message_zh is Chinese: %r" % (e,)
    assert "phone" in str(err) and "entry_date" in str(err), "str() names the fields"
    assert list(session.customers(include_archived=True)) == [], "nothing may be written"


def test_missing_required_fields(session):
    with pytest.raises(crm.ValidationError) as info:
        session.create_customer(name="上海青松精密仪器有限公司")
    fields = set(info.value.fields)
    assert {"contact_name", "industry", "scale", "source", "key_needs",
            "priority"} <= fields, fields
    assert all(e.code == "required" for e in info.value.errors
               if e.field in ("contact_name", "industry")), info.value.errors


def test_update_returns_new_version_and_changes_only_given_fields(session, make_customer):
    cid = make_customer()
    before = session.get_customer(cid)
    v = session.update_customer(cid, {"key_needs": "寻求长期合作"}, priority="中")
    assert v == before["version"] + 1
    after = session.get_customer(cid)
    assert after["version"] == v
    assert after["key_needs"] == "寻求长期合作" and after["priority"] == "medium"
    assert after["name"] == before["name"] and after["phone"] == before["phone"]


def test_update_with_none_clears_optional_field(session, make_customer):
    cid = make_customer()
    session.update_customer(cid, email=None)
    assert session.get_customer(cid)["email"] is None


def test_update_validation_error_changes_nothing(session, make_customer):
    cid = make_customer()
    before = session.get_customer(cid)
    with pytest.raises(crm.ValidationError) as info:
        session.update_customer(cid, phone="12345678901", email="a@")
    assert {e.field for e in info.value.errors} == {"phone", "email"}
    assert session.get_customer(cid) == before


def test_stale_version_is_conflict(session, make_customer):
    cid = make_customer()
    v0 = session.get_customer(cid)["version"]
    v1 = session.update_customer(cid, key_needs="第一次修改", version=v0)
    assert v1 > v0
    with pytest.raises(crm.Conflict):
        session.update_customer(cid, key_needs="基于旧版本的修改", version=v0)
    c = session.get_customer(cid)
    assert c["key_needs"] == "第一次修改" and c["version"] == v1, "the stale write leaked"


def test_allowed_type_transitions(session, make_customer):
    cid = make_customer()
    for step in ["intent", "won", "churned", "intent"]:  # the last one wins back
        session.set_customer_type(cid, step, reason="测试")
        assert session.get_customer(cid)["type"] == step
    session.set_customer_type(cid, "成交")  # Chinese labels are accepted
    assert session.get_customer(cid)["type"] == "won"


def test_forbidden_type_transition_is_conflict(session, make_customer):
    cid = make_customer()
    session.set_customer_type(cid, "won")
    with pytest.raises(crm.Conflict):
        session.set_customer_type(cid, "prospect")
    with pytest.raises(crm.Conflict):
        session.update_customer(cid, type="intent")
    assert session.get_customer(cid)["type"] == "won"


def test_archive_hides_from_lists(session, make_customer):
    a, b = make_customer(), make_customer()
    session.archive_customer(a, reason="重复录入")
    assert [c["id"] for c in session.customers()] == [b]
    listed = [c["id"] for c in session.customers(include_archived=True)]
    assert listed == [a, b]
    assert session.get_customer(a)["archived"] == 1
    with pytest.raises(crm.StateError):
        session.archive_customer(a)
    c = make_customer()
    assert int(c[1:]) == int(b[1:]) + 1, "an archived id is never reused"


def test_history_records_create_update_type_archive(session, make_customer):
    cid = make_customer()
    session.update_customer(cid, priority="低")
    session.set_customer_type(cid, "intent", reason="客户确认需求")
    session.archive_customer(cid, reason="合并")
    rows = session.customer_history(cid)
    kinds = [r["kind"] for r in rows]
    assert kinds[0] == "create" and kinds[-1] == "archive", kinds
    assert "update" in kinds and "type" in kinds, kinds
    prio = next(r for r in rows if r["kind"] == "update" and r["field"] == "priority")
    assert (prio["before"], prio["after"]) == ("high", "low")
    ty = next(r for r in rows if r["kind"] == "type")
    assert (ty["before"], ty["after"], ty["reason"]) == ("prospect", "intent", "客户确认需求")
    assert all(r["actor"] == 1 and isinstance(r["at"], int) for r in rows)
    ats = [r["at"] for r in rows]
    assert ats == sorted(ats), "oldest first"


def test_customer_json_is_owned_string(session, make_customer):
    cid = make_customer()
    doc = json.loads(session.get_customer_json(cid))
    assert doc["id"] == cid and doc["contact_name"] == "王伟"


def test_record_json_keeps_text_bytes_exactly():
    text = "客户\u0000需求 \u00e9\U0001F600"
    doc = json.loads(crm.record_json({"key_needs": text, "n": 7, "x": 1.5, "z": None}))
    assert doc == {"key_needs": text, "n": 7, "x": 1.5, "z": None}, \
        "set_textn must pass the full UTF-8 bytes, including an embedded NUL"


def test_users_and_permissions(db, session):
    # A user names an existing department (R3.1).
    with pytest.raises(crm.ValidationError) as info:
        session.create_user(login="zhangsan", name="张三", department="华东销售部", role="销售")
    assert [(e.field, e.code) for e in info.value.errors] == [("department", "unknown_value")], \
        str(info.value)
    session.define_department("华东销售部")
    uid = session.create_user(login="zhangsan", name="张三", department="华东销售部",
                              role="销售")
    u = session.get_user(uid)
    assert (u["login"], u["name"], u["role"]) == ("zhangsan", "张三", "sales")
    with db.session(login="zhangsan") as sales:
        assert sales.user_id == uid
        with pytest.raises(crm.PermissionDenied):
            sales.create_user(login="lisi", name="李四", role="sales")
        cid = sales.create_customer(valid_customer())
        assert sales.get_customer(cid)["owner"] == uid
    with pytest.raises(crm.NotFound):
        db.session(login="lisi")


def test_dictionaries(session):
    assert session.dict_label("priority", "high") == "高"
    assert session.dict_label("customer_type", "won") in ("成交客户", "成交")
    session.add_dict_entry("industry", "semiconductor", "半导体", "Semiconductors")
    assert session.dict_label("industry", "semiconductor") == "半导体"
    cid = session.create_customer(valid_customer(industry="半导体"))
    assert session.get_customer(cid)["industry"] == "semiconductor"
    with pytest.raises(crm.Conflict):
        session.add_dict_entry("industry", "semiconductor", "芯片", "Chips")
    with pytest.raises(crm.NotFound):
        session.dict_label("priority", "urgent")


def test_field_registry():
    fields = crm.fields()
    by_name = {f["name"]: f for f in fields}
    assert by_name["name"]["label_zh"] == "客户全称"
    assert by_name["name"]["required"] and not by_name["name"]["readonly"]
    assert by_name["id"]["readonly"]
    assert by_name["phone"]["type"] == "phone" and by_name["phone"]["personal"]
    assert by_name["created_at"]["type"] == "instant"
    assert set(fields[0]) == {"name", "type", "label_zh", "label_en", "required",
                              "readonly", "personal"}
    assert any(f["name"] == "login" for f in crm.fields("user"))
    assert crm.resolve_field("客户全称") == "name"
    assert crm.resolve_field(by_name["phone"]["label_en"]) == "phone"
    assert crm.resolve_field("role", entity="user") == "role"
    with pytest.raises(crm.NotFound):
        crm.resolve_field("不存在的列")
    with pytest.raises(crm.CrmError):
        crm.fields("spaceship")


def test_round_trip_update_with_the_whole_dict(session, make_customer):
    """get -> change the dict -> update with it: read-only fields may come back
    unchanged, and the version in the dict guards against lost updates."""
    cid = make_customer()
    c = session.get_customer(cid)
    c["priority"] = "低"
    c["email"] = None
    v = session.update_customer(cid, c)
    assert v == c["version"] + 1
    after = session.get_customer(cid)
    assert (after["priority"], after["email"]) == ("low", None)
    with pytest.raises(crm.Conflict):
        session.update_customer(cid, c)  # c still carries the old version


def test_changing_a_read_only_field_is_rejected(session, make_customer):
    cid = make_customer()
    c = session.get_customer(cid)
    c["created_at"] += 1
    with pytest.raises(crm.ValidationError) as info:
        session.update_customer(cid, c)
    assert [(e.field, e.code) for e in info.value.errors] == [("created_at", "read_only")]
    assert session.get_customer(cid)["created_at"] == c["created_at"] - 1


def test_unknown_field_is_a_validation_error(session):
    with pytest.raises(crm.ValidationError) as info:
        session.create_customer(valid_customer(budget="100万"))
    assert [e.field for e in info.value.errors] == ["budget"]
