"""The field registry (字段注册表): what fields an entity has, with labels."""

from ctypes import byref, c_char_p, c_int32

from ._lib import lib
from ._records import text_arg
from .errors import check

_REQUIRED, _READONLY, _PERSONAL = 1, 2, 4


def _s(p):
    return None if p.value is None else p.value.decode("utf-8")


def fields(entity="customer"):
    """The registered fields of ``entity`` ("customer", "contact", "user",
    "followup_plan", "followup_record" or "maintenance_plan") as a list of
    dicts with keys name, type ("text", "integer", "enum", "phone", "email",
    "date", "user", "instant", "decimal"), label_zh (e.g. "客户全称"),
    label_en, required, readonly and personal (bools)."""
    ent = text_arg(entity, "entity")
    n = c_int32()
    check(lib.crm_field_count(ent, byref(n)))
    out = []
    for i in range(n.value):
        name, typ, zh, en = c_char_p(), c_char_p(), c_char_p(), c_char_p()
        flags = c_int32()
        check(lib.crm_field_info(ent, i, byref(name), byref(typ), byref(zh), byref(en),
                                 byref(flags)))
        f = flags.value
        out.append({
            "name": _s(name), "type": _s(typ), "label_zh": _s(zh), "label_en": _s(en),
            "required": bool(f & _REQUIRED), "readonly": bool(f & _READONLY),
            "personal": bool(f & _PERSONAL),
        })
    return out


def resolve_field(header, entity="customer"):
    """The field name for a column header: the name itself, its English label
    or its Chinese label (``resolve_field("客户全称")`` -> ``"name"``).
    NotFound if nothing matches."""
    out = c_char_p()
    check(lib.crm_field_resolve(text_arg(entity, "entity"), text_arg(header, "header"),
                                byref(out)))
    return _s(out)
