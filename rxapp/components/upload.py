"""A private-file upload field: label, drop zone, checked the moment a file is chosen.

The whole zone sits inside its <label>, so the visible label names the file
input (``get_by_label("Invoice Upload")``) and a click opens the file chooser
once.  Files stream to a background handler (``rx.upload_files_chunk``).  The
zone takes any type: the server reads what a file really is and says why it
refuses it ("This file is a PDF document, not an image."), the same words
whether the file was chosen or dropped.  Only what must not be sent at all is
refused in the browser: a file over 10 MB (the server's /_upload guard would
cut it off without a word) and more than one file; ``on_rejected`` then gets
the drop zone's reasons and the server writes the message
(``state.uploads.refused``), under the field like every other.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from rxapp.components.i18n import T, Tf, tr
from rxapp.components.shell import ACCENT
from rxapp.components.links import file_url
from rxapp.services.images import MAX_BYTES

def _reasons(rejected) -> ArrayVar:
    """Each refused file as the drop zone's error codes and its size ("file-too-large size=11534336").

    Only these strings go to the server: the refused ``File`` itself would be sent along with the event
    (socket.io sends a Blob in full).
    """
    def codes(record):
        rec = record.to(ObjectVar, dict[str, Any])
        errors = rec["errors"].to(ArrayVar, list[dict[str, Any]])
        size = rec["file"].to(ObjectVar, dict[str, Any])["size"].to(str)
        return errors.map(lambda e: e.to(ObjectVar, dict[str, Any])["code"]).join(" ") + " size=" + size

    return rejected.to(ArrayVar, list[dict[str, Any]]).map(codes)


def upload_field(
    upload_id: str,
    label: str,
    handler,
    on_rejected=None,
    *,
    required: bool = True,
    hint: str = "",
    busy=False, file_name="", message="", message_is_error=True, thumb_url="", extra=None, thumb_alt=None,
) -> rx.Component:
    """``required``, ``hint`` and ``thumb_alt`` may be vars (a field required only in some cases); ``label``
    and ``hint`` given as text are translated (``tr``), as the other form fields' are."""
    label, hint = tr(label), tr(hint)
    return rx.box(
        rx.el.label(
            rx.text(
                label,
                # The red * of required fields (hidden from the accessible name, like the other fields').
                rx.cond(required, rx.el.span(" *", style={"color": ACCENT}, aria_hidden="true"), rx.fragment())
                if isinstance(required, rx.Var)
                else (rx.el.span(" *", style={"color": ACCENT}, aria_hidden="true") if required else rx.fragment()),
                weight="bold", size="2", margin_bottom="4px",
            ),
            rx.upload.root(
                rx.hstack(
                    rx.icon("upload", size=20, color=ACCENT, aria_hidden="true"),
                    rx.vstack(
                        rx.cond(
                            file_name != "",
                            rx.text(file_name, weight="medium", size="2"),
                            rx.text(T("Choose a file or drop it here"), weight="medium", size="2"),
                        ),
                        rx.text(T(".jpg, .gif or .png · at most 1600 px wide · at most 10 MB"), size="1",
                                color="#666"),
                        spacing="0",
                    ),
                    rx.cond(busy, rx.spinner(size="2")),
                    spacing="3", align="center",
                ),
                id=upload_id, multiple=False, max_files=1, no_click=True,
                on_drop=handler(rx.upload_files_chunk(upload_id=upload_id)), border="1px dashed #bbb",
                # Too big: refused before a byte is sent (the server's /_upload guard would refuse the
                # body without a word); ``on_rejected`` shows the server's reason under the field.
                max_size=MAX_BYTES,
                **({"on_drop_rejected": lambda rejected: on_rejected(_reasons(rejected))} if on_rejected else {}),
                border_radius="6px", padding="14px", cursor="pointer", background="#fafafa",
                _hover={"border_color": ACCENT},
            ),
            display="block",
        ),
        (rx.text(hint, size="1", color="#666", margin_top="4px") if isinstance(hint, rx.Var) or hint
         else rx.fragment()),
        rx.cond(
            message != "",
            rx.text(message, color=rx.cond(message_is_error, "#c0101c", "#1a7f37"), size="2", margin_top="6px",
                    role="alert", id=f"{upload_id}-message"),
        ),
        extra if extra is not None else rx.fragment(),
        rx.cond(
            thumb_url != "",
            rx.image(src=file_url(thumb_url), alt=thumb_alt if thumb_alt is not None else Tf("{label} preview", label=label),
                     max_width="220px", max_height="160px",
                     margin_top="8px", border="1px solid #eee", border_radius="4px"),
        ),
        margin_bottom="14px", width="100%",
    )
