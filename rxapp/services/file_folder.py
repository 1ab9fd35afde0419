"""The private folder for uploads: where it is (never inside a public folder) and its key-named files."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from rxapp import settings
from rxapp.i18n import _
from rxapp.services.errors import NotFound

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{20,80}$")


def files_root() -> Path:
    """The private folder (created 0700); refuses to be inside a public folder."""
    root = settings.get().files_dir.resolve()
    for public in _public_dirs():
        if root == public or public in root.parents:
            raise RuntimeError(f"Private files folder {root} is inside the public folder {public}")
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def _public_dirs() -> list[Path]:
    # Reflex serves REFLEX_UPLOADED_FILES_DIR (default ./uploaded_files) at /_upload,
    # and the built frontend from .web; a private file must live in neither.
    upload = os.environ.get("REFLEX_UPLOADED_FILES_DIR") or "uploaded_files"
    return [
        Path(upload).resolve(),
        (settings.PROJECT_ROOT / "uploaded_files").resolve(),
        (settings.PROJECT_ROOT / ".web").resolve(),
        (settings.PROJECT_ROOT / "assets").resolve(),
    ]


def tmp_dir() -> Path:
    d = files_root() / "tmp"
    d.mkdir(exist_ok=True, mode=0o700)
    return d


def private_path(key: str) -> Path:
    if not KEY_RE.match(key or ""):
        raise NotFound(_("This file is not available."))
    return files_root() / key


def new_key() -> str:
    return secrets.token_urlsafe(24)


def open_private(path: Path):
    """A new file for writing, created exclusively with mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def unlink(path: Path | None) -> None:
    if path is None:
        return
    try:
        path.unlink()
    except FileNotFoundError:
        pass
