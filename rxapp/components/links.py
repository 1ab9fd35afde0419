"""Links to the backend's own routes (private files, the CSV export) as the browser must write them.

``/files/…`` and ``/export/…`` are backend routes: with ``reflex run --env prod
--single-port`` the page and the backend share one origin, but under
AppHarnessProd (and any split deployment) the page is served by a separate
static server, where a relative link would miss the backend.  Reflex's own
``getBackendURL`` resolves ``env.UPLOAD`` (the configured ``api_url`` +
"/_upload", its host adjusted to the page's host when it is localhost) in the
browser; dropping "/_upload" leaves the backend's base URL.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import Var, VarData

_BACKEND_BASE = Var(
    _js_expr='getBackendURL(env.UPLOAD).href.replace(/\\/_upload\\/?$/, "")',
    _var_data=VarData(
        imports={
            "$/utils/state": "getBackendURL",
            "$/env.json": rx.ImportVar(tag="env", is_default=True),
        }
    ),
).to(str)


def backend_url(path) -> Var:
    """The absolute URL on the backend of a path (a str or a string Var); an empty path stays empty.

    ``rx.cond(path != "", …)`` keeps working on the result.
    """
    path_var = Var.create(path).to(str)
    return rx.cond(path_var != "", _BACKEND_BASE + path_var, "").to(str)


# A private file's signed link (``/files/<token>``, kept by states) as an <img src> or <a href>.
file_url = backend_url
