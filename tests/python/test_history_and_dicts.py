"""Change history across customers, dictionaries and channel departments."""
from datetime import datetime, timedelta, timezone

import pytest

import crm

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def customer(name):
    return dict(name=name, contact_name="王建国", phone="13812345678", industry="制造业",
                scale="100-500人", source="展会", key_needs="采购数控机床", priority="高")


@pytest.fixture
def db():
    with crm.Db.open(":memory:") as d:
        d.set_clock(T0)
        yield d


def test_history_filters_by_actor_customer_and_half_open_range(db):
    with db.session(user_id=1) as admin:
        rep_id = admin.create_user(login="lisi", name="李四", role="sales")
        with db.session(user_id=rep_id) as rep:
            a = rep.create_customer(customer("杭州恒达精密机械有限公司"))
            b = rep.create_customer(customer("苏州纳微科技股份有限公司"))
            for i, (who, cid, prio) in enumerate([(rep, a, "中"), (admin, b, "低"),
                                                  (rep, b, "中"), (rep, a, "低")]):
                db.set_clock(T0 + timedelta(seconds=1 + i))
                who.update_customer(cid, priority=prio)
            assert len(list(rep.history())) == 4, "creations are not changes"
            mine = list(rep.history(actor=rep_id, page_size=1))
            assert [h["customer"] for h in mine] == [a, b, a], mine
            window = list(rep.history(since=T0 + timedelta(seconds=2),
                                      until=T0 + timedelta(seconds=4)))
            assert [h["after"] for h in window] == ["low", "medium"], window
            only_a = list(rep.history(customer=a))
            assert [h["after"] for h in only_a] == ["medium", "low"], only_a
            assert only_a[0]["at"] < only_a[1]["at"]
            with pytest.raises(crm.NotFound):
                list(rep.history(customer="C0999"))
            with pytest.raises(crm.InvalidArgument):
                list(rep.history(since=10, until=10))


def test_dictionary_lists_entries_and_channel_departments(db):
    with db.session(user_id=1) as admin:
        source = {e["code"]: e for e in admin.dictionary("source")}
        assert source["trade_show"]["department"] == "市场部"
        assert source["customer_referral"]["department"] == "销售部"
        assert admin.dictionary("priority")[0] == {
            "code": "high", "label_zh": "高", "label_en": "High", "department": None}
        admin.set_channel_department("展会", "会展部")
        source = {e["code"]: e for e in admin.dictionary("source")}
        assert source["trade_show"]["department"] == "会展部"
        admin.set_channel_department("trade_show", None)
        source = {e["code"]: e for e in admin.dictionary("source")}
        assert source["trade_show"]["department"] is None
        with pytest.raises(crm.NotFound):
            admin.dictionary("colours")
        rep_id = admin.create_user(login="wangwu", name="王五", role="sales")
    with db.session(user_id=rep_id) as rep:
        with pytest.raises(crm.PermissionDenied):
            rep.set_channel_department("展会", "销售部")


def test_review_is_recorded_without_changing_the_data(db):
    with db.session(user_id=1) as s:
        cid = s.create_customer(customer("杭州恒达精密机械有限公司"))
        assert s.get_customer(cid)["reviewed_at"] is None
        db.set_clock(T0 + timedelta(days=30))
        s.review_customer(cid, note="规模、联系人、需求均已确认")
        c = s.get_customer(cid)
        assert c["reviewed_at"] == crm.to_ms(T0 + timedelta(days=30))
        assert c["reviewed_by"] == 1
        assert c["version"] == 1, "a review changes no data"
        last = s.customer_history(cid)[-1]
        assert (last["kind"], last["reason"]) == ("review", "规模、联系人、需求均已确认"), last
        s.archive_customer(cid)
        with pytest.raises(crm.StateError):
            s.review_customer(cid)


def test_list_view_filters_and_count(db):
    with db.session(user_id=1) as s:
        s.create_customer(customer("杭州恒达精密机械有限公司"))
        db.set_clock(T0 + timedelta(seconds=1))
        s.create_customer(dict(customer("苏州纳微科技股份有限公司"), industry="互联网",
                               source="客户转介绍"))
        ids = lambda **kw: [c["id"] for c in s.customers(**kw)]  # noqa: E731
        assert ids(industry="制造业") == ["C0001"]
        assert ids(source="customer_referral") == ["C0002"]
        assert ids(created_from=T0 + timedelta(seconds=1)) == ["C0002"], "from is inclusive"
        assert ids(created_to=T0 + timedelta(seconds=1)) == ["C0001"], "to is exclusive"
        assert ids(name_contains="纳微") == ["C0002"]
        assert s.count_customers() == 2
        assert s.count_customers(industry="互联网") == 1
        rows, token = s.customer_page(page_size=1, name_contains="有限公司")
        assert len(rows) == 1 and token is not None
        with pytest.raises(crm.InvalidArgument):
            s.customer_page(page_size=1, after=token, name_contains="恒达")
        with pytest.raises(crm.InvalidArgument):
            list(s.customers(industry="火星采矿"))
        with pytest.raises(TypeError):
            list(s.customers(colour="red"))
