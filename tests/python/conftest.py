"""Shared fixtures for the Python binding's tests.

Run from the source tree:
    CRM_LIBRARY=build/src/libcrm.so.0 /usr/bin/python3 -m pytest -q tests/python
Without CRM_LIBRARY the binding finds build/src/libcrm.so.0 by itself.
"""

import itertools
import os
import sys
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
BINDING_DIR = os.path.join(ROOT, "bindings", "python")
HEADER = os.path.join(ROOT, "capi", "crm.h")
sys.path.insert(0, BINDING_DIR)

import crm  # noqa: E402

UTC = timezone.utc

# Distinct, specific company names (客户全称): a region, a distinctive core word
# and a legal suffix, so that none is "vague".
_CORES = ["青松", "明辉", "远航", "瑞丰", "嘉禾", "恒通", "华信", "佳美", "鼎盛", "宏图",
          "金桥", "天禾", "立信", "博远", "启明", "正泰", "海川", "长青", "万隆", "新程"]
_counter = itertools.count(1)


def company_name():
    """A valid, unique full legal name."""
    n = next(_counter)
    core = _CORES[(n - 1) % len(_CORES)]
    return f"上海{core}{n}号精密仪器有限公司"


def valid_customer(**overrides):
    """The fields of a customer that passes every R1.1/R1.2 check."""
    fields = {
        "name": company_name(),
        "contact_name": "王伟",
        "phone": "13812345678",
        "email": "wangwei@example.com",
        "industry": "制造业",
        "scale": "50-100人",
        "source": "展会",
        "key_needs": "采购自动化产线设备",
        "priority": "高",
    }
    fields.update(overrides)
    return fields


def ensure_department(admin, name, parent=None, supervisor=None):
    """Define department ``name`` through the administrator's session unless
    it exists (users name an existing department, R3.1)."""
    try:
        admin.define_department(name, parent, supervisor)
    except crm.Conflict:
        pass


def add_user(admin, login, name, role, department=None):
    """Create a user through the administrator's session and return the id;
    a named department is defined first when it does not exist yet."""
    if department is not None:
        ensure_department(admin, department)
    return admin.create_user(login=login, name=name, department=department, role=role)


@pytest.fixture
def db():
    """A fresh in-memory database, closed after the test."""
    with crm.Db() as d:
        yield d


@pytest.fixture
def session(db):
    """A session of the administrator (user 1) on ``db``."""
    with db.session() as s:
        yield s


@pytest.fixture
def make_customer(session):
    """Create a valid customer (with optional overrides) and return its id."""
    def make(**overrides):
        return session.create_customer(valid_customer(**overrides))
    return make


def utc(*args):
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def sales_org(db, admin, now):
    """A small sales organisation on ``db``, with the clock fixed at ``now``:

    销售中心
      ├─ 华东销售部: 李四 ``rep`` and 王五 ``colleague`` (sales), 李娜 ``manager``
      │             (sales_manager)
      └─ 华南销售部: 陈杰 ``south`` (sales)
    市场部: 孙丽 ``marketing``

    Returns a namespace with ``admin``, an open session per user (``rep``,
    ``colleague``, ``manager``, ``south``, ``marketing``; closed with the
    database), their ids (``rep_id`` …) and customers ``a`` (李四's, phone
    138 1234 5678, e-mail wangwei@example.com), ``b`` (王五's) and ``s``
    (陈杰's)."""
    db.set_clock(now)
    admin.define_department("销售中心")
    admin.define_department("华东销售部", parent="销售中心")
    admin.define_department("华南销售部", parent="销售中心")
    admin.define_department("市场部")
    o = SimpleNamespace(admin=admin, db=db)
    for name, login, person, dept, role in [
            ("rep", "lisi", "李四", "华东销售部", "销售"),
            ("colleague", "wangwu", "王五", "华东销售部", "sales"),
            ("manager", "lina", "李娜", "华东销售部", "销售经理"),
            ("south", "chenjie", "陈杰", "华南销售部", "sales"),
            ("marketing", "sunli", "孙丽", "市场部", "市场")]:
        uid = admin.create_user(login=login, name=person, department=dept, role=role)
        setattr(o, name + "_id", uid)
        setattr(o, name, db.session(uid))
    o.a = o.rep.create_customer(valid_customer())
    o.b = o.colleague.create_customer(valid_customer(phone="13912345678"))
    o.s = o.south.create_customer(valid_customer(phone="13612345678"))
    return o
