"""Customer-name search (客户检索) and information completeness (客户信息完整度,
R10.1) through the binding: short queries, traditional input, pinyin and
initials, a renamed customer, permissions, paging, the pinyin list order,
and the completeness metric at its boundaries."""

import pytest

import crm
from conftest import sales_org, utc, valid_customer

T0 = utc(2026, 11, 23, 1, 0)  # 09:00 in Shanghai


@pytest.fixture
def org(db, session):
    o = sales_org(db, session, T0)
    o.huawei = o.rep.create_customer(valid_customer(name="华为技术有限公司", phone="13800000001"))
    o.cloud = o.rep.create_customer(valid_customer(name="華為雲計算技術有限公司",
                                                   phone="13800000002"))
    o.tencent = o.rep.create_customer(valid_customer(name="深圳市腾讯计算机系统有限公司",
                                                     phone="13800000003"))
    o.theirs = o.south.create_customer(valid_customer(name="华为海外贸易有限公司",
                                                      phone="13800000004"))
    return o


def found(s, text, **kw):
    return [(r["id"], r["match"]) for r in s.search_customers(text, **kw)]


def test_two_characters_find_simplified_and_traditional_names(org):
    assert found(org.rep, "华为") == [(org.huawei, "name"), (org.cloud, "name")]


def test_one_character_and_traditional_input(org):
    assert found(org.rep, "腾") == [(org.tencent, "name")]
    assert found(org.rep, "華為技術") == [(org.huawei, "name")]
    assert found(org.rep, "云") == [(org.cloud, "name")]


def test_pinyin_and_initials(org):
    assert found(org.rep, "huawei") == [(org.huawei, "pinyin"), (org.cloud, "pinyin")]
    assert found(org.rep, "Hua Wei") == [(org.huawei, "pinyin"), (org.cloud, "pinyin")]
    assert found(org.rep, "hwjs") == [(org.huawei, "initials")]
    assert found(org.rep, "hw") == [(org.huawei, "initials"), (org.cloud, "initials")]


def test_a_renamed_customer_is_found_by_its_new_name(org):
    org.rep.update_customer(org.tencent, name="深圳市华为终端有限公司")
    assert found(org.rep, "腾讯") == []
    assert (org.tencent, "name") in found(org.rep, "华为终端")


def test_a_customer_the_user_cannot_read_is_never_returned(org):
    assert found(org.rep, "海外") == []
    assert found(org.south, "华为") == [(org.theirs, "name")]
    assert len(found(org.admin, "华为")) == 3


def test_archived_only_when_asked(org):
    org.rep.archive_customer(org.cloud, "重复")
    assert found(org.rep, "华为") == [(org.huawei, "name")]
    assert found(org.rep, "华为", include_archived=True) == [(org.huawei, "name"),
                                                             (org.cloud, "name")]


def test_rows_are_masked_and_ranked(org):
    rows = list(org.rep.search_customers("华为技术有限公司"))
    assert rows[0]["id"] == org.huawei and rows[0]["match_rank"] == 0
    assert rows[0]["phone"] == "138****0001"


def test_pages_and_tokens(org):
    rows, token = org.rep.search_page("有限公司", page_size=2)
    assert [r["id"] for r in rows] == [org.a, org.huawei]
    assert token is not None
    more, last = org.rep.search_page("有限公司", page_size=2, after=token)
    assert [r["id"] for r in more] == [org.cloud, org.tencent] and last is None
    with pytest.raises(crm.InvalidArgument):
        org.rep.search_page("公司", page_size=2, after=token)
    with pytest.raises(crm.InvalidArgument):
        list(org.rep.search_customers("  "))
    with pytest.raises(TypeError):
        list(org.rep.search_customers(None))


def test_list_sorted_by_pinyin(org):
    org.rep.create_customer(valid_customer(name="阿里巴巴（中国）网络技术有限公司",
                                           phone="13800000005"))
    names = [r["name"][:2] for r in org.rep.customers(sort="name_pinyin", page_size=2)]
    assert names[0] == "阿里" and names[-1] == "深圳", names
    names = [r["name"][:2] for r in org.rep.customers(sort="-name_pinyin", page_size=2)]
    assert names[0] == "深圳" and names[-1] == "阿里", names


def test_completeness_of_one_customer(org):
    # The fixture's customers have everything but a contact title.
    c = org.rep.customer_completeness(org.a)
    assert c["missing"] == ["contact_title"]
    assert c["percent"] == pytest.approx(90.0)
    assert c["goal_met"] is False
    org.rep.update_contact(org.rep.contacts(org.a)[0]["id"], title="采购总监")
    c = org.rep.customer_completeness(org.a)
    assert c["percent"] == 100.0 and c["missing"] == [] and c["goal_met"] is True


def test_completeness_goal_is_met_exactly_at_95(org):
    org.admin.set_completeness_field("contact_title", 0)
    org.admin.set_completeness_field("name", 12)  # total 20: an e-mail is 5 %
    org.rep.update_customer(org.huawei, email=None)
    c = org.rep.customer_completeness(org.huawei)
    assert c["percent"] == 95.0 and c["goal_met"] is True
    org.admin.set_setting("completeness.goal_percent", "96")
    assert org.rep.customer_completeness(org.huawei)["goal_met"] is False
    history = list(org.admin.config_history("completeness."))
    assert [h["subject"] for h in history] == ["completeness.contact_title", "completeness.name"]


def test_completeness_report_groups_and_permissions(org):
    by_dept = {r["group"]: r for r in org.admin.completeness_report("department")}
    assert by_dept["华东销售部"]["customers"] == 5
    assert by_dept["华南销售部"]["customers"] == 2
    mine = org.rep.completeness_report("all")
    assert mine[0]["customers"] == 4, "the rep reads only their own customers"
    by_owner = org.manager.completeness_report("owner")
    assert {r["group"] for r in by_owner} == {org.rep_id, org.colleague_id}
    with pytest.raises(crm.PermissionDenied):
        org.rep.set_completeness_field("email", 2)
    with pytest.raises(crm.InvalidArgument):
        org.admin.completeness_report("region")
    fields = org.rep.completeness_fields()
    assert len(fields) == 10 and sum(f["share"] for f in fields) == pytest.approx(100.0)
