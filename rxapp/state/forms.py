"""A form's service call, with its field errors put under the fields: the one way states save a form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rxapp.services.errors import FieldErrors


def saved(state, save: Callable[[], object], *, errors: str = "errors") -> bool:
    """Run ``save``; on ``FieldErrors`` its messages go to ``state.<errors>`` (one per field) and
    nothing else changes.  Returns whether it was saved (the errors are cleared then)."""
    try:
        save()
    except FieldErrors as exc:
        setattr(state, errors, exc.errors)
        return False
    setattr(state, errors, {})
    return True


async def saved_off_loop(state, save: Callable[[], Awaitable[object]], *, errors: str = "errors") -> bool:
    """``saved`` for a save that is awaited (``offload.run``: a CPU-bound service call off the event loop)."""
    try:
        await save()
    except FieldErrors as exc:
        setattr(state, errors, exc.errors)
        return False
    setattr(state, errors, {})
    return True
