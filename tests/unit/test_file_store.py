"""The invoice / S/N-photo check, private storage, "Resize for me", sweeping and signed links."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from PIL import Image
from sqlmodel import select

from rxapp import settings
from rxapp.models import FileKind, Region, Role, StoredFile, User, utcnow
from rxapp.services import file_folder, file_links, file_store, images, signing, upload_spool
from rxapp.services.errors import FieldErrors, NotFound
from tests.unit import upload_corpus

def usable(*, session, owner_id: int, file_id: int, kind: FileKind | None = None) -> StoredFile:
    """What a record may attach (the check a claim makes): the owner's permanent file of ``kind``."""
    row = session.get(StoredFile, int(file_id))
    if row is None or row.owner_id != owner_id or row.expires_at is not None or (
        kind is not None and FileKind(row.kind) != FileKind(kind)
    ):
        raise NotFound("This file is no longer available. Please upload it again.")
    return row


# --------------------------------------------------------------------------- fixtures


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    """Each test gets its own private files folder."""
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path / "data"))
    settings.reset()
    yield tmp_path / "data"
    settings.reset()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return upload_corpus.by_name(upload_corpus.build(tmp_path_factory.mktemp("corpus")))


def make_user(session, email: str, role: Role = Role.customer) -> User:
    if session.get(Region, "US") is None:
        session.add(Region(code="US", name="United States"))
    user = User(email=email, password_hash="x", first_name="Test", region_code="US", role=role)
    session.add(user)
    session.commit()
    return user


@pytest.fixture()
def alice(session, data_dir):
    return make_user(session, "alice@example.com")


@pytest.fixture()
def bob(session, data_dir):
    return make_user(session, "bob@example.com")


def stored_files(root: Path) -> list[Path]:
    """Every file (not folder) under the private folder."""
    return sorted(p for p in root.rglob("*") if p.is_file())


def upload(session, user, case_or_bytes, *, name=None, kind=FileKind.invoice, **kw):
    if isinstance(case_or_bytes, upload_corpus.Case):
        with open(case_or_bytes.path, "rb") as fh:
            return file_store.check_and_store_stream(
                session=session, owner_id=user.id, kind=kind, chunks=fh, filename=name or case_or_bytes.name, **kw
            )
    return file_store.check_and_store_stream(
        session=session, owner_id=user.id, kind=kind, chunks=case_or_bytes, filename=name or "x.png", **kw
    )


def rows(session) -> list[StoredFile]:
    return list(session.exec(select(StoredFile)).all())


# --------------------------------------------------------------------------- the corpus


def test_corpus_has_what_the_issue_asks(corpus):
    bad = [c for c in corpus.values() if c.expect not in ("ok", "too_wide")]
    assert len(bad) >= 12
    for needed in ("truncated.png", "page.png", "drawing.png", "invoice.png", "empty.png", "bomb_20000.png", "big_11mb.jpg", "wide_1601.gif"):
        assert needed in corpus
    for good in ("cmyk.jpg", "portrait_exif.jpg", "animated.gif", "gray16.png", "palette_alpha.png", "gray.jpg"):
        assert corpus[good].expect == "ok"


BAD = [
    "empty.png", "truncated.png", "truncated.jpg", "bad_crc.png", "magic_then_junk.png", "zero_width.png",
    "page.png", "drawing.png", "invoice.png", "photo.jpg", "scan.png", "scan.jpg", "IMG_0001.jpg", "notes.jpg",
    "invoice.docx.png", "random.jpg", "bomb_20000.png", "bomb.jpg", "bomb.gif", "big_11mb.jpg",
]  # fmt: skip


@pytest.mark.parametrize("name", BAD)
def test_each_bad_file_gets_its_message_and_leaves_nothing(session, alice, data_dir, corpus, name):
    case = corpus[name]
    with pytest.raises(images.UploadRefused) as refused:
        upload(session, alice, case)
    session.commit()
    err = refused.value
    assert err.reason == case.expect
    assert case.says in err.errors["invoice"]
    assert isinstance(err, FieldErrors)  # the state shows errors[field] under "Invoice Upload"
    assert stored_files(settings.get().files_dir) == []
    assert rows(session) == []


def test_the_pdf_named_png_message_is_exact(session, alice, data_dir, corpus):
    with pytest.raises(images.UploadRefused) as refused:
        upload(session, alice, corpus["invoice.png"])
    assert refused.value.errors == {
        "invoice": "This file is a PDF document, not an image. Please upload a JPG, GIF or PNG picture of your invoice."
    }


def test_serial_photo_refusals_name_the_sticker_and_their_field(session, alice, data_dir, corpus):
    with pytest.raises(images.UploadRefused) as refused:
        upload(session, alice, corpus["page.png"], kind=FileKind.serial_photo)
    assert list(refused.value.errors) == ["serial_photo"]
    assert "picture of the serial number sticker" in refused.value.message


# --------------------------------------------------------------------------- the size limit while streaming


def test_size_limit_stops_reading_an_endless_stream(session, alice, data_dir, corpus):
    pulled = 0
    head = corpus["Rechnung März 2021 (scan).JPG"].path.read_bytes()

    def endless():
        nonlocal pulled
        yield head
        pulled += len(head)
        while True:
            pulled += 1024 * 1024
            yield b"\x00" * (1024 * 1024)

    with pytest.raises(images.UploadRefused) as refused:
        upload(session, alice, endless())
    assert refused.value.reason == "too_big"
    # Without a declared size the message cannot know the real size; it says so plainly.
    assert refused.value.message == "The file is larger than 10 MB; the limit is 10 MB. Please upload a smaller photo or scan."
    assert pulled <= images.MAX_BYTES + 2 * 1024 * 1024
    assert stored_files(settings.get().files_dir) == []


class CountingReader:
    """A non-seekable upload body that records how much was read from it."""

    def __init__(self, data: bytes):
        self._buf = io.BytesIO(data)
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        out = self._buf.read(n)
        self.read_bytes += len(out)
        return out


def test_declared_size_over_the_limit_is_refused_before_reading(session, alice, data_dir, corpus):
    body = CountingReader(corpus["big_11mb.jpg"].path.read_bytes())
    with pytest.raises(images.UploadRefused) as refused:
        upload(session, alice, body, size_hint=int(11.15 * 1024 * 1024))
    assert refused.value.message.startswith("The file is 11.2 MB; the limit is 10 MB.")
    assert body.read_bytes == 0


def test_a_lying_declared_size_does_not_help(session, alice, data_dir, corpus):
    body = CountingReader(corpus["big_11mb.jpg"].path.read_bytes())
    with pytest.raises(images.UploadRefused) as refused:
        upload(session, alice, body, size_hint=1000)
    assert refused.value.reason == "too_big"
    assert body.read_bytes <= images.MAX_BYTES + upload_spool.CHUNK
    assert stored_files(settings.get().files_dir) == []


def test_exactly_ten_megabytes_is_allowed(session, alice, data_dir, corpus):
    jpeg = corpus["Rechnung März 2021 (scan).JPG"].path.read_bytes()
    padded = jpeg + b"\x00" * (images.MAX_BYTES - len(jpeg))
    result = upload(session, alice, padded, name="big.jpg")
    assert result.size == images.MAX_BYTES
    with pytest.raises(images.UploadRefused):
        upload(session, alice, padded + b"\x00", name="big.jpg")


@pytest.mark.parametrize("name", ["bomb_20000.png", "bomb.jpg", "bomb.gif", "page.png", "invoice.png"])
def test_bombs_and_non_images_are_refused_from_the_first_bytes(session, alice, data_dir, corpus, name):
    """Refused after the first chunk: nothing past the header was read, so nothing was decoded."""
    body = CountingReader(corpus[name].path.read_bytes())
    with pytest.raises(images.UploadRefused):
        upload(session, alice, body)
    assert body.read_bytes <= upload_spool.CHUNK


def test_pillow_alone_would_also_refuse_the_bomb(corpus):
    """The corpus bomb is real: Pillow's own guard fires on it."""
    with pytest.raises(Image.DecompressionBombError):
        Image.open(corpus["bomb_20000.png"].path)


# --------------------------------------------------------------------------- good files


GOOD = [
    "cmyk.jpg", "portrait_exif.jpg", "animated.gif", "gray16.png", "palette_alpha.png", "gray.jpg",
    "la.png", "rgba.png", "exactly_1600.png", "progressive.jpg", "Rechnung März 2021 (scan).JPG",
]  # fmt: skip


@pytest.mark.parametrize("name", GOOD)
def test_good_files_are_stored_privately_with_a_thumbnail(session, alice, data_dir, corpus, name):
    case = corpus[name]
    result = upload(session, alice, case)
    session.commit()
    data = case.path.read_bytes()
    assert not result.too_wide and result.message == ""
    assert (result.width, result.height) == (case.width, case.height)
    row = session.get(StoredFile, result.file_id)
    assert row.owner_id == alice.id and row.kind == FileKind.invoice and row.expires_at is None
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert row.size == len(data)
    assert row.content_type == {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}[case.fmt]
    assert row.original_name == name
    root = settings.get().files_dir
    main, thumb = root / row.storage_key, root / row.thumb_key
    assert main.read_bytes() == data
    # Random names, owner-only permissions, nothing left in the spool.
    assert name.split(".")[0] not in row.storage_key and len(row.storage_key) >= 32
    for p in (main, thumb):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert stored_files(root) == sorted([main, thumb])
    with Image.open(thumb) as t:
        assert t.format == "JPEG"
        assert max(t.size) <= 320
        if max(case.width, case.height) >= 320:
            assert max(t.size) == 320  # made from a decode at no less than the thumbnail's size
        # The thumbnail is upright: its shape follows the displayed size.
        assert (t.width >= t.height) == (case.width >= case.height)


def test_sixteen_bit_thumbnail_is_scaled_not_clipped(session, alice, data_dir, corpus):
    result = upload(session, alice, corpus["gray16.png"])
    row = session.get(StoredFile, result.file_id)
    with Image.open(settings.get().files_dir / row.thumb_key) as t:
        lo, hi = t.convert("L").getextrema()
    assert lo < 40 and 200 < hi  # the gradient survives; clipping would make it all white


def test_the_same_stream_in_any_chunking_gives_the_same_file(session, alice, data_dir, corpus):
    data = corpus["portrait_exif.jpg"].path.read_bytes()
    whole = upload(session, alice, data, name="a.jpg")
    bytewise = upload(session, alice, (data[i : i + 7] for i in range(0, len(data), 7)), name="b.jpg")
    assert (whole.sha256, whole.width, whole.height) == (bytewise.sha256, bytewise.width, bytewise.height)


class FakeUploadFile:
    """The shape of rx.UploadFile: async read(), sync .file and .size."""

    def __init__(self, path: Path):
        self.file = open(path, "rb")  # noqa: SIM115
        self.size = path.stat().st_size
        self.filename = path.name

    async def read(self, n=-1):  # pragma: no cover - must not be used
        raise AssertionError("the service must read the sync .file")


def test_an_upload_file_object_is_read_through_its_sync_file(session, alice, data_dir, corpus):
    up = FakeUploadFile(corpus["gray.jpg"].path)
    result = file_store.check_and_store_stream(session=session, owner_id=alice.id, kind=FileKind.invoice, chunks=up, filename=up.filename)
    assert result.width == 900
    big = FakeUploadFile(corpus["big_11mb.jpg"].path)
    with pytest.raises(images.UploadRefused) as refused:
        file_store.check_and_store_stream(session=session, owner_id=alice.id, kind=FileKind.invoice, chunks=big, filename="x.jpg")
    assert "11.2 MB" in refused.value.message
    assert big.file.tell() == 0  # refused on its declared size, before reading


def test_a_spool_fed_from_an_async_iterator_works_the_same(session, alice, data_dir, corpus):
    data = corpus["cmyk.jpg"].path.read_bytes()
    spool = upload_spool.UploadSpool(kind=FileKind.serial_photo)
    for i in range(0, len(data), 4096):
        spool.feed(data[i : i + 4096])
    result = file_store.store_spool(session=session, owner_id=alice.id, spool=spool, filename="s.jpg")
    assert result.kind == FileKind.serial_photo and result.width == 1200


# --------------------------------------------------------------------------- too wide → Resize for me


def test_too_wide_is_kept_for_an_hour_with_the_offer(session, alice, data_dir, corpus):
    before = utcnow()
    result = upload(session, alice, corpus["wide_2400.jpg"])
    session.commit()
    assert result.too_wide and result.width == 2400
    assert result.message == "The image is 2400 px wide; the limit is 1600 px. Use “Resize for me” or upload a narrower image."
    row = session.get(StoredFile, result.file_id)
    assert before + timedelta(hours=1) <= row.expires_at <= utcnow() + timedelta(hours=1)
    # Not usable as a record's invoice until resized.
    with pytest.raises(NotFound):
        usable(session=session, owner_id=alice.id, file_id=row.id)


@pytest.mark.parametrize(
    "name", ["wide_2400.jpg", "wide_1601.gif", "portrait_rotated_wide.jpg", "wide_cmyk.jpg", "wide_16bit.png", "wide_palette.png", "wide_animated.gif"]
)
def test_resize_for_me_makes_a_1600_px_copy_and_drops_the_temporary(session, alice, data_dir, corpus, name):
    case = corpus[name]
    temp = upload(session, alice, case)
    session.commit()
    assert temp.too_wide and temp.width == case.width
    temp_row = session.get(StoredFile, temp.file_id)
    temp_keys = {temp_row.storage_key, temp_row.thumb_key}
    # The temporary file has its preview too (the page shows it beside the offer).
    assert temp_row.thumb_key and (settings.get().files_dir / temp_row.thumb_key).is_file()

    result = file_store.resize_for_me(session=session, owner_id=alice.id, file_id=temp.file_id)
    session.commit()

    assert not result.too_wide and result.message == ""
    assert result.width == 1600
    assert result.height == round(case.height * 1600 / case.width)
    row = session.get(StoredFile, result.file_id)
    assert row.expires_at is None and row.original_name == name
    root = settings.get().files_dir
    with Image.open(root / row.storage_key) as im:
        assert im.format == case.fmt
        assert im.size == (1600, result.height)  # orientation applied to the pixels
        assert im.getexif().get(0x0112) in (None, 1)
    assert row.sha256 == hashlib.sha256((root / row.storage_key).read_bytes()).hexdigest()
    assert session.get(StoredFile, temp.file_id) is None
    assert not any((root / k).exists() for k in temp_keys)
    assert stored_files(root) == sorted([root / row.storage_key, root / row.thumb_key])
    assert usable(session=session, owner_id=alice.id, file_id=row.id, kind=FileKind.invoice) == row


def test_resize_for_me_is_only_for_the_owner_and_only_while_temporary(session, alice, bob, data_dir, corpus):
    temp = upload(session, alice, corpus["wide_2400.jpg"])
    ok = upload(session, alice, corpus["gray.jpg"])
    session.commit()
    with pytest.raises(NotFound):
        file_store.resize_for_me(session=session, owner_id=bob.id, file_id=temp.file_id)
    with pytest.raises(NotFound):
        file_store.resize_for_me(session=session, owner_id=alice.id, file_id=ok.file_id)
    row = session.get(StoredFile, temp.file_id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    with pytest.raises(NotFound):
        file_store.resize_for_me(session=session, owner_id=alice.id, file_id=temp.file_id)


def test_sweep_deletes_unused_temporary_files_after_the_hour(session, alice, data_dir, corpus):
    temp = upload(session, alice, corpus["wide_2400.jpg"])
    keep = upload(session, alice, corpus["gray.jpg"])
    session.commit()
    root = settings.get().files_dir
    assert file_store.sweep_expired(session=session, now=utcnow() + timedelta(minutes=59)) == 0
    assert len(stored_files(root)) == 4
    assert file_store.sweep_expired(session=session, now=utcnow() + timedelta(minutes=61)) == 1
    session.commit()
    assert [r.id for r in rows(session)] == [keep.file_id]
    keep_row = session.get(StoredFile, keep.file_id)
    assert stored_files(root) == sorted([root / keep_row.storage_key, root / keep_row.thumb_key])
    assert session.get(StoredFile, temp.file_id) is None


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_orphan_sweep_removes_old_files_no_row_names_and_old_spool_leftovers(session, alice, data_dir, corpus):
    """What a crash leaves: a file moved into place (and its thumbnail) whose row never committed."""
    kept = upload(session, alice, corpus["gray.jpg"])
    session.commit()
    root = file_folder.files_root()
    grace = file_store.ORPHAN_GRACE.total_seconds()
    kept_row = session.get(StoredFile, kept.file_id)
    orphan, orphan_thumb, young = (root / file_folder.new_key() for _ in range(3))
    for path in (orphan, orphan_thumb, young):
        path.write_bytes(b"invoice bytes of a store that crashed")
    tmp = file_folder.tmp_dir()
    old_part, young_part = tmp / "old.part", tmp / "young.part"
    old_part.write_bytes(b"x")
    young_part.write_bytes(b"x")
    stranger = root / "not-a-key.txt"  # not ours to judge: only key-named files are swept
    stranger.write_text("x")
    for path in (orphan, orphan_thumb, old_part, stranger, root / kept_row.storage_key, root / kept_row.thumb_key):
        _age(path, grace + 60)
    _age(young, grace - 60)  # an upload in progress on another worker: its row is not committed yet

    assert file_store.sweep_orphans(session=session) == 3

    assert not orphan.exists() and not orphan_thumb.exists() and not old_part.exists()
    assert young.exists() and young_part.exists() and stranger.exists()
    assert (root / kept_row.storage_key).exists() and (root / kept_row.thumb_key).exists()
    assert session.get(StoredFile, kept.file_id) is not None
    # Later, once the young one is past the grace period too (and still has no row), it goes.
    assert file_store.sweep_orphans(session=session, now=time.time() + grace + 60) == 2
    assert not young.exists() and not young_part.exists()
    assert file_store.sweep_orphans(session=session, now=time.time() + 10 * grace) == 0
    assert (root / kept_row.storage_key).exists() and (root / kept_row.thumb_key).exists()


def test_the_orphan_sweep_logs_what_it_removed(session, alice, data_dir, caplog):
    orphan = file_folder.files_root() / file_folder.new_key()
    orphan.write_bytes(b"x")
    _age(orphan, file_store.ORPHAN_GRACE.total_seconds() + 1)
    with caplog.at_level("WARNING", logger="rxapp.services.file_store"):
        assert file_store.sweep_orphans(session=session) == 1
    assert orphan.name in caplog.text and "no row refers to" in caplog.text


# --------------------------------------------------------------------------- names and the folder


@given(st.text(max_size=600))
def test_sanitized_names_are_short_flat_and_printable(name):
    clean = file_store.sanitize_name(name)
    assert 1 <= len(clean) <= 200
    assert "/" not in clean and "\\" not in clean
    assert all(ord(c) >= 32 and c != "\x7f" for c in clean)
    assert clean not in (".", "..")


def test_long_names_keep_their_extension():
    assert file_store.sanitize_name("a" * 500 + ".jpeg").endswith(".jpeg")
    assert len(file_store.sanitize_name("a" * 500 + ".jpeg")) == 200
    assert file_store.sanitize_name("../../etc/passwd") == "passwd"
    assert file_store.sanitize_name("C:\\Users\\me\\invoice.png") == "invoice.png"


def test_private_folder_may_not_be_inside_the_public_upload_folder(tmp_path, monkeypatch):
    public = tmp_path / "uploaded_files"
    monkeypatch.setenv("REFLEX_UPLOADED_FILES_DIR", str(public))
    monkeypatch.setenv("RXAPP_DATA_DIR", str(public / "data"))
    settings.reset()
    try:
        with pytest.raises(RuntimeError):
            file_folder.files_root()
    finally:
        settings.reset()


# --------------------------------------------------------------------------- open-ended input


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from([b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"%PDF-", b"<svg"]),
    body=st.binary(max_size=3000),
)
def test_any_bytes_either_store_or_refuse_cleanly(session, alice, data_dir, prefix, body):
    before = len(rows(session))
    try:
        result = upload(session, alice, prefix + body, name="fuzz.png")
    except images.UploadRefused as refused:
        assert refused.message and refused.reason in {"empty", "too_big", "not_image", "too_many_pixels", "corrupt"}
        assert len(rows(session)) == before
        assert not list((file_folder.files_root() / "tmp").glob("*"))
    else:
        assert result.width > 0 and result.height > 0


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_copies_of_a_good_file_never_crash(session, alice, data_dir, corpus, data):
    good = corpus["palette_alpha.png"].path.read_bytes()
    cut = data.draw(st.integers(min_value=0, max_value=len(good) - 1))
    flips = data.draw(st.lists(st.integers(min_value=0, max_value=len(good) - 1), max_size=4))
    damaged = bytearray(good[:cut] if data.draw(st.booleans()) else good)
    for i in flips:
        if i < len(damaged):
            damaged[i] ^= 0x5A
    try:
        upload(session, alice, bytes(damaged), name="d.png")
    except images.UploadRefused:
        assert not list((file_folder.files_root() / "tmp").glob("*"))


# --------------------------------------------------------------------------- who may look


def test_can_view_owner_and_staff_only(session, alice, bob, data_dir, corpus):
    reviewer = make_user(session, "rev@example.com", Role.reviewer)
    admin = make_user(session, "admin@example.com", Role.admin)
    result = upload(session, alice, corpus["gray.jpg"])
    session.commit()
    fid = result.file_id
    assert file_store.can_view(session=session, user_id=alice.id, file_id=fid)
    assert file_store.can_view(session=session, user_id=reviewer.id, file_id=fid)
    assert file_store.can_view(session=session, user_id=admin.id, file_id=fid)
    assert not file_store.can_view(session=session, user_id=bob.id, file_id=fid)
    assert not file_store.can_view(session=session, user_id=99999, file_id=fid)
    assert not file_store.can_view(session=session, user_id=alice.id, file_id=99999)


def test_signed_links_open_only_for_their_viewer(session, alice, bob, data_dir, corpus):
    result = upload(session, alice, corpus["gray.jpg"])
    session.commit()
    url = file_links.signed_url(file_id=result.file_id, user_id=alice.id)
    assert url.startswith("/files/")
    path, ctype, name = file_links.open_for_token(session=session, token=url.removeprefix("/files/"))
    assert path.read_bytes() == corpus["gray.jpg"].path.read_bytes() and ctype == "image/jpeg" and name == "gray.jpg"
    tpath, tctype, _ = file_links.open_for_token(
        session=session, token=file_links.signed_url(file_id=result.file_id, user_id=alice.id, thumb=True).removeprefix("/files/")
    )
    assert tctype == "image/jpeg" and tpath != path

    bad_tokens = [
        file_links.signed_url(file_id=result.file_id, user_id=bob.id).removeprefix("/files/"),  # another customer
        signing.sign("file", {"f": result.file_id, "u": alice.id, "t": 0}, 300, now=time.time() - 600),  # expired
        signing.sign("file", {"f": result.file_id, "u": alice.id, "t": 0}, 300, key="k" * 40),  # forged
        signing.sign("email", {"f": result.file_id, "u": alice.id, "t": 0}, 300),  # other purpose
        url.removeprefix("/files/")[:-2] + "AA",  # tampered
        "garbage",
        "",
    ]
    for token in bad_tokens:
        with pytest.raises(NotFound) as nf:
            file_links.open_for_token(session=session, token=token)
        assert nf.value.message == "This link is not valid."


def test_a_link_dies_with_the_viewers_access(session, alice, data_dir, corpus):
    reviewer = make_user(session, "rev@example.com", Role.reviewer)
    result = upload(session, alice, corpus["gray.jpg"])
    session.commit()
    token = file_links.signed_url(file_id=result.file_id, user_id=reviewer.id).removeprefix("/files/")
    file_links.open_for_token(session=session, token=token)
    reviewer.role = Role.customer
    session.commit()
    with pytest.raises(NotFound):
        file_links.open_for_token(session=session, token=token)


# --------------------------------------------------------------------------- when the header alone is not enough


def _gif_with_frame(frame_w: int, frame_h: int) -> bytes:
    """A GIF whose screen says 10 × 10 but whose first frame is far bigger."""
    return (
        b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
        + b"\x2c" + struct.pack("<HHHHB", 0, 0, frame_w, frame_h, 0) + b"\x02\x02\x44\x01\x00\x3b"
    )  # fmt: skip


@pytest.mark.parametrize("frame", [(7000, 7000), (20000, 20000)])
def test_a_gif_frame_bigger_than_its_screen_is_still_caught(session, alice, data_dir, frame):
    with pytest.raises(images.UploadRefused) as refused:
        upload(session, alice, _gif_with_frame(*frame), name="g.gif")
    assert refused.value.reason == "too_many_pixels"
    assert "the limit is 40 megapixels" in refused.value.message
    assert stored_files(settings.get().files_dir) == [] and rows(session) == []


def _with_long_metadata(jpeg: bytes, kilobytes: int) -> bytes:
    """The same JPEG with ``kilobytes`` of comment segments before its frame header."""
    segs = b"".join(b"\xff\xfe" + struct.pack(">H", 1026) + b"c" * 1024 for _ in range(kilobytes))
    return jpeg[:2] + segs + jpeg[2:]


def test_metadata_longer_than_the_header_window_is_accepted(session, alice, data_dir, corpus):
    jpeg = corpus["gray.jpg"].path.read_bytes()
    result = upload(session, alice, _with_long_metadata(jpeg, 700), name="long.jpg")
    assert (result.width, result.height) == (900, 700)


def test_a_bomb_behind_long_metadata_is_refused_before_decoding(session, alice, data_dir, corpus):
    bomb = corpus["bomb.jpg"].path.read_bytes()
    with pytest.raises(images.UploadRefused) as refused:
        upload(session, alice, _with_long_metadata(bomb, 700), name="bomb.jpg")
    assert refused.value.reason == "too_many_pixels" and "30000 × 30000" in refused.value.message
    assert stored_files(settings.get().files_dir) == [] and rows(session) == []
