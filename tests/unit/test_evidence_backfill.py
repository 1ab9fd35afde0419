"""Claims that never had the evidence pre-check (from before it, the demo's): listed under "Not checked yet",
then given their verdict by ``evidence_backfill`` / ``python -m rxapp.cli backfill-evidence`` (issue 17).

The OCR engine is replaced by a stand-in here (its reading is ``test_evidence_corpus``'s and the bench's
subject): what is tested is which claims are picked, that each file is read once and each claim's
verdict kept, that a run goes on where the last one stopped, and the demo seed's background run.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from rxapp import cli, settings
from rxapp.models import EvidenceReading, Redemption, User
from rxapp.services import demo_kit, demo_seed, evidence_backfill, ocr_reader, queue_filter, review_queue
from rxapp.services.ocr_reader import Reading, TextLine

REVIEWER = demo_seed.DEMO_USERS[2].email


@pytest.fixture(autouse=True)
def demo(monkeypatch, tmp_path):
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RXAPP_DEMO", "1")
    settings.reset()
    yield
    settings.reset()


@pytest.fixture()
def reads(monkeypatch):
    """The OCR stand-in: every picture reads as a page saying nothing useful (so every check fails);
    records how often it was called."""
    calls: list[int] = []

    def fake_read(data: bytes, *, barcodes: bool = True, text: bool = True) -> Reading:
        calls.append(len(data))
        return Reading(width=100, height=100, lines=[TextLine("THANK YOU", (1, 1, 50, 10))], engine="stand-in")

    monkeypatch.setattr(ocr_reader, "read", fake_read)
    return calls


def unchecked_in_queue(s: Session) -> list[int]:
    reviewer_id = s.exec(select(User.id).where(User.email == REVIEWER)).one()
    flt = queue_filter.from_dict({"status": "all", "checks": "unchecked"})
    page = review_queue.queue_page(session=s, actor_id=reviewer_id, flt=flt, after=None, limit=100)
    return [row["claim_id"] for row in page.rows]


def test_demo_claims_are_not_checked_until_the_backfill_reads_them(engine, db_url, reads):
    demo_kit.reset(engine=engine)  # fast: the demo reset reads no picture
    with Session(engine) as s:
        claims = s.exec(select(Redemption.id).order_by(Redemption.id)).all()
        assert claims and s.exec(select(EvidenceReading)).all() == []
        # not lost between the two verdicts: the queue's third choice lists them
        assert sorted(unchecked_in_queue(s)) == sorted(claims)

    progress = []
    done = evidence_backfill.backfill(url=db_url, progress=lambda cid, verdict: progress.append((cid, verdict)))
    assert done.checked == len(claims) and done.failed == len(claims) and done.left_unchecked == 0
    assert [cid for cid, _ in progress] == sorted(claims)  # oldest first
    with Session(engine) as s:
        assert {c.evidence_summary for c in s.exec(select(Redemption)).all()} == {"failed"}
        assert unchecked_in_queue(s) == []
        # their risk signals kept too (every check failed: each claim has at least that one)
        assert all(c.risk_score >= 1 and "invoice_check" in c.risk_signals for c in s.exec(select(Redemption)))
        files = len(s.exec(select(EvidenceReading)).all())
    assert len(reads) == files  # each file read once (the twin invoice is its own file)

    again = evidence_backfill.backfill(url=db_url)
    assert again.checked == 0 and len(reads) == files  # nothing left: nothing read again


def test_a_run_stopped_after_some_claims_goes_on_with_the_rest(engine, db_url, reads):
    demo_kit.reset(engine=engine)
    total = len(evidence_backfill.unchecked_claims(url=db_url))
    first = evidence_backfill.backfill(url=db_url, limit=2)
    assert first.checked == 2 and len(evidence_backfill.unchecked_claims(url=db_url)) == total - 2
    rest = evidence_backfill.backfill(url=db_url)
    assert rest.checked == total - 2 and evidence_backfill.unchecked_claims(url=db_url) == []


def test_a_claim_whose_pictures_cannot_be_read_stays_unchecked(engine, db_url, monkeypatch):
    def broken(data: bytes, **_kw):
        raise OSError("not a picture")

    monkeypatch.setattr(ocr_reader, "read", broken)
    demo_kit.reset(engine=engine)
    total = len(evidence_backfill.unchecked_claims(url=db_url))
    done = evidence_backfill.backfill(url=db_url)
    assert done.checked == 0 and done.left_unchecked == total and done.files_read == 0
    assert len(evidence_backfill.unchecked_claims(url=db_url)) == total  # listed under "Not checked yet"


def test_the_cli_command_prints_what_it_did(engine, db_url, reads, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    settings.reset()
    demo_kit.reset(engine=engine)
    cli.main(["backfill-evidence", "--limit", "1"])
    out = capsys.readouterr().out
    assert "claim(s) without an evidence verdict (at most 1)" in out
    assert "1 checked (0 passed, 1 failed), 0 left unchecked" in out


def test_a_fresh_demo_seed_starts_the_backfill_in_the_background_and_goes_on(engine, db_url, monkeypatch, capsys):
    import subprocess

    started = []

    class FakePopen:
        pid = 4242

        def __init__(self, args, **kwargs):
            started.append((args, kwargs))

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    monkeypatch.setenv("DATABASE_URL", db_url)
    settings.reset()
    cli.main(["seed-if-empty", "--check-evidence"])
    out = capsys.readouterr().out
    assert "demo data loaded" in out and "read in the background (process 4242" in out
    ((args, kwargs),) = started
    assert args[-2:] == ["rxapp.cli", "backfill-evidence"] and kwargs["start_new_session"]
    # a second start (the data is there already) starts nothing
    cli.main(["seed-if-empty", "--check-evidence"])
    assert len(started) == 1
