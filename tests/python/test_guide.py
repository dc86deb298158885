"""Run every ```python block of docs/python-guide.md, in order, in one
namespace, in a fresh temporary directory."""

import os
import re

import pytest

from conftest import ROOT

GUIDE = os.path.join(ROOT, "docs", "python-guide.md")


def python_blocks(text):
    """(line number, code) of each ```python fenced block."""
    blocks = []
    for m in re.finditer(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, flags=re.S | re.M):
        line = text.count("\n", 0, m.start()) + 2
        blocks.append((line, m.group(1)))
    return blocks


def test_guide_has_examples():
    blocks = python_blocks(open(GUIDE, encoding="utf-8").read())
    assert len(blocks) >= 10, "the guide lost its examples? found %d" % len(blocks)


def test_guide_examples_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__guide__"}
    for line, code in python_blocks(open(GUIDE, encoding="utf-8").read()):
        try:
            exec(compile(code, "%s:%d" % (GUIDE, line), "exec"), namespace)
        except Exception as e:
            pytest.fail("the example at python-guide.md line %d failed: %r\n%s"
                        % (line, e, code))
    out = capsys.readouterr().out
    assert (tmp_path / "customers.db").exists(), "the guide's database was not created"
    assert "C0001" in out, "the guide promises the first id prints as C0001:\n" + out
    db = namespace["db"]
    assert db.closed, "the guide ends by closing its database"
