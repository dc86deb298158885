"""Bringing data in (R9.1, R9.2) through the Python binding: CSV imports
from files, buffers and dicts, the error file and its re-import, GBK files,
progress that stops, the CSV export's round trip, and the migration of
follow-up history with its verification (docs/import.md)."""

import io

import pytest

import crm
from conftest import utc

T0 = utc(2026, 11, 23, 1, 0)  # 09:00 in Shanghai

HEADER = "客户全称,联系人姓名,联系电话,电子邮箱,所属行业,企业规模,信息来源渠道,关键需求,需求优先级\r\n"


def row(name, phone, email=""):
    return "%s,李明,%s,%s,制造业,100-500人,展会,采购数控机床,高\r\n" % (name, phone, email)


def person(name, phone, **more):
    """A customer as a dict of field names, for import_rows."""
    d = {"name": name, "contact_name": "李明", "phone": phone, "industry": "制造业",
         "scale": "100-500人", "source": "展会", "key_needs": "采购数控机床", "priority": "高"}
    d.update(more)
    return d


@pytest.fixture
def admin(db):
    db.set_clock(T0)
    with db.session() as s:
        yield s


def test_a_gbk_file_from_excel_is_detected_refused_as_utf8_and_read_as_gbk(admin, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes((HEADER + row("杭州恒达精密机械有限公司", "13812345678")).encode("gbk"))
    with pytest.raises(crm.InvalidArgument) as e:
        admin.import_customers(path, encoding="utf-8")
    assert "encoding" in str(e.value)
    assert admin.count_customers() == 0
    r = admin.import_customers(path)
    assert (r["inserted"], r["encoding"], r["key"]) == (1, "gb18030", "phone"), r
    assert r["errors"] == [] and r["cancelled"] is False
    assert admin.get_customer("C0001")["name"] == "杭州恒达精密机械有限公司"
    again = admin.import_customers(path, encoding="gbk")
    assert (again["inserted"], again["unchanged"]) == (0, 1), again


def test_rejected_rows_go_to_the_error_file_which_imports_once_corrected(admin, tmp_path):
    src, err = tmp_path / "in.csv", tmp_path / "in-errors.csv"
    src.write_text(HEADER + row("杭州恒达精密机械有限公司", "13812345678")
                   + "某科技公司,李明,12345,not-an-email,制造业,100-500人,展会,采购,高\r\n",
                   encoding="utf-8", newline="")
    r = admin.import_customers(src, error_path=err)
    assert (r["rows"], r["inserted"], r["rejected"], r["error_rows"]) == (2, 1, 1, 1), r
    assert len(r["errors"]) == 1
    assert r["errors"][0]["row"] == 3
    assert r["errors"][0]["message_zh"].startswith("第 3 行：")
    with open(err, encoding="utf-8", newline="") as f:
        text = f.read()
    assert text.startswith(HEADER.rstrip("\r\n") + ",错误说明\r\n"
                           "某科技公司,李明,12345,not-an-email,制造业,100-500人,展会,采购,高,"), text
    assert "联系电话" in text.splitlines()[1].split(",高,")[1], text  # the reason
    fixed = (text.replace("某科技公司", "苏州科创电子科技有限公司")
             .replace(",12345,", ",13600001111,").replace("not-an-email", "li@kc.cn"))
    err.write_text(fixed, encoding="utf-8", newline="")
    r = admin.import_customers(err)
    assert (r["inserted"], r["rejected"]) == (1, 0), r
    assert admin.get_customer("C0002")["name"] == "苏州科创电子科技有限公司"


def test_importing_the_same_file_again_changes_nothing(admin):
    data = HEADER + row("杭州恒达精密机械有限公司", "13812345678")
    assert admin.import_customers_buffer(data)["inserted"] == 1
    version = admin.get_customer("C0001")["version"]
    for mode in ("insert", "upsert"):
        r = admin.import_customers_buffer(data, mode=mode)
        assert (r["inserted"], r["updated"], r["unchanged"]) == (0, 0, 1), (mode, r)
    assert admin.get_customer("C0001")["version"] == version


def test_import_rows_takes_dicts_by_field_name_or_label(admin):
    admin.define_tag("industry", "重点行业")
    rows = [person("杭州恒达精密机械有限公司", "13812345678", tags="重点行业"),
            person("宁波海天塑机集团有限公司", "13987654321", key_needs="采购注塑机,两台"),
            person("某公司", "13700000001")]
    del rows[1]["priority"]  # a missing key is an empty cell
    r = admin.import_rows(rows)
    assert (r["rows"], r["inserted"], r["rejected"]) == (3, 1, 2), r
    assert [e["row"] for e in r["errors"]] == [3, 4]  # rows[1], rows[2]: the header is row 1
    assert "priority" in r["errors"][0]["message_en"].lower() or \
        "需求优先级" in r["errors"][0]["message_zh"], r["errors"][0]
    assert [t["label"] for t in admin.customer_tags("C0001")] == ["重点行业"]
    # Labels as keys, None as an empty cell, a quoted comma; a generator.
    labelled = ({"客户全称": "宁波海天塑机集团有限公司", "联系人姓名": "王芳",
                 "联系电话": "13987654321", "电子邮箱": None, "所属行业": "制造业",
                 "企业规模": "100-500人", "信息来源渠道": "展会", "关键需求": "采购注塑机,两台",
                 "需求优先级": "中"} for _ in range(1))
    r = admin.import_rows(labelled)
    assert r["inserted"] == 1, r
    assert admin.get_customer("C0002")["key_needs"] == "采购注塑机,两台"
    again = admin.import_rows(rows[:1])
    assert again["unchanged"] == 1, again
    with pytest.raises(TypeError):
        admin.import_rows({"name": "x"})
    with pytest.raises(TypeError):
        admin.import_rows(["not a dict"])
    with pytest.raises(crm.InvalidArgument, match="empty"):
        admin.import_rows([])


def test_a_mapping_names_columns_and_skips_others(admin):
    rows = [{"公司": "杭州恒达精密机械有限公司", "contact_name": "李明", "phone": "13812345678",
             "industry": "制造业", "scale": "100-500人", "source": "展会",
             "key_needs": "采购", "priority": "高", "备注": "随便"}]
    with pytest.raises(crm.InvalidArgument) as e:
        admin.import_rows(rows)
    assert "公司" in str(e.value)
    r = admin.import_rows(rows, mapping={"公司": "name", "备注": ""})
    assert r["inserted"] == 1, r
    r = admin.import_rows(rows, mapping=[("公司", "name"), ("备注", None)])
    assert r["unchanged"] == 1, r
    with pytest.raises(crm.InvalidArgument):
        admin.import_rows(rows, mapping={"公司": "created_at", "备注": ""})


def test_progress_that_returns_false_stops_after_the_batch_and_reports(admin):
    rows = [person("杭州恒达精密机械第%d分厂有限公司" % i, "1381234567%d" % i) for i in range(7)]
    calls = []

    def progress(done, total):
        calls.append((done, total))
        return len(calls) < 2

    r = admin.import_rows(rows, batch_rows=3, progress=progress)
    assert r["cancelled"] is True and r["inserted"] == 6, r
    assert calls == [(3, 7), (6, 7)]
    assert admin.count_customers() == 6

    def boom(done, total):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        admin.import_rows(rows, progress=boom)
    assert admin.count_customers() == 7  # the batch in hand was committed, then it stopped
    with pytest.raises(TypeError):
        admin.import_rows(rows, progress=3)


def test_modes_and_bad_options(admin, tmp_path):
    admin.import_customers_buffer(HEADER + row("杭州恒达精密机械有限公司", "13812345678"))
    r = admin.import_customers_buffer("联系电话,关键需求\n+86 138-1234-5678,采购五轴加工中心\n"
                                      "13900000000,采购\n", mode="update")
    assert (r["updated"], r["rejected"]) == (1, 1), r
    r = admin.import_customers_buffer(HEADER + row("宁波海天塑机集团有限公司", "13987654321"),
                                      mode="dry_run")
    assert r["inserted"] == 1 and admin.count_customers() == 1
    for kw in ({"mode": "merge"}, {"key": "fax"}, {"encoding": "latin1"}, {"batch_rows": -1},
               {"batch_rows": 100001}, {"key": "external_id"}):
        with pytest.raises(crm.InvalidArgument):
            admin.import_customers_buffer(HEADER + row("x", "1"), **kw)
    with pytest.raises(crm.InvalidArgument, match="empty"):
        admin.import_customers_buffer(b"")
    with pytest.raises(crm.InvalidArgument, match="created_at"):
        admin.import_customers_buffer("客户全称,创建时间\n")
    with pytest.raises(crm.CantOpen):
        admin.import_customers(tmp_path / "missing.csv")
    with pytest.raises(TypeError):
        admin.import_customers_buffer(12)
    assert admin.count_customers() == 1


def test_an_exception_while_writing_a_csv_export_stops_it_and_is_raised_unchanged(admin):
    admin.import_rows([person("杭州恒达精密机械有限公司", "13812345678")])

    class DiskFull(Exception):
        pass

    class Failing:
        def __init__(self, mode):
            self.mode = mode
            self.calls = 0

        def write(self, data):
            self.calls += 1
            raise DiskFull("no space left on device")

    # A binary file gets the bytes, a text file the decoded text: both stop.
    for mode in ("wb", "w"):
        out = Failing(mode)
        with pytest.raises(DiskFull, match="no space left") as e:
            admin.export_csv(out)
        assert out.calls == 1, (mode, "stopped at the first failure")
        assert e.value.__context__ is None, "raised as it was, not while handling another"
    details = [r["detail"] for r in admin.audit(action="customer.export")]
    assert details[-2:] == ["rows=0,unmasked=0,stopped"] * 2, details


def test_a_csv_export_in_clear_imports_back_unchanged(admin, tmp_path):
    admin.import_rows([person("杭州恒达精密机械有限公司", "13812345678", email="li@hd.cn",
                              external_id="ERP-1",
                              key_needs="采购数控机床，希望年内完成选型")])
    for encoding in ("utf-8", "gbk"):
        for english in (False, True):
            path = tmp_path / ("out-%s-%d.csv" % (encoding, english))
            assert admin.export_csv(path, in_clear=True, encoding=encoding,
                                    english_headers=english, bom=encoding == "utf-8") == 1
            data = path.read_bytes()
            if encoding == "utf-8":
                assert data.startswith(b"\xef\xbb\xbf" + ("id,name," if english
                                                          else "客户编号,客户全称,").encode())
            else:
                assert data.decode("gbk").startswith("id,name," if english else "客户编号,")
            r = admin.import_customers(path, mode="upsert", key="external_id")
            assert (r["unchanged"], r["rejected"]) == (1, 0), (encoding, english, r)
    # To a text file and to a binary one; masked unless in clear.
    text = io.StringIO()
    assert admin.export_csv(text) == 1
    assert "138****5678" in text.getvalue() and "13812345678" not in text.getvalue()
    raw = io.BytesIO()
    assert admin.export_csv(raw, encoding="gbk", in_clear=True) == 1
    assert "13812345678" in raw.getvalue().decode("gbk")
    with pytest.raises(crm.InvalidArgument):
        admin.export_csv(io.BytesIO(), encoding="latin1")
    with pytest.raises(TypeError):
        admin.export_csv(42)
    # Into an empty database: the same customer.
    with crm.Db() as other:
        other.set_clock(T0)
        with other.session() as a:
            r = a.import_customers(tmp_path / "out-utf-8-0.csv")
            assert r["inserted"] == 1, r
            got = a.get_customer("C0001")
    want = admin.get_customer("C0001")
    for f in ("name", "contact_name", "phone", "email", "key_needs", "external_id"):
        assert got[f] == want[f], f


HISTORY = ("记录编号,客户全称,跟进时间,跟进人,跟进方式,沟通内容,下一步计划\r\n"
           "H-3,杭州恒达精密机械有限公司,2026-03-05 15:30,admin,拜访,现场演示样机,报价\r\n"
           "H-1,杭州恒达精密机械有限公司,2026-01-10 09:00,admin,电话,初次沟通需求,\r\n"
           "H-2,宁波海天塑机集团有限公司,2026-02-01 10:00:30,admin,邮件,发送资料,\r\n")


def test_follow_up_history_migrates_once_and_verifies(admin, tmp_path):
    admin.import_rows([person("杭州恒达精密机械有限公司", "13812345678"),
                       person("宁波海天塑机集团有限公司", "13987654321")])
    path = tmp_path / "history.csv"
    path.write_text(HISTORY + "H-4,不存在的公司,2026-02-02 10:00,admin,电话,问候,\r\n",
                    encoding="utf-8", newline="")
    dry = admin.migrate_followups(path, mode="dry_run")
    assert dry["migrated"] == 3 and admin.followups("C0001") == [], dry
    r = admin.migrate_followups(path, error_path=tmp_path / "errors.csv")
    assert (r["rows"], r["migrated"], r["rejected"], r["key"]) == (4, 3, 1, "name"), r
    assert r["errors"][0]["row"] == 5
    assert "H-4" in (tmp_path / "errors.csv").read_text(encoding="utf-8")
    recs = admin.followups("C0001")
    assert [x["summary"] for x in recs] == ["初次沟通需求", "现场演示样机"]
    again = admin.migrate_followups(path)
    assert (again["migrated"], again["unchanged"]) == (0, 3), again

    ok = tmp_path / "history-ok.csv"
    ok.write_text(HISTORY, encoding="utf-8", newline="")
    v = admin.verify_migration(ok, sample=3, seed=7)
    assert (v["rows"], v["sampled"], v["matched"], v["mismatches"]) == (3, 3, 3, []), v
    changed = tmp_path / "history-changed.csv"
    changed.write_text(HISTORY.replace("初次沟通需求", "初次沟通预算"), encoding="utf-8",
                       newline="")
    v = admin.verify_migration(changed, sample=3, seed=1)
    assert v["matched"] == 2, v
    assert v["mismatches"] == [{"row": 3, "field": "summary", "expected": "初次沟通预算",
                                "stored": "初次沟通需求"}]
    with pytest.raises(crm.InvalidArgument):
        admin.verify_migration(ok, sample=0)
    with pytest.raises(ValueError):
        admin.verify_migration(ok, seed=-1)
    assert v["cancelled"] is False


def test_verification_progress_can_stop_or_raise(admin, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(HISTORY, encoding="utf-8", newline="")
    calls = []
    v = admin.verify_migration(path, sample=3, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(3, 3)] and v["cancelled"] is False and v["sampled"] == 3, (calls, v)
    v = admin.verify_migration(path, sample=3, progress=lambda d, t: False)
    assert (v["cancelled"], v["sampled"], v["mismatches"]) == (True, 0, []), v

    def boom(done, total):
        raise KeyError("from the callback")
    with pytest.raises(KeyError, match="from the callback"):
        admin.verify_migration(path, progress=boom)
    with pytest.raises(TypeError):
        admin.verify_migration(path, progress=3)


def test_migration_progress_can_stop(admin, tmp_path):
    admin.import_rows([person("杭州恒达精密机械有限公司", "13812345678"),
                       person("宁波海天塑机集团有限公司", "13987654321")])
    path = tmp_path / "history.csv"
    path.write_text(HISTORY, encoding="utf-8", newline="")
    r = admin.migrate_followups(path, batch_rows=1, progress=lambda done, total: False)
    assert r["cancelled"] is True and r["migrated"] == 1, r


def test_an_error_file_that_is_the_source_is_refused_and_the_source_kept(admin, tmp_path):
    path = tmp_path / "rows.csv"
    text = "客户全称,联系电话\r\n某科技公司,13812345679\r\n"
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(crm.InvalidArgument, match="error file"):
        admin.import_customers(path, error_path=path)
    with pytest.raises(crm.InvalidArgument, match="error file"):
        admin.migrate_followups(path, error_path=path)
    assert path.read_bytes() == text.encode("utf-8"), "the source is untouched"
    with pytest.raises(crm.CantOpen):
        admin.import_customers(path, error_path=tmp_path / "no-such-dir" / "errors.csv")
