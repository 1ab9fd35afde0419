"""Reviewer console read side: access, keyset queue, filters, counts, detail, export, templates."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxapp.models import (
    Channel,
    EmailMessage,
    EmailStatus,
    FileKind,
    MissingDocument,
    PrizeType,
    ProductCategory,
    ProductModel,
    Promotion,
    PromotionCategory,
    PromotionRegion,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    Region,
    RegisteredProduct,
    Role,
    SerialAttempt,
    SerialAttemptKind,
    SerialRecord,
    Store,
    StoredFile,
    User,
)
from rxapp.services import clock, reviews
from rxapp.services.errors import FieldErrors, Forbidden, NotFound

S = RedemptionStatus
_seq = itertools.count(1)


# --------------------------------------------------------------------------- factories


def _region(s, code="FR"):
    r = s.get(Region, code)
    if r is None:
        r = Region(code=code, name=f"Region {code}")
        s.add(r)
        s.flush()
    return r


def _store(s, region="FR", name=None, partner=True):
    _region(s, region)
    st_ = Store(region_code=region, name=name or f"Store {next(_seq)}", channel=Channel.retail, is_partner=partner)
    s.add(st_)
    s.flush()
    return st_


def _category(s, slug=None):
    n = next(_seq)
    c = ProductCategory(
        slug=slug or f"cat{n}",
        name=f"Category {n}",
        serial_pattern=r"^[A-Z0-9]{6,20}$",
        serial_format="AAAAAA",
        warranty_months=24,
        sticker_text="On the back.",
        sticker_image="sticker.png",
    )
    s.add(c)
    s.flush()
    return c


def _model(s, category=None, name=None):
    category = category or _category(s)
    n = next(_seq)
    m = ProductModel(
        category_id=category.id, name=name or f"Model {n}", model_number=f"MS-{n}", release_date=date(2020, 1, 1)
    )
    s.add(m)
    s.flush()
    return m


def _user(s, email=None, role=Role.customer, region="FR"):
    _region(s, region)
    u = User(
        email=(email or f"user{next(_seq)}@example.com").lower(),
        password_hash="x",
        first_name="Ada",
        last_name="Lovelace",
        region_code=region,
        phone_e164="+33123456789",
        role=role,
    )
    s.add(u)
    s.flush()
    return u


def _file(s, owner, kind=FileKind.invoice, sha=None):
    n = next(_seq)
    f = StoredFile(
        owner_id=owner.id,
        kind=kind,
        storage_key=f"key{n}",
        sha256=sha or f"{n:064x}",
        content_type="image/png",
        size=1000 + n,
        width=800,
        height=600,
        original_name=f"file{n}.png",
    )
    s.add(f)
    s.flush()
    return f


def _product(s, user, *, serial=None, model=None, region="FR", store=None, invoice=None, active=True, serial_rec=None):
    if serial_rec is None:
        serial_rec = SerialRecord(serial=serial or f"SN{next(_seq):08d}", chk="123", model_id=(model or _model(s)).id)
        s.add(serial_rec)
        s.flush()
    store = store or _store(s, region)
    p = RegisteredProduct(
        user_id=user.id,
        serial_id=serial_rec.id,
        region_code=region,
        store_id=store.id,
        channel=Channel.retail,
        purchase_date=date(2024, 3, 1),
        invoice_file_id=invoice.id if invoice else None,
        is_active=active,
    )
    s.add(p)
    s.flush()
    return p


def _promotion(s, name=None, categories=(), regions=("FR",), **kw):
    n = next(_seq)
    p = Promotion(
        slug=f"promo-{n}",
        name=name or f"Promotion {n}",
        starts_on=kw.pop("starts_on", date(2024, 1, 1)),
        ends_on=kw.pop("ends_on", date(2024, 12, 31)),
        prize_type=kw.pop("prize_type", PrizeType.physical),
        prize_name=kw.pop("prize_name", "Mouse pad"),
        physical_stock=kw.pop("physical_stock", 100),
        **kw,
    )
    s.add(p)
    s.flush()
    for c in categories:
        s.add(PromotionCategory(promotion_id=p.id, category_id=c.id))
    for r in regions:
        _region(s, r)
        s.add(PromotionRegion(promotion_id=p.id, region_code=r))
    s.flush()
    return p


def _claim(s, product, promotion, *, status=S.under_review, due_on=date(2024, 5, 1), submitted=None, address="1 Rue de la Paix", invoice=None, photo=None):
    submitted = submitted or datetime(2024, 4, 10, 9, 0, tzinfo=timezone.utc)
    r = Redemption(
        user_id=product.user_id,
        product_id=product.id,
        promotion_id=promotion.id,
        status=status,
        invoice_file_id=invoice.id if invoice else None,
        serial_photo_file_id=photo.id if photo else None,
        first_name="Ada",
        last_name="Lovelace",
        zipcode="75001",
        address=address,
        address_key=" ".join(address.lower().replace(",", " ").split()),
        phone="+33123456789",
        submitted_at=submitted,
        due_on=due_on,
    )
    s.add(r)
    s.flush()
    return r


def _reviewer(s):
    return _user(s, role=Role.reviewer)


# --------------------------------------------------------------------------- access


def test_only_reviewers_and_admins_pass(session):
    customer = _user(session)
    assert reviews.require_reviewer(session=session, user_id=_reviewer(session).id).role == Role.reviewer
    assert reviews.require_reviewer(session=session, user_id=_user(session, role=Role.admin).id).role == Role.admin
    for uid in (customer.id, None, 0, 999_999):
        with pytest.raises(Forbidden):
            reviews.require_reviewer(session=session, user_id=uid)


# --------------------------------------------------------------------------- queue


def _walk(session, flt, limit):
    """Every page from the first, following next_cursor; returns (ids, pages)."""
    ids, pages, after = [], [], None
    for _ in range(1000):  # a cursor that never advances fails instead of hanging
        page = reviews.queue_page(session=session, flt=flt, after=after, limit=limit)
        pages.append(page)
        ids += [r["claim_id"] for r in page.rows]
        if page.next_cursor is None:
            return ids, pages
        after = page.next_cursor
    raise AssertionError("the queue never reached its last page")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    claims=st.lists(st.tuples(st.sampled_from(list(S)), st.integers(0, 6)), min_size=0, max_size=25),
    limit=st.integers(1, 7),
)
def test_keyset_pages_visit_every_open_claim_once_oldest_due_first(session, claims, limit):
    session.rollback()
    user = _user(session)
    promo = _promotion(session)
    expected = []
    for status, day in claims:
        c = _claim(session, _product(session, user), promo, status=status, due_on=date(2024, 5, 1) + timedelta(days=day))
        if status == S.under_review:
            expected.append((c.due_on, c.id))
    ids, pages = _walk(session, reviews.QueueFilter(), limit)
    assert ids == [cid for _, cid in sorted(expected)]
    assert all(len(p.rows) <= limit for p in pages)
    assert all(len(p.rows) == limit for p in pages[:-1])
    # Going back from any page lands on the page before it.
    for prev, page in zip(pages, pages[1:]):
        back = reviews.queue_page(session=session, flt=reviews.QueueFilter(), before=page.prev_cursor, limit=limit)
        assert [r["claim_id"] for r in back.rows] == [r["claim_id"] for r in prev.rows]
    # Every status at once, same order rule.
    all_ids, _ = _walk(session, reviews.QueueFilter(status=None), limit)
    session.rollback()
    assert len(all_ids) == len(claims)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.one_of(st.text(max_size=80), st.binary(max_size=40).map(lambda b: b.hex())))
def test_a_junk_cursor_starts_from_the_beginning(session, junk):
    session.rollback()
    user = _user(session)
    promo = _promotion(session)
    first = _claim(session, _product(session, user), promo, due_on=date(2024, 1, 1))
    _claim(session, _product(session, user), promo, due_on=date(2024, 1, 2))
    if reviews.decode_cursor(junk) is None:
        page = reviews.queue_page(session=session, after=junk, limit=1)
        assert page.rows[0]["claim_id"] == first.id
    session.rollback()


@given(day=st.dates(date(1970, 1, 1), date(9999, 12, 31)), cid=st.integers(1, 10**18 - 1))
def test_cursors_round_trip(day, cid):
    assert reviews.decode_cursor(reviews.encode_cursor(day, cid)) == (day, cid)


def test_rows_carry_what_the_queue_shows(session):
    user = _user(session, email="ada@example.com")
    store = _store(session, "DE", name="Media Markt Berlin")
    model = _model(session, name="Optix MPG341CQR")
    product = _product(session, user, serial="K1234567890", model=model, region="DE", store=store)
    promo = _promotion(session, name="Christmas Deals", regions=("DE",))
    clock.set_demo_date(session, date(2024, 5, 2))
    late = _claim(session, product, promo, due_on=date(2024, 5, 1))
    (row,) = reviews.queue_page(session=session).rows
    assert row == {
        "claim_id": late.id,
        "submitted_on": date(2024, 4, 10),
        "due_on": date(2024, 5, 1),
        "overdue": True,
        "status": "under_review",
        "promotion_name": "Christmas Deals",
        "product_name": "Optix MPG341CQR",
        "serial": "K1234567890",
        "customer_email": "ada@example.com",
        "region_code": "DE",
        "store_name": "Media Markt Berlin",
        "version": late.version,
    }
    clock.set_demo_date(session, date(2024, 5, 1))
    assert reviews.queue_page(session=session).rows[0]["overdue"] is False
    assert reviews.queue_page(session=session, today=date(2024, 6, 1)).rows[0]["overdue"] is True


@pytest.fixture()
def world(session):
    """Claims spread over two promotions, two regions, dates and statuses."""
    ada = _user(session, email="ada.lovelace@example.com")
    bob = _user(session, email="bob@example.org")
    p1, p2 = _promotion(session, name="Christmas Deals"), _promotion(session, name="Spring Bundle")
    de_store = _store(session, "DE")
    claims = {
        "ada_fr_p1": _claim(session, _product(session, ada, serial="AB12CD34"), p1, due_on=date(2024, 5, 3)),
        "ada_de_p2": _claim(
            session, _product(session, ada, region="DE", store=de_store), p2, due_on=date(2024, 5, 1),
            submitted=datetime(2024, 3, 1, 23, 59, tzinfo=timezone.utc),
        ),
        "bob_fr_p1": _claim(session, _product(session, bob), p1, due_on=date(2024, 5, 2)),
        "bob_fr_p2_ok": _claim(session, _product(session, bob), p2, status=S.approved),
        "bob_de_p1_info": _claim(session, _product(session, bob, region="DE", store=de_store), p1, status=S.needs_info),
    }
    session.commit()
    return {"promos": (p1, p2), "claims": claims}


def _ids(session, **kw):
    flt = reviews.QueueFilter(**kw)
    return {r["claim_id"] for r in reviews.queue_page(session=session, flt=flt, limit=500).rows}


def test_filters_narrow_the_queue(session, world):
    c = {k: v.id for k, v in world["claims"].items()}
    p1, p2 = world["promos"]
    assert _ids(session) == {c["ada_fr_p1"], c["ada_de_p2"], c["bob_fr_p1"]}
    assert _ids(session, promotion_id=p1.id) == {c["ada_fr_p1"], c["bob_fr_p1"]}
    assert _ids(session, region_code="de") == {c["ada_de_p2"]}
    assert _ids(session, status=S.needs_info) == {c["bob_de_p1_info"]}
    assert _ids(session, status=None, region_code="DE") == {c["ada_de_p2"], c["bob_de_p1_info"]}
    assert _ids(session, status=None, promotion_id=p2.id) == {c["ada_de_p2"], c["bob_fr_p2_ok"]}
    # Submitted dates are whole days, both ends included.
    assert _ids(session, submitted_to=date(2024, 3, 1)) == {c["ada_de_p2"]}
    assert _ids(session, submitted_from=date(2024, 3, 2)) == {c["ada_fr_p1"], c["bob_fr_p1"]}
    assert _ids(session, submitted_from=date(2024, 3, 1), submitted_to=date(2024, 3, 1)) == {c["ada_de_p2"]}


def test_search_by_serial_email_or_claim_number(session, world):
    c = {k: v.id for k, v in world["claims"].items()}
    assert _ids(session, search=" ab12 cd34 ") == {c["ada_fr_p1"]}
    assert _ids(session, search="AB12CD3") == set()  # serials match exactly
    assert _ids(session, search="ADA.Lovelace@Example.com") == {c["ada_fr_p1"], c["ada_de_p2"]}
    assert _ids(session, search="ada.") == {c["ada_fr_p1"], c["ada_de_p2"]}
    assert _ids(session, search="bob@example.org", status=None) == {
        c["bob_fr_p1"], c["bob_fr_p2_ok"], c["bob_de_p1_info"]
    }
    assert _ids(session, search="example") == set()  # a prefix, not a substring
    assert _ids(session, search=f"#{c['bob_fr_p1']}") == {c["bob_fr_p1"]}
    assert _ids(session, search=str(c["ada_de_p2"])) == {c["ada_de_p2"]}
    assert _ids(session, search=f"#{c['bob_fr_p2_ok']}") == set()  # approved: not in the open queue
    assert _ids(session, search="no such thing at all") == set()
    assert _ids(session, search="%") == set()
    assert _ids(session, search="bo") == set()  # too short to be an email prefix


@pytest.mark.parametrize("search", ["ada@", "AB12CD34", "#12"])
def test_a_search_drives_the_page_from_matching_ids_not_the_whole_queue(session, world, search):
    for flt in (reviews.QueueFilter(search=search), reviews.QueueFilter(search=search, promotion_id=1)):
        plan = reviews.queue_plan(session=session, flt=flt)
        assert plan[0] == "SEARCH redemption USING INTEGER PRIMARY KEY (rowid=?)", plan


def test_counts_per_status_ignore_the_status_filter(session, world):
    p1, _ = world["promos"]
    assert reviews.counts(session=session) == {S.under_review: 3, S.needs_info: 1, S.approved: 1, S.rejected: 0}
    assert reviews.counts(session=session, flt=reviews.QueueFilter(status=S.approved, promotion_id=p1.id)) == {
        S.under_review: 2, S.needs_info: 1, S.approved: 0, S.rejected: 0
    }
    assert reviews.counts(session=session, flt=reviews.QueueFilter(region_code="DE"))[S.needs_info] == 1
    assert reviews.counts(session=session, flt=reviews.QueueFilter(search="bob@"))[S.under_review] == 1


@pytest.mark.parametrize(
    "flt",
    [
        reviews.QueueFilter(),
        reviews.QueueFilter(status=S.needs_info),
        reviews.QueueFilter(status=S.under_review, promotion_id=1, region_code="FR"),
        reviews.QueueFilter(status=None),
    ],
)
@pytest.mark.parametrize("deep", [False, True])
def test_pages_walk_an_index_without_sorting(session, world, flt, deep):
    after = reviews.encode_cursor(date(2024, 5, 1), 1) if deep else None
    plan = " | ".join(reviews.queue_plan(session=session, flt=flt, after=after))
    assert "TEMP B-TREE" not in plan, plan
    assert any(ix in plan for ix in ("ix_redemption_queue", "ix_redemption_promotion_queue", "ix_redemption_due")), plan
    assert "SCAN redemption " not in plan.replace("SCAN redemption USING INDEX ix_redemption_due", ""), plan


# --------------------------------------------------------------------------- export


def test_export_streams_every_row_with_safe_cells(session, monkeypatch):
    monkeypatch.setattr(reviews, "EXPORT_CHUNK", 3)  # several chunks over 8 rows
    user = _user(session, email="-ada@example.com")
    promo = _promotion(session, name='=HYPERLINK("http://evil","x"), "quoted"')
    store = _store(session, "FR", name="+Store, with comma")
    made = [
        _claim(session, _product(session, user, store=store), promo, due_on=date(2024, 5, 1) + timedelta(days=i % 3))
        for i in range(8)
    ]
    session.commit()
    lines = list(reviews.export_csv(session=session))
    assert lines[0].startswith("claim_id,")
    rows = list(csv.reader(io.StringIO("".join(lines))))
    assert rows[0] == reviews.EXPORT_HEADER
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [int(r["claim_id"]) for r in body] == [c.id for c in sorted(made, key=lambda c: (c.due_on, c.id))]
    assert body[0]["promotion_name"] == '\'=HYPERLINK("http://evil","x"), "quoted"'
    assert body[0]["store_name"] == "'+Store, with comma"
    assert body[0]["customer_email"] == "'-ada@example.com"
    assert body[0]["due_on"] == "2024-05-01"
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


@given(st.text(alphabet=st.sampled_from("=+-@\t\r a1,\"'"), max_size=8) | st.text(max_size=30))
def test_no_exported_cell_starts_like_a_formula(text):
    cell = reviews._safe_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (text, "'" + text)


def test_export_of_an_empty_queue_is_just_the_header(session):
    assert list(reviews.export_csv(session=session)) == [",".join(reviews.EXPORT_HEADER) + "\r\n"]


# --------------------------------------------------------------------------- claim detail


def test_claim_detail_gathers_facts_links_timeline_and_emails(session):
    reviewer = _reviewer(session)
    ada, eve, mallory = _user(session, email="ada@example.com"), _user(session, email="eve@example.com"), _user(
        session, email="mallory@example.com"
    )
    invoice = _file(session, ada, sha="a" * 64)
    photo = _file(session, ada, FileKind.serial_photo)
    product = _product(session, ada, serial="ZZ9999", invoice=invoice)
    serial_rec = session.get(SerialRecord, product.serial_id)
    promo = _promotion(session, name="Christmas Deals")
    claim = _claim(session, product, promo, invoice=invoice, photo=photo, address="1, Rue de la Paix")

    # Eve registered the same unit before (released since) and claimed with it.
    eve_old = _product(session, eve, serial_rec=serial_rec, active=False)
    eve_claim = _claim(session, eve_old, _promotion(session), status=S.rejected, address="elsewhere")
    # Mallory reuses Ada's invoice image (same bytes, another file) on another product.
    mallory_inv = _file(session, mallory, sha="a" * 64)
    mallory_product = _product(session, mallory, invoice=mallory_inv)
    # Bob-at-the-same-address claims too.
    same_addr = _claim(session, _product(session, eve), promo, address="1 rue de la paix")
    session.add(SerialAttempt(serial="ZZ9999", user_id=mallory.id, kind=SerialAttemptKind.already_registered))
    session.add(SerialAttempt(serial="ZZ9999", user_id=mallory.id, kind=SerialAttemptKind.chk_wrong))
    t0 = datetime(2024, 4, 10, 9, 0, tzinfo=timezone.utc)
    session.add(RedemptionEvent(redemption_id=claim.id, actor_id=ada.id, to_status=S.under_review, created_at=t0))
    session.add(
        RedemptionEvent(
            redemption_id=claim.id, actor_id=reviewer.id, from_status=S.under_review, to_status=S.needs_info,
            reason="Please provide the invoice with your product name on it, thanks.", created_at=t0 + timedelta(hours=5),
        )
    )
    session.add(
        EmailMessage(
            to_email="ada@example.com", user_id=ada.id, redemption_id=claim.id, kind="claim_received",
            subject="We received your claim", body_text="...", message_id="<m1@x>", status=EmailStatus.failed,
            attempts=3, last_error="550 mailbox full",
        )
    )
    session.commit()

    d = reviews.claim_detail(session=session, reviewer_id=reviewer.id, claim_id=claim.id)
    assert d["claim"]["claim_id"] == claim.id and d["claim"]["promotion_name"] == "Christmas Deals"
    reg = d["registration"]
    assert (reg["serial"], reg["chk"], reg["region_code"], reg["channel"]) == ("ZZ9999", "123", "FR", "retail")
    assert reg["purchase_date"] == date(2024, 3, 1) and reg["model"].startswith("Model ")
    assert d["customer"] == {"user_id": ada.id, "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+33123456789"}
    assert d["recipient"]["address"] == "1, Rue de la Paix"
    assert d["files"]["invoice"]["sha256"] == "a" * 64
    assert d["files"]["serial_photo"]["file_id"] == photo.id
    assert d["files"]["serial_photo"]["content_type"] == "image/png"

    links = {(link["kind"], link["claim_id"], link["product_id"]) for link in d["linked"]}
    assert links == {
        (reviews.KIND_SAME_SERIAL, eve_claim.id, eve_old.id),
        (reviews.KIND_SAME_INVOICE, None, mallory_product.id),
        (reviews.KIND_SAME_ADDRESS, same_addr.id, same_addr.product_id),
        (reviews.KIND_SERIAL_ATTEMPT, None, None),
    }
    by_kind = {link["kind"]: link for link in d["linked"]}
    assert by_kind[reviews.KIND_SAME_SERIAL]["user_email"] == "eve@example.com"
    assert by_kind[reviews.KIND_SAME_SERIAL]["status"] == "rejected"
    assert by_kind[reviews.KIND_SERIAL_ATTEMPT]["user_email"] == "mallory@example.com"

    assert [(e["actor_email"], e["from_status"], e["to_status"]) for e in d["timeline"]] == [
        ("ada@example.com", None, "under_review"),
        (reviewer.email, "under_review", "needs_info"),
    ]
    assert d["timeline"][1]["reason"].startswith("Please provide the invoice")
    assert d["emails"] == [
        {
            "kind": "claim_received", "to": "ada@example.com", "subject": "We received your claim",
            "status": "failed", "attempts": 3, "sent_at": None, "last_error": "550 mailbox full",
        }
    ]


def test_a_claim_without_neighbours_has_no_links(session):
    ada = _user(session)
    claim = _claim(session, _product(session, ada), _promotion(session))
    _claim(session, _product(session, ada), _promotion(session), address="somewhere else")
    assert reviews.linked_claims(session=session, claim_id=claim.id) == []


def test_claim_detail_recomputes_eligibility(session):
    reviewer = _reviewer(session)
    ada = _user(session)
    model = _model(session)
    category = session.get(ProductCategory, model.category_id)
    invoice = _file(session, ada)
    product = _product(session, ada, model=model, invoice=invoice, region="DE")
    promo = _promotion(session, categories=[category], regions=("FR",), starts_on=date(2020, 1, 1), ends_on=date(2030, 1, 1))
    claim = _claim(session, product, promo, invoice=invoice)
    session.commit()
    elig = reviews.claim_detail(session=session, reviewer_id=reviewer.id, claim_id=claim.id)["eligibility"]
    pytest.importorskip("rxapp.services.eligibility")
    failed = {c["rule"] for c in elig["checks"] if not c["ok"]}
    assert elig["eligible"] is False and failed == {"region"}
    assert "not_claimed" not in {c["rule"] for c in elig["checks"]}
    # Reviewed after the promotion ended: what counts is that the claim came in while it ran.
    promo.ends_on = date(2024, 6, 30)
    session.add(promo)
    clock.set_demo_date(session, date(2024, 8, 1))
    session.commit()
    checks = {c["rule"]: c for c in reviews.claim_detail(session=session, reviewer_id=reviewer.id, claim_id=claim.id)["eligibility"]["checks"]}
    assert checks["running"]["ok"] and "Submitted on 2024-04-10" in checks["running"]["message"]


def test_claim_detail_is_for_reviewers_of_existing_claims(session):
    ada = _user(session)
    claim = _claim(session, _product(session, ada), _promotion(session))
    with pytest.raises(Forbidden):
        reviews.claim_detail(session=session, reviewer_id=ada.id, claim_id=claim.id)
    with pytest.raises(NotFound):
        reviews.claim_detail(session=session, reviewer_id=_reviewer(session).id, claim_id=claim.id + 100)


# --------------------------------------------------------------------------- templates


def test_reason_templates_crud_with_validation(session):
    rid = _reviewer(session).id
    t = reviews.create_template(
        session=session, reviewer_id=rid,
        text="  Please provide the invoice with your   product name on it, thanks. ",
        missing_document="invoice",
    )
    assert t.text == "Please provide the invoice with your product name on it, thanks."
    reviews.create_template(session=session, reviewer_id=rid, text="Serial does not exist.", missing_document=MissingDocument.other, is_rejection=True)
    assert [x["text"] for x in reviews.list_templates(session=session, reviewer_id=rid)] == [
        t.text, "Serial does not exist."
    ]
    with pytest.raises(FieldErrors) as e:
        reviews.create_template(session=session, reviewer_id=rid, text=t.text.upper(), missing_document="nope")
    assert set(e.value.errors) == {"text", "missing_document"}
    with pytest.raises(FieldErrors) as e:
        reviews.create_template(session=session, reviewer_id=rid, text="   ", missing_document="invoice")
    assert "write the reason" in e.value.errors["text"]
    with pytest.raises(FieldErrors) as e:
        reviews.create_template(session=session, reviewer_id=rid, text="x" * 501, missing_document="invoice")
    assert "501" in e.value.errors["text"]

    # Saving a template unchanged is not a duplicate of itself.
    reviews.update_template(session=session, reviewer_id=rid, template_id=t.id, text=t.text, missing_document="serial_photo")
    assert session.get(type(t), t.id).missing_document == MissingDocument.serial_photo
    reviews.delete_template(session=session, reviewer_id=rid, template_id=t.id)
    assert len(reviews.list_templates(session=session, reviewer_id=rid)) == 1
    with pytest.raises(NotFound):
        reviews.delete_template(session=session, reviewer_id=rid, template_id=t.id)


def test_customers_cannot_touch_templates(session):
    customer = _user(session).id
    t = reviews.create_template(session=session, reviewer_id=_reviewer(session).id, text="A", missing_document="other")
    calls = [
        lambda: reviews.list_templates(session=session, reviewer_id=customer),
        lambda: reviews.create_template(session=session, reviewer_id=customer, text="B", missing_document="other"),
        lambda: reviews.update_template(session=session, reviewer_id=customer, template_id=t.id, text="C", missing_document="other"),
        lambda: reviews.delete_template(session=session, reviewer_id=customer, template_id=t.id),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert session.get(type(t), t.id).text == "A"
