"""The queue as CSV (services.claim_export): every row, spreadsheet-safe cells, streamed."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from rxapp.services import claim_export
from tests.factories.rows import (
    _claim,
    _product,
    _promotion,
    _rid,
    _store,
    _user,
)


# --------------------------------------------------------------------------- export


def test_export_streams_every_row_with_safe_cells(session, monkeypatch):
    monkeypatch.setattr(claim_export, "EXPORT_CHUNK", 3)  # several chunks over 8 rows
    user = _user(session, email="-ada@example.com")
    promo = _promotion(session, name='=HYPERLINK("http://evil","x"), "quoted"')
    store = _store(session, "FR", name="+Store, with comma")
    made = [
        _claim(session, _product(session, user, store=store), promo, due_on=date(2024, 5, 1) + timedelta(days=i % 3))
        for i in range(8)
    ]
    session.commit()
    lines = list(claim_export.export_csv(session=session, actor_id=_rid(session)))
    assert lines[0].startswith("claim_id,")
    rows = list(csv.reader(io.StringIO("".join(lines))))
    assert rows[0] == claim_export.EXPORT_HEADER
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [int(r["claim_id"]) for r in body] == [c.id for c in sorted(made, key=lambda c: (c.due_on, c.id))]
    assert body[0]["promotion_name"] == '\'=HYPERLINK("http://evil","x"), "quoted"'
    assert body[0]["store_name"] == "'+Store, with comma"
    assert body[0]["customer_email"] == "'-ada@example.com"
    assert body[0]["due_on"] == "2024-05-01"
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


@given(st.text(alphabet=st.sampled_from("=+-@\t\r a1,\"'"), max_size=8) | st.text(max_size=30))
def test_no_exported_cell_starts_like_a_formula(text):
    cell = claim_export._safe_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (text, "'" + text)


def test_export_of_an_empty_queue_is_just_the_header(session):
    assert list(claim_export.export_csv(session=session, actor_id=_rid(session))) == [",".join(claim_export.EXPORT_HEADER) + "\r\n"]


def test_the_export_link_keeps_the_risk_filter_so_the_csv_is_the_queue_shown(session):
    """The link used to drop the Risk filter: "Risk signals found" exported every claim."""
    from rxapp.services import queue_filter

    user = _user(session)
    promo = _promotion(session)
    risky, clean = (_claim(session, _product(session, user), promo) for _ in range(2))
    risky.risk_score = 2
    session.add(risky)
    session.commit()
    rid = _rid(session)
    token = claim_export.link_token(actor_id=rid, flt={"risk": "signals", "order": "risk"})
    _, flt = claim_export.read_link_token(session=session, token=token)
    assert flt["risk"] == "signals"
    lines = list(claim_export.export_csv(session=session, actor_id=rid, flt=queue_filter.from_dict(flt)))
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    assert [int(r["claim_id"]) for r in rows] == [risky.id]
