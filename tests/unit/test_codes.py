"""Code pool: CSV import validation, reserve / release / issue, stock levels."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from rxapp.models import PrizeType, PromotionCode
from rxapp.services import claims, codes
from rxapp.services.errors import Conflict, FieldErrors, NotFound
from tests.factories import rows as f
from tests.factories.rows import _rid


def _pool(session, promotion_id):
    return session.exec(select(PromotionCode.code).where(PromotionCode.promotion_id == promotion_id)).all()


def test_import_valid_file_with_header_and_trailing_newlines(session):
    promo = f.make_promotion(session)
    report = codes.import_csv(session=session, actor_id=_rid(session), promotion_id=promo.id, text="\ufeffcode\nAAAA-1111\nbbbb_2222\r\nCCCC3333\n\n\n")
    assert report.ok and report.imported == 3
    session.commit()
    assert sorted(_pool(session, promo.id)) == ["AAAA-1111", "CCCC3333", "bbbb_2222"]


def test_every_problem_is_reported_by_line_and_nothing_is_imported(session):
    promo = f.make_promotion(session, codes=1)  # holds CODE-<id>-00000
    existing = _pool(session, promo.id)[0]
    text = "\n".join(
        [
            "GOOD-0001",  # 1 ok
            "",  # 2 empty line between codes
            "BAD CODE",  # 3 space inside
            "GOOD-0001",  # 4 duplicate of line 1
            existing,  # 5 already in the pool
            "abc",  # 6 too short
            "ÉTÉ-2021",  # 7 accented letters
            "X1234,Y5678",  # 8 two values
            "GOOD-0002",  # 9 ok
        ]
    )
    report = codes.import_csv(session=session, actor_id=_rid(session), promotion_id=promo.id, text=text)
    assert not report.ok and report.imported == 0
    by_line = {p.line: p.message for p in report.errors}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8]
    assert "Empty line" in by_line[2]
    assert "' '" in by_line[3]
    assert "line 1" in by_line[4]
    assert "Already in this promotion" in by_line[5]
    assert "4 to 80" in by_line[6] and "has 3" in by_line[6]
    assert "'É'" in by_line[7]
    assert "one code" in by_line[8]
    assert _pool(session, promo.id) == [existing]


def test_the_same_code_may_exist_in_another_promotion(session):
    a = f.make_promotion(session)
    b = f.make_promotion(session)
    assert codes.import_csv(session=session, actor_id=_rid(session), promotion_id=a.id, text="SAME-CODE\n").ok
    assert codes.import_csv(session=session, actor_id=_rid(session), promotion_id=b.id, text="SAME-CODE\n").ok


def test_empty_file_and_wrong_promotions(session):
    promo = f.make_promotion(session)
    report = codes.import_csv(session=session, actor_id=_rid(session), promotion_id=promo.id, text="\n\n")
    assert not report.ok and "no codes" in report.errors[0].message
    physical = f.make_promotion(session, prize_type=PrizeType.physical, prize_name="Mouse pad")
    with pytest.raises(FieldErrors):
        codes.import_csv(session=session, actor_id=_rid(session), promotion_id=physical.id, text="AAAA1111")
    with pytest.raises(NotFound):
        codes.import_csv(session=session, actor_id=_rid(session), promotion_id=9999, text="AAAA1111")


_ok_code = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=4, max_size=80)


_forbidden = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_,\"\n\r"
).filter(lambda ch: ch.strip() and ch.isprintable())


@st.composite
def _bad_line(draw, good):
    kind = draw(st.sampled_from(["empty", "char", "short", "long", "duplicate"]))
    if kind == "empty":
        return draw(st.sampled_from(["", "   ", "\t"]))
    if kind == "char":
        base = draw(_ok_code)
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(_forbidden) + base[at:]
    if kind == "short":
        return draw(st.text("ABC123", min_size=1, max_size=3))
    if kind == "long":
        return draw(st.text("ABC123", min_size=81, max_size=100))
    return good[0]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data(), good=st.lists(_ok_code, min_size=2, max_size=20, unique=True))
def test_import_is_all_or_nothing(session, data, good):
    """A file of good codes imports entirely; put one bad line among them and nothing does."""
    promo = f.make_promotion(session)
    bad = data.draw(_bad_line(good))
    at = data.draw(st.integers(1, len(good) - 1))  # strictly between codes
    report = codes.import_csv(session=session, actor_id=_rid(session), promotion_id=promo.id, text="\n".join([*good[:at], bad, *good[at:]]))
    assert not report.ok and report.imported == 0
    assert [p.line for p in report.errors] == [at + 1]
    assert _pool(session, promo.id) == []
    report = codes.import_csv(session=session, actor_id=_rid(session), promotion_id=promo.id, text="\n".join(good))
    assert report.ok and sorted(_pool(session, promo.id)) == sorted(good)
    session.rollback()


def test_reserve_release_issue_and_stock(session):
    data = f.claimable(session, codes=3)
    promo = data["promotion"]
    claim = claims.submit(
        session=session, user_id=data["user"].id, product_id=data["product"].id, promotion_id=promo.id,
        recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
    )
    held = session.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim.id)).one()
    assert held.reserved_at is not None and held.issued_at is None
    # reserving again for the same claim returns the same code, not a second one
    assert codes.reserve(session=session, promotion_id=promo.id, redemption_id=claim.id).id == held.id
    assert codes.stock(session=session, promotion_id=promo.id) == {
        "total": 3, "reserved": 1, "issued": 0, "available": 2, "low": True,
    }
    issued = codes.issue(session=session, redemption_id=claim.id)
    assert issued.id == held.id and issued.issued_at is not None
    # Issued codes are no longer counted as reserved: the levels add up to the pool.
    assert codes.stock(session=session, promotion_id=promo.id) == {
        "total": 3, "reserved": 0, "issued": 1, "available": 2, "low": True,
    }
    # an issued code is never released
    assert codes.release(session=session, redemption_id=claim.id) == 0


def test_release_returns_a_reserved_code_to_the_pool(session):
    data = f.claimable(session, codes=1)
    claim = claims.submit(
        session=session, user_id=data["user"].id, product_id=data["product"].id,
        promotion_id=data["promotion"].id, recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
    )
    assert codes.stock(session=session, promotion_id=data["promotion"].id)["available"] == 0
    assert codes.release(session=session, redemption_id=claim.id) == 1
    assert codes.stock(session=session, promotion_id=data["promotion"].id)["available"] == 1


def test_issue_on_an_empty_pool_is_a_conflict(session):
    data = f.claimable(session, codes=1)
    claim = claims.submit(
        session=session, user_id=data["user"].id, product_id=data["product"].id,
        promotion_id=data["promotion"].id, recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
    )
    # The reserved code vanishes (e.g. removed by hand): approving must say so, not crash.
    session.delete(session.exec(select(PromotionCode).where(PromotionCode.redemption_id == claim.id)).one())
    session.flush()
    with pytest.raises(Conflict, match="code pool .* is empty"):
        codes.issue(session=session, redemption_id=claim.id)


def test_issue_reserves_one_when_the_claim_holds_none(session):
    data = f.claimable(session, codes=2)
    claim = claims.submit(
        session=session, user_id=data["user"].id, product_id=data["product"].id,
        promotion_id=data["promotion"].id, recipient=f.RECIPIENT, serial_photo_file_id=data["photo"].id,
    )
    codes.release(session=session, redemption_id=claim.id)
    code = codes.issue(session=session, redemption_id=claim.id)
    assert code.redemption_id == claim.id and code.issued_at is not None


@pytest.mark.parametrize(
    "total,available,low",
    [(0, 0, True), (4, 4, True), (5, 5, False), (100, 10, False), (100, 9, True), (1000, 100, False), (1000, 99, True)],
)
def test_low_stock_threshold(total, available, low):
    assert codes.is_low(total=total, available=available) is low
