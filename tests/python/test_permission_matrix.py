"""The permission matrix, generated (issue 6): every built-in role × every
standing towards a customer (own / same department / other department /
with a grant / with an expired grant / as the supervisor of the owner's
department) × every operation of the C ABI, each asserted allowed or denied
as docs/permissions.md specifies — and, where a denial is expected, denied
the way it should be: CRM_ERR_NOT_FOUND when the user may not even see the
customer, CRM_ERR_PERMISSION otherwise.

The expected answers come from SPEC below, written out from the
documentation, not from the library.  A last test reads every CRM_API
function of crm.h and fails if one is neither exercised here nor listed
with the reason it asks no permission question, so a new function cannot
slip past the matrix.
"""

import csv
import io
import re
from datetime import timedelta

import pytest

import crm
from conftest import HEADER, company_name, utc, valid_customer

T0 = utc(2026, 11, 23, 1, 0)  # 09:00 in Shanghai
PHONE = "13812345678"
CLEAR = ("+8613812345678", "138 1234 5678", "wangwei@example.com")

ROLES = ["sales", "sales_manager", "service", "marketing", "admin"]
STANDINGS = ["own", "department", "other", "grant", "expired_grant", "supervisor"]

# docs/permissions.md, "The built-in matrix": role → pair → scope (none when
# absent).  The administrator's row is everything.
SPEC = {
    "sales": {
        "customer.read": "own", "customer.create": "own", "customer.update": "own",
        "customer.archive": "own", "customer.unmask": "own", "customer.export": "own",
        "followup.read": "own", "followup.write": "own", "maintenance.read": "own",
        "maintenance.write": "own", "lead.read": "own", "lead.write": "own",
        "ticket.read": "own", "user.read": "all", "config.read": "all",
    },
    "sales_manager": {
        "customer.read": "department", "customer.create": "own", "customer.update": "own",
        "customer.archive": "own", "customer.transfer": "department",
        "customer.unmask": "department", "customer.export": "department",
        "customer.approve": "department", "followup.read": "department",
        "followup.write": "own", "maintenance.read": "department", "maintenance.write": "own",
        "maintenance.approve": "department", "lead.read": "department",
        "lead.write": "department", "campaign.read": "all", "ticket.read": "department",
        "user.read": "all", "config.read": "all",
    },
    "service": {
        "customer.read": "all", "followup.read": "all", "ticket.read": "all",
        "ticket.write": "all", "user.read": "all", "config.read": "all",
    },
    "marketing": {
        "lead.read": "all", "lead.write": "all", "campaign.read": "all",
        "campaign.write": "all", "user.read": "all", "config.read": "all",
    },
}
# A supervisor (部门主管) reads, approves and transfers below them, any role.
SUPERVISOR = {"customer.read", "customer.approve", "customer.transfer", "followup.read",
              "maintenance.read", "maintenance.approve"}
# What the edit grant of these tests (all field groups) opens.
GRANT = {"customer.read", "customer.update", "followup.read", "followup.write"}
REACH = {"own": "own", "department": "department", "other": "other", "grant": "other",
         "expired_grant": "other", "supervisor": "other"}


def scope_of(role, pair):
    return "all" if role == "admin" else SPEC[role].get(pair, "none")


def allowed(role, pair, standing):
    """The documented decision for `pair` on a customer at `standing`."""
    scope = scope_of(role, pair)
    reach = REACH[standing]
    if scope == "all" or (scope == "department" and reach != "other") or \
            (scope == "own" and reach == "own"):
        return True
    if standing == "supervisor" and pair in SUPERVISOR:
        return True
    if standing == "grant":
        if pair in GRANT:
            return True
        if pair == "customer.unmask":  # the contact group, for a role that unmasks at all
            return scope_of(role, "customer.unmask") != "none"
    return False


def sees(role, standing):
    return allowed(role, "customer.read", standing)


class World:
    """One database: a root department with three below it; the actor (of
    `role`) in 一部 with a colleague; a rep in 二部; a rep in 三部, which the
    actor supervises; customer C owned as `standing` says, with a contact, a
    follow-up plan, a maintenance plan and a pending access request."""

    def __init__(self, db, role, standing):
        self.role, self.standing = role, standing
        db.set_clock(T0)
        a = self.admin = db.session()
        a.define_department("总部")
        for d in ("一部", "二部", "三部"):
            a.define_department(d, parent="总部")
        uid = lambda login, dept, r="sales": a.create_user(  # noqa: E731
            login=login, name=login, department=dept, role=r)
        self.actor_id = uid("actor", "一部", role)
        self.peer_id = uid("peer", "一部")
        self.other_id = uid("other", "二部")
        self.sub_id = uid("sub", "三部")
        self.requester_id = uid("asker", "二部")
        a.update_department("三部", supervisor=self.actor_id)
        owner = {"own": self.actor_id, "department": self.peer_id, "other": self.other_id,
                 "grant": self.other_id, "expired_grant": self.other_id,
                 "supervisor": self.sub_id}[standing]
        self.owner_id = owner
        self.c = a.create_customer(valid_customer(owner=owner, phone=PHONE))
        self.key = a.get_customer(self.c)["key"]
        a.set_tier(self.c, "A")
        self.primary = a.contacts(self.c)[0]["id"]
        self.contact = a.add_contact(self.c, name="李娜", phone="13912345678", title="采购总监")
        self.plan = a.plan_followup(self.c, goal="回访", method="电话",
                                    planned_at=T0 + timedelta(days=1))["id"]
        # Submitted by user 1, not the actor: four eyes do not stand in the way.
        self.mplan = a.submit_maintenance_plan(
            self.c, method="定期拜访", measures="每月巡检", responsible="专人", cost="1000",
            period_start="2026-12-01", period_end="2026-12-31")["id"]
        self.tag = a.find_tag("高潜力")
        asker = db.session(self.requester_id)
        self.request = asker.request_access(self.c, "协同投标", 24)
        self.actor = db.session(self.actor_id)
        if standing in ("grant", "expired_grant"):
            r = self.actor.request_access(self.c, "协助", 720 if standing == "grant" else 1,
                                          level="edit", groups="all")
            a.decide_access(r, True)
            if standing == "expired_grant":
                db.set_clock(T0 + timedelta(hours=2))
        # A change waiting for review, submitted by the owner (a rep) when
        # the owner is not the actor: the actor reviews it or may not.
        self.change = None
        if standing != "own":
            a.set_setting("review.create", "1")
            try:
                db.session(owner).create_customer(valid_customer(owner=owner))
            except crm.Pending as p:
                self.change = p.change_id
            a.set_setting("review.create", "0")


def outcome(call):
    """("ok", result), ("not_found", e) or ("denied", e); any other failure
    means the permission check passed (the operation then failed for its own
    reasons: a state, a conflict) and counts as ok."""
    try:
        return "ok", call()
    except crm.NotFound as e:
        return "not_found", e
    except crm.PermissionDenied as e:
        return "denied", e
    except crm.Pending as p:
        return "ok", p
    except crm.CrmError as e:
        return "ok", e


def customer_ops(w):
    """(C function, pair that decides, how to call it as the actor).  The
    order keeps destructive operations last."""
    s, c, reason = w.actor, w.c, "核对"
    return [
        ("crm_customer_get", "customer.read", lambda: s.get_customer(c)),
        ("crm_customer_get_by_key", "customer.read", lambda: s.get_customer(w.key)),
        ("crm_customer_completeness", "customer.read", lambda: s.customer_completeness(c)),
        ("crm_record_to_json", "customer.read", lambda: s.get_customer_json(c)),
        ("crm_customer_history", "customer.read", lambda: s.customer_history(c)),
        ("crm_history_list", "customer.read", lambda: list(s.history(customer=c))),
        ("crm_customer_contacts", "customer.read", lambda: s.contacts(c)),
        ("crm_contact_get", "customer.read", lambda: s.get_contact(w.contact)),
        ("crm_customer_tags", "customer.read", lambda: s.customer_tags(c)),
        ("crm_pending_list", "customer.read", lambda: s.pending_changes(customer=c)),
        ("crm_customer_unmask", "customer.unmask", lambda: s.unmask_customer(c, reason)),
        ("crm_contact_unmask", "customer.unmask", lambda: s.unmask_contact(w.contact, reason)),
        ("crm_customer_update", "customer.update",
         lambda: s.update_customer(c, key_needs="补充说明")),
        ("crm_customer_set_type", "customer.update", lambda: s.set_customer_type(c, "意向")),
        ("crm_customer_review", "customer.update", lambda: s.review_customer(c, "月度复核")),
        ("crm_contact_add", "customer.update",
         lambda: s.add_contact(c, name="张强", phone="13712345678")),
        ("crm_contact_update", "customer.update",
         lambda: s.update_contact(w.contact, title="技术总监")),
        ("crm_contact_make_primary", "customer.update",
         lambda: s.make_primary_contact(w.contact)),
        ("crm_contact_remove", "customer.update", lambda: s.remove_contact(w.primary, reason)),
        ("crm_customer_tag_add", "customer.update", lambda: s.tag_customer(c, w.tag)),
        ("crm_customer_tag_remove", "customer.update", lambda: s.untag_customer(c, w.tag)),
        ("crm_customer_tag_add_label", "customer.update",
         lambda: s.tag_customer_by_label(c, "高潜力")),
        ("crm_customer_tag_remove_label", "customer.update",
         lambda: s.untag_customer_by_label(c, "高潜力")),
        ("crm_customer_plans", "followup.read", lambda: s.plans(c)),
        ("crm_customer_followups", "followup.read", lambda: s.followups(c)),
        ("crm_followup_plan_get", "followup.read", lambda: s.followup_plan(w.plan)),
        ("crm_customer_grade", "followup.write",
         lambda: s.grade_customer(c, annual_potential=150, cooperation_likelihood=80)),
        ("crm_customer_set_tier", "followup.write", lambda: s.set_tier(c, "A")),
        ("crm_customer_verify", "followup.write", lambda: s.verify_customer(c, "电话")),
        ("crm_followup_plan_create", "followup.write",
         lambda: s.plan_followup(c, goal="再访", method="电话",
                                 planned_at=T0 + timedelta(days=3))),
        ("crm_followup_add", "followup.write",
         lambda: s.add_followup(c, method="电话", summary="确认需求",
                                contacted_at=T0 - timedelta(hours=1))),
        ("crm_followup_plan_reschedule", "followup.write",
         lambda: s.reschedule_plan(w.plan, T0 + timedelta(days=2))),
        ("crm_followup_plan_complete", "followup.write",
         lambda: s.complete_plan(w.plan, summary="完成")),
        ("crm_followup_plan_close", "followup.write",
         lambda: s.close_plan(w.plan, "cancelled", reason)),
        ("crm_customer_maintenance_plans", "maintenance.read", lambda: s.maintenance_plans(c)),
        ("crm_maintenance_plan_get", "maintenance.read", lambda: s.maintenance_plan(w.mplan)),
        ("crm_maintenance_plan_submit", "maintenance.write",
         lambda: s.submit_maintenance_plan(
             c, method="回访", measures="电话回访", responsible="专人", cost="100",
             period_start="2026-12-01", period_end="2026-12-31")),
        ("crm_maintenance_plan_decide", "maintenance.approve",
         lambda: s.decide_maintenance_plan(w.mplan, True)),
        ("crm_maintenance_plan_carry_out", "maintenance.write",
         lambda: s.carry_out_maintenance_plan(w.mplan)),
        ("crm_maintenance_plan_evaluate", "maintenance.write",
         lambda: s.evaluate_maintenance_plan(w.mplan, "效果良好", 5)),
        ("crm_access_list", "access.decide", lambda: s.access_requests(customer=c)),
        ("crm_access_decide", "access.decide", lambda: s.decide_access(w.request, False, "否")),
        ("crm_access_revoke", "access.decide", lambda: s.revoke_access(w.request, reason)),
        ("crm_customer_transfer", "customer.transfer",
         lambda: s.transfer_customer(c, w.owner_id, reason)),
        ("crm_customer_transfer_all", "transfer_all",
         lambda: s.transfer_customers(w.owner_id, w.owner_id, reason)),
        ("crm_customer_archive", "customer.archive", lambda: s.archive_customer(c, reason)),
        ("crm_customer_erase", "customer.erase", lambda: s.erase_customer(c, reason)),
    ]


def expectation(w, pair):
    """(allowed?, the denial expected when not)."""
    role, st = w.role, w.standing
    hidden = "not_found" if not sees(role, st) else "denied"
    if pair == "access.decide":  # the owner, or an approver over the customer
        return st == "own" or allowed(role, "customer.approve", st), hidden
    if pair == "transfer_all":  # towards the owner, without a grant's help
        return allowed(role, "customer.transfer", "other" if "grant" in st else st), "denied"
    return allowed(role, pair, st), hidden


@pytest.mark.parametrize("standing", STANDINGS)
@pytest.mark.parametrize("role", ROLES)
def test_every_customer_operation_is_allowed_or_denied_as_specified(db, role, standing):
    w = World(db, role, standing)
    wrong = []
    for name, pair, call in customer_ops(w):
        ok, denial = expectation(w, pair)
        got, result = outcome(call)
        want = "ok" if ok else denial
        if got != want:
            wrong.append("%s (%s): expected %s, got %s%s" % (
                name, pair, want, got, "" if got == "ok" else ": " + str(result)))
        elif got == "ok" and pair != "customer.unmask" and not isinstance(result, Exception):
            shown = repr(result)
            for clear in CLEAR:
                if clear in shown:
                    wrong.append("%s shows %s in clear: %s" % (name, clear, shown[:200]))
    assert not wrong, "%s / %s:\n  %s" % (role, standing, "\n  ".join(wrong))


@pytest.mark.parametrize("standing", STANDINGS)
@pytest.mark.parametrize("role", ROLES)
def test_lists_counts_rosters_and_exports_never_leak_a_row(db, role, standing):
    """A filter on the customer's own id: the row appears, and is counted,
    exactly when the matrix lets the user read it (the roster: follow-ups;
    an export: read and export)."""
    w = World(db, role, standing)
    s, by_id = w.actor, [("id", "=", w.c)]
    read = sees(role, standing)
    assert s.count_customers(filters=by_id) == (1 if read else 0)
    rows = list(s.customers(filters=by_id))
    assert [r["id"] for r in rows] == ([w.c] if read else [])
    for r in rows:
        assert r["phone"] == "138****5678", "masked in a list row: %r" % r["phone"]
    roster = [r["id"] for r in s.roster(tier="A", page_size=1000)] if scope_of(
        role, "followup.read") != "none" or standing in ("supervisor", "grant") else None
    if roster is not None:
        assert (w.c in roster) == allowed(role, "followup.read", standing)
    exported = s.export_customers(filters=by_id)
    want = 1 if read and allowed(role, "customer.export", standing) else 0
    assert len(exported) == want, "%s / %s exported %d rows" % (role, standing, len(exported))
    for r in exported:
        assert r["phone"] == "138****5678", "masked in an export: %r" % r["phone"]
    name = w.admin.get_customer(w.c)["name"]
    found = list(s.search_customers(name))
    assert [r["id"] for r in found] == ([w.c] if read else []), "search: %r" % found
    for r in found:
        assert r["phone"] == "138****5678", "masked in a search row: %r" % r["phone"]
    counted = s.completeness_report("all")[0]["customers"]
    assert counted == (1 if read else 0), "completeness counts %d customers" % counted


@pytest.mark.parametrize("standing", [s for s in STANDINGS if s != "own"])
@pytest.mark.parametrize("role", ROLES)
def test_a_pending_change_is_reviewed_by_whoever_approves_over_its_owner(db, role, standing):
    w = World(db, role, standing)
    assert w.change, "the owner's new customer should wait for review"
    ok = allowed(role, "customer.approve", standing)
    got, result = outcome(lambda: w.actor.decide_change(w.change, False, "信息不全"))
    # A new customer is nobody's to see yet: a refusal is a permission error.
    assert got == ("ok" if ok else "denied"), "%s / %s: %s %r" % (role, standing, got, result)


# Leads (线索, R4): lead.read / lead.write, scoped by the lead's owner like a
# customer; a lead in the pool (no owner) is reached by a department or all
# scope, never by an own scope.  Grants and supervision are about customers:
# a lead of the supervised department is just another department's.
LEAD_STANDINGS = ["own", "department", "other", "supervisor", "pool"]
LEAD_REACH = {"own": "own", "department": "department", "other": "other",
              "supervisor": "other"}
LEAD_PHONE = "13600000001"
LEAD_CLEAR = ("+8613600000001", "136 0000 0001")


def lead_allowed(role, pair, standing):
    """The documented decision for `pair` on a lead at `standing`."""
    scope = scope_of(role, pair)
    if standing == "pool":
        return scope in ("department", "all")
    reach = LEAD_REACH[standing]
    return scope == "all" or (scope == "department" and reach != "other") or \
        (scope == "own" and reach == "own")


def lead_owner(w, standing):
    return {"own": w.actor_id, "department": w.peer_id, "other": w.other_id,
            "supervisor": w.sub_id, "pool": None}[standing]


def make_lead(w, standing):
    """The administrator captures a lead owned as `standing` says (in the
    pool for "pool"; auto_assign is "screened", so it stays there)."""
    fields = dict(channel="website", company=company_name(), person="张敏", phone=LEAD_PHONE,
                  industry="制造业", scale="50-100人", key_needs="采购检测设备")
    owner = lead_owner(w, standing)
    if owner is not None:
        fields["owner"] = owner
    lead, _ = w.admin.capture_lead(fields)
    return lead


_lead_phones = iter(range(10**6))


def lead_ops(w, lead, standing):
    """(C function, pair that decides, how to call it as the actor).
    "lead.capture": lead.write for the given owner (none: the pool, or the
    actor's own for an own scope).  "lead.convert": lead.write on the lead,
    then customer.create for the lead's owner (the customer is theirs)."""
    s, owner = w.actor, lead_owner(w, standing)

    def capture():
        extra = {} if owner is None else {"owner": owner}
        return s.capture_lead(channel="trade_show", company=company_name(), person="刘洋",
                              phone="1370000%04d" % next(_lead_phones), **extra)
    return [
        ("crm_lead_get", "lead.read", lambda: s.lead(lead)),
        ("crm_lead_score_explain", "lead.read", lambda: s.explain_lead_score(lead)),
        ("crm_lead_unmask", "lead.write", lambda: s.unmask_lead(lead, "回电核实")),
        ("crm_lead_event", "lead.write", lambda: s.lead_event(lead, "product_view")),
        ("crm_lead_assign", "lead.write", lambda: s.assign_lead(lead)),  # by the rules
        ("crm_lead_capture", "lead.capture", capture),
        ("crm_lead_convert", "lead.convert", lambda: s.convert_lead(lead)),
        ("crm_lead_advance", "lead.write", lambda: s.advance_lead(lead, "disqualified", "重复")),
    ]


def lead_expectation(w, pair, standing):
    """(allowed?, the denial expected when not)."""
    role = w.role
    if pair == "lead.capture":
        scope = scope_of(role, "lead.write")
        if standing == "pool":
            return scope != "none", "denied"  # an own scope keeps its capture
        return lead_allowed(role, "lead.write", standing), "denied"
    hidden = "not_found" if not lead_allowed(role, "lead.read", standing) else "denied"
    if pair == "lead.convert":
        if not lead_allowed(role, "lead.write", standing):
            return False, hidden
        if standing == "pool":
            return True, hidden  # no owner: a state error, after the permission check
        # The new customer belongs to the lead's owner.
        return allowed(role, "customer.create", REACH.get(standing, "other")), "denied"
    return lead_allowed(role, pair, standing), hidden



def lead_list_params():
    for role in ROLES:
        for standing in LEAD_STANDINGS:
            yield pytest.param(role, standing, id="%s-%s" % (role, standing))


@pytest.mark.parametrize("role,standing", list(lead_list_params()))
def test_lead_lists_and_the_funnel_show_exactly_the_readable_leads(db, role, standing):
    """crm_lead_list and crm_lead_funnel: the lead appears, and is counted,
    exactly when crm_lead_get may read it; list rows are masked."""
    w = World(db, role, "own")
    lead = make_lead(w, standing)
    s = w.actor
    wrong = []
    read = lead_allowed(role, "lead.read", standing)
    listed = [r["id"] for r in s.leads()]
    if (lead in listed) != read:
        wrong.append("crm_lead_list: the lead is %s" % ("missing" if read else "listed"))
    if standing == "pool" and read:
        if [r["id"] for r in s.leads(pool=True)] != [lead]:
            wrong.append("crm_lead_list: the pool should hold the lead")
    funnel = s.lead_funnel(T0 - timedelta(days=1), period="all")
    counted = funnel[0]["captured"] if funnel else 0
    if counted != (1 if read else 0):
        wrong.append("crm_lead_funnel counts %d leads, expected %d" % (counted, int(read)))
    for row in s.leads():
        for clear in LEAD_CLEAR:
            if clear in repr(row):
                wrong.append("crm_lead_list shows %s in clear" % clear)
    assert not wrong, "%s / lead %s:\n  %s" % (role, standing, "\n  ".join(wrong))


@pytest.mark.parametrize("standing", LEAD_STANDINGS)
@pytest.mark.parametrize("role", ROLES)
def test_every_lead_operation_is_allowed_or_denied_as_specified(db, role, standing):
    w = World(db, role, "own")
    lead = make_lead(w, standing)
    wrong = []
    for name, pair, call in lead_ops(w, lead, standing):
        ok, denial = lead_expectation(w, pair, standing)
        got, result = outcome(call)
        want = "ok" if ok else denial
        if got != want:
            wrong.append("%s (%s): expected %s, got %s%s" % (
                name, pair, want, got, "" if got == "ok" else ": " + str(result)))
        elif got == "ok" and pair != "lead.write" and not isinstance(result, Exception):
            for clear in LEAD_CLEAR:
                if clear in repr(result):
                    wrong.append("%s shows %s in clear" % (name, clear))
    assert not wrong, "%s / lead %s:\n  %s" % (role, standing, "\n  ".join(wrong))


def test_a_lead_one_may_read_but_not_write_is_a_permission_error(db):
    """Service gets lead.read (all) but no lead.write: the lead is visible,
    and every change is PermissionDenied, not NotFound."""
    w = World(db, "service", "own")
    lead = make_lead(w, "other")
    w.admin.set_permission("service", "lead", "read", "all")
    s = w.actor
    assert s.lead(lead)["id"] == lead
    assert [r["id"] for r in s.leads()] == [lead]
    for name, call in [
            ("crm_lead_unmask", lambda: s.unmask_lead(lead, "核对")),
            ("crm_lead_event", lambda: s.lead_event(lead, "inquiry")),
            ("crm_lead_advance", lambda: s.advance_lead(lead, "screened")),
            ("crm_lead_assign", lambda: s.assign_lead(lead)),
            ("crm_lead_convert", lambda: s.convert_lead(lead))]:
        got, result = outcome(call)
        assert got == "denied", "%s: expected denied, got %s: %s" % (name, got, result)
    assert w.admin.lead(lead)["score"] == 0.0, "nothing was recorded"


@pytest.mark.parametrize("role", ROLES)
def test_handing_a_lead_to_a_user_needs_lead_write_over_that_user(db, role):
    """crm_lead_assign to a user: lead.write over the lead (a pool lead for
    the roles that reach the pool, else the actor's own) and over the
    assignee, 王 in the actor's department or 赵 in another."""
    w = World(db, role, "own")
    scope = scope_of(role, "lead.write")
    for assignee, reach in [(w.peer_id, "department"), (w.other_id, "other")]:
        lead = make_lead(w, "pool" if scope in ("department", "all") else "own")
        ok = scope == "all" or (scope == "department" and reach == "department")
        got, result = outcome(lambda: w.actor.assign_lead(lead, assignee))
        want = "ok" if ok else ("denied" if scope != "none" else "not_found")
        assert got == want, "%s → %s user: expected %s, got %s: %s" % (
            role, reach, want, got, result)
        if ok:
            assert w.admin.lead(lead)["owner"] == assignee


@pytest.mark.parametrize("standing", STANDINGS)
@pytest.mark.parametrize("role", ROLES)
def test_merging_needs_update_on_the_survivor_and_archive_on_the_merged_one(db, role, standing):
    """crm_customer_merge and crm_customer_unmerge (docs/merge.md): customer.update
    on the survivor and customer.archive on the merged customer, both owned
    as `standing` says (a grant opens the survivor only); crm_merge_list
    shows a merge exactly when the user may read one of its customers."""
    w = World(db, role, standing)
    a = w.admin
    other = "other" if "grant" in standing else standing  # the merged customer's standing
    if not sees(role, standing):
        want = "not_found"
    elif not allowed(role, "customer.update", standing):
        want = "denied"
    elif not sees(role, other):
        want = "not_found"
    else:
        want = "ok" if allowed(role, "customer.archive", other) else "denied"
    d = a.create_customer(valid_customer(owner=w.owner_id, phone="13712340000"))
    got, result = outcome(lambda: w.actor.merge_customers(w.c, d, reason="重复录入"))
    assert got == want, "crm_customer_merge: expected %s, got %s: %s" % (want, got, result)
    if got == "ok":
        merge = result["merge"]
    else:
        assert a.get_customer(d).get("merged_into") is None, "nothing was merged"
        merge = a.merge_customers(w.c, d)["merge"]
    listed = [m["id"] for m in w.actor.merges()]
    assert listed == ([merge] if sees(role, standing) or sees(role, other) else []), listed
    got, result = outcome(lambda: w.actor.unmerge_customers(merge))
    assert got == want, "crm_customer_unmerge: expected %s, got %s: %s" % (want, got, result)
    assert (a.get_customer(d).get("merged_into") is None) == (got == "ok")


@pytest.mark.parametrize("standing", STANDINGS)
@pytest.mark.parametrize("role", ROLES)
def test_imports_write_only_what_the_user_may_and_exports_only_what_they_may(
        db, role, standing, tmp_path):
    """Bringing data in (docs/import.md).  crm_customer_import_buffer and
    crm_customer_import: a row for a new customer of the actor is imported
    when the role may create customers at all, a row for the owner of
    `standing` exactly when customer.create reaches that owner (a sales rep's
    rows for another owner are rejected, the rest imported); a role that
    may create none is refused up front.  crm_customer_export_csv: the
    customer is written exactly when read and export allow, masked.
    crm_followup_migrate: a record for the customer is migrated exactly when
    followup.write allows, else the row is rejected;
    crm_followup_migrate_verify reads it exactly when followup.read allows."""
    w = World(db, role, standing)
    s, a = w.actor, w.admin
    out = io.StringIO()
    n = s.export_csv(out, filters=[("id", "=", w.c)])
    want = 1 if sees(role, standing) and allowed(role, "customer.export", standing) else 0
    assert n == want, "%s / %s exported %d CSV rows" % (role, standing, n)
    assert PHONE not in out.getvalue(), "an export not in clear shows the phone"
    if n:
        assert "138****5678" in out.getvalue()

    rows = [valid_customer(owner=str(w.actor_id), phone="13711110001"),
            valid_customer(owner=str(w.owner_id), phone="13711110002")]
    may_create = scope_of(role, "customer.create") != "none"
    others = 1 if allowed(role, "customer.create", standing) else 0
    path = tmp_path / "rows.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for name, call in [
            # The rows share the world customer's e-mail: duplicates allowed,
            # as this is about who may create what.
            ("crm_customer_import", lambda: s.import_customers(path, mode="dry_run",
                                                               allow_duplicates=True)),
            ("crm_customer_import_buffer", lambda: s.import_rows(rows, allow_duplicates=True))]:
        got, result = outcome(call)
        if not may_create:
            assert got == "denied", "%s: %s / %s: expected a refusal, got %s: %s" % (
                name, role, standing, got, result)
            continue
        assert got == "ok", "%s: %s / %s: %s" % (name, role, standing, result)
        assert (result["inserted"], result["rejected"]) == (1 + others, 1 - others), (
            "%s: %s / %s: %r" % (name, role, standing, result))

    history = tmp_path / "history.csv"
    history.write_text("客户编号,跟进时间,跟进人,跟进方式,沟通内容\n"
                       "%s,2026-11-20 10:00,actor,电话,沟通需求\n" % w.c, encoding="utf-8")
    got, result = outcome(lambda: s.migrate_followups(history))
    assert got == "ok", "crm_followup_migrate refuses rows, not the call: %s" % result
    write = allowed(role, "followup.write", standing)
    assert (result["migrated"], result["rejected"]) == ((1, 0) if write else (0, 1)), (
        "crm_followup_migrate: %s / %s: %r" % (role, standing, result))
    if not write:
        a.migrate_followups(history)
    got, result = outcome(lambda: s.verify_migration(history, sample=1, seed=1))
    if allowed(role, "followup.read", standing):
        assert got == "ok" and result["matched"] == 1, "verify: %s %r" % (got, result)
    else:
        want = "denied" if sees(role, standing) else "not_found"
        assert got == want, "crm_followup_migrate_verify: expected %s, got %s: %s" % (
            want, got, result)


# Unscoped pairs: the same answer whatever the customer.
def unscoped_ops(w, tmp_path):
    s = w.actor
    return [
        ("crm_user_create", "user.manage",
         lambda: s.create_user(login="new1", name="新人", department="一部", role="sales")),
        ("crm_user_update", "user.manage", lambda: s.update_user(w.peer_id, name="同事")),
        ("crm_department_define", "user.manage", lambda: s.define_department("四部")),
        ("crm_department_update", "user.manage",
         lambda: s.update_department("二部", supervisor=w.other_id)),
        ("crm_role_define", "user.manage", lambda: s.define_role("finance", "财务", "Finance")),
        ("crm_permission_set", "user.manage",
         lambda: s.set_permission("service", "ticket", "read", "all")),
        ("crm_user_get", "user.read", lambda: s.get_user(w.peer_id)),
        ("crm_user_list", "user.read", lambda: s.users()),
        ("crm_department_list", "user.read", lambda: s.departments()),
        ("crm_permission_list", "user.read", lambda: s.permissions("sales")),
        ("crm_dict_add", "config.manage", lambda: s.add_dict_entry("industry", "mining", "采矿",
                                                                  "Mining")),
        ("crm_channel_set_department", "config.manage",
         lambda: s.set_channel_department("展会", "市场部")),
        ("crm_tag_define", "config.manage", lambda: s.define_tag("需求", "需要培训")),
        ("crm_custom_field_define", "config.manage",
         lambda: s.define_custom_field("budget", "integer", "预算")),
        ("crm_custom_field_retire", "config.manage", lambda: s.retire_custom_field("budget")),
        ("crm_setting_set", "config.manage", lambda: s.set_setting("followup.min_gap_hours", "12")),
        ("crm_completeness_field_set", "config.manage",
         lambda: s.set_completeness_field("email", 2)),
        ("crm_completeness_field_list", "config.read", lambda: s.completeness_fields()),
        ("crm_calendar_define", "config.manage", lambda: s.define_calendar("上海")),
        ("crm_calendar_load_holidays", "config.manage",
         lambda: s.load_holidays("year 2030\n2030-01-01 holiday 元旦\n")),
        ("crm_tier_define", "config.manage", lambda: s.define_tier("D", "3m", "D类", "Tier D")),
        ("crm_grading_criterion_define", "config.manage",
         lambda: s.define_criterion("scale_score", "规模分", "Scale score", "A>=80,B>=50")),
        ("crm_reminder_rule_set", "config.manage",
         lambda: s.set_reminder_rule("review_due", enabled=0)),
        ("crm_dict_label", "config.read", lambda: s.dict_label("priority", "high")),
        ("crm_dict_list", "config.read", lambda: s.dictionary("priority")),
        ("crm_tag_find", "config.read", lambda: s.find_tag("高潜力")),
        ("crm_tag_list", "config.read", lambda: s.tags()),
        ("crm_custom_field_list", "config.read", lambda: s.custom_fields()),
        ("crm_setting_get", "config.read", lambda: s.setting("review.create")),
        ("crm_calendar_list", "config.read", lambda: s.calendars()),
        ("crm_calendar_days", "config.read", lambda: s.calendar_days(2026)),
        ("crm_calendar_is_working_day", "config.read", lambda: s.is_working_day("2026-12-07")),
        ("crm_tier_list", "config.read", lambda: s.tiers()),
        ("crm_grading_criteria_list", "config.read", lambda: s.grading_criteria()),
        ("crm_config_history", "config.read", lambda: list(s.config_history())),
        ("crm_reminder_rule_list", "config.read", lambda: s.reminder_rules()),
        ("crm_tick", "schedule.run", lambda: s.tick()),
        ("crm_outbox_fetch", "schedule.run", lambda: s.fetch_outbox()),
        ("crm_outbox_list", "schedule.run", lambda: s.outbox()),
        ("crm_outbox_ack", "schedule.run", lambda: s.ack_outbox(1)),  # the tick wrote it
        ("crm_audit_list", "audit.read", lambda: list(s.audit())),
        ("crm_audit_head", "audit.read", lambda: s.audit_head()),
        ("crm_audit_verify", "audit.read", lambda: s.verify_audit()),
        ("crm_db_backup", "backup.run", lambda: s.backup(tmp_path / "copy.db")),
        ("crm_retention_list", "customer.erase", lambda: list(s.retention_due())),
        ("crm_agenda", "followup.read", lambda: list(s.agenda())),
        ("crm_daily_report", "followup.read", lambda: s.daily_report("2026-11-23")),
        ("crm_lead_score_rule_set", "config.manage",
         lambda: s.set_lead_score_rule("webinar", 4, "参加研讨会", "Webinar")),
        ("crm_lead_score_rule_list", "config.read", lambda: s.lead_score_rules()),
        ("crm_lead_route_add", "config.manage",
         lambda: s.add_lead_route(region="上海", user=w.peer_id)),
        ("crm_lead_route_list", "config.read", lambda: s.lead_routes()),
        # The rule just added by the administrator; others are refused first.
        ("crm_lead_route_remove", "config.manage",
         lambda: s.remove_lead_route(max([1] + [r["id"] for r in w.admin.lead_routes()]))),
        # Automation rules: a shipped template (disabled) to read, disable and
        # give a new version of; a new rule; a simulation on a scratch copy.
        ("crm_automation_rule_save", "config.manage",
         lambda: s.save_automation_rule(AUTOMATION_RULE)),
        ("crm_automation_rule_enable", "config.manage",
         lambda: s.enable_automation_rule(first_automation_rule(w), False)),
        ("crm_automation_simulate", "config.manage",
         lambda: s.simulate_automation(AUTOMATION_SCRIPT, rules=[AUTOMATION_RULE])),
        ("crm_automation_rule_get", "config.read",
         lambda: s.automation_rule(first_automation_rule(w))),
        ("crm_automation_rule_list", "config.read", lambda: s.automation_rules()),
        ("crm_automation_rule_versions", "config.read",
         lambda: s.automation_rule_versions(first_automation_rule(w))),
        ("crm_automation_run_list", "config.read", lambda: s.automation_runs()),
    ]


AUTOMATION_RULE = {"name": "高潜力打标签", "trigger": {"event": "tag_added", "tag": "高潜力"},
                   "actions": [{"type": "add_tag", "tag": "采购设备"}]}
AUTOMATION_SCRIPT = {"start": T0, "steps": [
    {"do": "create", "fields": valid_customer(phone="13712345678")},
    {"after_hours": 1, "do": "tag", "tag": "高潜力"}]}


def first_automation_rule(w):
    """The id of the first rule (a shipped template), as the administrator
    sees it."""
    return w.admin.automation_rules()[0]["id"]


# The calendar arithmetic of crm.h reads configuration like the days list.
CALENDAR_ARITHMETIC = ["crm_calendar_is_working_time", "crm_calendar_next_working_time",
                       "crm_calendar_add_working_days", "crm_calendar_add_working_hours"]


@pytest.mark.parametrize("role", ROLES)
def test_every_unscoped_operation_follows_the_roles_right(db, role, tmp_path):
    w = World(db, role, "own")
    wrong = []
    for name, pair, call in unscoped_ops(w, tmp_path):
        # customer.erase and followup.read are asked for the user themselves.
        ok = allowed(role, pair, "own")
        got, result = outcome(call)
        if got != ("ok" if ok else "denied"):
            wrong.append("%s (%s): expected %s, got %s: %s" % (
                name, pair, "ok" if ok else "denied", got, result))
    assert not wrong, "%s:\n  %s" % (role, "\n  ".join(wrong))


# What asks no permission question of the matrix, and why.
NOT_ABOUT_PERMISSIONS = {
    # Version, errors, records, fields: no session.
    **{n: "no session" for n in [
        "crm_version", "crm_version_number", "crm_errcode", "crm_errmsg", "crm_errmsg_zh",
        "crm_status_name", "crm_error_field_count", "crm_error_field_name",
        "crm_error_field_code", "crm_error_field_message", "crm_error_field_message_zh",
        "crm_error_field_label_zh", "crm_free", "crm_record_new", "crm_record_free",
        "crm_record_set_text", "crm_record_set_textn", "crm_record_set_int",
        "crm_record_set_real", "crm_record_set_null", "crm_record_unset", "crm_record_count",
        "crm_record_name", "crm_record_type", "crm_record_get_text", "crm_record_get_int",
        "crm_record_get_real", "crm_field_count", "crm_field_info", "crm_field_resolve",
        "crm_schema_version", "crm_backup_verify"]},
    # The handle and its clock, transactions and cursors: the host's, not a user's.
    **{n: "the database handle, not a user" for n in [
        "crm_db_open", "crm_db_close", "crm_db_schema_version", "crm_db_time_zone",
        "crm_db_clock_system", "crm_db_clock_fixed", "crm_db_clock_callback", "crm_db_now",
        "crm_db_begin", "crm_db_commit", "crm_db_rollback", "crm_cursor_next",
        "crm_cursor_next_page", "crm_cursor_close"]},
    # Sessions: opening one is the identity check (an inactive user cannot).
    **{n: "opens or reads a session" for n in [
        "crm_session_open", "crm_session_open_login", "crm_session_close",
        "crm_session_user"]},
    # Asking a question, and one's own requests and changes.
    "crm_permission_check": "answers the matrix's question; tested in test_permissions.py",
    "crm_access_request": "anyone may ask; the owner decides (crm_access_decide above)",
    "crm_access_withdraw": "the requester's own request only",
    "crm_pending_decide": "test_a_pending_change_is_reviewed_by_whoever_approves_over_its_owner",
    "crm_pending_withdraw": "the author's own change only",
    "crm_customer_create": "customer.create for the owner; tested in test_permissions.py",
    "crm_customer_list": "test_lists_counts_rosters_and_exports_never_leak_a_row",
    "crm_customer_count": "test_lists_counts_rosters_and_exports_never_leak_a_row",
    "crm_roster_list": "test_lists_counts_rosters_and_exports_never_leak_a_row",
    "crm_customer_export": "test_lists_counts_rosters_and_exports_never_leak_a_row",
    "crm_customer_search": "test_lists_counts_rosters_and_exports_never_leak_a_row",
    "crm_completeness_report": "test_lists_counts_rosters_and_exports_never_leak_a_row",
    **{n: "config.read, like crm_calendar_days" for n in CALENDAR_ARITHMETIC},
    # Duplicates (R9.3): no permission of their own; they show only readable
    # customers (test_duplicates.py::test_a_pair_the_user_cannot_read_both_of_is_hidden).
    "crm_match_key": "no session",
    "crm_duplicates_find": "filtered to readable customers; test_duplicates.py",
    "crm_duplicates_of": "filtered to readable customers; test_duplicates.py",
    "crm_cleansing_report": "filtered to readable customers; test_duplicates.py",
}


def test_every_function_of_the_c_abi_is_in_the_matrix_or_says_why_not(db, tmp_path):
    with open(HEADER, encoding="utf-8") as f:
        declared = set(re.findall(r"CRM_API\s+[^;(]*?\b(crm_[a-z0-9_]+)\s*\(", f.read()))
    w = World(db, "sales", "own")
    covered = {n for n, _, _ in customer_ops(w)} | {n for n, _, _ in unscoped_ops(w, tmp_path)}
    covered |= {n for n, _, _ in lead_ops(w, 0, "own")}
    # test_lead_lists_and_the_funnel_show_exactly_the_readable_leads checks
    # what these show.
    covered |= {"crm_lead_list", "crm_lead_funnel"}
    # test_merging_needs_update_on_the_survivor_and_archive_on_the_merged_one.
    covered |= {"crm_customer_merge", "crm_customer_unmerge", "crm_merge_list"}
    # test_imports_write_only_what_the_user_may_and_exports_only_what_they_may.
    covered |= {"crm_customer_import", "crm_customer_import_buffer", "crm_customer_export_csv",
                "crm_followup_migrate", "crm_followup_migrate_verify"}
    missing = sorted(declared - covered - set(NOT_ABOUT_PERMISSIONS))
    assert not missing, "functions of crm.h the permission matrix test does not cover: %s" % (
        ", ".join(missing))
    stale = sorted((covered | set(NOT_ABOUT_PERMISSIONS)) - declared)
    assert not stale, "names in the matrix test that crm.h no longer declares: %s" % stale
