"""Tags (标签, R1.7): defining and finding tags, attaching them to customers,
and filtering customer lists by them."""

import ctypes
import gc

import pytest

import crm
from crm import _lib
from conftest import add_user, valid_customer

SEEDED = [
    ("industry", "行业", "制造业"),
    ("industry", "行业", "互联网"),
    ("need", "需求", "采购设备"),
    ("need", "需求", "寻求合作"),
    ("priority", "优先级", "高优先级"),
    ("priority", "优先级", "中优先级"),
    ("priority", "优先级", "低优先级"),
    ("value", "价值", "高潜力"),
]


def triples(rows):
    return [(t["category"], t["category_label"], t["label"]) for t in rows]


@pytest.fixture
def sales(db, session):
    """A session of a new sales user (销售)."""
    uid = add_user(session, "liuyang", "刘洋", "sales", department="华东销售部")
    with db.session(uid) as s:
        yield s


# -- the C layout --------------------------------------------------------------


def test_query_struct_has_the_tag_fields_in_header_order():
    names = [n for n, _ in _lib.CustomerQuery._fields_]
    assert names[:10] == ["size", "owner", "type", "page_size", "after", "include_archived",
                          "tags_all", "tags_all_count", "tags_any", "tags_any_count"], names
    assert names[10:17] == ["industry", "source", "created_from_ms", "created_to_ms",
                            "updated_from_ms", "updated_to_ms", "name_contains"], names
    assert names[17:] == ["filters", "filter_count", "sort"], names
    q = _lib.customer_query_init()
    assert q.size == ctypes.sizeof(_lib.CustomerQuery), "size must be sizeof the struct"
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        # size_t, int64, ptr, int32(+pad), ptr, int32(+pad), ptr, int32(+pad), ptr, int32(+pad)
        # … then 0.2's list-view filters: 2 ptr, 4 int64, ptr; 0.3's field
        # filters and order: ptr, int32(+pad), ptr (checked against gcc).
        assert ctypes.sizeof(_lib.CustomerQuery) == 160
        assert _lib.CustomerQuery.filters.offset == 136
        assert _lib.CustomerQuery.sort.offset == 152
        assert ctypes.sizeof(_lib.CustomFieldDef) == 72
        assert _lib.CustomFieldDef.decimals.offset == 64
        # 0.5 added int32_t personal at the end, in decimals' padding:
        # sizeof stays 72 (checked against gcc).
        assert _lib.CustomFieldDef.personal.offset == 68
        # crm_audit_query (0.5): size_t, int64, 3 ptr, 2 int64, int32(+pad),
        # ptr (checked against gcc).
        assert ctypes.sizeof(_lib.AuditQuery) == 72
        assert (_lib.AuditQuery.actor.offset, _lib.AuditQuery.action.offset,
                _lib.AuditQuery.object.offset, _lib.AuditQuery.outcome.offset,
                _lib.AuditQuery.since_ms.offset, _lib.AuditQuery.until_ms.offset,
                _lib.AuditQuery.page_size.offset, _lib.AuditQuery.after.offset) == \
            (8, 16, 24, 32, 40, 48, 56, 64)
        assert _lib.CustomerQuery.tags_all.offset == 48
        assert _lib.CustomerQuery.tags_any_count.offset == 72
        assert _lib.CustomerQuery.industry.offset == 80
        assert _lib.CustomerQuery.name_contains.offset == 128
    assert not q.tags_all and not q.tags_any, "the _INIT defaults are NULL arrays"
    assert (q.tags_all_count, q.tags_any_count) == (0, 0)


def test_negative_or_dangling_counts_are_invalid(session):
    """What the Python API cannot express, through the raw struct."""
    def raw_list(**fields):
        q = _lib.customer_query_init()
        for k, v in fields.items():
            setattr(q, k, v)
        cur = _lib.CursorP()
        status = _lib.lib.crm_customer_list(session._ptr, ctypes.byref(q), ctypes.byref(cur))
        _lib.lib.crm_cursor_close(cur)
        return status

    assert raw_list(tags_all_count=-1) == crm.Status.INVALID_ARG, "negative count"
    assert raw_list(tags_any_count=-1) == crm.Status.INVALID_ARG, "negative count"
    assert raw_list(tags_any_count=1) == crm.Status.INVALID_ARG, "count 1 with a NULL array"
    assert raw_list() == crm.Status.OK


def test_tag_arrays_are_alive_during_the_call(session, make_customer, monkeypatch):
    """The ids the binding resolves reach the C struct intact, even if a
    garbage collection runs inside the call."""
    make_customer()
    seen = []
    real = _lib.lib.crm_customer_list

    def spy(s, qref, out):
        gc.collect()
        q = qref._obj
        seen.append(([q.tags_all[i] for i in range(q.tags_all_count)],
                     [q.tags_any[i] for i in range(q.tags_any_count)]))
        return real(s, qref, out)

    monkeypatch.setattr(_lib.lib, "crm_customer_list", spy)
    hot = session.find_tag("高潜力")
    session.customer_page(tags_all=["制造业", ("value", "高潜力")], tags_any=[2, 5])
    list(session.customers(tags_any=[hot]))
    assert seen == [([1, hot], [2, 5]), ([], [hot])], seen


# -- defining and finding ----------------------------------------------------------


def test_seeded_tags(session):
    assert triples(session.tags()) == SEEDED, "the seeded tags, by category then id"
    assert triples(session.tags("value")) == [("value", "价值", "高潜力")]
    assert triples(session.tags("优先级")) == [t for t in SEEDED if t[0] == "priority"], \
        "a category may be given by its Chinese label"
    for category, _, label in SEEDED:
        tid = session.find_tag(label, category)
        assert session.find_tag(label) == tid, "%s is unique: no category needed" % label
    assert all(isinstance(t["id"], int) for t in session.tags())


def test_define_tag_as_admin(session):
    tid = session.define_tag("need", "技术咨询")
    assert isinstance(tid, int) and tid > 0
    assert session.find_tag("技术咨询") == tid
    assert session.find_tag("技术咨询", "需求") == tid
    assert session.tags("need")[-1] == {"id": tid, "category": "need",
                                        "category_label": "需求", "label": "技术咨询"}


def test_define_tag_needs_an_administrator(session, sales):
    before = session.tags()
    with pytest.raises(crm.PermissionDenied):
        sales.define_tag("need", "技术咨询")
    assert session.tags() == before, "a refused define must not create the tag"
    # Everyone may read and use tags.
    assert triples(sales.tags()) == SEEDED
    assert sales.find_tag("高潜力") == session.find_tag("高潜力")


def test_duplicate_label_in_a_category_is_a_conflict(session):
    with pytest.raises(crm.Conflict):
        session.define_tag("value", "高潜力")
    with pytest.raises(crm.Conflict):
        session.define_tag("价值", "高潜力")  # the category by label: same category
    assert triples(session.tags("value")) == [("value", "价值", "高潜力")]


def test_unknown_category_is_not_found(session):
    with pytest.raises(crm.NotFound):
        session.define_tag("no_such_category", "某标签")
    with pytest.raises(crm.NotFound):
        session.tags("no_such_category")
    with pytest.raises(crm.NotFound):
        session.find_tag("高潜力", "no_such_category")
    with pytest.raises(crm.NotFound):
        session.find_tag("没有这个标签")


def test_ambiguous_label_needs_its_category(session):
    in_value = session.find_tag("高潜力")
    in_need = session.define_tag("need", "高潜力")  # same label, another category
    assert in_need != in_value
    with pytest.raises(crm.Conflict):
        session.find_tag("高潜力")
    assert session.find_tag("高潜力", "value") == in_value
    assert session.find_tag("高潜力", "need") == in_need
    cid = session.create_customer(valid_customer())
    with pytest.raises(crm.Conflict):
        session.tag_customer(cid, "高潜力")
    # A (category, label) tuple picks the right one.
    session.tag_customer(cid, ("need", "高潜力"))
    assert [t["id"] for t in session.customer_tags(cid)] == [in_need], \
        "the tuple must resolve within its category"
    assert [c["id"] for c in session.customers(tags_any=[("需求", "高潜力")])] == [cid]
    assert list(session.customers(tags_any=[("value", "高潜力")])) == [], \
        "the value-category 高潜力 is another tag"
    with pytest.raises(crm.Conflict):
        session.customers(tags_all=["高潜力"])


def test_new_category_through_the_dictionary(session):
    with pytest.raises(crm.NotFound):
        session.define_tag("region", "华东")
    session.add_dict_entry("tag_category", "region", "地区", "Region")
    assert session.dict_label("tag_category", "region") == "地区"
    east = session.define_tag("地区", "华东")
    south = session.define_tag("region", "华南")
    assert session.tags("region") == [
        {"id": east, "category": "region", "category_label": "地区", "label": "华东"},
        {"id": south, "category": "region", "category_label": "地区", "label": "华南"},
    ]
    assert session.find_tag("华东") == east
    cid = session.create_customer(valid_customer())
    session.tag_customer(cid, ("地区", "华南"))
    assert [t["id"] for t in session.customer_tags(cid)] == [south]
    assert [c["id"] for c in session.customers(tags_any=["华南"])] == [cid]


# -- attaching and detaching ---------------------------------------------------------


def test_attach_and_detach_are_idempotent(session, make_customer):
    cid = make_customer()
    hot = session.find_tag("高潜力")
    v0 = session.get_customer(cid)["version"]
    h0 = len(session.customer_history(cid))

    session.tag_customer(cid, hot)
    assert [t["label"] for t in session.customer_tags(cid)] == ["高潜力"]
    assert session.get_customer(cid)["version"] == v0 + 1, "attaching is a change"
    hist = session.customer_history(cid)
    assert len(hist) == h0 + 1, "one history row per real change"
    last = hist[-1]
    assert (last["kind"], last["field"], last["before"], last["after"], last["actor"]) == \
        ("tag", "tags", None, "value:高潜力", session.user_id), last

    session.tag_customer(cid, hot)          # already there
    session.tag_customer(cid, "高潜力")     # by label: still the same tag
    assert session.get_customer(cid)["version"] == v0 + 1, "a no-op must not bump the version"
    assert len(session.customer_history(cid)) == h0 + 1, "a no-op must not write history"
    assert len(session.customer_tags(cid)) == 1

    session.untag_customer(cid, ("value", "高潜力"))
    assert session.customer_tags(cid) == []
    assert session.get_customer(cid)["version"] == v0 + 2, "detaching is a change"
    hist = session.customer_history(cid)
    assert len(hist) == h0 + 2
    last = hist[-1]
    assert (last["kind"], last["field"], last["before"], last["after"]) == \
        ("tag", "tags", "value:高潜力", None), last

    session.untag_customer(cid, hot)        # not there any more
    assert session.get_customer(cid)["version"] == v0 + 2, "a no-op must not bump the version"
    assert len(session.customer_history(cid)) == h0 + 2, "a no-op must not write history"


def test_several_tags_at_once(session, make_customer):
    cid = make_customer()
    v0 = session.get_customer(cid)["version"]
    session.tag_customer(cid, "制造业", ("need", "采购设备"), session.find_tag("高优先级"))
    assert triples(session.customer_tags(cid)) == [
        ("industry", "行业", "制造业"), ("need", "需求", "采购设备"),
        ("priority", "优先级", "高优先级")], "ordered by category then id"
    assert session.get_customer(cid)["version"] == v0 + 3
    assert [h["after"] for h in session.customer_history(cid)[-3:]] == \
        ["industry:制造业", "need:采购设备", "priority:高优先级"], "one row per tag, in order"


def test_bad_label_changes_nothing(session, make_customer):
    """Every label is resolved before the first tag is attached."""
    cid = make_customer()
    v0 = session.get_customer(cid)["version"]
    with pytest.raises(crm.NotFound):
        session.tag_customer(cid, "制造业", "没有这个标签")
    assert session.customer_tags(cid) == []
    assert session.get_customer(cid)["version"] == v0


def test_tag_change_is_a_change_of_the_customer(session, make_customer):
    cid = make_customer()
    v = session.get_customer(cid)["version"]
    session.tag_customer(cid, "互联网")
    with pytest.raises(crm.Conflict):
        session.update_customer(cid, priority="低", version=v)  # stale since the tag


def test_sales_may_tag_customers(sales, make_customer):
    cid = make_customer(owner=sales.user_id)  # a rep tags their own customers (R3.1)
    sales.tag_customer(cid, "寻求合作")
    assert [t["label"] for t in sales.customer_tags(cid)] == ["寻求合作"]
    assert sales.customer_history(cid)[-1]["actor"] == sales.user_id
    other = make_customer()                   # the administrator's: not visible to the rep
    with pytest.raises(crm.NotFound):
        sales.tag_customer(other, "寻求合作")


def test_archived_customer_cannot_be_tagged(session, make_customer):
    cid = make_customer()
    session.tag_customer(cid, "制造业")
    session.archive_customer(cid, reason="重复录入")
    v = session.get_customer(cid)["version"]
    with pytest.raises(crm.StateError):
        session.tag_customer(cid, "高潜力")
    with pytest.raises(crm.StateError):
        session.untag_customer(cid, "制造业")
    assert [t["label"] for t in session.customer_tags(cid)] == ["制造业"], \
        "an archived customer's tags stay readable and unchanged"
    assert session.get_customer(cid)["version"] == v


def test_unknown_tag_or_customer_is_not_found(session, make_customer):
    cid = make_customer()
    with pytest.raises(crm.NotFound):
        session.tag_customer(cid, 9999)
    with pytest.raises(crm.NotFound):
        session.untag_customer(cid, 9999)
    with pytest.raises(crm.NotFound):
        session.tag_customer("C9999", 1)
    with pytest.raises(crm.NotFound):
        session.customer_tags("C9999")


def test_tag_arguments_are_checked_in_python(session, make_customer):
    cid = make_customer()
    for bad in [True, 1.0, b"\xe9\xab\x98", ["制造业"], None]:
        with pytest.raises(TypeError):
            session.tag_customer(cid, bad)
    with pytest.raises(ValueError):
        session.tag_customer(cid, ("value", "高潜力", "extra"))
    with pytest.raises(TypeError):
        session.tag_customer(cid, ("value", 8))
    with pytest.raises(TypeError):
        session.customers(tags_all=3.5)
    assert session.customer_tags(cid) == []


# -- list filters -------------------------------------------------------------


@pytest.fixture
def tagged(session):
    """Eight customers with tags; the last one archived.  Returns (ids, tag ids)."""
    t = {"A": session.find_tag("制造业"), "B": session.find_tag("互联网"),
         "H": session.find_tag("高潜力"), "P": session.find_tag("高优先级")}
    plan = ["AH", "A", "AHP", "BH", "", "AH", "BP", "AH"]
    ids = []
    for letters in plan:
        cid = session.create_customer(valid_customer())
        session.tag_customer(cid, *[t[x] for x in letters])
        ids.append(cid)
    session.archive_customer(ids[7])
    return ids, t


def pages(session, **filters):
    """Every page (as lists of ids) of a listing with page_size=2."""
    out, token = [], None
    while True:
        rows, token = session.customer_page(page_size=2, after=token, **filters)
        out.append([r["id"] for r in rows])
        if token is None:
            return out


def test_filter_all_of(session, tagged):
    c, t = tagged
    assert pages(session, tags_all=[t["A"], t["H"]]) == [[c[0], c[2]], [c[5]]]
    assert [x["id"] for x in session.customers(page_size=2, tags_all=["制造业", "高潜力"])] \
        == [c[0], c[2], c[5]], "labels resolve to the same ids"
    assert [x["id"] for x in session.customers(page_size=2, tags_all=[t["A"], t["H"]],
                                               include_archived=True)] \
        == [c[0], c[2], c[5], c[7]], "the archived one only with include_archived"
    assert [x["id"] for x in session.customers(tags_all=[t["A"]])] == \
        [c[0], c[1], c[2], c[5]]
    assert [x["id"] for x in session.customers(tags_all=[t["A"], t["B"]])] == [], \
        "nobody carries both industries"


def test_filter_any_of(session, tagged):
    c, t = tagged
    assert pages(session, tags_any=[t["B"], t["P"]]) == [[c[2], c[3]], [c[6]]]
    assert [x["id"] for x in session.customers(
        page_size=2, tags_any=[("industry", "互联网"), "高优先级"])] == [c[2], c[3], c[6]]
    assert pages(session, tags_any=[t["H"]]) == [[c[0], c[2]], [c[3], c[5]]]


def test_filter_all_and_any_together(session, tagged):
    c, t = tagged
    assert pages(session, tags_all=[t["A"]], tags_any=[t["H"], t["P"]]) == \
        [[c[0], c[2]], [c[5]]]
    assert pages(session, tags_all=[t["H"]], tags_any=[t["B"], t["P"]]) == [[c[2], c[3]]]
    assert pages(session, tags_all="制造业", tags_any=t["P"]) == [[c[2]]], \
        "a single label or id is one tag"


def test_filter_combines_with_other_filters(session, tagged):
    c, t = tagged
    session.set_customer_type(c[2], "intent")
    session.set_customer_type(c[3], "intent")
    assert [x["id"] for x in session.customers(type="intent", tags_any=[t["H"]])] == \
        [c[2], c[3]]
    assert [x["id"] for x in session.customers(type="intent", tags_all=[t["A"]])] == [c[2]]


def test_page_token_is_bound_to_the_tag_filters(session, tagged):
    c, t = tagged
    rows, token = session.customer_page(page_size=2, tags_all=[t["H"]])
    assert [r["id"] for r in rows] == [c[0], c[2]] and token
    for other in [dict(tags_all=[t["A"]]), dict(tags_any=[t["H"]]), dict()]:
        with pytest.raises(crm.InvalidArgument):
            session.customer_page(page_size=2, after=token, **other)
    rows, token = session.customer_page(page_size=2, after=token, tags_all=[t["H"]])
    assert [r["id"] for r in rows] == [c[3], c[5]]


def test_unknown_tag_in_a_filter_is_not_found(session, tagged):
    c, t = tagged
    with pytest.raises(crm.NotFound):
        list(session.customers(tags_all=[t["A"], 9999]))
    with pytest.raises(crm.NotFound):
        session.customer_page(tags_any=[9999])
    with pytest.raises(crm.NotFound):
        session.customers(tags_any=["没有这个标签"])  # labels resolve at once


def test_at_most_32_tags_per_filter(session, tagged):
    c, t = tagged
    for i in range(25):
        session.define_tag("need", "需求%02d" % i)
    ids = [x["id"] for x in session.tags()]
    assert len(ids) == 33, "33 real tags, so that only the count can be wrong"
    # 32 is allowed: every customer with at least one tag, archived excepted.
    assert [x["id"] for x in session.customers(tags_any=ids[:32])] == \
        [c[0], c[1], c[2], c[3], c[5], c[6]]
    with pytest.raises(crm.InvalidArgument):
        list(session.customers(tags_any=ids))
    with pytest.raises(crm.InvalidArgument):
        session.customer_page(tags_all=ids)
