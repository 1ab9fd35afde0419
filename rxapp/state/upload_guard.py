"""The one guard in front of Reflex's upload endpoint (``POST /_upload``).

Reflex's endpoint reads the whole multipart body (a buffered handler's files
are spooled to temporary files) before the handler and its ``@member`` /
``@reviewer`` check run.  This ASGI middleware, installed once in
``rxapp/rxapp.py`` (``rx.App(api_transformer=[…, UploadGuard])``), decides
from the request's headers alone, before a byte of the body is read:

* the handler the request names (``Reflex-Event-Handler``) must exist and
  declare how much it takes (``@upload_limit(n)``, next to its access
  declaration); anything else is refused (400);
* the caller must be allowed to call it: the session token the tab
  (``Reflex-Client-Token``) holds in ``SessionState`` is resolved in the
  database, as the handler's own guard does, against the access the handler
  declares (``session.access_of``): 401 without a session, 403 without the role;
* the body must be ``multipart/form-data`` (415) and its declared
  ``Content-Length`` within the handler's limit plus multipart overhead (413);
* the upload must fit in the process-wide budget of bytes in flight
  (``TOTAL_BUDGET``; 503 with ``Retry-After`` when it does not).

While the body streams in it is counted and its multipart structure checked
(at most one ``files`` part with a file name, the optional bound-args field,
nothing else); over the limit, malformed, or slower than ``BODY_DEADLINE`` seconds, the
app behind sees a disconnect (Reflex drops what it spooled and cancels a
streaming handler) and the client gets the refusal.  A body ending in anything
but a complete multipart message never reaches the app whole.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex_base import constants
from reflex_base.config import get_config
from reflex_base.event.context import EventContext
from reflex_base.registry import RegistrationContext

from rxapp.db import session_scope
from rxapp.models import Role
from rxapp.services import sessions as session_service
from rxapp.state.session import Access, SessionState, access_of

MiB = 1024 * 1024
# Room for the boundaries, the part headers and Reflex's bound-args field.
MULTIPART_OVERHEAD = 64 * 1024
# Upload bytes admitted at once in this process (what may sit in temporary files).
TOTAL_BUDGET = 48 * MiB
# A body must arrive within this many seconds of its headers (a trickling sender frees its share).
BODY_DEADLINE = 120.0
# The multipart fields Reflex's upload sends: the file(s), and the handler's bound args.
FILES_FIELD = "files"
ARGS_FIELD = "__reflex_event_args"
MAX_PART_HEADER_BYTES = 8 * 1024

LIMIT_ATTR = "_rxapp_upload_limit"


def upload_limit(max_bytes: int):
    """Declare that a handler takes one uploaded file of at most ``max_bytes`` (put above ``@member`` …)."""

    def mark(fn):
        setattr(fn, LIMIT_ATTR, int(max_bytes))
        return fn

    return mark


def limit_of(fn) -> int | None:
    """The file size a handler declares it takes (None: it takes no uploads)."""
    return getattr(fn, LIMIT_ATTR, None)


def upload_path() -> str:
    return get_config().prepend_backend_path(str(constants.Endpoint.UPLOAD))


class Refused(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Budget:
    """Bytes of upload bodies admitted at once (process-wide)."""

    def __init__(self, total: int):
        self.total = total
        self.in_flight = 0
        self.peak = 0

    def take(self, n: int) -> bool:
        if self.in_flight + n > self.total:
            return False
        self.in_flight += n
        self.peak = max(self.peak, self.in_flight)
        return True

    def give_back(self, n: int) -> None:
        self.in_flight = max(0, self.in_flight - n)


budget = Budget(TOTAL_BUDGET)


class MultipartCheck:
    """Follows the body's multipart structure as it passes (headers only; no data kept)."""

    def __init__(self, boundary: bytes):
        self.files = 0
        self.args = 0
        self.ended = False
        self._header_len = 0
        self._dispositions: list[bytes] = []
        self._field = b""
        self._value = b""
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_end": self._end,
        })

    def _part_begin(self) -> None:
        self._dispositions = []
        self._header_len = 0

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._grow(end - start)
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._grow(end - start)
        self._value += data[start:end]

    def _grow(self, n: int) -> None:
        self._header_len += n
        if self._header_len > MAX_PART_HEADER_BYTES:
            raise Refused(400, "A part's headers are too long.")

    def _header_end(self) -> None:
        if self._field.lower() == b"content-disposition":
            self._dispositions.append(self._value)
        self._field, self._value = b"", b""

    def _headers_finished(self) -> None:
        self._header_len = 0
        if len(self._dispositions) != 1:
            raise Refused(400, "Each part needs one Content-Disposition.")
        kind, options = parse_options_header(self._dispositions[0])
        name = options.get(b"name")
        if kind != b"form-data" or name is None:
            raise Refused(400, "Each part must be form-data with a name.")
        if name == FILES_FIELD.encode() and b"filename" in options:
            self.files += 1
            if self.files > 1:
                raise Refused(400, "One file per upload.")
        elif name == ARGS_FIELD.encode() and b"filename" not in options and not self.files and not self.args:
            self.args += 1
        else:
            raise Refused(400, "Unexpected part in the upload: only one file, under “files”.")

    def _end(self) -> None:
        self.ended = True

    def feed(self, data: bytes) -> None:
        if not data:
            return
        try:
            self._parser.write(data)
        except Refused:
            raise
        except Exception as exc:  # noqa: BLE001 - python_multipart's parse errors
            raise Refused(400, "The body is not a valid multipart upload.") from exc

    def finish(self) -> None:
        if not self.ended:
            raise Refused(400, "The multipart body is incomplete.")
        # No file at all is no failure: the drop zone sends an empty upload when it refused every file
        # dropped (too big, too many), whose reason ``on_drop_rejected`` already put under the field.
        # The handler gets nothing to read (``uploads.receive``: None, the field keeps what it showed).


def _registered_fn(name: str):
    try:
        registered = RegistrationContext.get().event_handlers.get(name)
    except LookupError:
        return None
    return None if registered is None else registered.handler.fn


def _resolve_role(token: str) -> Role | None:
    with session_scope() as s:
        found = session_service.resolve(session=s, token=token)
    return None if found is None else found.role


async def _caller_role(client_token: str, state_manager=None) -> Role | None:
    """The role of the session the tab ``client_token`` holds (None: signed out), checked now."""
    if state_manager is None:
        state_manager = EventContext.get().state_manager
    if isinstance(state_manager, StateManagerMemory) and client_token not in state_manager.states:
        return None  # a tab this (only) worker never saw: no state is made for a stranger's token
    root = await state_manager.get_state(BaseStateToken(ident=client_token, cls=SessionState))
    token = (await root.get_state(SessionState)).token
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return await asyncio.to_thread(_resolve_role, token)


def _allows(level: Access, role: Role | None) -> int | None:
    """None when ``role`` may call a handler of ``level``, else the status to refuse with."""
    if level is Access.anyone:
        return None
    if role is None:
        return 401
    if level is Access.reviewer and role not in (Role.reviewer, Role.admin):
        return 403
    if level is Access.admin and role is not Role.admin:
        return 403
    return None


class UploadGuard:
    """ASGI middleware: ``POST /_upload`` is read past its headers only when the caller may upload there."""

    def __init__(self, app, *, state_manager=None, budget_: Budget | None = None):
        self.app = app
        self.state_manager = state_manager
        self.budget = budget_ if budget_ is not None else budget
        self.path = upload_path()

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("type") != "http" or scope.get("path") != self.path or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            allowance, boundary = await self._admit(headers)
        except Refused as no:
            await _answer(send, no.status, no.detail)
            return
        declared = _content_length(headers)
        reserved = declared if declared is not None else allowance
        if not self.budget.take(reserved):
            await _answer(send, 503, "Too many uploads at once: please try again in a moment.",
                          extra=[(b"retry-after", b"5")])
            return
        try:
            await self._pass(scope, receive, send, allowance=reserved, boundary=boundary)
        finally:
            self.budget.give_back(reserved)

    async def _admit(self, headers: dict[str, str]) -> tuple[int, bytes]:
        """(bytes this upload may send, its multipart boundary), or ``Refused``; reads no body."""
        client_token = headers.get("reflex-client-token", "")
        handler = headers.get("reflex-event-handler", "")
        if not client_token or not handler or len(client_token) > 200 or len(handler) > 400:
            raise Refused(400, "Missing reflex-client-token or reflex-event-handler header.")
        fn = _registered_fn(handler)
        limit = limit_of(fn) if fn is not None else None
        level = access_of(fn) if fn is not None else None
        if limit is None or level is None:
            raise Refused(400, "No such upload handler.")
        status = _allows(level, await _caller_role(client_token, self.state_manager))
        if status == 401:
            raise Refused(401, "Sign in to upload files.")
        if status is not None:
            raise Refused(403, "You may not upload files here.")
        kind, params = parse_options_header(headers.get("content-type", ""))
        if kind != b"multipart/form-data":
            raise Refused(415, "Uploads are multipart/form-data.")
        boundary = params.get(b"boundary")
        if not boundary or len(boundary) > 200:
            raise Refused(400, "Missing boundary in multipart.")
        allowance = limit + MULTIPART_OVERHEAD
        if "content-length" in headers:
            declared = _content_length(headers)
            if declared is None:
                raise Refused(400, "Bad Content-Length.")
            if declared > allowance:
                raise Refused(413, f"The upload is larger than {_mb(limit)}.")
        return allowance, boundary

    async def _pass(self, scope, receive, send, *, allowance: int, boundary: bytes) -> None:
        check = MultipartCheck(boundary)
        refusal: list[Refused] = []
        started = False
        read = 0
        deadline = time.monotonic() + BODY_DEADLINE
        body_done = False

        async def counted_receive() -> dict[str, Any]:
            nonlocal read, body_done
            if refusal:
                return {"type": "http.disconnect"}
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                refusal.append(Refused(408, "The upload was too slow."))
                return {"type": "http.disconnect"}
            if message.get("type") != "http.request":
                return message
            body = message.get("body", b"")
            read += len(body)
            try:
                if read > allowance:
                    raise Refused(413, "The upload is larger than it may be.")
                check.feed(body)
                if not message.get("more_body", False):
                    body_done = True
                    check.finish()
            except Refused as no:
                refusal.append(no)
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message) -> None:
            nonlocal started
            if refusal and not started:
                return  # the app's answer to the disconnect it saw: the client gets the refusal instead
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, guarded_send)
        if refusal and not started:
            await _answer(send, refusal[0].status, refusal[0].detail)


def _content_length(headers: dict[str, str]) -> int | None:
    raw = headers.get("content-length")
    if raw is None or not raw.isdigit() or len(raw) > 15:
        return None
    return int(raw)


def _mb(n: int) -> str:
    return f"{n / MiB:g} MB"


async def _answer(send, status: int, detail: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """A JSON refusal; the connection is closed (the unread body is never taken)."""
    body = json.dumps({"detail": detail}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")] + (extra or []),
    })
    await send({"type": "http.response.body", "body": body})
