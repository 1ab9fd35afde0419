"""Reflex configuration, from the environment (see rxapp/settings.py and README)."""

import os
import sys

import reflex as rx

from rxapp import settings
from rxapp.frontend_build import FrontendBuild, RadixThemesStyles

try:
    _settings = settings.get()
except settings.ConfigError as exc:
    print(f"configuration error: {exc}", file=sys.stderr)
    sys.exit(2)

config = rx.Config(
    app_name="rxapp",
    db_url=_settings.database_url,
    redis_url=_settings.redis_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=int(os.environ.get("RXAPP_PORT", "3000")),
    # The production bundle for a fast first load (issue 15): few chunks (rxapp/frontend_build.py), no
    # namespace of every Radix component on every page (the app renders no component sent by the backend),
    # assets precompressed with brotli as well as gzip; Radix Themes' stylesheet without the color scales the
    # app does not use (RadixThemesStyles).
    frontend_lazy_bundled_libraries=True,
    frontend_compression_formats=["brotli", "gzip"],
    plugins=[
        FrontendBuild(),
        RadixThemesStyles(
            theme=rx.theme(accent_color="red", gray_color="slate", radius="small", appearance="light")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
