"""The evidence pre-check on an upload page: "Checking your invoice…", then the checklist.

One helper for every page where a customer uploads an invoice or an S/N photo
(registration, Redeem Confirm, Redeem Again, My Products' Replace).  A state
mixes it in and says, per slot ("invoice", "photo"), which file is current
(``_evidence_file``) and what to check it against (``_evidence_checks``).
``_read_evidence`` reads the file once (``evidence_check.read_file`` keeps the
reading with it) on the CPU pool, so the page stays responsive while the
slot's ``*_checking`` flag shows the progress; ``_refresh_evidence`` recomputes
the checklist from the kept reading (cheap) whenever what it compares with
changes.
"""

from __future__ import annotations

import asyncio

import reflex as rx
from sqlmodel import Session

from rxapp import i18n
from rxapp.db import session_scope
from rxapp.services import evidence_check
from rxapp.services.errors import ServiceError
from rxapp.state import offload

SLOTS = ("invoice", "photo")
UNREADABLE = i18n.N_("We could not read this picture; reviewers will look at it themselves.")


# Readings under way in this worker, by file: a second caller (the submit while the upload's reading
# runs) awaits the same reading instead of starting another.
_inflight: dict[int, asyncio.Future] = {}


async def read_once(file_id: int) -> None:
    """Read ``file_id`` on the CPU pool and keep the reading (instant when it was read before)."""
    task = _inflight.get(file_id)
    if task is None:
        task = asyncio.ensure_future(offload.call(evidence_check.read_file, file_id=file_id))
        _inflight[file_id] = task
        task.add_done_callback(lambda _done: _inflight.pop(file_id, None))
    # Shielded: a waiter that goes away (the tab closed) does not cancel the reading another one awaits.
    await asyncio.shield(task)


def check_row(check: evidence_check.Check) -> dict[str, str]:
    return {"key": check.key, "status": check.status.value, "ok": "yes" if check.ok else "",
            "message": check.message, "advice": check.advice, "matched": check.matched,
            "blocking": "yes" if check.blocking else ""}


class EvidenceMixin(rx.State, mixin=True):
    invoice_checking: bool = False
    invoice_checks: list[dict[str, str]] = []
    invoice_check_note: str = ""
    photo_checking: bool = False
    photo_checks: list[dict[str, str]] = []
    photo_check_note: str = ""

    # ------------------------------------------------------------------ what the page says

    def _evidence_file(self, slot: str) -> int | None:
        """The file shown in ``slot`` now (None: none, or not a good one)."""
        raise NotImplementedError

    def _evidence_checks(self, slot: str, session: Session, file_id: int) -> list[evidence_check.Check] | None:
        """The checks of ``file_id`` against the page's facts; None while it is not read."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the helper

    def _clear_evidence(self, slot: str) -> None:
        setattr(self, f"{slot}_checks", [])
        setattr(self, f"{slot}_check_note", "")

    async def _read_evidence(self, slot: str, file_id: int) -> None:
        """Read ``file_id`` off the event loop (seconds of CPU), "Checking …" shown meanwhile.

        Call from a background handler, outside ``async with self``.
        """
        async with self:
            setattr(self, f"{slot}_checking", True)
            self._clear_evidence(slot)
        try:
            await read_once(file_id)
        finally:
            async with self:
                if self._evidence_file(slot) == file_id:
                    setattr(self, f"{slot}_checking", False)
                    self._refresh_evidence(slot)

    def _refresh_evidence(self, slot: str) -> bool:
        """The slot's checklist against the facts now; False when its file still waits to be read."""
        file_id = self._evidence_file(slot)
        if file_id is None or getattr(self, f"{slot}_checking"):
            self._clear_evidence(slot)
            return True
        with session_scope() as s:
            try:
                checks = self._evidence_checks(slot, s, file_id)
            except ServiceError:
                checks = None
            return self._show_evidence(slot, checks, s, file_id)

    def _show_evidence(self, slot: str, checks, session, file_id: int) -> bool:
        """Show the slot's ``checks`` (None: not read yet, or unreadable: the note says which); False while
        the file still waits to be read."""
        if checks is None:
            error = evidence_check.reading_error(session=session, file_id=file_id)
            setattr(self, f"{slot}_checks", [])
            setattr(self, f"{slot}_check_note", i18n.gettext(UNREADABLE) if error else "")
            return bool(error)
        setattr(self, f"{slot}_checks", [check_row(c) for c in checks])
        setattr(self, f"{slot}_check_note", "")
        return True
