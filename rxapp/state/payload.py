"""Whether a client's payload fits a handler: the guard drops one that does not before the handler runs."""

from __future__ import annotations

import functools
import inspect

import reflex as rx


def fits(fn, args, kwargs) -> bool:
    """Whether a client's payload fits the handler's parameters (a missing or unknown one does not).

    An upload handler's file parameter is filled by Reflex's upload endpoint with a stream of
    chunks (or a list of files); over the websocket a client may put anything in its place (a
    number, a string), which the handler would fail on: such a payload does not fit either.
    """
    try:
        bound = _signature(fn).bind(None, *args, **kwargs)
    except TypeError:
        return False
    for name, kind in upload_parameters(fn).items():
        value = bound.arguments.get(name)
        if kind is rx.UploadFile:
            if not isinstance(value, list) or not all(isinstance(f, rx.UploadFile) for f in value):
                return False
        elif not isinstance(value, kind):
            return False
    return True


@functools.cache
def _signature(fn) -> inspect.Signature:
    """A handler's signature, read once (``inspect.signature`` on every guarded event was 3 % of the
    backend's samples under ``bench_events``)."""
    return inspect.signature(fn)


@functools.cache
def upload_parameters(fn) -> dict[str, type]:
    """{parameter: rx.UploadChunkIterator or rx.UploadFile} for a handler's upload parameters."""
    found = {}
    for name, param in _signature(fn).parameters.items():
        text = str(param.annotation)
        if "UploadChunkIterator" in text:
            found[name] = rx.UploadChunkIterator
        elif "UploadFile" in text:
            found[name] = rx.UploadFile
    return found
