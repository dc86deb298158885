"""Leads (线索, R4) through the binding: capture with its welcome message,
behaviour scoring and its explanation, assignment rules, the funnel, and
conversion into a customer.  The clock is fixed (never slept on)."""

from datetime import timedelta

import pytest

import crm
from conftest import company_name, utc, valid_customer

T0 = utc(2026, 11, 23, 2, 0)  # Monday 10:00 in Shanghai
DAY_MS = 24 * 3600 * 1000


def lead_fields(**overrides):
    """A lead that passes every check, and converts into a valid customer."""
    fields = {
        "channel": "website",
        "company": company_name(),
        "person": "张敏",
        "phone": "13812345678",
        "region": "广东省深圳市",
        "industry": "制造业",
        "scale": "50-100人",
        "key_needs": "采购自动化产线设备",
    }
    fields.update(overrides)
    return fields


def all_outbox(admin):
    """Every outbox message, in id order."""
    rows, after = [], 0
    while True:
        page = admin.outbox(after=after, limit=1000)
        rows += page
        if len(page) < 1000:
            return rows
        after = page[-1]["id"]


def lead_messages(admin, lead_id, kind=None):
    return [m for m in all_outbox(admin)
            if m["lead"] == lead_id and (kind is None or m["kind"] == kind)]


@pytest.fixture
def org(db, session):
    """The clock at T0; 华东销售部 with three salespeople (李四 ``rep``, 王五
    ``colleague``, 赵六 ``third``) and a manager (李娜); 华南销售部 with 陈杰
    ``south``; 市场部 with 孙丽 ``marketing`` (no salespeople)."""
    db.set_clock(T0)
    a = session
    a.define_department("华东销售部")
    a.define_department("华南销售部")
    a.define_department("市场部")

    class Org:
        admin = session

    o = Org()
    o.db = db
    for name, login, person, dept, role in [
            ("rep", "lisi", "李四", "华东销售部", "sales"),
            ("colleague", "wangwu", "王五", "华东销售部", "sales"),
            ("third", "zhaoliu", "赵六", "华东销售部", "sales"),
            ("manager", "lina", "李娜", "华东销售部", "sales_manager"),
            ("south", "chenjie", "陈杰", "华南销售部", "sales"),
            ("marketing", "sunli", "孙丽", "市场部", "marketing")]:
        setattr(o, name + "_id", a.create_user(login=login, name=person, department=dept,
                                               role=role))
    return o


# -- capture -------------------------------------------------------------------


def test_capture_refuses_bad_fields_listing_every_one_and_writes_nothing(org):
    s = org.admin
    with pytest.raises(crm.ValidationError) as info:
        s.capture_lead(channel="no_such_channel", person="张敏", email="not-an-email",
                       industry="no_such_industry")
    failing = set(info.value.fields)
    for field in ("channel", "company", "email", "industry"):
        assert field in failing, "%s should be reported; got %s" % (field, info.value.errors)
    assert s.leads() == [], "a refused capture must write nothing"
    assert all_outbox(s) == [], "a refused capture must not send a welcome message"


def test_capture_needs_a_phone_or_an_email(org):
    with pytest.raises(crm.ValidationError) as info:
        org.admin.capture_lead(channel="website", company=company_name(), person="张敏")
    assert info.value.fields, "the missing contact should be named"
    assert org.admin.leads() == []


def test_capture_returns_the_lead_and_an_outcome(org):
    s = org.admin
    result = s.capture_lead(lead_fields())
    lead_id, outcome = result
    assert result.id == lead_id and result.outcome is outcome
    assert outcome == crm.LEAD_CREATED == crm.LeadOutcome.CREATED == 0
    lead = s.lead(lead_id)
    assert lead["stage"] == "captured"
    assert lead["owner"] is None, "an administrator's capture waits in the pool"
    assert lead["phone"] == "138****5678", "phone must be masked: %r" % lead["phone"]
    assert s.unmask_lead(lead_id, "回电核实")["phone"] == "+8613812345678"
    assert lead["score"] == 0.0 and lead["high_value"] == 0


def test_same_external_id_is_the_same_lead_and_other_details_conflict(org):
    s = org.admin
    fields = lead_fields(external_id="form-1001")
    first = s.capture_lead(fields)
    again = s.capture_lead(fields)
    assert again == (first.id, crm.LEAD_REPEATED), again
    assert len(s.leads()) == 1
    with pytest.raises(crm.Conflict):
        s.capture_lead(dict(fields, company=company_name()))
    assert len(s.leads()) == 1, "a conflicting capture must write nothing"


def test_an_open_lead_with_the_same_phone_or_email_is_a_duplicate(org):
    s = org.admin
    first = s.capture_lead(lead_fields(email="zhangmin@example.com"))
    by_phone = s.capture_lead(lead_fields(channel="trade_show", email=None))
    assert by_phone == (first.id, crm.LEAD_DUPLICATE), by_phone
    by_email = s.capture_lead(lead_fields(phone="13900001111", email="zhangmin@example.com"))
    assert by_email == (first.id, crm.LEAD_DUPLICATE), by_email
    assert [l["id"] for l in s.leads()] == [first.id]


def test_a_lead_with_a_customers_phone_is_linked_to_that_customer(org):
    s = org.admin
    cid = s.create_customer(valid_customer(phone="13700001111", email="a@example.com"))
    lead_id, outcome = s.capture_lead(lead_fields(phone="13700001111"))
    assert outcome == crm.LEAD_LINKED
    assert s.lead(lead_id)["customer"] == cid


def test_the_welcome_message_goes_to_the_leads_address(org):
    s = org.admin
    lead_id, _ = s.capture_lead(lead_fields(person="张敏"))
    welcome = lead_messages(s, lead_id, "lead_welcome")
    assert len(welcome) == 1, "one welcome message expected: %r" % lead_messages(s, lead_id)
    m = welcome[0]
    assert m["channel"] == "sms"
    assert m["address"] == "+8613812345678", "the SMS goes to the lead's phone: %r" % m
    assert m["recipient_user"] is None
    assert "张敏" in m["message"], m["message"]


def test_a_salespersons_capture_is_theirs(org):
    rep = org.db.session(org.rep_id)
    lead_id, _ = rep.capture_lead(lead_fields())
    lead = rep.lead(lead_id)
    assert lead["owner"] == org.rep_id and lead["stage"] == "assigned"


# -- scoring -------------------------------------------------------------------


def test_two_product_views_are_four_points_and_not_high_value(org):
    """Seed 004's worked example: a product-page view is +2."""
    s = org.admin
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    for _ in range(2):
        r = s.lead_event(lead_id, "product_view")
    assert r["score"] == pytest.approx(4.0)
    assert r["high_value"] == 0 and r["marked_now"] == 0
    assert s.lead(lead_id)["high_value"] == 0
    assert lead_messages(s, lead_id, "lead_high_value") == []


def test_reaching_eight_marks_high_value_once_and_tells_the_owner(org):
    s = org.admin
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    s.lead_event(lead_id, "product_view")
    s.lead_event(lead_id, "product_view")
    r = s.lead_event(lead_id, "inquiry")  # 7
    assert (r["score"], r["marked_now"]) == (pytest.approx(7.0), 0)
    r = s.lead_event(lead_id, "download")  # 9
    assert r["score"] == pytest.approx(9.0)
    assert r["marked_now"] == 1 and r["high_value"] == 1, r
    r = s.lead_event(lead_id, "visit")  # 14: marked already
    assert r["marked_now"] == 0 and r["high_value"] == 1, r
    lead = s.lead(lead_id)
    assert lead["high_value"] == 1 and lead["high_value_at"] == crm.to_ms(T0)
    told = lead_messages(s, lead_id, "lead_high_value")
    assert len(told) == 1, "one high-value message expected, got %r" % told
    assert told[0]["recipient_user"] == org.rep_id
    assert [l["id"] for l in s.leads(high_value_only=True)] == [lead_id]


def test_the_explanation_adds_up_to_the_score(org):
    s = org.admin
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    for kind in ("product_view", "inquiry", "visit"):
        s.lead_event(lead_id, kind, note="官网")
    rows = s.explain_lead_score(lead_id)
    assert [r["kind"] for r in rows] == ["product_view", "inquiry", "visit"]
    assert [r["points"] for r in rows] == [2, 3, 5]
    assert rows[0]["label"] == "浏览产品页"
    assert sum(r["effective"] for r in rows) == pytest.approx(s.lead(lead_id)["score"])
    assert s.lead(lead_id)["score"] == pytest.approx(10.0)


def test_with_a_half_life_the_score_halves_after_one_half_life(org):
    s, db = org.admin, org.db
    s.set_setting("lead.score_half_life_days", "7")
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    s.lead_event(lead_id, "visit")  # 5 points now
    assert s.lead(lead_id)["score"] == pytest.approx(5.0)
    db.set_clock(T0 + timedelta(days=7))
    assert s.lead(lead_id)["score"] == pytest.approx(2.5), "half of 5 after 7 days"
    rows = s.explain_lead_score(lead_id)
    assert rows[0]["weight"] == pytest.approx(0.5)
    assert sum(r["effective"] for r in rows) == pytest.approx(2.5)
    db.set_clock(T0 + timedelta(days=14))
    assert s.lead(lead_id)["score"] == pytest.approx(1.25), "a quarter after two half-lives"


def test_an_event_in_the_past_counts_at_its_age(org):
    s = org.admin
    s.set_setting("lead.score_half_life_days", "7")
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    r = s.lead_event(lead_id, "visit", at=T0 - timedelta(days=7))
    assert r["score"] == pytest.approx(2.5), r


def test_event_errors(org):
    s = org.admin
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    with pytest.raises(crm.NotFound):
        s.lead(lead_id + 100)
    with pytest.raises(crm.NotFound):
        s.lead_event(lead_id + 100, "product_view")
    with pytest.raises(crm.InvalidArgument):
        s.lead_event(lead_id, "no_such_kind")
    with pytest.raises(crm.InvalidArgument):
        s.lead_event(lead_id, "product_view", at=T0 + timedelta(minutes=1))
    assert s.explain_lead_score(lead_id) == [], "refused events must not count"
    assert s.lead(lead_id)["score"] == 0.0


def test_score_rules_take_1_to_100_points(org):
    s = org.admin
    for bad in (0, 101, -5):
        with pytest.raises(crm.InvalidArgument):
            s.set_lead_score_rule("webinar", bad, "参加研讨会", "Webinar")
    assert "webinar" not in {r["kind"] for r in s.lead_score_rules()}
    s.set_lead_score_rule("webinar", 100, "参加研讨会", "Webinar")
    rules = {r["kind"]: r for r in s.lead_score_rules()}
    assert rules["webinar"]["points"] == 100 and rules["webinar"]["label"] == "参加研讨会"
    assert rules["product_view"]["points"] == 2 and rules["inquiry"]["points"] == 3
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    assert s.lead_event(lead_id, "webinar")["score"] == pytest.approx(100.0)


# -- assignment ------------------------------------------------------------------


def test_a_region_and_industry_rule_assigns_to_its_user(org):
    s = org.admin
    s.add_lead_route(region="深圳", industry="manufacturing", user=org.south_id)
    lead_id, _ = s.capture_lead(lead_fields(region="广东省深圳市", industry="制造业"))
    assert s.assign_lead(lead_id) == org.south_id
    lead = s.lead(lead_id)
    assert lead["owner"] == org.south_id and lead["stage"] == "assigned"
    assert lead["route_note"], "the note should name the rule"
    told = lead_messages(s, lead_id, "lead_assigned")
    assert [m["recipient_user"] for m in told] == [org.south_id]


def test_screening_routes_by_the_rules_by_default(org):
    s = org.admin
    s.add_lead_route(region="深圳市", user=org.south_id)
    lead_id, _ = s.capture_lead(lead_fields(region="广东省深圳市"))
    assert s.lead(lead_id)["owner"] is None, "auto_assign 'screened': not at capture"
    s.advance_lead(lead_id, "screened")
    assert s.lead(lead_id)["owner"] == org.south_id


def test_captured_setting_routes_at_capture(org):
    s = org.admin
    s.set_setting("lead.auto_assign", "captured")
    s.add_lead_route(region="深圳", user=org.south_id)
    lead_id, _ = s.capture_lead(lead_fields(region="广东省深圳市"))
    assert s.lead(lead_id)["owner"] == org.south_id


def test_a_team_rule_goes_round_robin_skipping_the_absent_and_the_full(org):
    s = org.admin
    s.add_lead_route(region="上海", department="华东销售部")
    shanghai = lambda: s.capture_lead(lead_fields(region="上海市", phone=None,  # noqa: E731
                                                  email="l%d@example.com" % next(n)))[0]
    n = iter(range(1000))
    # Without obstacles the team takes turns.
    owners = [s.assign_lead(shanghai()) for _ in range(3)]
    assert sorted(owners) == sorted([org.rep_id, org.colleague_id, org.third_id]), owners
    assert org.manager_id not in owners, "managers do not take the team's leads"
    # 王五 away, 李四 at the cap of one open lead: 赵六 it is, and then nobody.
    s.update_user(org.colleague_id, absent=True)
    assert s.get_user(org.colleague_id)["absent"] == 1
    for lead in s.leads():
        if lead["owner"] == org.third_id:
            s.advance_lead(lead["id"], "disqualified", "重复登记")
    s.set_setting("lead.max_open_per_user", "1")
    got = [s.assign_lead(shanghai()) for _ in range(2)]
    assert got == [org.third_id, None], got
    pooled = s.leads(pool=True)
    assert len(pooled) == 1 and "pool" in pooled[0]["route_note"], pooled
    # Back from leave, with their lead closed: 王五 is the one under the cap.
    s.update_user(org.colleague_id, absent=False)
    for lead in s.leads(owner=org.colleague_id):
        s.advance_lead(lead["id"], "disqualified", "重复登记")
    assert s.assign_lead(pooled[0]["id"]) == org.colleague_id


def test_no_matching_rule_leaves_the_lead_in_the_pool_saying_why(org):
    s = org.admin
    s.add_lead_route(region="深圳", user=org.south_id)
    lead_id, _ = s.capture_lead(lead_fields(region="北京市"))
    assert s.assign_lead(lead_id) is None
    lead = s.lead(lead_id)
    assert lead["owner"] is None
    assert "no assignment rule" in lead["route_note"], lead["route_note"]
    assert [l["id"] for l in s.leads(pool=True)] == [lead_id]


def test_handing_a_lead_to_an_absent_user_is_a_state_error(org):
    s = org.admin
    s.update_user(org.rep_id, absent=True)
    lead_id, _ = s.capture_lead(lead_fields())
    with pytest.raises(crm.StateError):
        s.assign_lead(lead_id, org.rep_id)
    assert s.lead(lead_id)["owner"] is None


def test_a_rule_that_matches_nobody_is_refused(org):
    s = org.admin
    with pytest.raises(crm.InvalidArgument):
        s.add_lead_route(region="杭州", department="市场部")  # no salespeople there
    s.update_user(org.south_id, active=False)
    with pytest.raises(crm.InvalidArgument):
        s.add_lead_route(region="广州", user=org.south_id)
    with pytest.raises(crm.InvalidArgument):
        s.add_lead_route(region="广州", user=org.rep_id, department="华东销售部")
    assert s.lead_routes() == []
    rid = s.add_lead_route(region="广州", user=org.rep_id)
    routes = s.lead_routes()
    assert [(r["id"], r["region"], r["user"]) for r in routes] == [(rid, "广州", org.rep_id)]
    s.remove_lead_route(rid)
    assert s.lead_routes() == []
    with pytest.raises(crm.NotFound):
        s.remove_lead_route(rid)


# -- the funnel and conversion ----------------------------------------------------


def test_the_funnel_counts_by_channel_and_period(org):
    s, db = org.admin, org.db
    web1, _ = s.capture_lead(lead_fields(channel="website", phone="13800000001"))
    s.capture_lead(lead_fields(channel="website", phone="13800000002"))
    s.capture_lead(lead_fields(channel="trade_show", phone="13800000003"))
    s.assign_lead(web1, org.rep_id)
    s.convert_lead(web1)
    db.set_clock(T0 + timedelta(days=14))  # December
    s.capture_lead(lead_fields(channel="trade_show", phone="13800000004"))
    rows = s.lead_funnel(T0 - timedelta(days=1), period="month")
    got = {(r["period"], r["channel"]): r for r in rows}
    assert set(got) == {("2026-11", None), ("2026-11", "website"), ("2026-11", "trade_show"),
                        ("2026-12", None), ("2026-12", "trade_show")}, sorted(got)
    assert rows[0]["period"] == "2026-11" and rows[0]["channel"] is None, "totals first"
    nov = got[("2026-11", None)]
    assert (nov["captured"], nov["assigned"], nov["converted"]) == (3, 1, 1), nov
    assert nov["conversion_rate"] == pytest.approx(1 / 3)
    web = got[("2026-11", "website")]
    assert (web["captured"], web["converted"]) == (2, 1)
    assert web["conversion_rate"] == pytest.approx(0.5)
    assert got[("2026-11", "trade_show")]["conversion_rate"] == 0.0
    assert got[("2026-12", None)]["captured"] == 1
    everything = s.lead_funnel(T0 - timedelta(days=1), period="all")
    assert everything[0]["captured"] == 4
    with pytest.raises(crm.InvalidArgument):
        s.lead_funnel(T0, period="year")


def test_conversion_makes_a_customer_with_the_leads_history(org):
    s = org.admin
    fields = lead_fields(person="张敏")
    lead_id, _ = s.capture_lead(fields)
    s.assign_lead(lead_id, org.rep_id)
    s.lead_event(lead_id, "product_view", at=T0 - timedelta(hours=2))
    s.lead_event(lead_id, "inquiry", at=T0 - timedelta(hours=1))
    cid = s.convert_lead(lead_id, type="intent")
    assert isinstance(cid, str) and cid.startswith("C"), cid
    c = s.get_customer(cid)
    assert c["type"] == "intent"
    assert c["owner"] == org.rep_id
    assert c["name"] == fields["company"] and c["contact_name"] == "张敏"
    assert c["priority"] == "medium", "not a high-value lead"
    lead = s.lead(lead_id)
    assert lead["stage"] == "converted" and lead["customer"] == cid
    history = [h for h in s.customer_history(cid) if h["kind"] == "lead"]
    whats = " ".join(str(h["after"]) for h in history)
    assert "product_view" in whats and "inquiry" in whats, history
    ats = {h["at"] for h in history}
    assert crm.to_ms(T0 - timedelta(hours=2)) in ats, "events keep their times"
    with pytest.raises(crm.StateError):
        s.lead_event(lead_id, "visit")
    with pytest.raises(crm.StateError):
        s.convert_lead(lead_id)


def test_conversion_as_prospect_by_default(org):
    s = org.admin
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    cid = s.convert_lead(lead_id)
    assert s.get_customer(cid)["type"] == "prospect"


def test_converting_an_unassigned_lead_is_a_state_error(org):
    s = org.admin
    lead_id, _ = s.capture_lead(lead_fields())
    with pytest.raises(crm.StateError):
        s.convert_lead(lead_id)
    assert s.lead(lead_id)["stage"] == "captured"
    assert s.count_customers() == 0


def test_a_linked_lead_converts_into_its_customer(org):
    s = org.admin
    cid = s.create_customer(valid_customer(phone="13700001111", owner=org.rep_id))
    lead_id, _ = s.capture_lead(lead_fields(phone="13700001111", owner=org.rep_id))
    assert s.convert_lead(lead_id) == cid
    assert s.count_customers() == 1


def test_advance_never_goes_back_and_disqualifying_needs_a_reason(org):
    s = org.admin
    lead_id, _ = s.capture_lead(lead_fields())
    with pytest.raises(crm.StateError):
        s.advance_lead(lead_id, "following")  # no owner yet
    s.advance_lead(lead_id, "screened")
    s.assign_lead(lead_id, org.rep_id)
    s.advance_lead(lead_id, "跟进")
    lead = s.lead(lead_id)
    assert lead["stage"] == "following"
    assert lead["screened_at"] and lead["assigned_at"] and lead["following_at"]
    with pytest.raises(crm.StateError):
        s.advance_lead(lead_id, "screened")
    with pytest.raises(crm.InvalidArgument):
        s.advance_lead(lead_id, "disqualified")
    assert s.lead(lead_id)["stage"] == "following"
    s.advance_lead(lead_id, "disqualified", "预算不足")
    lead = s.lead(lead_id)
    assert (lead["stage"], lead["disqualify_reason"]) == ("disqualified", "预算不足")
    with pytest.raises(crm.StateError):
        s.advance_lead(lead_id, "following")


def test_listing_filters_and_pages(org):
    s = org.admin
    ids = [s.capture_lead(lead_fields(phone="1380000%04d" % i))[0] for i in range(5)]
    s.assign_lead(ids[0], org.rep_id)
    assert [l["id"] for l in s.leads(owner=org.rep_id)] == [ids[0]]
    assert [l["id"] for l in s.leads(pool=True)] == ids[1:]
    assert [l["id"] for l in s.leads(stage="分配销售")] == [ids[0]]
    assert [l["id"] for l in s.leads(limit=2)] == ids[:2]
    assert [l["id"] for l in s.leads(after_id=ids[1], limit=2)] == ids[2:4]
    assert [l["id"] for l in s.leads(channel="trade_show")] == []
    with pytest.raises(TypeError):
        s.leads(owner=org.rep_id, pool=True)


def test_an_event_storm_gives_one_high_value_message(org):
    s = org.admin
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    marked = 0
    for _ in range(10000):
        marked += s.lead_event(lead_id, "product_view")["marked_now"]
    assert marked == 1, "exactly one event marks the lead"
    assert s.lead(lead_id)["score"] == pytest.approx(10000 * 2)
    told = lead_messages(s, lead_id, "lead_high_value")
    assert len(told) == 1, "one high-value message, got %d" % len(told)
    assert len(s.explain_lead_score(lead_id)) == 10000


# -- reminders, rescoring, review --------------------------------------------------


def test_a_lead_left_in_the_pool_for_24_hours_reminds_the_sales_managers(org):
    s, db = org.admin, org.db
    waiting, _ = s.capture_lead(lead_fields(phone="13800000011"))
    taken, _ = s.capture_lead(lead_fields(phone="13800000012"))
    s.assign_lead(taken, org.rep_id)
    db.set_clock(T0 + timedelta(hours=23, minutes=59))
    s.tick()
    assert lead_messages(s, waiting, "lead_unassigned") == [], "not before 24 hours"
    db.set_clock(T0 + timedelta(hours=24))
    s.tick()
    told = lead_messages(s, waiting, "lead_unassigned")
    assert [(m["recipient_user"], m["recipient_role"]) for m in told] == \
        [(None, "sales_manager")], told
    assert lead_messages(s, taken, "lead_unassigned") == [], "an assigned lead is no reminder"
    s.tick()
    assert len(lead_messages(s, waiting, "lead_unassigned")) == 1, "never written twice"


def test_changing_the_half_life_rescores_the_leads(org):
    s, db = org.admin, org.db
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    s.lead_event(lead_id, "visit")
    db.set_clock(T0 + timedelta(days=2))
    assert s.lead(lead_id)["score"] == pytest.approx(5.0), "no decay without a half-life"
    s.set_setting("lead.score_half_life_days", "1")
    assert s.lead(lead_id)["score"] == pytest.approx(1.25), "two half-lives: a quarter"
    s.set_setting("lead.score_half_life_days", "0")
    assert s.lead(lead_id)["score"] == pytest.approx(5.0), "decay off: the full points again"
    assert s.lead(lead_id)["high_value"] == 0


def test_with_review_on_conversion_waits_leaving_the_lead_as_it_was(org):
    s, db = org.admin, org.db
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    s.set_setting("review.create", "1")
    rep = db.session(org.rep_id)
    with pytest.raises(crm.Pending) as info:
        rep.convert_lead(lead_id)
    assert info.value.change_id, "the pending change should be named"
    lead = s.lead(lead_id)
    assert (lead["stage"], lead["customer"]) == ("assigned", None), "left as it was"
    assert s.count_customers() == 0


def test_with_review_on_the_converted_customer_waits_for_review_and_then_links(org):
    s, db = org.admin, org.db
    lead_id, _ = s.capture_lead(lead_fields(owner=org.rep_id))
    s.set_setting("review.create", "1")
    rep = db.session(org.rep_id)
    with pytest.raises(crm.Pending) as info:
        rep.convert_lead(lead_id)
    assert [c["id"] for c in rep.pending_changes()] == [info.value.change_id], \
        "the customer the conversion made should wait for review"
    cid = s.decide_change(info.value.change_id, True)
    assert rep.convert_lead(lead_id, customer=cid) == cid
    assert s.lead(lead_id)["stage"] == "converted"
    assert s.count_customers() == 1


def test_an_unknown_industry_in_a_rule_is_named_as_an_industry(org):
    with pytest.raises(crm.InvalidArgument) as info:
        org.admin.add_lead_route(industry="no_such_industry", user=org.rep_id)
    assert "industry" in info.value.message
    assert "行业" in info.value.message_zh, info.value.message_zh
