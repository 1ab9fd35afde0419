"""A server process that is killed (SIGKILL) at a chosen point inside a real service call.

Run by ``tests/unit/test_crashes.py`` as ``python -m tests.unit.crash_child OPERATION POINT ARGS_JSON``
with the app's database and data folder in the environment (``DATABASE_URL``,
``RXAPP_DATA_DIR``).  It wraps one function *in this process only* so that the
process kills itself right before or after that point, then calls the service
the way the app's handlers do.  Production code is untouched.

OPERATION and its POINTs:

* ``submit`` (``claims.submit`` in one ``session_scope``, as ``RedeemState.submit``):
  ``before-commit``, ``after-commit``
* ``decide`` (``claims.decide`` in one ``write_session``, as the reviewer console):
  ``before-commit``, ``after-commit``
* ``store`` (``file_store.check_and_store_stream`` in one ``session_scope``, as
  ``state.uploads``): ``mid-spool`` (part of the upload written to the spool
  folder), ``after-move`` (the file renamed into the private folder, no
  thumbnail or row yet), ``before-commit`` (file, thumbnail and row flushed)

Exit status 3 means the chosen point was never reached (the test fails on it).
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys

import sqlalchemy.orm


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_at_commit(point: str) -> None:
    real = sqlalchemy.orm.Session.commit

    def commit(self):
        if point == "before-commit":
            _die()
        real(self)
        _die()

    sqlalchemy.orm.Session.commit = commit


def _kill_in_store(point: str) -> None:
    from rxapp.services import file_store, upload_spool

    if point == "mid-spool":
        real_write = upload_spool.UploadSpool._write
        writes = {"n": 0}

        def write(self, data):
            real_write(self, data)
            writes["n"] += 1
            if writes["n"] == 2:  # the head and one more chunk are on disk, the rest never comes
                self._fh.flush()
                _die()

        upload_spool.UploadSpool._write = write
    elif point == "after-move":
        real_replace = file_store.os.replace

        def replace(src, dst, *a, **kw):
            real_replace(src, dst, *a, **kw)
            _die()

        file_store.os.replace = replace
    elif point == "before-commit":
        _kill_at_commit(point)
    else:
        raise SystemExit(f"unknown point {point}")


def noise_png(width: int = 1000, height: int = 700) -> bytes:
    """A PNG that does not compress (about 2 MB): several spool chunks."""
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG", compress_level=1)
    return out.getvalue()


def main(operation: str, point: str, args: dict) -> int:
    from rxapp import db
    from rxapp.models import FileKind
    from rxapp.services import claims, file_store

    if operation == "store":
        _kill_in_store(point)
        data = noise_png()
        # In 64 KiB pieces, as Reflex's upload endpoint hands them over.
        chunks = (data[i:i + 64 * 1024] for i in range(0, len(data), 64 * 1024))
        with db.session_scope() as s:
            file_store.check_and_store_stream(session=s, owner_id=args["owner_id"], kind=FileKind.serial_photo,
                                              chunks=chunks, filename="sn-photo.png")
    elif operation == "submit":
        _kill_at_commit(point)
        with db.session_scope() as s:
            claims.submit(session=s, user_id=args["user_id"], product_id=args["product_id"],
                          promotion_id=args["promotion_id"], recipient=args["recipient"],
                          serial_photo_file_id=args["serial_photo_file_id"])
    elif operation == "decide":
        _kill_at_commit(point)
        with db.write_session() as s:
            claims.decide(session=s, claim_id=args["claim_id"], reviewer_id=args["reviewer_id"], decision="approve")
    else:
        raise SystemExit(f"unknown operation {operation}")
    return 3  # still alive: the point was never reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
