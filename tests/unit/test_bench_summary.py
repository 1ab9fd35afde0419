"""The bench's one combined table and its JSON (``bench/common.py``, ``bench/__main__.py``), with made-up rows."""

from __future__ import annotations

import json
import sys
import types

import pytest

from bench import __main__ as bench_main
from bench import common


@pytest.fixture(autouse=True)
def _no_rows_left():
    common.take_rows()
    yield
    common.take_rows()


def test_report_computes_the_ratio_and_info_rows_have_no_verdict():
    timed = common.report("upload", "refusal", 3.0, 2.0, "ms", "<= 2x", True)
    info = common.report("upload", "accepted photo", 5.0, 4.0, "ms")
    absolute = common.report("evidence", "recall", 96.0, None, "%", ">= 95 %", True)
    zero_base = common.report("x", "zero baseline", 1.0, 0.0, "ms", "<= 2x", False)

    assert timed.ratio == pytest.approx(1.5)
    assert info.goal is None and info.met is None
    assert absolute.ratio is None
    assert zero_base.ratio is None
    assert common.take_rows() == [timed, info, absolute, zero_base]
    assert common.take_rows() == []


def test_summary_table_shows_every_column_and_the_verdicts():
    rows = [
        common.Row("events", "S/N hint, 1 client(s)", 12.5, 5.0, "ms", 2.5, "<= 1.5x", False),
        common.Row("queue", "first page", 0.85, 0.25, "ms", 3.4, "<= 3x", True, note="1,000,000 claims"),
        common.Row("evidence", "CPU per invoice", 1.2, None, "s", None, None, None),
    ]
    text = common.summary_table(rows)
    lines = text.splitlines()

    assert lines[0].split() == ["bench", "case", "ours", "baseline", "ratio", "goal", "result"]
    events, queue, evidence = lines[2:]
    assert "12.5 ms" in events and "5 ms" in events and "2.50x" in events and "<= 1.5x" in events
    assert events.rstrip().endswith("NOT MET")
    assert queue.rstrip().endswith("met") and "[1,000,000 claims]" in queue
    assert evidence.rstrip().endswith("(info)")
    assert evidence.split()[-4:-1] == ["-", "-", "-"]  # no baseline, no ratio, no goal


def test_write_results_writes_the_stamped_file_and_latest_alike(tmp_path):
    rows = [
        common.Row("pages", "log-in: TTI", 900.0, 450.0, "ms", 2.0, "<= 1.5x", False),
        common.Row("pages", "no baseline time", 1.0, 0.0, "ms", float("inf"), "<= 1.5x", False),
        common.Row("flow", "flows/s", 1.1, None, "flows/s", None, None, None),
    ]
    stamped, latest = common.write_results(rows, tmp_path / "results", {"total_seconds": 12.0}, stamp="T1")

    assert stamped.name == "T1.json" and latest.name == "latest.json"
    assert stamped.read_text() == latest.read_text()
    doc = json.loads(latest.read_text())  # strict JSON: an infinite ratio became null
    assert doc["total_seconds"] == 12.0
    assert (doc["goals"], doc["goals_met"]) == (2, 0)
    assert doc["rows"][0] == {"bench": "pages", "case": "log-in: TTI", "ours": 900.0, "baseline": 450.0,
                              "unit": "ms", "ratio": 2.0, "goal": "<= 1.5x", "met": False, "note": ""}
    assert doc["rows"][1]["ratio"] is None
    assert doc["rows"][2]["met"] is None


def test_apply_profile_fills_the_default_sizes_but_never_overrides():
    env = {"MEMBER_CENTER_BENCH_FLOW_CLIENTS": "7"}
    settings = bench_main.apply_profile(env)
    assert env["MEMBER_CENTER_BENCH_FLOW_CLIENTS"] == "7"
    assert env["MEMBER_CENTER_BENCH_INVOICES"] == bench_main.QUICK["MEMBER_CENTER_BENCH_INVOICES"]
    assert settings == env

    full = {"MEMBER_CENTER_BENCH_FULL": "1"}
    assert bench_main.apply_profile(full) == full  # nothing filled in: each module's own defaults


def test_main_collects_every_modules_rows_prints_one_table_and_writes_json(tmp_path, monkeypatch, capsys):
    def fake(name, body):
        module = types.ModuleType(f"bench.{name}")
        module.main = body
        monkeypatch.setitem(sys.modules, f"bench.{name}", module)

    def good():
        common.report("alpha", "fast case", 1.0, 1.0, "ms", "<= 1.5x", True)
        common.report("alpha", "info case", 2.0, None, "MB")
        return 0

    def crashing():
        common.report("beta", "before the crash", 1.0, 4.0, "ms", "<= 1.5x", True)
        raise RuntimeError("boom")

    fake("bench_alpha", good)
    fake("bench_beta", crashing)
    monkeypatch.setattr(bench_main, "discover", lambda words: ["bench_alpha", "bench_beta"])
    monkeypatch.setattr(bench_main, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(bench_main, "PROJECT_ROOT", tmp_path)
    for key, value in bench_main.QUICK.items():  # what apply_profile sets, undone after the test
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("MEMBER_CENTER_BENCH_FULL", raising=False)

    assert bench_main.main(["alpha", "beta"]) == 1  # a crashed module fails the run
    out = capsys.readouterr().out
    summary = out[out.index("== summary"):]
    assert "2 of 3 goals met" in summary
    for case in ("fast case", "info case", "before the crash", "module crashed"):
        assert case in summary

    doc = json.loads((tmp_path / "results" / "latest.json").read_text())
    assert [(r["bench"], r["case"]) for r in doc["rows"]][:4] == [
        ("alpha", "fast case"), ("alpha", "info case"), ("beta", "before the crash"),
        ("beta", "module crashed (see its output)")]
    assert doc["rows"][-1]["case"].startswith("this run") and doc["rows"][-1]["unit"] == "min"
    assert doc["modules"]["bench_beta"]["result"] == "crashed"
    assert doc["settings"]["MEMBER_CENTER_BENCH_FLOW_CLIENTS"] == "20"
    assert len(list((tmp_path / "results").glob("*.json"))) == 2
