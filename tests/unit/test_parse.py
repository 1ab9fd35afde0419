"""The one parser of client values: junk in, a bounded plain value (or None) out, never an exception."""

from __future__ import annotations

from datetime import date

import pytest

from rxapp.state import parse

JUNK = [None, 1, 1.5, True, [], {}, ["a"], {"a": 1}, b"bytes", object()]


@pytest.mark.parametrize("value", JUNK)
def test_junk_is_an_empty_text(value):
    assert parse.text(value) == ""
    assert parse.field({"k": value}, "k") == ""


def test_text_is_bounded_and_strips_only_when_asked():
    assert parse.text("  pass word  ", 6) == "  pass"
    assert parse.text("  hello  ", 3, strip=True) == "hel"
    assert parse.text("x" * 100_000, 254) == "x" * 254


@pytest.mark.parametrize("value", JUNK + ["not a form"])
def test_a_form_that_is_not_a_mapping_is_empty(value):
    if isinstance(value, dict):
        return
    assert parse.form(value) == {}
    assert parse.field(value, "email") == ""
    assert parse.flag(value, "consent") is False


def test_flag_is_ticked_only_by_on():
    assert parse.flag({"c": "on"}, "c") and parse.flag({"c": True}, "c")
    assert not parse.flag({"c": "off"}, "c") and not parse.flag({"c": 1}, "c") and not parse.flag({}, "c")


@pytest.mark.parametrize(
    "value, expected",
    [("12", 12), (12, 12), ("#12", 12), (" 7 ", 7), ("0", None), (0, None), (-3, None), ("-3", None),
     (True, None), (False, None), (1.0, None), ("1e3", None), ("１２", None), ("", None), (None, None),
     (2**31 - 1, 2**31 - 1), (2**31, None), ("99999999999", None), ([1], None)],
)
def test_positive_id(value, expected):
    assert parse.positive_id(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("2021-12-01", date(2021, 12, 1)), ("2021-02-30", None), ("12/01/2021", None), ("", None),
     (None, None), (20211201, None), ("2021-12-01" + "x" * 50, None)],
)
def test_iso_date(value, expected):
    assert parse.iso_date(value) == expected


def test_choice_keeps_only_an_allowed_value():
    assert parse.choice("retail", ["retail", "online"]) == "retail"
    assert parse.choice("admin", ["retail"], default="x") == "x"
    assert parse.choice(["retail"], ["retail"]) == ""


def test_checked_keys_reads_ticked_boxes_with_a_prefix_bounded():
    data = {"cat-1": "on", "cat-2": "off", "cat-3": "on", "model-4": "on", 5: "on", "cat-": "on"}
    assert parse.checked_keys(data, "cat-", 10) == ["1", "3"]
    assert parse.checked_keys({f"reg-{i}": "on" for i in range(50)}, "reg-", 5) == ["0", "1", "2", "3", "4"]
    assert parse.checked_keys("junk", "cat-", 5) == []
