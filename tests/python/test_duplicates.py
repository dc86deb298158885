"""Duplicates and the cleansing report (查重与数据清洗, R9.3) through the
Python binding: match keys, pairs and groups, who sees which pair, the
single-row check an importer makes, progress, and the quarterly report."""

from datetime import timedelta

import pytest

import crm
from conftest import sales_org, utc, valid_customer

T0 = utc(2026, 11, 23, 1, 0)  # 09:00 in Shanghai


def test_one_company_written_four_ways_has_one_name_key():
    keys = {crm.match_key("name", n) for n in [
        "华为技术有限公司", "華為技術有限公司", "深圳市华为技术有限公司", "华为技术（深圳）有限公司"]}
    assert keys == {"华为技术"}
    assert crm.match_key("name", "华为终端有限公司") == "华为终端"
    assert crm.match_key("phone", "138 1234 5678") == crm.match_key("phone", "+8613812345678")
    assert crm.match_key("email", "Wang@Huawei.COM") == "wang@huawei.com"
    assert crm.match_key("phone", "12345") == "", "an invalid phone gives no key"
    with pytest.raises(crm.InvalidArgument):
        crm.match_key("fax", "x")


def test_pairs_are_grouped_scored_and_explained(session):
    ids = [session.create_customer(valid_customer(name=n, phone=p, email=None,
                                                  contact_name=c))
           for n, p, c in [("华为技术有限公司", "13800000001", "王伟"),
                           ("華為技術有限公司", "13800000002", "李娜"),
                           ("深圳市华为技术有限公司", "13800000003", "赵强"),
                           ("华为终端有限公司", "13800000004", "孙丽")]]
    pairs = session.find_duplicates()
    assert [(p["group"], p["a"], p["b"], p["reasons"]) for p in pairs] == [
        (1, ids[0], ids[1], "same_name"), (1, ids[0], ids[2], "same_name"),
        (1, ids[1], ids[2], "same_name")], "华为终端 is another company"
    assert pairs[0]["a_name"] == "华为技术有限公司"
    assert pairs[0]["score"] == pytest.approx(0.7)
    assert session.find_duplicates(threshold=0.71) == []
    with pytest.raises(crm.InvalidArgument):
        session.find_duplicates(threshold=1.5)


def test_a_phone_typed_differently_and_an_email_in_capitals_match(session):
    a = session.create_customer(valid_customer(name="杭州恒达精密机械有限公司",
                                               phone="13912345678", email="Sales@Example.COM",
                                               contact_name="周杰"))
    b = session.create_customer(valid_customer(name="苏州纳微科技股份有限公司",
                                               phone="+86 139-1234-5678", email=None,
                                               contact_name="吴凡"))
    c = session.create_customer(valid_customer(name="宁波港信息通信有限公司",
                                               phone="0574-88888881", email="sales@example.com",
                                               contact_name="郑和"))
    got = {(p["a"], p["b"]): p["reasons"] for p in session.find_duplicates()}
    assert got == {(a, b): "same_phone", (a, c): "same_email"}


def test_a_pair_the_user_cannot_read_both_of_is_hidden(db, session):
    org = sales_org(db, session, T0)
    # org.a (李四's), org.b (王五's), org.s (陈杰's) share the e-mail
    # wangwei@example.com; the sales rep reads only their own.
    assert org.rep.find_duplicates() == []
    assert org.rep.duplicates_of(email="WangWei@Example.com") == [
        {"customer": org.a, "name": org.rep.get_customer(org.a)["name"],
         "score": pytest.approx(0.7), "name_similarity": pytest.approx(0.0),
         "reasons": "same_email"}]
    # The East China manager reads the department (a and b), not the south.
    pairs = org.manager.find_duplicates()
    assert [(p["a"], p["b"]) for p in pairs] == [(org.a, org.b)]
    assert len(session.find_duplicates()) == 3, "the administrator sees all three pairs"


def test_the_single_row_check_an_importer_makes(session):
    cid = session.create_customer(valid_customer(name="深圳市华为技术有限公司",
                                                 phone="13812345678", email=None))
    hits = session.duplicates_of({"name": "華為技術（深圳）有限公司"}, phone="138 1234 5678")
    assert [(h["customer"], h["reasons"]) for h in hits] == [
        (cid, "same_name,same_phone")]
    assert session.duplicates_of(name="华为技术有限公司", exclude=cid) == []
    with pytest.raises(crm.InvalidArgument):
        session.duplicates_of(industry="制造业")


def test_progress_counts_and_a_false_stops_the_search(session):
    for i in range(3):
        session.create_customer(valid_customer(name="华为技术有限公司",
                                               phone="1380000000%d" % i, email=None))
    seen = []
    session.find_duplicates(progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    with pytest.raises(crm.StateError):
        session.find_duplicates(progress=lambda done, total: False)

    class Boom(Exception):
        pass

    def boom(done, total):
        raise Boom()
    with pytest.raises(Boom):
        session.cleansing_report(progress=boom)


def test_the_cleansing_report_names_each_problem(db, session):
    db.set_clock(T0)
    a = session.create_customer(valid_customer(name="华为技术有限公司", phone="13800000001",
                                               email=None))
    b = session.create_customer(valid_customer(name="華為技術有限公司", phone="13800000002"))
    rows = session.cleansing_report()
    by_check = {(r["check"], r["field"]): r for r in rows}
    assert by_check[("examined", None)]["count"] == 2
    assert by_check[("duplicate_group", None)]["customers"] == "%s,%s" % (a, b)
    assert by_check[("duplicates", None)]["count"] == 1
    assert by_check[("unreachable", None)]["count"] == 0
    assert by_check[("missing_recommended", "email")]["customers"] == a
    assert by_check[("stale", None)]["days"] == 90
    assert by_check[("stale", None)]["count"] == 0
    db.set_clock(T0 + timedelta(days=90, milliseconds=1))
    stale = {r["check"]: r for r in session.cleansing_report()}["stale"]
    assert stale["customers"] == "%s,%s" % (a, b), "neither updated nor followed up for 90 days"
    stale = {r["check"]: r for r in session.cleansing_report(stale_days=91)}["stale"]
    assert stale["count"] == 0
    with pytest.raises(crm.InvalidArgument):
        session.cleansing_report(stale_days=-1)
