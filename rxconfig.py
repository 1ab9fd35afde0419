"""Reflex configuration, from the environment (see rxapp/settings.py and README)."""

import os
import sys

import reflex as rx

from rxapp import settings

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
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="red", gray_color="slate", radius="small", appearance="light")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
