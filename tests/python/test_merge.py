"""Merging duplicate customers (客户合并, R9.3) through the binding: field
choices, what moves, the merged record, unmerge as a round trip, the
conflict report and force, the merge list, and refused inputs that change
nothing.  The clock is fixed (never slept on)."""

from datetime import timedelta

import pytest

import crm
from conftest import add_user, utc, valid_customer

T0 = utc(2026, 11, 23, 1, 0)  # 09:00 in Shanghai
SKIP = {"version", "updated_at", "updated_by"}


@pytest.fixture
def world(db):
    db.set_clock(T0)
    admin = db.session()
    rep_id = add_user(admin, "zhangwei", "张伟", "sales", "华东销售部")
    rep = db.session(rep_id)
    admin.define_custom_field("budget", "integer", "预算（万元）")
    a = rep.create_customer(valid_customer(name="杭州恒达精密机械有限公司"))
    b = rep.create_customer(valid_customer(name="杭州恒达精密机械股份有限公司", contact_name="陈芳",
                                           phone="13900001111", email=None, **{"custom.budget": 300}))
    rep.add_contact(b, name="李强", phone="13700002222", title="采购经理")
    rep.tag_customer(b, admin.find_tag("高潜力"))
    db.set_clock(T0 + timedelta(hours=1))
    return admin, rep, a, b


def picture(admin, cid):
    """A customer in clear, its contacts and tags, minus the update stamp."""
    c = {k: v for k, v in admin.unmask_customer(cid, "合并核对").items() if k not in SKIP}
    contacts = sorted((x["id"], x["name"], x["primary"]) for x in admin.contacts(cid))
    tags = sorted(t["id"] for t in admin.customer_tags(cid))
    return c, contacts, tags


def test_merge_takes_the_chosen_fields_and_moves_the_children(world):
    admin, rep, a, b = world
    out = rep.merge_customers(a, b, {"name": "merged"}, reason="展会重复录入")
    assert out["moved"] == 2, out
    assert out["from_merged"] == "name,custom.budget", out
    s = admin.get_customer(a)
    assert s["name"] == "杭州恒达精密机械股份有限公司"
    assert s["custom.budget"] == 300, "the survivor had none"
    assert len(admin.contacts(a)) == 3
    assert [t["label"] for t in admin.customer_tags(a)] == ["高潜力"]
    g = admin.get_customer(b)
    assert g["merged_into"] == a and g["archived"] == 1
    assert [c["id"] for c in admin.customers(include_archived=True)] == [a]
    with pytest.raises(crm.StateError) as e:
        rep.update_customer(b, key_needs="改")
    assert "merged into " + a in e.value.message and "已合并到" in e.value.message_zh
    kinds = [(h["kind"], h["field"]) for h in admin.customer_history(b)]
    assert ("merge", "merged_into") in kinds
    actions = [(r["action"], r["object"]) for r in admin.audit(action="customer.merge")]
    assert actions == [("customer.merge", a), ("customer.merge", b)]


def test_unmerge_restores_both_customers_field_by_field(world):
    admin, rep, a, b = world
    before = picture(admin, a), picture(admin, b)
    m = rep.merge_customers(a, b, {"name": "merged", "primary_contact": "merged",
                                   "custom.budget": "merged"})["merge"]
    assert admin.get_customer(a)["contact_name"] == "陈芳"
    out = rep.unmerge_customers(m, reason="不是同一家")
    assert out == {"merge": m, "restored": 2, "overwritten": ""}
    assert (picture(admin, a), picture(admin, b)) == before
    [row] = rep.merges(b)
    assert row["undone"] == 1 and row["undo_note"] == "不是同一家" and row["survivor"] == a
    with pytest.raises(crm.StateError):
        rep.unmerge_customers(m)


def test_a_change_after_the_merge_needs_force(world):
    admin, rep, a, b = world
    needs = admin.get_customer(a)["key_needs"]
    m = rep.merge_customers(a, b)["merge"]
    rep.update_customer(a, key_needs="合并后改了需求")
    with pytest.raises(crm.Conflict) as e:
        rep.unmerge_customers(m)
    assert [(x.field, x.code) for x in e.value.errors] == [(a + ".key_needs",
                                                            "changed_since_merge")]
    assert "强制" in e.value.message_zh
    assert admin.get_customer(b)["merged_into"] == a, "nothing was undone"
    out = rep.unmerge_customers(m, force=True)
    assert out["overwritten"] == a + ".key_needs"
    assert admin.get_customer(a)["key_needs"] == needs


def test_refused_merges_change_nothing(world, db):
    admin, rep, a, b = world
    versions = admin.get_customer(a)["version"], admin.get_customer(b)["version"]
    with pytest.raises(crm.InvalidArgument) as e:
        rep.merge_customers(a, a)
    assert "itself" in e.value.message and "自身" in e.value.message_zh
    for choices, code in [({"nickname": "merged"}, "unknown_field"),
                          ({"created_at": "merged"}, "read_only"),
                          ({"email": "merged"}, "follows_primary_contact"),
                          ({"name": "theirs"}, "unknown_side")]:
        with pytest.raises(crm.InvalidArgument) as e:
            rep.merge_customers(a, b, choices)
        assert [x.code for x in e.value.errors] == [code], choices
    with pytest.raises(TypeError):
        rep.merge_customers(a, b, ["name"])
    other = db.session(add_user(admin, "liqiang", "李强", "sales", "华东销售部"))
    with pytest.raises(crm.NotFound):
        other.merge_customers(a, b)
    agent = db.session(add_user(admin, "zhaomin", "赵敏", "service"))
    with pytest.raises(crm.PermissionDenied):
        agent.merge_customers(a, b)
    with pytest.raises(crm.NotFound):
        rep.unmerge_customers(12345)
    assert (admin.get_customer(a)["version"], admin.get_customer(b)["version"]) == versions
    assert admin.merges() == []

    m = rep.merge_customers(a, b)["merge"]
    c = rep.create_customer(valid_customer(phone="13600003333"))
    with pytest.raises(crm.StateError) as e:
        rep.merge_customers(c, b)
    assert "already merged" in e.value.message
    with pytest.raises(crm.PermissionDenied):
        agent.unmerge_customers(m)
    with pytest.raises(crm.NotFound):
        other.unmerge_customers(m)
    rep.archive_customer(c, "重复")
    with pytest.raises(crm.StateError) as e:
        rep.merge_customers(a, c)
    assert "archived" in e.value.message
