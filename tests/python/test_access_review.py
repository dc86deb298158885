"""Access requests (跨部门协作申请, R3.2) and review before a change takes
effect (审核机制, R1.6) through the Python binding: who asks, who decides,
what a grant opens and for how long, and crm.Pending for a create or update
that waits for review.

Every test runs on a fixed clock (no sleeping)."""

import re
from datetime import timedelta

import pytest

import crm
from conftest import sales_org, utc, valid_customer

# Monday 2 March 2026, 09:00 in Shanghai.
T0 = utc(2026, 3, 2, 1, 0)
T0_MS = crm.to_ms(T0)
HOUR_MS = 3600 * 1000

CONTACT_FIELDS = {"contact_name", "contact_title", "phone", "phone_display", "email"}
NEEDS_FIELDS = {"key_needs", "priority"}


@pytest.fixture
def org(db, session):
    return sales_org(db, session, T0)


def hidden(session, customer):
    """True if ``customer`` does not exist for ``session`` (NotFound)."""
    try:
        session.get_customer(customer)
    except crm.NotFound:
        return True
    return False


def outbox_of(admin, kind):
    return [m for m in admin.outbox(limit=1000) if m["kind"] == kind]


# --------------------------------------------------------------------------
# Access requests
# --------------------------------------------------------------------------

def test_a_basic_grant_opens_the_customer_without_its_contact_details(org):
    colleague, rep = org.colleague, org.rep
    assert hidden(colleague, org.a), "a colleague does not see 李四's customer"

    rid = colleague.request_access(org.a, "协助跟进展会线索", 48, groups="basic")
    assert isinstance(rid, int)
    mine = colleague.access_requests()
    assert [(r["id"], r["customer"], r["requester"], r["requester_name"], r["level"],
             r["field_groups"], r["hours"], r["state"], r["requested_at"], r["expires_at"])
            for r in mine] == [
        (rid, org.a, org.colleague_id, "王五", "view", "basic", 48, "pending", T0_MS, None)], mine
    assert hidden(colleague, org.a), "a pending request opens nothing"

    # Who is asked to decide: the owner and the department's manager, not
    # the requester, not another department.
    assert [r["id"] for r in rep.access_requests("to_decide")] == [rid]
    assert [r["id"] for r in org.manager.access_requests("to_decide")] == [rid]
    assert org.south.access_requests("to_decide") == []
    assert colleague.access_requests("to_decide") == [], "never one's own request"
    with pytest.raises(crm.PermissionDenied) as own:
        colleague.decide_access(rid, True)
    assert own.value.message_zh == "访问申请 %d 由您提出，须由客户负责人审批" % rid

    rep.decide_access(rid, True, note="同意，仅限展会线索")
    assert rep.access_requests("to_decide") == []
    c = colleague.get_customer(org.a)
    assert (c["id"], c["name"], c["owner"], c["industry"]) == (
        org.a, org.admin.get_customer(org.a)["name"], org.rep_id, "manufacturing"), c
    assert not (CONTACT_FIELDS | NEEDS_FIELDS) & set(c), \
        "a basic grant shows no contact or needs field: %r" % sorted(c)
    row = next(r for r in colleague.customers() if r["id"] == org.a)
    assert not (CONTACT_FIELDS | NEEDS_FIELDS) & set(row), sorted(row)
    assert colleague.count_customers() == 2, "王五's own customer and the granted one"
    with pytest.raises(crm.PermissionDenied):
        colleague.contacts(org.a)                 # contacts are the contact group's
    with pytest.raises(crm.PermissionDenied):
        colleague.customer_tags(org.a)            # tags are the needs group's
    with pytest.raises(crm.PermissionDenied):
        colleague.followups(org.a)                # follow-ups are the followup group's
    with pytest.raises(crm.PermissionDenied):
        colleague.update_customer(org.a, industry="金融")   # a view grant
    with pytest.raises(crm.PermissionDenied):
        colleague.unmask_customer(org.a, "想看电话")

    decided = colleague.access_requests()[0]
    assert (decided["state"], decided["decided_by"], decided["decided_at"], decided["note"],
            decided["expires_at"]) == ("approved", org.rep_id, T0_MS, "同意，仅限展会线索",
                                       T0_MS + 48 * HOUR_MS), decided
    told = [m for m in outbox_of(org.admin, "access_decision")
            if m["recipient_user"] == org.colleague_id]
    assert len(told) == 1 and "已批准" in told[0]["message"] and org.a in told[0]["message"], \
        told
    assert [(r["action"], r["actor"]) for r in org.admin.audit(action="access.")] == [
        ("access.request", org.colleague_id), ("access.approve", org.rep_id)]


def test_a_grant_ends_by_itself_exactly_when_its_hours_are_up(db, org):
    colleague = org.colleague
    rid = colleague.request_access(org.a, "协助投标", 24, groups=["basic", "needs"])
    org.rep.decide_access(rid, True)          # at once: expires at requested_at + 24 h
    expires = colleague.access_requests()[0]["expires_at"]
    assert expires == T0_MS + 24 * HOUR_MS

    db.set_clock(expires - 1)
    assert colleague.get_customer(org.a)["key_needs"] == "采购自动化产线设备"
    assert org.a in [c["id"] for c in colleague.customers()]
    assert colleague.access_requests()[0]["state"] == "approved"

    db.set_clock(expires)
    assert hidden(colleague, org.a), "at expires_at the grant is over"
    assert org.a not in [c["id"] for c in colleague.customers()]
    assert colleague.count_customers() == 1
    assert colleague.access_requests()[0]["state"] == "expired"
    with pytest.raises(crm.StateError):
        org.rep.revoke_access(rid)            # nothing in force to revoke


def test_an_approval_grants_from_the_decision_not_from_the_request(db, org):
    rid = org.colleague.request_access(org.a, "协助投标", 2)
    db.set_clock(T0 + timedelta(hours=5))     # decided five hours later
    org.rep.decide_access(rid, True)
    r = org.colleague.access_requests()[0]
    assert (r["requested_at"], r["expires_at"]) == (T0_MS, T0_MS + 7 * HOUR_MS), r
    db.set_clock(T0 + timedelta(hours=7) - timedelta(milliseconds=1))
    assert not hidden(org.colleague, org.a)
    db.set_clock(T0 + timedelta(hours=7))
    assert hidden(org.colleague, org.a)


def test_a_contact_grant_shows_masked_details_and_unmasks_only_for_a_role_that_may(org):
    rid = org.colleague.request_access(org.a, "协助回访", 24, groups="contact")
    assert org.colleague.access_requests()[0]["field_groups"] == "basic,contact"
    org.manager.decide_access(rid, True, note="经理批准")      # an approver over the owner
    c = org.colleague.get_customer(org.a)
    assert (c["contact_name"], c["phone"], c["phone_display"], c["email"]) == \
        ("王伟", "138****5678", "138****5678", "w***@example.com"), c
    assert not NEEDS_FIELDS & set(c), sorted(c)
    assert [x["phone"] for x in org.colleague.contacts(org.a)] == ["138****5678"]
    # Sales may unmask (their own customers): a contact grant extends that.
    clear = org.colleague.unmask_customer(org.a, "电话回访")
    assert clear["phone"] == "+8613812345678"
    assert [(r["actor"], r["object"]) for r in org.admin.audit(action="customer.unmask")] == \
        [(org.colleague_id, org.a)]

    # Marketing may unmask nothing: the same grant shows masks only.
    mid = org.marketing.request_access(org.a, "邀请参加新品发布会", 24, groups="basic,contact")
    org.rep.decide_access(mid, True)
    assert org.marketing.get_customer(org.a)["phone"] == "138****5678"
    with pytest.raises(crm.PermissionDenied):
        org.marketing.unmask_customer(org.a, "发邀请")


def test_an_edit_grant_edits_only_its_groups(org):
    rid = org.south.request_access(org.a, "华南分公司接手部分需求", 24, level="edit",
                                   groups="needs")
    org.rep.decide_access(rid, True)
    org.south.update_customer(org.a, key_needs="增加华南仓配需求")
    assert org.admin.get_customer(org.a)["key_needs"] == "增加华南仓配需求"
    with pytest.raises(crm.PermissionDenied) as info:
        org.south.update_customer(org.a, phone="13900000000")
    assert "phone" in info.value.message, info.value.message


def test_revoking_ends_a_grant_early(org):
    rid = org.colleague.request_access(org.a, "协助跟进", 72)
    with pytest.raises(crm.StateError):
        org.rep.revoke_access(rid)            # still pending: not a grant yet
    org.rep.decide_access(rid, True)
    assert not hidden(org.colleague, org.a)
    with pytest.raises(crm.PermissionDenied):
        org.colleague.revoke_access(rid)      # the requester cannot
    org.rep.revoke_access(rid, reason="项目结束")
    assert hidden(org.colleague, org.a)
    r = org.colleague.access_requests()[0]
    assert (r["state"], r["revoked_by"], r["revoked_at"]) == ("revoked", org.rep_id, T0_MS), r
    with pytest.raises(crm.StateError) as again:
        org.rep.revoke_access(rid)
    assert again.value.message_zh == "访问申请 %d 当前为 revoked，只有生效中的授权可以撤销" % rid
    assert [r["detail"] for r in org.admin.audit(action="access.revoke")] == ["项目结束"]


def test_the_owner_is_told_at_the_next_tick_and_escalation_follows(db, org):
    rid = org.south.request_access(org.a, "协助华南客户对接", 24)
    assert outbox_of(org.admin, "access_pending") == [], "nothing before a tick"
    org.admin.tick()
    told = outbox_of(org.admin, "access_pending")
    assert [(m["recipient_user"], m["customer"]) for m in told] == [(org.rep_id, org.a)], told
    assert told[0]["message"].startswith("【访问申请待审批】陈杰申请查看客户"), told[0]["message"]
    assert "协助华南客户对接" in told[0]["message"]
    assert "陈杰 asks to view" in told[0]["message_en"], told[0]["message_en"]
    org.admin.tick()
    assert len(outbox_of(org.admin, "access_pending")) == 1, "never twice"

    # Undecided for the rule's escalate_after (1440 minutes): the owner's
    # manager hears of it.
    db.set_clock(T0 + timedelta(minutes=1440))
    org.admin.tick()
    up = outbox_of(org.admin, "escalation")
    assert up and {m["recipient_user"] for m in up} == {org.manager_id}, up
    assert all(m["escalation_of"] == told[0]["id"] for m in up), up
    assert org.rep.access_requests(customer=org.a)[0]["id"] == rid


def test_a_decided_or_withdrawn_request_writes_no_reminder(org):
    decided = org.south.request_access(org.a, "协助", 24)
    org.rep.decide_access(decided, False, note="无需访问")
    withdrawn = org.colleague.request_access(org.a, "协助", 24)
    org.colleague.withdraw_access(withdrawn)
    org.admin.tick()
    assert outbox_of(org.admin, "access_pending") == []


def test_rejection(org):
    rid = org.south.request_access(org.a, "想了解客户情况", 24)
    # A colleague of the owner is no approver; one who does not even see the
    # customer does not see the request either.
    for other in (org.colleague, org.marketing):
        with pytest.raises(crm.NotFound):
            other.decide_access(rid, True)
    seen = org.colleague.request_access(org.a, "协助", 24)
    org.rep.decide_access(seen, True)
    with pytest.raises(crm.PermissionDenied) as info:
        org.colleague.decide_access(rid, True)     # sees it now, still no approver
    assert info.value.message_zh == \
        "只有客户 %s 的负责人、其主管或系统管理员可以审批访问申请" % org.a
    org.manager.decide_access(rid, False, note="与华南业务无关")
    assert hidden(org.south, org.a)
    r = org.south.access_requests()[0]
    assert (r["state"], r["decided_by"], r["note"], r["expires_at"]) == (
        "rejected", org.manager_id, "与华南业务无关", None), r
    with pytest.raises(crm.StateError):
        org.rep.decide_access(rid, True)           # decided already
    told = [m for m in outbox_of(org.admin, "access_decision")
            if m["recipient_user"] == org.south_id]
    assert len(told) == 1 and "未获批准" in told[0]["message"] and \
        "与华南业务无关" in told[0]["message"], told
    # A new request may follow a rejected one.
    assert org.south.request_access(org.a, "补充说明：共同投标", 24) != rid


def test_withdrawal(org):
    rid = org.colleague.request_access(org.a, "协助", 24)
    with pytest.raises(crm.NotFound):
        org.south.withdraw_access(rid)             # someone else's request
    org.colleague.withdraw_access(rid)
    assert org.colleague.access_requests()[0]["state"] == "withdrawn"
    assert org.rep.access_requests("to_decide") == []
    assert org.colleague.access_requests(pending_only=True) == []
    with pytest.raises(crm.StateError):
        org.colleague.withdraw_access(rid)
    with pytest.raises(crm.StateError):
        org.rep.decide_access(rid, True)
    assert hidden(org.colleague, org.a)


def test_request_errors(org):
    colleague = org.colleague
    with pytest.raises(crm.Conflict) as own:
        org.rep.request_access(org.a, "自己的客户", 24)
    assert own.value.message_zh == "客户 %s 由您负责，无需申请" % org.a
    first = colleague.request_access(org.a, "协助", 24)
    with pytest.raises(crm.Conflict) as twice:
        colleague.request_access(org.a, "再问一次", 24)
    assert str(first) in twice.value.message, twice.value.message
    with pytest.raises(crm.NotFound):
        colleague.request_access("C0999", "协助", 24)

    south = org.south
    bad = [dict(level="delete"), dict(groups="salary"), dict(groups=["basic", "salary"])]
    for kw in bad:
        with pytest.raises(crm.InvalidArgument):
            south.request_access(org.a, "协助", 24, **kw)
    for hours in (0, -1, 721):
        with pytest.raises(crm.InvalidArgument) as info:
            south.request_access(org.a, "协助", hours)
        assert info.value.message_zh == "访问申请时长须为 1 到 720 小时", info.value.message_zh
    for reason in ("", None, "  "):
        with pytest.raises(crm.InvalidArgument):
            south.request_access(org.a, reason, 24)
    with pytest.raises(crm.InvalidArgument):
        south.request_access(org.a, "长" * 501, 24)
    org.admin.set_setting("access.max_hours", "24")
    with pytest.raises(crm.InvalidArgument) as capped:
        south.request_access(org.a, "协助", 25)
    assert "24" in capped.value.message
    assert south.access_requests() == [], "nothing was recorded"

    # Python-side checks, before the library is called.
    with pytest.raises(TypeError):
        south.request_access(org.a, "协助", True)
    with pytest.raises(TypeError):
        south.request_access(org.a, "协助", "24")
    with pytest.raises(ValueError):
        south.request_access(org.a, "协助", timedelta(minutes=90))
    with pytest.raises(TypeError):
        south.request_access(org.a, "协助", 24, groups=[1, 2])
    with pytest.raises(TypeError):
        south.request_access(org.a, "协助", 24, "edit")       # level is keyword-only
    with pytest.raises(TypeError):
        org.rep.decide_access(first, 1)                        # approve is a bool
    with pytest.raises(ValueError):
        org.rep.access_requests("customer")                    # which customer?
    with pytest.raises(ValueError):
        org.rep.access_requests("mine", customer=org.a)
    with pytest.raises(crm.InvalidArgument):
        org.rep.access_requests("everything")
    with pytest.raises(crm.NotFound):
        org.rep.decide_access(999, True)

    # A timedelta of whole hours works; so does a list of groups.
    rid = south.request_access(org.a, "协助", timedelta(hours=12), groups=["contact", "needs"])
    r = south.access_requests()[0]
    assert (r["id"], r["hours"], r["field_groups"]) == (rid, 12, "basic,contact,needs"), r


def test_the_requests_of_a_customer(org):
    one = org.colleague.request_access(org.a, "协助", 24)
    two = org.south.request_access(org.a, "协助", 24)
    org.rep.decide_access(one, True)
    assert [r["id"] for r in org.rep.access_requests(customer=org.a)] == [one, two]
    assert [r["id"] for r in org.manager.access_requests(customer=org.a, pending_only=True)] \
        == [two]
    with pytest.raises(crm.NotFound):
        org.south.access_requests(customer=org.a)     # 陈杰 does not see it


# crm.h (crm_access_request): a grantee sees the grant's field groups — in
# the customer's history too (crm_customer_history, crm_history_list), not
# only in get, list rows, contacts, tags and follow-ups.
def test_a_grants_history_keeps_to_its_field_groups(org):
    org.rep.update_customer(org.a, key_needs="新增检测设备需求", phone="13912340000")
    rid = org.colleague.request_access(org.a, "协助跟进", 24, groups="basic")
    org.rep.decide_access(rid, True)
    outside = CONTACT_FIELDS | NEEDS_FIELDS
    for what, rows in (("customer_history", org.colleague.customer_history(org.a)),
                       ("history", list(org.colleague.history(customer=org.a)))):
        leaked = [(h["field"], h["before"], h["after"]) for h in rows
                  if h["field"] in outside and (h["before"] is not None or
                                                h["after"] is not None)]
        assert leaked == [], "%s() of a basic grant shows %r" % (what, leaked)


# --------------------------------------------------------------------------
# Review before it takes effect (审核, R1.6): crm.Pending
# --------------------------------------------------------------------------

def test_pending_is_an_outcome_not_an_error():
    assert not issubclass(crm.Pending, crm.CrmError)
    assert issubclass(crm.Pending, Exception)
    assert crm.Pending.code == crm.Status.PENDING == 2
    assert crm.status_name(crm.Status.PENDING) == "CRM_PENDING"
    p = crm.Pending("R3", "submitted for review as R3: it takes effect once approved",
                    "已提交审核（R3），审核通过后生效", kind="create")
    assert (p.change_id, p.kind, p.customer, p.name) == ("R3", "create", None, "CRM_PENDING")
    assert str(p) == ("submitted for review as R3: it takes effect once approved "
                      "(已提交审核（R3），审核通过后生效)")


def test_a_reps_new_customer_waits_for_the_managers_review(org):
    admin, rep, manager = org.admin, org.rep, org.manager
    admin.set_setting("review.create", True)
    before = admin.count_customers(include_archived=True)
    fields = valid_customer(phone="13512345678", email="zhaoliu@example.com")
    with pytest.raises(crm.Pending) as info:
        rep.create_customer(fields)
    p = info.value
    assert re.fullmatch(r"R\d+", p.change_id), p.change_id
    assert (p.kind, p.customer, p.code) == ("create", None, crm.Status.PENDING)
    # The C ABI's per-thread message, kept as it is.
    assert p.message == "submitted for review as %s: it takes effect once approved" % p.change_id
    assert p.message_zh == "已提交审核（%s），审核通过后生效" % p.change_id
    try:
        rep.create_customer(valid_customer())
    except crm.CrmError:
        pytest.fail("a host's failure handler (except crm.CrmError) must not catch Pending")
    except crm.Pending:
        pass
    assert admin.count_customers(include_archived=True) == before, "nothing was created"
    assert fields["name"] not in [c["name"] for c in admin.customers()]

    mine = rep.pending_changes()
    assert [(c["id"], c["kind"], c["customer"], c["author"], c["author_name"], c["owner"],
             c["state"], c["submitted_at"]) for c in mine][0] == (
        p.change_id, "create", None, org.rep_id, "李四", org.rep_id, "pending", T0_MS), mine
    to_review = manager.pending_changes("to_review")
    assert [c["id"] for c in to_review] == [p.change_id, mine[1]["id"]]
    submitted = to_review[0]["fields"]
    assert (submitted["name"], submitted["phone"], submitted["email"]) == (
        fields["name"], "135****5678", "z***@example.com"), \
        "the reviewer sees the submitted values, personal ones masked: %r" % submitted
    assert org.colleague.pending_changes("to_review") == [], "a colleague reviews nothing"
    assert org.south.pending_changes("to_review") == []

    with pytest.raises(crm.PermissionDenied):
        rep.decide_change(p.change_id, True)            # the author is no reviewer
    with pytest.raises(crm.InvalidArgument) as no_reason:
        manager.decide_change(p.change_id, False)
    assert no_reason.value.message_zh == "驳回须填写原因"
    db_now_count = admin.count_customers(include_archived=True)
    assert db_now_count == before

    cid = manager.decide_change(p.change_id, True)
    assert re.fullmatch(r"C\d{4}", cid), cid
    created = admin.unmask_customer(cid, "核对审核结果")
    assert (created["name"], created["owner"], created["created_by"], created["phone"]) == (
        fields["name"], org.rep_id, org.rep_id, "+8613512345678"), created
    assert admin.customer_history(cid)[0]["actor"] == org.rep_id, "the author created it"
    decided = rep.pending_changes()[0]
    assert (decided["state"], decided["decided_by"], decided["result"]) == (
        "approved", org.manager_id, cid), decided
    with pytest.raises(crm.StateError):
        manager.decide_change(p.change_id, True)
    told = [m for m in outbox_of(admin, "review_decision") if m["recipient_user"] == org.rep_id]
    assert len(told) == 1 and p.change_id in told[0]["message"] and cid in told[0]["message"]

    # Reviewers' own creates, and the administrator's, take effect at once.
    assert re.fullmatch(r"C\d{4}", manager.create_customer(valid_customer()))
    assert re.fullmatch(r"C\d{4}", admin.create_customer(valid_customer()))


def test_a_rejected_or_withdrawn_create_creates_nothing(org):
    org.admin.set_setting("review.create", "1")
    with pytest.raises(crm.Pending) as first:
        org.rep.create_customer(valid_customer())
    with pytest.raises(crm.Pending) as second:
        org.rep.create_customer(valid_customer())
    before = org.admin.count_customers(include_archived=True)
    assert org.manager.decide_change(first.value.change_id, False, reason="客户名称不完整") \
        is None
    with pytest.raises(crm.NotFound):
        org.colleague.withdraw_change(second.value.change_id)     # not the author's
    org.rep.withdraw_change(second.value.change_id)
    with pytest.raises(crm.StateError):
        org.rep.withdraw_change(second.value.change_id)
    with pytest.raises(crm.StateError):
        org.manager.decide_change(second.value.change_id, True)
    assert [(c["state"], c["reason"]) for c in org.rep.pending_changes()] == [
        ("rejected", "客户名称不完整"), ("withdrawn", None)]
    assert org.admin.count_customers(include_archived=True) == before
    assert org.manager.pending_changes("to_review", pending_only=True) == []
    told = [m["message"] for m in outbox_of(org.admin, "review_decision")]
    assert told == ["【审核未通过】变更 %s：客户名称不完整" % first.value.change_id], told


def test_a_reviewed_field_waits_while_other_updates_apply(org):
    admin, rep, manager = org.admin, org.rep, org.manager
    admin.set_setting("review.fields", "industry")
    version = rep.get_customer(org.a)["version"]
    with pytest.raises(crm.Pending) as info:
        rep.update_customer(org.a, industry="金融")
    p = info.value
    assert (p.kind, p.customer) == ("update", org.a)
    assert re.fullmatch(r"R\d+", p.change_id) and p.change_id in p.message, p.message
    c = rep.get_customer(org.a)
    assert (c["industry"], c["version"]) == ("manufacturing", version), "nothing changed yet"

    assert rep.update_customer(org.a, key_needs="增加备件采购") == version + 1, \
        "an update of fields outside review applies at once"
    with pytest.raises(crm.Pending):
        rep.update_customer(org.a, industry="教育", key_needs="一起改")
    assert rep.get_customer(org.a)["key_needs"] == "增加备件采购", \
        "an update touching a reviewed field waits as a whole"

    assert [(c["id"], c["kind"], c["customer"], c["fields"]) for c in
            manager.pending_changes(customer=org.a)][0] == (
        p.change_id, "update", org.a, {"industry": "finance"})
    assert manager.decide_change(p.change_id, True) == org.a
    c = admin.get_customer(org.a)
    assert (c["industry"], c["version"]) == ("finance", version + 2), c
    h = [x for x in admin.customer_history(org.a) if x["field"] == "industry"]
    assert [(x["before"], x["after"], x["reason"]) for x in h] == [
        ("manufacturing", "finance", "审核通过 %s" % p.change_id)], h

    # The manager's own update of a reviewed field applies at once.
    own = manager.create_customer(valid_customer())
    manager.update_customer(own, industry="零售")
    assert manager.get_customer(own)["industry"] == "retail"


def test_a_stale_pending_update_cannot_be_approved(org):
    org.admin.set_setting("review.fields", "industry")
    with pytest.raises(crm.Pending) as info:
        org.rep.update_customer(org.a, industry="零售")
    change = info.value.change_id
    org.admin.update_customer(org.a, industry="教育")       # changed meanwhile
    with pytest.raises(crm.Conflict) as stale:
        org.manager.decide_change(change, True)
    assert stale.value.message == ("%s: industry changed since it was submitted; reject it, "
                                   "or submit it again" % change), stale.value.message
    assert org.admin.get_customer(org.a)["industry"] == "education"
    assert [c["state"] for c in org.manager.pending_changes(customer=org.a)] == ["pending"]
    org.manager.decide_change(change, False, reason="已被他人修改")
    assert org.rep.pending_changes()[0]["state"] == "rejected"


def test_nobody_reviews_their_own_change(org):
    org.admin.set_setting("review.fields", "industry")
    with pytest.raises(crm.Pending) as info:
        org.rep.update_customer(org.a, industry="零售")
    change = info.value.change_id
    # 李四 becomes the department's supervisor, and so a reviewer of it ...
    org.admin.update_department("华东销售部", supervisor=org.rep_id)
    assert [c["id"] for c in org.rep.pending_changes("to_review")] == []
    with pytest.raises(crm.PermissionDenied) as own:
        org.rep.decide_change(change, True)
    assert own.value.message_zh == "%s 由您提交，须由他人审核" % change
    # ... whose own updates now take effect at once.
    org.rep.update_customer(org.a, industry="教育")
    assert org.admin.get_customer(org.a)["industry"] == "education"


def test_decide_change_errors(org):
    with pytest.raises(crm.NotFound) as bad:
        org.manager.decide_change("X1", True)
    assert "R12" in bad.value.message, bad.value.message
    with pytest.raises(crm.NotFound):
        org.manager.decide_change("R999", True)
    with pytest.raises(TypeError):
        org.manager.decide_change("R1", "yes")
    with pytest.raises(TypeError):
        org.manager.decide_change(1, True)
    with pytest.raises(crm.InvalidArgument):
        org.manager.pending_changes("everything")
    with pytest.raises(ValueError):
        org.manager.pending_changes("customer")
    org.admin.set_setting("review.fields", "industry")
    with pytest.raises(crm.Pending) as info:
        org.rep.update_customer(org.a, industry="零售")
    with pytest.raises(crm.NotFound):
        org.south.decide_change(info.value.change_id, True)   # 陈杰 does not see the customer


def test_an_approval_validates_the_change_again(org):
    org.admin.set_setting("review.create", "1")
    with pytest.raises(crm.Pending) as info:
        org.rep.create_customer(valid_customer())
    # A required field defined after the submission: the change is no longer
    # valid, and stays pending (to be rejected, or resubmitted).
    org.admin.define_custom_field("budget", "text", "客户预算范围", required=True)
    with pytest.raises(crm.ValidationError) as invalid:
        org.manager.decide_change(info.value.change_id, True)
    assert [(e.field, e.code) for e in invalid.value.errors] == [("custom.budget", "required")]
    assert org.rep.pending_changes()[0]["state"] == "pending"
