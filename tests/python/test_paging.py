"""Customer lists: the paging iterator and single pages."""

import pytest

import crm
from crm import _lib
from conftest import valid_customer


@pytest.fixture
def five(session):
    return [session.create_customer(valid_customer()) for _ in range(5)]


@pytest.fixture
def count_list_calls(monkeypatch):
    """Count crm_customer_list calls (one per page) and crm_cursor_close calls."""
    calls = {"list": 0, "close": 0}
    real_list = _lib.lib.crm_customer_list
    real_close = _lib.lib.crm_cursor_close

    def listing(*args):
        calls["list"] += 1
        return real_list(*args)

    def closing(*args):
        calls["close"] += 1
        return real_close(*args)

    monkeypatch.setattr(_lib.lib, "crm_customer_list", listing)
    monkeypatch.setattr(_lib.lib, "crm_cursor_close", closing)
    return calls


def test_iterator_follows_pages(session, five, count_list_calls):
    it = session.customers(page_size=2)
    assert iter(it) is it, "customers() returns an iterator"
    ids = [c["id"] for c in it]
    assert ids == five, "all five customers in id order"
    assert count_list_calls["list"] == 3, "5 rows at 2 a page is 3 pages"
    assert count_list_calls["close"] == 3, "every page's cursor is closed"


def test_iterator_on_exact_multiple_of_page_size(session, count_list_calls):
    ids = [session.create_customer(valid_customer()) for _ in range(4)]
    assert [c["id"] for c in session.customers(page_size=2)] == ids
    assert count_list_calls["list"] in (2, 3)
    assert count_list_calls["close"] == count_list_calls["list"]


def test_empty_list(session):
    assert list(session.customers()) == []
    rows, token = session.customer_page()
    assert rows == [] and token is None


def test_customer_page_tokens(session, five):
    rows, token = session.customer_page(page_size=2)
    assert [r["id"] for r in rows] == five[:2] and isinstance(token, str)
    rows, token = session.customer_page(page_size=2, after=token)
    assert [r["id"] for r in rows] == five[2:4] and token
    rows, token = session.customer_page(page_size=2, after=token)
    assert [r["id"] for r in rows] == five[4:]
    assert token is None, "the last page has no next token"


def test_paging_is_stable_under_inserts(session, five):
    rows, token = session.customer_page(page_size=2)
    late = session.create_customer(valid_customer())
    rest = []
    while token:
        page, token = session.customer_page(page_size=2, after=token)
        rest += [r["id"] for r in page]
    assert [r["id"] for r in rows] + rest == five + [late]


def test_filters(db, session, five):
    uid = session.create_user(login="li", name="李娜", role="sales")
    with db.session(uid) as li:
        mine = li.create_customer(valid_customer())
    session.set_customer_type(five[1], "intent")
    session.set_customer_type(five[3], "意向")
    assert [c["id"] for c in session.customers(type="intent", page_size=1)] == \
        [five[1], five[3]]
    assert [c["id"] for c in session.customers(type="意向客户")] == [five[1], five[3]]
    assert [c["id"] for c in session.customers(owner=uid)] == [mine]
    assert len(list(session.customers(owner=1))) == 5


def test_rows_are_full_records(session, five):
    row = next(session.customers())
    assert row == session.get_customer(five[0])


def test_bad_page_size_is_invalid_argument(session, five):
    with pytest.raises(crm.InvalidArgument):
        list(session.customers(page_size=1001))
    with pytest.raises(crm.InvalidArgument):
        session.customer_page(page_size=-1)


def test_bad_token(session, five):
    with pytest.raises(crm.CrmError) as info:
        session.customer_page(after="not-a-token")
    assert isinstance(info.value, (crm.InvalidArgument, crm.NotFound)), repr(info.value)


def test_abandoned_iterator_does_not_block_close(count_list_calls):
    db = crm.Db()
    s = db.session()
    for _ in range(3):
        s.create_customer(valid_customer())
    it = s.customers(page_size=2)
    next(it)  # a cursor is now open inside the generator
    db.close()  # closes the session, which closes the cursor
    assert count_list_calls["close"] == 1, "the open cursor must be closed by db.close()"
    with pytest.raises(crm.StateError):
        next(it)


def test_iterator_after_session_close_raises_state_error(session, five):
    it = session.customers(page_size=2)
    assert next(it)["id"] == five[0]
    session.close()
    with pytest.raises(crm.StateError):
        list(it)


def test_writes_while_iterating(db, session, five):
    """Changing each customer while the iterator's cursor is open works, also
    inside a transaction."""
    seen = []
    for c in session.customers(page_size=2):
        session.update_customer(c["id"], priority="低", version=c["version"])
        seen.append(c["id"])
    assert seen == five
    with db.transaction():
        for c in session.customers(page_size=3):
            session.set_customer_type(c["id"], "intent")
    assert {(c["priority"], c["type"]) for c in session.customers()} == {("low", "intent")}


def test_page_size_must_fit_32_bits(session, five):
    """2**32 + 2 must not wrap around to a page size of 2 in the C struct."""
    with pytest.raises(OverflowError):
        session.customers(page_size=2 ** 32 + 2)
    with pytest.raises(OverflowError):
        session.customer_page(page_size=2 ** 32 + 2)
    with pytest.raises(OverflowError):
        session.history(page_size=2 ** 32 + 2)
    with pytest.raises(TypeError):
        session.customers(page_size="2")


def test_sort_and_filters_through_customer_page(session, five):
    """customer_page takes the field filters and the order of customers()."""
    session.update_customer(five[1], key_needs="设备维保")
    rows, token = session.customer_page(page_size=2, sort="-id",
                                        filters=[("key_needs", "!=", "设备维保")])
    assert [r["id"] for r in rows] == [five[4], five[3]], "descending id, one excluded"
    rows, token = session.customer_page(page_size=2, sort="-id", after=token,
                                        filters=[("key_needs", "!=", "设备维保")])
    assert [r["id"] for r in rows] == [five[2], five[0]] and token is None, (rows, token)
