"""Contacts (联系人, R1.9): several per customer, exactly one primary, synced
with the customer's own contact_name / phone / email, decision makers (决策人)
as major changes (R1.10) in the history."""

import contextlib

import pytest

import crm
from conftest import valid_customer


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def snapshot(session, cid):
    """Everything a contact call may change: the customer record (version,
    updated_at, contact fields), its history and its contacts."""
    return {
        "customer": session.get_customer(cid),
        "history": session.customer_history(cid),
        "contacts": session.contacts(cid),
    }


@contextlib.contextmanager
def fails_and_changes_nothing(session, cid, exc, what):
    """The block must raise ``exc`` and leave customer ``cid`` exactly as it
    was: same version, same history, same contacts, same record.  Yields the
    pytest ExceptionInfo (filled in when the block has raised)."""
    before = snapshot(session, cid)
    with pytest.raises(exc) as info:
        yield info
    after = snapshot(session, cid)
    assert after["customer"]["version"] == before["customer"]["version"], (
        "%s failed (%s) but the customer's version went from %d to %d"
        % (what, info.value, before["customer"]["version"], after["customer"]["version"]))
    assert len(after["history"]) == len(before["history"]), (
        "%s failed (%s) but wrote history rows: %r"
        % (what, info.value, after["history"][len(before["history"]):]))
    assert after["history"] == before["history"], "%s failed but changed the history" % what
    assert after["contacts"] == before["contacts"], (
        "%s failed but the contacts changed:\nbefore %r\nafter  %r"
        % (what, before["contacts"], after["contacts"]))
    assert after["customer"] == before["customer"], (
        "%s failed but the customer changed:\nbefore %r\nafter  %r"
        % (what, before["customer"], after["customer"]))


def field_codes(err):
    """{field: code} of a ValidationError."""
    return {fe.field: fe.code for fe in err.errors}


def new_rows(session, cid, before):
    """The history rows written since the history had ``before`` rows."""
    return session.customer_history(cid)[before:]


def clear_contact(session, contact_id):
    """A contact with its phone and e-mail in clear (reads mask them, R3.6)."""
    return session.unmask_contact(contact_id, "测试：核对存储值")


def clear_customer(session, cid):
    """A customer with its contact details in clear (reads mask them, R3.6)."""
    return session.unmask_customer(cid, "测试：核对存储值")


def primary_of(session, cid):
    rows = [c for c in session.contacts(cid) if c["primary"] == 1]
    assert len(rows) == 1, "exactly one primary contact expected, got %r" % rows
    return rows[0]


@pytest.fixture
def customer(session):
    """A customer whose primary contact is 王伟 (phone and e-mail)."""
    return session.create_customer(valid_customer(contact_name="王伟", phone="13812345678",
                                                  email="wangwei@example.com"))


# --------------------------------------------------------------------------
# The primary contact comes with the customer
# --------------------------------------------------------------------------

def test_new_customer_has_its_primary_contact(session, customer):
    rows = session.contacts(customer)
    assert len(rows) == 1, "a new customer should have exactly its primary contact: %r" % rows
    p = rows[0]
    c = session.get_customer(customer)
    assert p["customer"] == customer
    assert (p["name"], p["phone"], p["email"]) == (c["contact_name"], c["phone"], c["email"]), \
        "the primary contact should be the customer's contact_name/phone/email: %r" % p
    assert p["phone_display"] == c["phone_display"] == "138****5678", \
        "reads show the phone masked (R3.6): %r / %r" % (p, c)
    assert (p["email"], c["email"]) == ("w***@example.com",) * 2, (p, c)
    pc, cc = clear_contact(session, p["id"]), clear_customer(session, customer)
    assert (pc["name"], pc["phone"], pc["email"]) == \
        (cc["contact_name"], cc["phone"], cc["email"]) == \
        ("王伟", "+8613812345678", "wangwei@example.com"), \
        "in clear, the primary contact is the customer's contact_name/phone/email: %r" % pc
    assert pc["phone_display"] == cc["phone_display"] == "138 1234 5678"
    assert (p["primary"], p["decision_maker"], p["removed"], p["title"]) == (1, 0, 0, None)
    assert c["contact_title"] is None
    assert isinstance(p["id"], int)
    assert session.get_contact(p["id"]) == p, "get_contact and contacts() disagree"
    assert c["version"] == 1, "creating the customer is its first version"
    assert [h["kind"] for h in session.customer_history(customer)] == ["create"], \
        "the primary contact is part of the creation, not a separate change"


# --------------------------------------------------------------------------
# Adding
# --------------------------------------------------------------------------

def test_add_contact_returns_id_normalises_and_records_history(session, customer):
    v = session.get_customer(customer)["version"]
    n = len(session.customer_history(customer))
    k = session.add_contact(customer, name="李娜", title="采购总监", phone="021-12345678",
                            email="  lina@Example.COM ")
    assert isinstance(k, int) and not isinstance(k, bool), "add_contact returns the int id"
    got = session.get_contact(k)
    assert got["id"] == k and got["customer"] == customer
    assert (got["name"], got["title"]) == ("李娜", "采购总监")
    assert (got["phone"], got["phone_display"]) == ("021****5678", "021****5678"), \
        "reads mask the phone: %r" % got
    clear = clear_contact(session, k)
    assert clear["phone"] == "+862112345678", "phones are stored in E.164"
    assert clear["phone_display"] == "021 1234 5678"
    assert clear["email"].strip() == clear["email"] and \
        clear["email"].endswith("@example.com"), \
        "the e-mail should be trimmed and its domain lower-cased: %r" % clear["email"]
    assert (got["primary"], got["decision_maker"], got["removed"]) == (0, 0, 0), \
        "a new contact is an ordinary, non-decision-maker contact: %r" % got
    assert set(got) >= {"created_at", "updated_at"}

    assert session.get_customer(customer)["version"] == v + 1, "adding a contact is a new version"
    rows = new_rows(session, customer, n)
    assert len(rows) == 1, "one history row per added contact, got %r" % rows
    h = rows[0]
    assert (h["kind"], h["field"], h["before"], h["after"]) == \
        ("contact", "contacts", None, "%d:李娜" % k), h
    assert h["major"] == 0, "an ordinary contact is not a major change: %r" % h
    assert h["actor"] == session.user_id


def test_add_contact_takes_a_dict_and_keywords_keywords_win(session, customer):
    k = session.add_contact(customer, {"name": "张三", "email": "old@example.com"},
                            email="new@example.com")
    assert clear_contact(session, k)["email"] == "new@example.com"
    with pytest.raises(TypeError):
        session.add_contact(customer, [("name", "张三")])


def test_contacts_list_primary_first_then_in_order_added(session, customer):
    first = session.contacts(customer)[0]["id"]
    a = session.add_contact(customer, name="甲一", email="a@example.com")
    b = session.add_contact(customer, name="乙二", email="b@example.com")
    assert [c["id"] for c in session.contacts(customer)] == [first, a, b]
    session.make_primary_contact(b)
    assert [c["id"] for c in session.contacts(customer)] == [b, first, a], \
        "the primary comes first, then the others in the order they were added"
    assert [c["primary"] for c in session.contacts(customer)] == [1, 0, 0]


def test_the_actor_is_recorded(db, session, customer):
    uid = session.create_user(login="zhangmin", name="张敏", role="sales")
    # A rep works on their own customers only (R3.1): hand this one to her.
    session.transfer_customer(customer, uid, "由张敏跟进")
    with db.session(uid) as sales:
        sales.add_contact(customer, name="周杰", email="zj@example.com")
    h = session.customer_history(customer)[-1]
    assert (h["kind"], h["actor"]) == ("contact", uid), h
    assert session.get_customer(customer)["updated_by"] == uid


def test_add_in_a_rolled_back_transaction_leaves_nothing(db, session, customer):
    before = snapshot(session, customer)
    db.begin()
    session.add_contact(customer, name="吴十", email="w@example.com")
    db.rollback()
    assert snapshot(session, customer) == before, "a rolled-back add must leave no trace"


# --------------------------------------------------------------------------
# decision_maker (决策人)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("given, stored", [(True, 1), (False, 0), (1, 1), (0, 0)])
def test_decision_maker_accepts_bool_and_0_1(session, customer, given, stored):
    k = session.add_contact(customer, name="赵六", email="z@example.com", decision_maker=given)
    assert session.get_contact(k)["decision_maker"] == stored
    session.update_contact(k, decision_maker=not stored)
    assert session.get_contact(k)["decision_maker"] == 1 - stored, \
        "update_contact should accept a bool decision_maker too"


@pytest.mark.parametrize("bad", [2, -1, 10])
def test_decision_maker_other_than_0_or_1_is_refused_on_add(session, customer, bad):
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "add_contact(decision_maker=%r)" % bad) as info:
        session.add_contact(customer, name="赵六", email="z@example.com", decision_maker=bad)
    assert info.value.fields == ["decision_maker"], str(info.value)


@pytest.mark.parametrize("bad", [2, -1, "1", 1.0])
def test_decision_maker_other_than_0_or_1_is_refused_on_update(session, customer, bad):
    k = session.add_contact(customer, name="赵六", email="z@example.com")
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "update_contact(decision_maker=%r)" % bad) as info:
        session.update_contact(k, decision_maker=bad)
    assert info.value.fields == ["decision_maker"], str(info.value)
    assert session.get_contact(k)["decision_maker"] == 0


def test_adding_a_decision_maker_is_major(session, customer):
    n = len(session.customer_history(customer))
    k = session.add_contact(customer, name="钱九", email="q@example.com", decision_maker=True)
    rows = new_rows(session, customer, n)
    assert [(h["kind"], h["field"], h["after"], h["major"]) for h in rows] == \
        [("contact", "contacts", "%d:钱九" % k, 1)], \
        "adding a decision maker is one history row marked major: %r" % rows


@pytest.mark.parametrize("start, to", [(0, 1), (1, 0)])
def test_changing_decision_maker_is_major(session, customer, start, to):
    k = session.add_contact(customer, name="钱九", email="q@example.com", decision_maker=start)
    v = session.get_customer(customer)["version"]
    n = len(session.customer_history(customer))
    session.update_contact(k, decision_maker=to)
    rows = new_rows(session, customer, n)
    assert [(h["kind"], h["field"], h["before"], h["after"], h["major"]) for h in rows] == \
        [("contact", "contact.%d.decision_maker" % k, str(start), str(to), 1)], rows
    assert session.get_customer(customer)["version"] == v + 1


def test_other_changes_of_a_decision_maker_are_not_major(session, customer):
    k = session.add_contact(customer, name="钱九", email="q@example.com", decision_maker=1)
    n = len(session.customer_history(customer))
    session.update_contact(k, title="首席技术官")
    rows = new_rows(session, customer, n)
    assert [(h["field"], h["major"]) for h in rows] == [("contact.%d.title" % k, 0)], \
        "only adding/removing a decision maker or changing decision_maker is major: %r" % rows


def test_removing_a_decision_maker_is_major_and_an_ordinary_contact_is_not(session, customer):
    dm = session.add_contact(customer, name="钱九", email="q@example.com", decision_maker=1)
    plain = session.add_contact(customer, name="孙七", email="s@example.com")
    n = len(session.customer_history(customer))
    session.remove_contact(dm)
    session.remove_contact(plain)
    rows = new_rows(session, customer, n)
    assert [(h["field"], h["before"], h["after"], h["major"]) for h in rows] == [
        ("contacts", "%d:钱九" % dm, None, 1),
        ("contacts", "%d:孙七" % plain, None, 0),
    ], rows


# --------------------------------------------------------------------------
# "primary" is read-only
# --------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 1])
def test_primary_in_add_is_refused(session, customer, value):
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "add_contact(primary=%d)" % value) as info:
        session.add_contact(customer, name="赵六", email="z@example.com", primary=value)
    assert field_codes(info.value) == {"primary": "read_only"}, str(info.value)


def test_primary_in_update_is_refused(session, customer):
    first = session.contacts(customer)[0]["id"]
    k = session.add_contact(customer, name="赵六", email="z@example.com")
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "update_contact(non-primary, primary=1)") as info:
        session.update_contact(k, primary=1)
    assert field_codes(info.value) == {"primary": "read_only"}, str(info.value)
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "update_contact(primary, primary=0)") as info:
        session.update_contact(first, {"primary": 0, "title": "总经理"})
    assert field_codes(info.value) == {"primary": "read_only"}, str(info.value)
    assert primary_of(session, customer)["id"] == first


@pytest.mark.parametrize("field, value", [("id", 999), ("customer", "C0002"), ("removed", 1)])
def test_other_read_only_contact_fields_cannot_be_changed(session, customer, field, value):
    k = session.add_contact(customer, name="赵六", email="z@example.com")
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "update_contact(%s=%r)" % (field, value)) as info:
        session.update_contact(k, {field: value})
    assert field_codes(info.value) == {field: "read_only"}, str(info.value)


def test_customer_contact_title_is_read_only(session, customer):
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "update_customer(contact_title=...)") as info:
        session.update_customer(customer, contact_title="总经理")
    assert field_codes(info.value) == {"contact_title": "read_only"}, str(info.value)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def test_add_without_a_contact_method_is_contact_required(session, customer):
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "add_contact without phone or e-mail") as info:
        session.add_contact(customer, name="赵六", title="采购经理")
    assert "contact_required" in field_codes(info.value).values(), str(info.value)


def test_clearing_the_last_contact_method_is_contact_required(session, customer):
    phone_only = session.add_contact(customer, name="赵六", phone="13912345678")
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "update_contact(phone=None) of a phone-only contact") as info:
        session.update_contact(phone_only, phone=None)
    assert "contact_required" in field_codes(info.value).values(), str(info.value)
    assert clear_contact(session, phone_only)["phone"] == "+8613912345678"

    both = session.add_contact(customer, name="孙七", phone="13912345679", email="s@example.com")
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "update_contact(phone=None, email=None)") as info:
        session.update_contact(both, phone=None, email=None)
    assert "contact_required" in field_codes(info.value).values(), str(info.value)

    # Clearing one of two is fine.
    session.update_contact(both, phone=None)
    got = clear_contact(session, both)
    assert (got["phone"], got["phone_display"], got["email"]) == (None, None, "s@example.com")


def test_clearing_the_primary_contacts_last_method_is_refused_on_both_sides(session):
    cid = session.create_customer(valid_customer(phone="13812345678", email=None))
    pid = session.contacts(cid)[0]["id"]
    with fails_and_changes_nothing(session, cid, crm.ValidationError,
                                   "update_contact(primary, phone=None)") as info:
        session.update_contact(pid, phone=None)
    assert "contact_required" in field_codes(info.value).values(), str(info.value)
    with fails_and_changes_nothing(session, cid, crm.ValidationError,
                                   "update_customer(phone=None)") as info:
        session.update_customer(cid, phone=None)
    assert "contact_required" in field_codes(info.value).values(), str(info.value)


def test_validation_reports_every_failing_field(session, customer):
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "add_contact with four bad fields") as info:
        session.add_contact(customer, name="", phone="12345", email="bad@", title="职" * 51)
    codes = field_codes(info.value)
    assert codes == {"name": "required", "phone": "invalid_phone", "email": "invalid_email",
                     "title": "too_long"}, str(info.value)
    assert all(fe.message and fe.message_zh for fe in info.value.errors)


def test_unknown_field_is_refused(session, customer):
    with fails_and_changes_nothing(session, customer, crm.ValidationError,
                                   "add_contact(bogus=1)") as info:
        session.add_contact(customer, name="赵六", email="z@example.com", bogus=1)
    assert field_codes(info.value) == {"bogus": "unknown_field"}, str(info.value)


# --------------------------------------------------------------------------
# Updating, and the primary contact <-> customer sync
# --------------------------------------------------------------------------

def test_update_contact_writes_one_row_per_changed_field(session, customer):
    k = session.add_contact(customer, name="李娜", phone="021-12345678")
    v = session.get_customer(customer)["version"]
    n = len(session.customer_history(customer))
    assert session.update_contact(k, title="采购总监", email="lina@example.com") is None
    rows = new_rows(session, customer, n)
    # History shows the e-mail masked like every read (R3.6).
    assert sorted((h["kind"], h["field"], h["before"], h["after"], h["major"]) for h in rows) == [
        ("contact", "contact.%d.email" % k, None, "l***@example.com", 0),
        ("contact", "contact.%d.title" % k, None, "采购总监", 0),
    ], rows
    assert clear_contact(session, k)["email"] == "lina@example.com"
    assert session.get_customer(customer)["version"] == v + 1, "one update call, one version"
    # A non-primary contact does not touch the customer's own contact fields.
    c = session.get_customer(customer)
    assert (c["contact_name"], c["contact_title"]) == ("王伟", None)


def test_an_update_that_changes_nothing_writes_nothing(session, customer):
    k = session.add_contact(customer, name="李娜", phone="021-12345678", decision_maker=1)
    before = snapshot(session, customer)
    session.update_contact(k)
    session.update_contact(k, {})
    session.update_contact(k, name="李娜", decision_maker=True)
    assert snapshot(session, customer) == before, "a no-op update must not write anything"


def test_changing_the_primary_contact_changes_the_customer(session, customer):
    pid = primary_of(session, customer)["id"]
    v = session.get_customer(customer)["version"]
    session.update_contact(pid, name="王大伟", title="总经理", phone="010-12345678",
                           email="boss@example.com")
    c = clear_customer(session, customer)
    assert (c["contact_name"], c["contact_title"], c["phone"], c["phone_display"], c["email"]) \
        == ("王大伟", "总经理", "+861012345678", "010 1234 5678", "boss@example.com"), c
    assert c["version"] == v + 1
    assert {h["field"] for h in session.customer_history(customer) if h["kind"] == "contact"} \
        == {"contact.%d.%s" % (pid, f) for f in ("name", "title", "phone", "email")}


def test_changing_the_customer_changes_its_primary_contact(session, customer):
    pid = primary_of(session, customer)["id"]
    other = session.add_contact(customer, name="李娜", email="lina@example.com")
    other_before = session.get_contact(other)
    session.update_customer(customer, contact_name="王大伟", phone="010-12345678",
                            email="boss@example.com")
    p = clear_contact(session, pid)
    assert (p["name"], p["phone"], p["phone_display"], p["email"]) == \
        ("王大伟", "+861012345678", "010 1234 5678", "boss@example.com"), p
    assert session.get_contact(other) == other_before, "only the primary contact follows"


# --------------------------------------------------------------------------
# make_primary_contact
# --------------------------------------------------------------------------

def test_make_primary_switches_the_customers_contact(session, customer):
    old = primary_of(session, customer)
    new = session.add_contact(customer, name="李娜", title="采购总监", phone="021-12345678")
    v = session.get_customer(customer)["version"]
    n = len(session.customer_history(customer))
    assert session.make_primary_contact(new) is None

    c = clear_customer(session, customer)
    assert (c["contact_name"], c["contact_title"], c["phone"], c["email"]) == \
        ("李娜", "采购总监", "+862112345678", None), \
        "the customer's contact fields are the new primary's: %r" % c
    assert c["version"] == v + 1
    assert session.get_contact(new)["primary"] == 1
    demoted = session.get_contact(old["id"])
    assert demoted["primary"] == 0 and demoted["removed"] == 0, \
        "the previous primary stays as an ordinary contact: %r" % demoted
    assert (demoted["name"], demoted["email"]) == (old["name"], old["email"])
    rows = new_rows(session, customer, n)
    assert [(h["kind"], h["field"], h["before"], h["after"], h["major"]) for h in rows] == \
        [("contact", "primary_contact", "%d:王伟" % old["id"], "%d:李娜" % new, 0)], rows

    # Now the old primary is an ordinary contact and can be removed.
    session.remove_contact(old["id"])
    assert [x["id"] for x in session.contacts(customer)] == [new]


def test_make_primary_of_the_primary_changes_nothing(session, customer):
    pid = primary_of(session, customer)["id"]
    before = snapshot(session, customer)
    session.make_primary_contact(pid)
    assert snapshot(session, customer) == before, "already primary: nothing changes"


# --------------------------------------------------------------------------
# Removing
# --------------------------------------------------------------------------

def test_remove_contact(session, customer):
    k = session.add_contact(customer, name="李娜", email="lina@example.com")
    v = session.get_customer(customer)["version"]
    n = len(session.customer_history(customer))
    assert session.remove_contact(k, "已离职") is None
    assert session.get_customer(customer)["version"] == v + 1
    rows = new_rows(session, customer, n)
    assert [(h["kind"], h["field"], h["before"], h["after"], h["reason"], h["major"])
            for h in rows] == [("contact", "contacts", "%d:李娜" % k, None, "已离职", 0)], rows
    assert k not in [x["id"] for x in session.contacts(customer)], \
        "a removed contact must leave the list"
    with pytest.raises(crm.NotFound):
        session.get_contact(k)


def test_remove_without_reason(session, customer):
    k = session.add_contact(customer, name="李娜", email="lina@example.com")
    session.remove_contact(k)
    assert session.customer_history(customer)[-1]["reason"] is None


def test_a_removed_contact_cannot_be_changed(session, customer):
    k = session.add_contact(customer, name="李娜", email="lina@example.com")
    session.remove_contact(k)
    for what, call in [("get_contact", lambda: session.get_contact(k)),
                       ("update_contact", lambda: session.update_contact(k, title="x")),
                       ("make_primary_contact", lambda: session.make_primary_contact(k)),
                       ("remove_contact", lambda: session.remove_contact(k))]:
        with fails_and_changes_nothing(session, customer, crm.NotFound,
                                       "%s of a removed contact" % what):
            call()


def test_removing_the_primary_is_a_conflict(session, customer):
    pid = primary_of(session, customer)["id"]
    session.add_contact(customer, name="李娜", email="lina@example.com")
    with fails_and_changes_nothing(session, customer, crm.Conflict,
                                   "remove_contact(primary)"):
        session.remove_contact(pid, "试试")
    assert session.get_contact(pid)["primary"] == 1


def test_remove_reason_too_long(session, customer):
    k = session.add_contact(customer, name="李娜", email="lina@example.com")
    with fails_and_changes_nothing(session, customer, crm.InvalidArgument,
                                   "remove_contact with a 501-character reason"):
        session.remove_contact(k, "因" * 501)


# --------------------------------------------------------------------------
# Archived and unknown customers, unknown contacts
# --------------------------------------------------------------------------

def test_archived_customer_refuses_contact_changes(session, customer):
    k = session.add_contact(customer, name="李娜", email="lina@example.com")
    pid = primary_of(session, customer)["id"]
    session.archive_customer(customer, "测试")
    calls = [
        ("add_contact", lambda: session.add_contact(customer, name="赵六", email="z@e.com")),
        ("update_contact", lambda: session.update_contact(k, title="经理")),
        ("update_contact(primary)", lambda: session.update_contact(pid, title="经理")),
        ("remove_contact", lambda: session.remove_contact(k)),
        ("make_primary_contact", lambda: session.make_primary_contact(k)),
    ]
    for what, call in calls:
        with fails_and_changes_nothing(session, customer, crm.StateError,
                                       "%s on an archived customer" % what):
            call()
    # Still readable.
    assert [x["id"] for x in session.contacts(customer)] == [pid, k]
    assert session.get_contact(k)["name"] == "李娜"


def test_unknown_customer_and_contact(session, customer):
    with pytest.raises(crm.NotFound):
        session.add_contact("C9999", name="赵六", email="z@example.com")
    with pytest.raises(crm.NotFound):
        session.contacts("C9999")
    for what, call in [("get_contact", lambda: session.get_contact(999999)),
                       ("update_contact", lambda: session.update_contact(999999, title="x")),
                       ("remove_contact", lambda: session.remove_contact(999999)),
                       ("make_primary_contact", lambda: session.make_primary_contact(999999))]:
        with fails_and_changes_nothing(session, customer, crm.NotFound, what):
            call()


def test_python_argument_types_are_checked_before_the_call(session, customer):
    with pytest.raises(TypeError):
        session.get_contact("1")
    with pytest.raises(TypeError):
        session.get_contact(True)
    with pytest.raises(TypeError):
        session.add_contact(1, name="赵六", email="z@example.com")
    with pytest.raises(TypeError):
        session.contacts(None)
    with pytest.raises(TypeError):
        session.remove_contact(1, reason=5)
    with pytest.raises(TypeError):     # bool is only translated for decision_maker
        session.add_contact(customer, name="赵六", email="z@example.com", title=True)


# --------------------------------------------------------------------------
# History rows carry "major"
# --------------------------------------------------------------------------

def test_every_history_row_has_major(session, customer):
    session.update_customer(customer, key_needs="产线升级")
    session.tag_customer(customer, "制造业")
    session.add_contact(customer, name="钱九", email="q@example.com", decision_maker=1)
    rows = session.customer_history(customer)
    assert all("major" in h for h in rows), rows
    assert [(h["kind"], h["major"]) for h in rows] == \
        [("create", 0), ("update", 0), ("tag", 0), ("contact", 1)], rows


def test_history_list_carries_major_like_customer_history(session, customer):
    k = session.add_contact(customer, name="钱九", email="q@example.com", decision_maker=1)
    session.update_contact(k, title="CTO")
    listed = [h for h in session.history(customer=customer) if h["kind"] == "contact"]
    own = [h for h in session.customer_history(customer) if h["kind"] == "contact"]
    assert [(h["field"], h["after"], h["major"]) for h in listed] == \
        [(h["field"], h["after"], h["major"]) for h in own] == \
        [("contacts", "%d:钱九" % k, 1), ("contact.%d.title" % k, "CTO", 0)], listed
    assert all(h["customer"] == customer for h in listed)


# --------------------------------------------------------------------------
# Registry and documentation
# --------------------------------------------------------------------------

def test_contact_fields_are_registered():
    by_name = {f["name"]: f for f in crm.fields("contact")}
    assert set(by_name) == {"id", "customer", "name", "title", "phone", "phone_display",
                            "email", "decision_maker", "primary", "removed", "created_at",
                            "updated_at"}, sorted(by_name)
    assert by_name["primary"]["readonly"] and by_name["removed"]["readonly"]
    assert by_name["name"]["required"] and not by_name["decision_maker"]["readonly"]
    assert crm.resolve_field("决策人", "contact") == "decision_maker"


def test_contact_methods_are_documented_in_chinese_too():
    for name in ("add_contact", "get_contact", "update_contact", "remove_contact",
                 "make_primary_contact", "contacts"):
        doc = getattr(crm.Session, name).__doc__ or ""
        assert "联系人" in doc, "Session.%s's docstring should mention 联系人" % name
