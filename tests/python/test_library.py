"""Finding libcrm, and the prototype table against crm.h."""

import ctypes
import os
import re
import shutil
import subprocess
import sys

import pytest

import crm
from crm import _lib
from conftest import BINDING_DIR, HEADER


def test_lookup_error_lists_every_place_and_why(tmp_path):
    pkg = tmp_path / "pkg"
    build = tmp_path / "build"
    pkg.mkdir()
    build.mkdir()
    with pytest.raises(ImportError) as info:
        _lib.load_library(environ={}, package_dir=str(pkg), build_dir=str(build),
                          system=False)
    msg = str(info.value)
    for place in ["$CRM_LIBRARY: not set",
                  str(pkg / "libcrm.so.0") + ": no such file",
                  str(pkg / "libcrm.so") + ": no such file",
                  str(build / "libcrm.so.0") + ": no such file",
                  str(build / "libcrm.so") + ": no such file"]:
        assert place in msg, "the error should name %r; it was:\n%s" % (place, msg)
    assert "CRM_LIBRARY" in msg.splitlines()[-1], "the error should say how to fix it"


def test_import_without_library_lists_all_places_in_order(tmp_path):
    """A copy of the package with no library anywhere near it: ``import crm``
    fails, naming the package dir, the build tree and the system loader, in
    that order.  (Run in a child process: in this one, libcrm is loaded
    already, so the system loader would find it by its soname.)"""
    pkg = tmp_path / "a" / "b" / "crm"
    shutil.copytree(os.path.join(BINDING_DIR, "crm"), pkg,
                    ignore=shutil.ignore_patterns("__pycache__", "libcrm.so*"))
    env = {k: v for k, v in os.environ.items() if k not in ("CRM_LIBRARY", "LD_LIBRARY_PATH")}
    env["PYTHONPATH"] = str(tmp_path / "a" / "b")
    proc = subprocess.run([sys.executable, "-c", "import crm"], env=env,
                          capture_output=True, text=True, timeout=60)
    if proc.returncode == 0:
        pytest.skip("libcrm is installed where the system loader finds it")
    msg = proc.stderr
    assert "ImportError" in msg or "LibraryNotFoundError" in msg, msg
    tried = re.findall(r"^\s+\d+\. (.*?): (.*)$", msg, flags=re.M)
    assert [where for where, _ in tried] == [
        "$CRM_LIBRARY",
        str(pkg / "libcrm.so.0"), str(pkg / "libcrm.so"),
        str(tmp_path / "build" / "src" / "libcrm.so.0"),
        str(tmp_path / "build" / "src" / "libcrm.so"),
        "libcrm.so.0",
        "ctypes.util.find_library('crm')",
    ], "wrong places or order:\n" + msg
    assert [why for _, why in tried][:5] == ["not set"] + ["no such file"] * 4, msg
    assert "cannot open shared object file" in tried[5][1], msg
    assert tried[6][1] == "found nothing", msg


def test_explicit_library_that_is_not_a_library_says_why(tmp_path):
    fake = tmp_path / "libcrm.so.0"
    fake.write_text("this is not an ELF file")
    with pytest.raises(ImportError) as info:
        _lib.load_library(environ={"CRM_LIBRARY": str(fake)})
    msg = str(info.value)
    assert "$CRM_LIBRARY=" + str(fake) in msg, msg
    assert "no other place was tried" in msg, msg
    assert len([ln for ln in msg.splitlines() if re.match(r"\s+\d+\. ", ln)]) == 1, \
        "an explicit CRM_LIBRARY must be the only place tried:\n" + msg


def test_package_dir_is_searched(tmp_path):
    """A libcrm.so.0 next to the package is found."""
    if not os.path.isabs(crm.LIBRARY_PATH):
        pytest.skip("libcrm was loaded by the system loader")
    os.symlink(crm.LIBRARY_PATH, tmp_path / "libcrm.so.0")
    lib, path = _lib.load_library(environ={}, package_dir=str(tmp_path), build_dir=None,
                                  system=False)
    assert path == str(tmp_path / "libcrm.so.0")
    assert lib.crm_version().decode() == crm.__version__


def test_import_with_bad_crm_library_raises_importerror(tmp_path):
    env = dict(os.environ, CRM_LIBRARY=str(tmp_path / "missing" / "libcrm.so.0"),
               PYTHONPATH=BINDING_DIR)
    proc = subprocess.run([sys.executable, "-c", "import crm"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0, "import crm should fail with a bad CRM_LIBRARY"
    assert "LibraryNotFoundError" in proc.stderr, proc.stderr
    assert str(tmp_path / "missing" / "libcrm.so.0") + ": no such file" in proc.stderr, \
        proc.stderr


def _header_functions():
    text = open(HEADER, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    found = {}
    for m in re.finditer(r"^CRM_API\s+([^;(#]*?)\b(crm_\w+)\s*\(([^)]*)\)\s*;", text,
                         flags=re.M):
        ret = " ".join(m.group(1).split())
        params = " ".join(m.group(3).split())
        n = 0 if params in ("", "void") else params.count(",") + 1
        found[m.group(2)] = (ret, n)
    return found


_RESTYPES = {"int": ctypes.c_int, "void": None, "const char *": ctypes.c_char_p,
             "int32_t": ctypes.c_int32}


@pytest.mark.skipif(not os.path.exists(HEADER), reason="crm.h not in this tree")
def test_table_declares_every_function_of_the_header():
    declared = _header_functions()
    assert len(declared) > 50, "the header parser found too few functions"
    assert set(declared) == set(_lib.PROTOTYPES), (
        "crm.h and the table differ: missing %s, extra %s"
        % (sorted(set(declared) - set(_lib.PROTOTYPES)),
           sorted(set(_lib.PROTOTYPES) - set(declared))))
    for name, (ret, nargs) in declared.items():
        restype, argtypes = _lib.PROTOTYPES[name]
        assert len(argtypes) == nargs, "%s takes %d arguments in crm.h" % (name, nargs)
        assert ret in _RESTYPES, "unexpected return type %r of %s" % (ret, name)
        assert restype is _RESTYPES[ret], "%s returns %s in crm.h" % (name, ret)
        fn = getattr(_lib.lib, name)
        assert fn.argtypes == argtypes and fn.restype is restype, \
            "the table was not applied to %s" % name


def test_option_structs_match_header_layout():
    # size_t size; uint32_t flags; int32_t busy_timeout_ms; const char *time_zone
    assert ctypes.sizeof(_lib.OpenOptions) == 8 + 4 + 4 + 8
    opts = _lib.open_options_init()
    assert (opts.size, opts.flags, opts.busy_timeout_ms, opts.time_zone) == \
        (ctypes.sizeof(_lib.OpenOptions), 0, 5000, None)
    q = _lib.customer_query_init()
    assert q.size == ctypes.sizeof(_lib.CustomerQuery)
    assert (q.owner, q.type, q.page_size, q.after, q.include_archived) == (0, None, 0, None, 0)
    d = _lib.custom_field_init()
    assert (d.size, d.decimals, d.personal) == (ctypes.sizeof(_lib.CustomFieldDef), -1, 0), \
        "CRM_CUSTOM_FIELD_INIT ends with decimals -1 and personal 0"
    a = _lib.audit_query_init()
    assert a.size == ctypes.sizeof(_lib.AuditQuery)
    assert (a.actor, a.action, a.object, a.outcome, a.since_ms, a.until_ms, a.page_size,
            a.after) == (0, None, None, None, 0, 0, 0, None), "CRM_AUDIT_QUERY_INIT"


# Every ctypes twin of a crm.h struct, by its C name.
_STRUCTS = {
    "crm_open_options": _lib.OpenOptions,
    "crm_field_filter": _lib.FieldFilter,
    "crm_customer_query": _lib.CustomerQuery,
    "crm_custom_field": _lib.CustomFieldDef,
    "crm_history_query": _lib.HistoryQuery,
    "crm_roster_query": _lib.RosterQuery,
    "crm_agenda_query": _lib.AgendaQuery,
    "crm_tick_report": _lib.TickReportStruct,
    "crm_audit_query": _lib.AuditQuery,
    "crm_lead_query": _lib.LeadQuery,
}


@pytest.mark.skipif(not os.path.exists(HEADER), reason="crm.h not in this tree")
def test_option_structs_match_the_c_compiler(tmp_path):
    """sizeof and every offsetof of each struct, as a C compiler sees crm.h,
    equal the ctypes layout."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler")
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "crm.h"',
             "int main(void) {"]
    for cname, cls in _STRUCTS.items():
        lines.append('  printf("%s %%zu\\n", sizeof(%s));' % (cname, cname))
        for field, _ in cls._fields_:
            lines.append('  printf("%s.%s %%zu\\n", offsetof(%s, %s));'
                         % (cname, field, cname, field))
    lines += ["  return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "layout"
    # Without the sanitizer runtime a sanitized test run preloads into python.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    subprocess.run([cc, "-I", os.path.dirname(HEADER), str(src), "-o", str(exe)], check=True,
                   capture_output=True, timeout=120, env=env)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True, timeout=60,
                         env=env).stdout
    c_layout = dict(line.rsplit(" ", 1) for line in out.splitlines())
    py_layout = {}
    for cname, cls in _STRUCTS.items():
        py_layout[cname] = str(ctypes.sizeof(cls))
        for field, _ in cls._fields_:
            py_layout["%s.%s" % (cname, field)] = str(getattr(cls, field).offset)
    assert py_layout == c_layout


def test_version_comes_from_the_library():
    assert re.fullmatch(r"\d+\.\d+\.\d+", crm.__version__), crm.__version__
    number = _lib.lib.crm_version_number()
    major, minor, patch = (int(p) for p in crm.__version__.split("."))
    assert number == major * 10000 + minor * 100 + patch
    assert major == _lib.ABI_MAJOR


def test_status_names():
    assert crm.status_name(crm.Status.VALIDATION) == "CRM_ERR_VALIDATION"
    assert crm.status_name(0) == "CRM_OK"
    assert crm.NotFound(-2, "x").name == "CRM_ERR_NOT_FOUND"


def test_help_reads_well():
    """Every public name has a docstring."""
    missing = []
    for name in crm.__all__:
        obj = getattr(crm, name)
        if callable(obj) and not (getattr(obj, "__doc__", None) or "").strip():
            missing.append(name)
        if isinstance(obj, type) and obj.__module__.startswith("crm"):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or not (callable(member) or isinstance(member, property)):
                    continue
                if not (member.__doc__ or "").strip():
                    missing.append("%s.%s" % (name, attr))
    assert not missing, "no docstring: %s" % missing
    assert "客户" in crm.__doc__ and "客户" in crm.Session.create_customer.__doc__
