"""Wrong Python types are TypeErrors raised before any C call; closed handles
are StateErrors, never a crash."""

from decimal import Decimal

import pytest

import crm
from crm import _lib
from conftest import valid_customer


@pytest.mark.parametrize("value", [True, False, b"bytes", ["list"], {"a": 1}, Decimal("1.5"),
                                   object()], ids=repr)
def test_unsupported_value_types_name_the_field(session, value):
    with pytest.raises(TypeError, match="key_needs"):
        session.create_customer(valid_customer(key_needs=value))
    assert list(session.customers()) == []


def test_bool_is_not_an_int(session):
    with pytest.raises(TypeError, match="bool"):
        crm.record_json({"owner": True})


def test_field_names_must_be_str(session):
    with pytest.raises(TypeError):
        session.create_customer({1: "x"})
    with pytest.raises(TypeError):
        session.create_customer(["name", "x"])


def test_ints_must_fit_int64(session):
    with pytest.raises(OverflowError, match="owner"):
        session.create_customer(valid_customer(owner=2 ** 63))


def test_int_and_float_values_go_through_typed_setters():
    import json
    doc = json.loads(crm.record_json({"i": -(2 ** 63), "j": 2 ** 63 - 1, "r": 0.25}))
    assert doc == {"i": -(2 ** 63), "j": 2 ** 63 - 1, "r": 0.25}


def test_wrong_argument_types(db, session, make_customer):
    cid = make_customer()
    with pytest.raises(TypeError):
        session.get_customer(3.5)
    with pytest.raises(TypeError):
        session.get_customer(True)
    with pytest.raises(TypeError):
        session.update_customer(1, priority="低")
    with pytest.raises(TypeError):
        session.update_customer(cid, "priority")
    with pytest.raises(TypeError):
        session.set_customer_type(cid, 2)
    with pytest.raises(TypeError):
        session.archive_customer(cid, reason=42)
    with pytest.raises(TypeError):
        session.get_user("1")
    with pytest.raises(TypeError):
        session.customers(page_size="10")
    with pytest.raises(TypeError):
        session.customers(owner="admin")
    with pytest.raises(TypeError):
        db.session("admin")
    with pytest.raises(TypeError):
        crm.resolve_field(b"name")
    with pytest.raises(ValueError, match="NUL"):
        session.get_customer("C0001\0")
    assert session.get_customer(cid)["type"] == "prospect"


def test_type_errors_happen_before_any_c_call(session, monkeypatch):
    def boom(*args):
        raise AssertionError("crm_record_new was called for a bad record")
    monkeypatch.setattr(_lib.lib, "crm_record_new", boom)
    with pytest.raises(TypeError):
        session.create_customer(valid_customer(priority=["高"]))


def test_closed_session_raises_state_error(db):
    s = db.session()
    cid = s.create_customer(valid_customer())
    s.close()
    for call in [lambda: s.get_customer(cid),
                 lambda: s.create_customer(valid_customer()),
                 lambda: s.update_customer(cid, priority="低"),
                 lambda: s.set_customer_type(cid, "intent"),
                 lambda: s.archive_customer(cid),
                 lambda: s.customers(),
                 lambda: s.customer_page(),
                 lambda: s.customer_history(cid),
                 lambda: s.user_id,
                 lambda: s.dict_label("priority", "high")]:
        with pytest.raises(crm.StateError) as info:
            call()
        assert info.value.code == crm.Status.STATE
        assert info.value.message_zh, "the binding's own errors are bilingual too"
    with db.session() as s2:
        assert s2.get_customer(cid)["type"] == "prospect", "nothing changed"


def test_closed_db_raises_state_error():
    db = crm.Db()
    db.close()
    for call in [db.session, db.now, db.begin, lambda: db.set_clock(0), lambda: db.schema_version]:
        with pytest.raises(crm.StateError):
            call()


def test_exception_hierarchy():
    assert issubclass(crm.ValidationError, crm.CrmError)
    assert issubclass(crm.ValidationError, ValueError)
    assert issubclass(crm.InvalidArgument, ValueError)
    assert issubclass(crm.NotFound, LookupError)
    assert issubclass(crm.TypeMismatch, TypeError)
    for cls in [crm.PermissionDenied, crm.Conflict, crm.Busy, crm.Corrupt, crm.CantOpen,
                crm.ReadOnly, crm.VersionTooNew, crm.NotADatabase, crm.StateError,
                crm.InternalError, crm.OutOfMemory]:
        assert issubclass(cls, crm.CrmError), cls
    e = crm.CrmError(-5, "stale version", "版本已过期")
    assert (e.code, e.message, e.message_zh, e.errors) == (-5, "stale version", "版本已过期", [])
    assert "版本已过期" in str(e)
