"""Custom fields (自定义字段, R1.8), field filters and sorting of customer lists
(R1.12), settings and tags by label, through the Session API."""

import ctypes
import gc
from datetime import date, timedelta
from decimal import Decimal

import pytest

import crm
from crm import _lib
from conftest import add_user, utc, valid_customer

T0 = utc(2026, 11, 23, 1, 0)          # 09:00 in Shanghai
T0_MS = crm.to_ms(T0)


@pytest.fixture
def clock(db):
    """Freeze ``db``'s clock at T0; ``clock.tick()`` moves it one second on."""
    class Clock:
        now = T0

        def tick(self, seconds=1):
            self.now += timedelta(seconds=seconds)
            db.set_clock(self.now)
            return self.now

    db.set_clock(T0)
    return Clock()


@pytest.fixture
def rep(db, session):
    """A session of a sales rep (销售), not an administrator."""
    uid = add_user(session, "lisi", "李四", "销售", department="华东销售部")
    with db.session(uid) as s:
        yield s


def ids(rows):
    return [r["id"] for r in rows]


def all_pages(session, page_size=2, **query):
    """Every page of a listing, as lists of ids, following the tokens."""
    out, token = [], None
    while True:
        rows, token = session.customer_page(page_size=page_size, after=token, **query)
        out.append(ids(rows))
        if token is None:
            return out


def field_errors(info):
    """{field: code} of a ValidationError."""
    return {e.field: e.code for e in info.value.errors}


# -- defining -------------------------------------------------------------------

TYPES = [
    # type, options, value written, value read back
    ("text", dict(max_chars=20), "华东区域 重点客户", "华东区域 重点客户"),
    ("integer", {}, 300, 300),
    ("integer", {}, "1200", 1200),
    ("decimal", {}, Decimal("12.5"), "12.50"),
    ("decimal", dict(decimals=0), 45, "45"),
    ("decimal", dict(decimals=3), 0.1, "0.100"),
    ("decimal", {}, Decimal("1E+1"), "10.00"),
    ("date", {}, "2026-12-01", "2026-12-01"),
    ("enum", dict(values=["10万以下", "10-50万", "50万以上"]), "10-50万", "10-50万"),
    ("boolean", {}, True, 1),
    ("boolean", {}, False, 0),
    ("boolean", {}, "是", 1),
    ("boolean", {}, "false", 0),
]


@pytest.mark.parametrize("typ,options,written,read", TYPES,
                         ids=["%s-%r" % (t[0], t[2]) for t in TYPES])
def test_each_type_stores_and_reads_its_values(session, typ, options, written, read):
    key = session.define_custom_field("probe", typ, "测试字段", **options)
    assert key == "custom.probe", "define_custom_field returns the record key"
    cid = session.create_customer(valid_customer(**{key: written}))
    got = session.get_customer(cid)[key]
    assert got == read and type(got) is type(read), \
        "a %s field given %r should read back %r, got %r" % (typ, written, read, got)


def test_definitions_are_listed_in_order(session, clock):
    session.define_custom_field("budget_range", "enum", label_zh="客户预算范围",
                                label_en="Budget range", values=["10万以下", "10-50万"])
    session.define_custom_field("annual_budget", "decimal", "年度预算（万元）")
    session.define_custom_field("custom.remark", "text", "备注", max_chars=300)
    rows = session.custom_fields()
    assert [r["name"] for r in rows] == ["custom.budget_range", "custom.annual_budget",
                                         "custom.remark"], "definition order, with the prefix"
    enum, dec, text = rows
    assert enum == {"name": "custom.budget_range", "type": "enum", "label_zh": "客户预算范围",
                    "label_en": "Budget range", "required": 0, "max_chars": None,
                    "decimals": None, "dict": "custom.budget_range", "retired": 0,
                    "personal": 0, "created_at": T0_MS}, enum
    assert (dec["label_en"], dec["decimals"]) == ("annual_budget", 2), \
        "label_en defaults to the name and decimals to 2: %r" % dec
    assert (text["max_chars"], text["decimals"]) == (300, None), text


def test_enum_values_are_a_dictionary_that_can_grow(session):
    session.define_custom_field("budget_range", "enum", "客户预算范围",
                                values=["10万以下", "10-50万"])
    assert [e["code"] for e in session.dictionary("custom.budget_range")] == \
        ["10万以下", "10-50万"], "the values, in display order"
    cid = session.create_customer(valid_customer())
    with pytest.raises(crm.ValidationError) as info:
        session.update_customer(cid, {"custom.budget_range": "50万以上"})
    assert field_errors(info) == {"custom.budget_range": "unknown_value"}
    session.add_dict_entry("custom.budget_range", "50万以上", "50万以上", "Over 500k")
    session.update_customer(cid, {"custom.budget_range": "Over 500k"})
    assert session.get_customer(cid)["custom.budget_range"] == "50万以上", \
        "a new value can be written by its English label and reads back as its code"


def test_required_applies_to_new_customers(session):
    old = session.create_customer(valid_customer())
    session.define_custom_field("region", "text", "所属大区", required=True)
    with pytest.raises(crm.ValidationError) as info:
        session.create_customer(valid_customer())
    assert field_errors(info) == {"custom.region": "required"}
    new = session.create_customer(valid_customer(**{"custom.region": "华东"}))
    assert session.update_customer(old, priority="低") == 2, \
        "an older customer without a value stays valid for other changes"
    with pytest.raises(crm.ValidationError) as info:
        session.update_customer(new, {"custom.region": None})
    assert field_errors(info) == {"custom.region": "required"}, "a value cannot be cleared"
    assert session.custom_fields()[0]["required"] == 1


def test_only_an_administrator_defines_or_retires(session, rep):
    with pytest.raises(crm.PermissionDenied):
        rep.define_custom_field("budget_range", "enum", "客户预算范围", values=["10万以下"])
    assert session.custom_fields() == [], "a refused definition must not be stored"
    session.define_custom_field("budget_range", "enum", "客户预算范围", values=["10万以下"])
    with pytest.raises(crm.PermissionDenied):
        rep.retire_custom_field("budget_range")
    assert session.custom_fields()[0]["retired"] == 0, "a refused retirement changes nothing"
    # Everyone may read the definitions and write the values.
    assert [r["name"] for r in rep.custom_fields()] == ["custom.budget_range"]
    cid = rep.create_customer(valid_customer(**{"custom.budget_range": "10万以下"}))
    assert rep.get_customer(cid)["custom.budget_range"] == "10万以下"


@pytest.mark.parametrize("name", ["Budget", "1st_budget", "budget-range", "_budget", "",
                                  "a" * 41, "custom.", "预算"])
def test_bad_names_are_invalid(session, name):
    with pytest.raises(crm.InvalidArgument):
        session.define_custom_field(name, "text", "测试字段")
    assert session.custom_fields() == [], "nothing is defined by a refused call"


def test_longest_name_and_prefix_are_accepted(session):
    assert session.define_custom_field("a" * 40, "text", "字段甲") == "custom." + "a" * 40
    assert session.define_custom_field("custom.b1_x", "text", "字段乙") == "custom.b1_x"


@pytest.mark.parametrize("typ,options", [
    ("money", {}),
    ("TEXT", {}),
    ("enum", {}),                                  # an enum needs values
    ("enum", dict(values=[])),
    ("enum", dict(values=["A", "A"])),             # a value given twice
    ("text", dict(values=["A"])),                  # an option of another type
    ("integer", dict(max_chars=10)),
    ("text", dict(decimals=2)),
    ("decimal", dict(decimals=7)),
    ("text", dict(max_chars=2001)),
], ids=repr)
def test_bad_types_and_options_are_invalid(session, typ, options):
    with pytest.raises(crm.InvalidArgument):
        session.define_custom_field("probe", typ, "测试字段", **options)
    assert session.custom_fields() == [], "nothing is defined by a refused call"


@pytest.mark.parametrize("label", ["", "长" * 51])
def test_bad_labels_are_invalid(session, label):
    with pytest.raises(crm.InvalidArgument):
        session.define_custom_field("probe", "text", label)


def test_used_names_and_labels_are_conflicts(session):
    session.define_custom_field("budget_range", "enum", "客户预算范围", values=["10万以下"])
    with pytest.raises(crm.Conflict):
        session.define_custom_field("budget_range", "text", "预算说明")
    with pytest.raises(crm.Conflict):
        session.define_custom_field("budget_note", "text", "客户预算范围")   # a custom label
    with pytest.raises(crm.Conflict):
        session.define_custom_field("full_name", "text", "客户全称")         # a built-in label
    session.retire_custom_field("budget_range")
    with pytest.raises(crm.Conflict):
        session.define_custom_field("budget_range", "text", "预算说明")
    assert [r["name"] for r in session.custom_fields(include_retired=True)] == \
        ["custom.budget_range"], "no refused definition was stored"


def test_python_argument_types_are_checked(session):
    with pytest.raises(TypeError):
        session.define_custom_field("budget_range", "enum", "客户预算范围", values="10万以下")
    with pytest.raises(TypeError):
        session.define_custom_field("budget_range", "enum", "客户预算范围", values=[1, 2])
    with pytest.raises(TypeError):
        session.define_custom_field("annual_budget", "decimal", "年度预算", decimals="2")
    with pytest.raises(OverflowError):
        session.define_custom_field("remark", "text", "备注", max_chars=2 ** 32)
    with pytest.raises(TypeError):
        session.define_custom_field(b"remark", "text", "备注")
    with pytest.raises(TypeError):
        session.retire_custom_field(None)
    assert session.custom_fields() == []


def test_enum_values_reach_the_library_intact(session, monkeypatch):
    """The ctypes array of values lives until the call returns, even when a
    garbage collection runs inside it."""
    seen = []
    real = _lib.lib.crm_custom_field_define

    def spy(s, dref):
        gc.collect()
        d = dref._obj
        seen.append([d.values[i].decode("utf-8") for i in range(d.value_count)])
        return real(s, dref)

    monkeypatch.setattr(_lib.lib, "crm_custom_field_define", spy)
    session.define_custom_field("budget_range", "enum", "客户预算范围",
                                values=iter(["10万以下", "10-50万"]))
    assert seen == [["10万以下", "10-50万"]], seen
    assert [e["code"] for e in session.dictionary("custom.budget_range")] == \
        ["10万以下", "10-50万"]


# -- values -----------------------------------------------------------------------


@pytest.fixture
def fields(session):
    """One custom field of each kind the value tests need."""
    session.define_custom_field("budget_range", "enum", "客户预算范围",
                                values=["10万以下", "10-50万", "50万以上"])
    session.define_custom_field("annual_budget", "decimal", "年度预算（万元）")
    session.define_custom_field("listed", "boolean", "是否上市")
    session.define_custom_field("employees", "integer", "员工人数")
    session.define_custom_field("visit_date", "date", "拜访日期")
    session.define_custom_field("remark", "text", "备注", max_chars=20)


def test_every_bad_value_is_reported_with_its_field(session, fields):
    bad = valid_customer(**{"custom.nope": "1", "custom.annual_budget": "十二万",
                            "custom.listed": "maybe", "custom.budget_range": "100万",
                            "custom.visit_date": "2026-02-30", "custom.remark": "长" * 21,
                            "custom.employees": "三百"})
    with pytest.raises(crm.ValidationError) as info:
        session.create_customer(bad)
    assert field_errors(info) == {
        "custom.nope": "unknown_field", "custom.annual_budget": "invalid_number",
        "custom.listed": "invalid_boolean", "custom.budget_range": "unknown_value",
        "custom.visit_date": "invalid_date", "custom.remark": "too_long",
        "custom.employees": "wrong_type"}
    by_field = {e.field: e for e in info.value.errors}
    assert "年度预算（万元）" in by_field["custom.annual_budget"].message_zh, \
        "the Chinese message names the field by its label: %r" % (by_field,)
    assert by_field["custom.annual_budget"].label_zh == "年度预算（万元）"
    assert by_field["custom.nope"].label_zh == "", "an unknown field has no label"
    assert list(session.customers()) == [], "nothing may be written"


@pytest.mark.parametrize("value", [Decimal("12.345"), 0.125, "12.345"], ids=repr)
def test_too_many_decimals_is_invalid_number(session, fields, value):
    cid = session.create_customer(valid_customer())
    with pytest.raises(crm.ValidationError) as info:
        session.update_customer(cid, {"custom.annual_budget": value})
    assert field_errors(info) == {"custom.annual_budget": "invalid_number"}


def test_decimal_and_bool_are_converted_for_custom_fields_only(session, fields):
    cid = session.create_customer(valid_customer(**{"custom.annual_budget": Decimal("35.5"),
                                                    "custom.listed": True}))
    c = session.get_customer(cid)
    assert (c["custom.annual_budget"], c["custom.listed"]) == ("35.50", 1), c
    with pytest.raises(TypeError, match="key_needs"):
        session.update_customer(cid, key_needs=Decimal("1"))
    with pytest.raises(TypeError, match="owner"):
        session.update_customer(cid, owner=True)


def test_values_read_back_typed_and_unset_ones_are_none(session, fields):
    a = session.create_customer(valid_customer(**{"custom.annual_budget": 45,
                                                  "custom.employees": "300",
                                                  "custom.listed": 0}))
    b = session.create_customer(valid_customer())
    ca, cb = session.get_customer(a), session.get_customer(b)
    assert (ca["custom.annual_budget"], ca["custom.employees"], ca["custom.listed"]) == \
        ("45.00", 300, 0), ca
    assert all(cb[k] is None for k in cb if k.startswith("custom.")), \
        "a customer without values has None for each defined field: %r" % cb
    assert set(k for k in cb if k.startswith("custom.")) == \
        {r["name"] for r in session.custom_fields()}, "every defined field is in the record"
    assert next(session.customers()) == ca, "list rows carry the custom fields too"


def test_clearing_an_optional_value(session, fields):
    cid = session.create_customer(valid_customer(**{"custom.remark": "重点客户"}))
    session.update_customer(cid, {"custom.remark": None})
    assert session.get_customer(cid)["custom.remark"] is None


# -- retirement -------------------------------------------------------------------


def test_retired_field_keeps_values_and_refuses_new_ones(session, fields):
    a = session.create_customer(valid_customer(**{"custom.budget_range": "10-50万"}))
    b = session.create_customer(valid_customer())
    session.retire_custom_field("budget_range")
    session.retire_custom_field("custom.budget_range")          # twice: nothing happens
    assert session.get_customer(a)["custom.budget_range"] == "10-50万", "values are kept"
    assert "custom.budget_range" not in session.get_customer(b), \
        "a retired field is read only for the customers that have a value"
    assert "custom.budget_range" not in [r["name"] for r in session.custom_fields()]
    retired = [r for r in session.custom_fields(include_retired=True)
               if r["name"] == "custom.budget_range"]
    assert len(retired) == 1 and retired[0]["retired"] == 1, retired

    for cid, value in [(b, "10万以下"), (a, "50万以上"), (a, None)]:
        with pytest.raises(crm.ValidationError) as info:
            session.update_customer(cid, {"custom.budget_range": value})
        assert field_errors(info) == {"custom.budget_range": "retired_field"}, \
            "setting %r on %s must be refused" % (value, cid)
    with pytest.raises(crm.ValidationError) as info:
        session.create_customer(valid_customer(**{"custom.budget_range": "10万以下"}))
    assert field_errors(info) == {"custom.budget_range": "retired_field"}

    record = session.get_customer(a)
    assert session.update_customer(a, record) == record["version"], \
        "writing back the record with the value unchanged is accepted (and changes nothing)"
    assert ids(session.customers(filters=[("custom.budget_range", "=", "10-50万")])) == [a], \
        "retired values are still filtered on"
    assert ids(session.customers(sort="-custom.budget_range")) == [a, b], \
        "and sorted on (customers without a value last)"


def test_retiring_an_unknown_field_is_not_found(session, fields):
    with pytest.raises(crm.NotFound):
        session.retire_custom_field("no_such_field")


# -- history ----------------------------------------------------------------------


def test_custom_changes_are_history_rows(db, session, fields, clock):
    cid = session.create_customer(valid_customer(**{"custom.annual_budget": "12.5"}))
    when = clock.tick()
    session.update_customer(cid, {"custom.annual_budget": Decimal("45"),
                                  "custom.listed": True, "custom.remark": "重点客户"})
    rows = [h for h in session.customer_history(cid) if h["kind"] != "create"]
    assert [(h["kind"], h["field"], h["before"], h["after"]) for h in rows] == [
        ("update", "custom.annual_budget", "12.50", "45.00"),
        ("update", "custom.listed", None, "1"),
        ("update", "custom.remark", None, "重点客户"),
    ], rows
    assert all(h["at"] == crm.to_ms(when) and h["actor"] == 1 for h in rows), rows
    across = list(session.history(customer=cid, since=when))
    assert [h["field"] for h in across] == ["custom.annual_budget", "custom.listed",
                                            "custom.remark"], across
    assert all(h["customer"] == cid for h in across), across
    session.update_customer(cid, {"custom.annual_budget": "45.00"})   # the same number
    assert len(session.customer_history(cid)) == 4, "an unchanged value is no history row"


# -- filters ------------------------------------------------------------------------


@pytest.fixture
def book(session, fields, clock):
    """Six customers, created one second apart (C0001 … C0006):

    ===  ======  ========  =======  =======================  ================
    id   行业     预算范围   年度预算   phone                    e-mail
    ===  ======  ========  =======  =======================  ================
    A    制造业   10-50万    45       138 1234 5678            —
    B    互联网   —         —        021-12345678             hr@…
    C    制造业   10万以下    8.5     139 0000 1111            —
    D    制造业   10-50万    120      —                        sales@…
    E    互联网   —         —        0571-88886666            —
    F    制造业   50万以上    60.25    137 0000 2222            —
    ===  ======  ========  =======  =======================  ================
    """
    plan = [
        dict(name="杭州恒达精密机械有限公司", phone="138 1234 5678",
             **{"custom.budget_range": "10-50万", "custom.annual_budget": 45,
                "custom.remark": "华东区域重点客户"}),
        dict(name="苏州纳微科技股份有限公司", industry="互联网", phone="021-12345678",
             email="hr@nawei-example.cn"),
        dict(name="宁波海川模具制造有限公司", phone="13900001111",
             **{"custom.budget_range": "10万以下", "custom.annual_budget": Decimal("8.5")}),
        dict(name="南京瑞丰精密仪器有限公司", phone=None, email="sales@ruifeng-example.cn",
             **{"custom.budget_range": "10-50万", "custom.annual_budget": "120"}),
        dict(name="杭州云栖网络科技有限公司", industry="互联网", phone="0571-88886666"),
        dict(name="无锡长青自动化设备有限公司", phone="137 0000 2222",
             **{"custom.budget_range": "50万以上", "custom.annual_budget": 60.25}),
    ]
    out = []
    for fields_ in plan:
        clock.tick()
        base = valid_customer(email=None)
        base.update(fields_)
        out.append(session.create_customer(base))
    return out


def test_filter_on_custom_and_builtin_fields(session, book):
    A, B, C, D, E, F = book
    assert ids(session.customers(filters=[("custom.budget_range", "=", "10-50万")])) == [A, D]
    assert ids(session.customers(filters=[("industry", "=", "互联网")])) == [B, E], \
        "an enumeration by its Chinese label"
    assert ids(session.customers(filters=[("industry", "=", "manufacturing"),
                                          ("custom.annual_budget", ">=", 45)])) == [A, D, F], \
        "every condition must hold"
    assert ids(session.customers(filters=[("email", "null")])) == [A, C, E, F]
    assert ids(session.customers(filters=[("phone", "null")])) == [D]
    assert ids(session.customers(filters=[("custom.budget_range", "not_null")])) == \
        [A, C, D, F]


def test_not_equal_also_matches_missing_values(session, book):
    A, B, C, D, E, F = book
    assert ids(session.customers(filters=[("custom.budget_range", "!=", "10-50万")])) == \
        [B, C, E, F], "customers without a value are 'not equal' too"
    assert ids(session.customers(filters=[("email", "!=", "hr@nawei-example.cn")])) == \
        [A, C, D, E, F]


def test_contains(session, book):
    A, B, C, D, E, F = book
    assert ids(session.customers(filters=[("name", "contains", "精密")])) == [A, D]
    assert ids(session.customers(filters=[("custom.remark", "contains", "重点")])) == [A]
    with pytest.raises(crm.InvalidArgument, match="contains"):
        list(session.customers(filters=[("custom.annual_budget", "contains", "4")]))


@pytest.mark.parametrize("written", ["021-12345678", "021 1234 5678", "02112345678",
                                     "(021) 1234-5678", "+86 21 1234 5678",
                                     "０２１－１２３４５６７８"])
def test_phone_filter_takes_any_usual_format(session, book, written):
    assert ids(session.customers(filters=[("phone", "=", written)])) == [book[1]], \
        "%r is the phone of 苏州纳微 (stored +862112345678)" % written


@pytest.mark.parametrize("value", ["45", "45.00", 45, Decimal("45.0"), 45.0], ids=repr)
def test_decimal_filter_values(session, book, value):
    assert ids(session.customers(filters=[("custom.annual_budget", "=", value)])) == \
        [book[0]], "%r matches the stored 45.00" % (value,)


def test_comparisons_and_converted_values(session, book, fields):
    A, B, C, D, E, F = book
    assert ids(session.customers(filters=[("custom.annual_budget", "<", 10.0)])) == [C]
    assert ids(session.customers(filters=[("custom.annual_budget", ">", Decimal("60")),
                                          ("custom.annual_budget", "<=", "120")])) == [D, F]
    session.update_customer(C, {"custom.listed": True, "custom.visit_date": "2026-12-01"})
    assert ids(session.customers(filters=[("custom.listed", "=", True)])) == [C], \
        "a bool filter value is 1"
    assert ids(session.customers(filters=[("custom.listed", "!=", True)])) == [A, B, D, E, F]
    assert ids(session.customers(filters=[("custom.visit_date", ">", date(2026, 11, 30))])) \
        == [C], "a date filter value is YYYY-MM-DD"
    assert ids(session.customers(filters=[("created_at", ">=", T0 + timedelta(seconds=5))])) \
        == [E, F], "an aware datetime is UTC milliseconds"
    assert ids(session.customers(filters=[("created_at", "<", crm.to_ms(T0) + 2000)])) == [A]


def test_count_with_filters(session, book):
    assert session.count_customers() == 6
    assert session.count_customers(filters=[("custom.budget_range", "=", "10-50万")]) == 2
    assert session.count_customers(filters=[("custom.budget_range", "!=", "10-50万")],
                                   industry="制造业") == 2, "C and F"
    assert session.count_customers(filters=[("email", "null")],
                                   sort="-custom.annual_budget") == 4, \
        "sort is accepted and does not change the count"
    with pytest.raises(crm.InvalidArgument):
        session.count_customers(filters=[("custom.nope", "=", "1")])


@pytest.mark.parametrize("bad,what", [
    ([("custom.nope", "=", "1")], "custom.nope"),
    ([("phone_display", "=", "021 1234 5678")], "phone_display"),
    ([("industry", "<", "制造业")], "industry"),
    ([("industry", "~", "制造业")], "~"),
    ([("industry", "=", "火星采矿")], "industry"),
    ([("custom.annual_budget", "=", "十二万")], "custom.annual_budget"),
    ([("custom.annual_budget", ">", i) for i in range(17)], "filters"),
], ids=["unknown field", "phone_display", "order on enum", "unknown op", "unknown value",
        "bad number", "17 conditions"])
def test_bad_filters_are_invalid_arguments_naming_the_field(session, book, bad, what):
    with pytest.raises(crm.InvalidArgument) as info:
        list(session.customers(filters=bad))
    assert what in info.value.message, \
        "the message should name %r: %r" % (what, info.value.message)
    with pytest.raises(crm.InvalidArgument):
        session.customer_page(filters=bad)


def test_filter_shapes_are_checked_in_python(session, book):
    for bad, exc in [
        (("industry", "=", "制造业"), TypeError),     # one condition, not wrapped in a list
        ("industry", TypeError),
        ({"industry": "制造业"}, TypeError),
        ([("industry",)], TypeError),
        ([("industry", "=", "制造业", "x")], TypeError),
        ([("industry", "=")], ValueError),            # a value is needed
        ([("industry", "=", None)], TypeError),       # use ("industry", "null")
        ([("industry", "=", ["制造业"])], TypeError),
        ([(1, "=", "x")], TypeError),
        ([("custom.annual_budget", "=", float("nan"))], ValueError),
    ]:
        with pytest.raises(exc):
            session.customers(filters=bad)           # raised when the iterator is made
    assert ids(session.customers(filters=[["industry", "=", "互联网"]])) == \
        [book[1], book[4]], "a list works as well as a tuple"
    assert ids(session.customers(filters=[("email", "null", None)])) == \
        ids(session.customers(filters=[("email", "null")])), "null ignores a None value"
    assert len(ids(session.customers(filters=[]))) == 6, "no conditions: everything"


def test_filter_array_is_alive_during_the_call(session, book, monkeypatch):
    seen = []
    real = _lib.lib.crm_customer_list

    def spy(s, qref, out):
        gc.collect()
        q = qref._obj
        seen.append([(q.filters[i].field, q.filters[i].op, q.filters[i].value)
                     for i in range(q.filter_count)])
        return real(s, qref, out)

    monkeypatch.setattr(_lib.lib, "crm_customer_list", spy)
    session.customer_page(filters=[("custom.budget_range", "=", "10-50万"),
                                   ("email", "null")])
    assert seen == [[(b"custom.budget_range", b"=", "10-50万".encode()),
                     (b"email", b"null", None)]], seen


# -- sorting and paging ------------------------------------------------------------------


def test_sort_on_a_custom_field_both_ways_across_pages(session, book):
    A, B, C, D, E, F = book
    assert all_pages(session, sort="custom.annual_budget") == [[C, A], [F, D], [B, E]], \
        "ascending; customers without a value last, in id order"
    assert all_pages(session, sort="-custom.annual_budget") == [[D, F], [A, C], [B, E]], \
        "descending; customers without a value still last, in id order"
    assert ids(session.customers(page_size=1, sort="-custom.annual_budget")) == \
        [D, F, A, C, B, E], "the iterator follows the same order"
    assert all_pages(session, sort="custom.annual_budget",
                     filters=[("industry", "=", "制造业")]) == [[C, A], [F, D]], \
        "sort and filters together"


def test_sort_on_builtin_fields(session, book, clock):
    A, B, C, D, E, F = book
    assert ids(session.customers(sort="id")) == book
    assert ids(session.customers(page_size=2, sort="-created_at")) == [F, E, D, C, B, A]
    clock.tick()
    session.update_customer(C, priority="低")
    clock.tick()
    session.update_customer(A, priority="低")
    assert ids(session.customers(page_size=2, sort="-updated_at"))[:3] == [A, C, F], \
        "most recently changed first"
    assert ids(session.customers(page_size=2, sort="updated_at"))[-2:] == [C, A]
    assert ids(session.customers(page_size=4, sort="name")) == \
        sorted(book, key=lambda i: session.get_customer(i)["name"])


def test_iterator_passes_the_same_filters_and_sort_with_each_token(session, book,
                                                                 monkeypatch):
    seen = []
    real = _lib.lib.crm_customer_list

    def spy(s, qref, out):
        q = qref._obj
        seen.append((q.after is not None, q.sort, q.page_size,
                     [(q.filters[i].field, q.filters[i].value) for i in range(q.filter_count)]))
        return real(s, qref, out)

    monkeypatch.setattr(_lib.lib, "crm_customer_list", spy)
    got = ids(session.customers(page_size=1, sort="-custom.annual_budget",
                                filters=[("industry", "=", "制造业")]))
    A, B, C, D, E, F = book
    assert got == [D, F, A, C], got
    expected = (b"-custom.annual_budget", 1, [(b"industry", "制造业".encode())])
    assert len(seen) in (4, 5), "one call per page: %r" % seen
    assert seen[0] == (False,) + expected, "the first page has no token: %r" % (seen[0],)
    assert all(call == (True,) + expected for call in seen[1:]), \
        "every later page: a token with the same filters, sort and page size: %r" % seen


def test_a_token_is_bound_to_its_query(session, book):
    query = dict(sort="-custom.annual_budget",
                 filters=[("industry", "=", "制造业"), ("custom.annual_budget", ">", 0)])
    rows, token = session.customer_page(page_size=2, **query)
    assert token, "two of four rows: there is a next page"
    for other in [dict(query, sort="custom.annual_budget"),
                  dict(query, sort=None),
                  dict(query, filters=list(reversed(query["filters"]))),
                  dict(query, filters=query["filters"][:1]),
                  dict(sort="-updated_at")]:
        with pytest.raises(crm.InvalidArgument):
            session.customer_page(page_size=2, after=token, **other)
    with pytest.raises(crm.InvalidArgument):
        session.customer_page(page_size=3, after=token, **query)
    rows, token = session.customer_page(page_size=2, after=token, **query)
    A, B, C, D, E, F = book
    assert ids(rows) == [A, C] and token is None, (ids(rows), token)


def test_sorted_paging_is_stable_under_inserts(session, book, clock):
    A, B, C, D, E, F = book
    rows, token = session.customer_page(page_size=2, sort="custom.annual_budget")
    assert ids(rows) == [C, A]
    clock.tick()
    early = session.create_customer(valid_customer(**{"custom.annual_budget": 1}))
    late = session.create_customer(valid_customer(**{"custom.annual_budget": 99}))
    rest = []
    while token:
        page, token = session.customer_page(page_size=2, after=token,
                                            sort="custom.annual_budget")
        rest += ids(page)
    assert rest == [F, late, D, B, E], \
        "no row twice, none skipped; %s (budget 1) sorts before the position" % early


@pytest.mark.parametrize("sort", ["phone", "-phone", "custom.nope", "--name", "key_needs",
                                  "updated_at desc"])
def test_bad_sort_is_invalid(session, book, sort):
    with pytest.raises(crm.InvalidArgument):
        list(session.customers(sort=sort))
    with pytest.raises(crm.InvalidArgument):
        session.count_customers(sort=sort)


def test_sort_must_be_text(session, book):
    with pytest.raises(TypeError):
        session.customers(sort=["-updated_at"])


# -- settings -----------------------------------------------------------------------


def test_settings_get_and_set(session, rep):
    assert session.setting("tags.create_on_attach") == "0", "off by default"
    session.set_setting("tags.create_on_attach", True)
    assert rep.setting("tags.create_on_attach") == "1", "everyone reads settings"
    session.set_setting("tags.create_on_attach", "0")
    assert session.setting("tags.create_on_attach") == "0"
    session.set_setting("tags.create_on_attach", "1")
    with pytest.raises(crm.PermissionDenied):
        rep.set_setting("tags.create_on_attach", False)
    assert session.setting("tags.create_on_attach") == "1", "a refused change changes nothing"
    for bad in ["2", "yes", ""]:
        with pytest.raises(crm.InvalidArgument):
            session.set_setting("tags.create_on_attach", bad)
    with pytest.raises(TypeError):
        session.set_setting("tags.create_on_attach", 1)
    with pytest.raises(crm.NotFound):
        session.setting("tags.no_such_setting")
    with pytest.raises(crm.NotFound):
        session.set_setting("tags.no_such_setting", "1")
    assert session.setting("tags.create_on_attach") == "1"


def test_settings_are_shared_by_every_handle(tmp_path):
    path = str(tmp_path / "crm.db")
    with crm.Db(path) as one, crm.Db(path) as two:
        with one.session() as a, two.session() as b:
            a.set_setting("tags.create_on_attach", True)
            assert b.setting("tags.create_on_attach") == "1", "stored in the database"


def test_setting_string_is_freed_once(session, monkeypatch):
    freed = []
    real = _lib.lib.crm_free

    def spy(p):
        freed.append(ctypes.cast(p, ctypes.c_void_p).value if p is not None else None)
        return real(p)

    monkeypatch.setattr(_lib.lib, "crm_free", spy)
    assert session.setting("tags.create_on_attach") == "0"
    assert len(freed) == 1 and freed[0], "the OWNED string is freed exactly once: %r" % freed
    with pytest.raises(crm.NotFound):
        session.setting("no_such_setting")
    assert len(freed) == 1, "nothing to free after a failure: %r" % freed


# -- tags by label --------------------------------------------------------------------


def test_tag_by_label_returns_the_id_and_is_recorded(session, make_customer):
    cid = make_customer()
    hot = session.find_tag("高潜力")
    v = session.get_customer(cid)["version"]
    assert session.tag_customer_by_label(cid, "高潜力") == hot
    assert session.tag_customer_by_label(cid, "高潜力", "价值") == hot, \
        "already attached: the id again, nothing changes"
    assert session.get_customer(cid)["version"] == v + 1
    assert [t["label"] for t in session.customer_tags(cid)] == ["高潜力"]
    last = session.customer_history(cid)[-1]
    assert (last["kind"], last["field"], last["after"]) == ("tag", "tags", "value:高潜力"), last
    session.untag_customer_by_label(cid, "高潜力", "value")
    session.untag_customer_by_label(cid, "高潜力")             # not carried: nothing happens
    assert session.customer_tags(cid) == []
    assert session.get_customer(cid)["version"] == v + 2


def test_unknown_label_without_create_on_attach(session, rep, make_customer):
    cid = make_customer()
    before = session.tags()
    for category in (None, "industry"):
        with pytest.raises(crm.NotFound):
            rep.tag_customer_by_label(cid, "汽车零部件", category)
    assert session.tags() == before, "no tag is created while the setting is off"


def test_create_on_attach(session, rep, make_customer):
    cid = make_customer(owner=rep.user_id)  # a rep tags their own customers (R3.1)
    session.set_setting("tags.create_on_attach", True)
    with pytest.raises(crm.NotFound):
        rep.tag_customer_by_label(cid, "汽车零部件")           # no category: no creation
    tid = rep.tag_customer_by_label(cid, "汽车零部件", "行业")  # any user, category by label
    assert session.find_tag("汽车零部件", "industry") == tid
    assert [t["label"] for t in rep.customer_tags(cid)] == ["汽车零部件"]
    with pytest.raises(crm.NotFound):
        rep.tag_customer_by_label(cid, "新标签", "no_such_category")
    with pytest.raises(crm.NotFound):
        rep.untag_customer_by_label(cid, "新能源", "industry")   # detaching never creates
    with pytest.raises(crm.NotFound):
        session.find_tag("新能源")
    rep.untag_customer_by_label(cid, "汽车零部件")
    assert rep.customer_tags(cid) == []


def test_create_on_attach_on_an_archived_customer_creates_nothing(session, make_customer):
    cid = make_customer()
    session.set_setting("tags.create_on_attach", "1")
    session.archive_customer(cid)
    with pytest.raises(crm.StateError):
        session.tag_customer_by_label(cid, "汽车零部件", "industry")
    with pytest.raises(crm.NotFound):
        session.find_tag("汽车零部件")


def test_ambiguous_label_needs_a_category(session, make_customer):
    cid = make_customer()
    session.define_tag("need", "制造业")
    with pytest.raises(crm.Conflict):
        session.tag_customer_by_label(cid, "制造业")
    assert session.tag_customer_by_label(cid, "制造业", "行业") == \
        session.find_tag("制造业", "industry")


def test_tag_by_label_argument_types(session, make_customer):
    cid = make_customer()
    with pytest.raises(TypeError):
        session.tag_customer_by_label(cid, 8)
    with pytest.raises(TypeError):
        session.untag_customer_by_label(cid, "高潜力", category=3)
    with pytest.raises(crm.InvalidArgument):
        session.tag_customer_by_label(cid, "", "industry")
