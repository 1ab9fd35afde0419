"""Configuration from the environment, validated once at start-up.

Each setting is read from one environment variable; a bad value raises
``ConfigError`` whose message names the variable, and start-up stops with that
one line and a non-zero exit (see ``rxconfig.py``).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A bad environment value; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    smtp_url: str | None
    demo: bool
    secret_key: str
    vendor_name: str
    base_url: str
    # Demo mode only: what a presenter types before switching persona, resetting or moving the date.
    presenter_passcode: str = ""
    # RXAPP_FILES_DIR: where private uploads live (a folder every instance mounts, on several hosts).
    files_root: Path | None = None

    @property
    def files_dir(self) -> Path:
        """Private uploads (``RXAPP_FILES_DIR``, default ``<data>/private``): never below Reflex's public upload folder."""
        return self.files_root or self.data_dir / "private"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name}: expected 1/0, true/false, yes/no or on/off, got {raw!r}")


def _database_url(data_dir: Path) -> str:
    raw = os.environ.get("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{data_dir / 'member_center.db'}"
    try:
        url = make_url(raw)
        sa.create_engine(url)  # resolves the dialect and driver without connecting
    except Exception as exc:  # noqa: BLE001 - any parse or driver failure is a config error
        raise ConfigError(f"DATABASE_URL: cannot use {raw!r} ({type(exc).__name__}: {exc})") from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(f"DATABASE_URL: only sqlite and postgresql are supported, got {url.get_backend_name()!r}")
    return raw


def _url(name: str, schemes: set[str]) -> str | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.hostname:
        raise ConfigError(f"{name}: expected {'/'.join(sorted(schemes))}://host[:port], got {raw!r}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ConfigError(f"{name}: bad port in {raw!r}") from None
    return raw


def _secret_key(data_dir: Path) -> str:
    raw = os.environ.get("RXAPP_SECRET_KEY", "")
    if raw:
        if len(raw) < 32:
            raise ConfigError("RXAPP_SECRET_KEY: must be at least 32 characters")
        return raw
    return _generated(data_dir / "secret_key", lambda: secrets.token_urlsafe(48))


def _presenter_passcode(data_dir: Path, demo: bool) -> str:
    """RXAPP_PRESENTER_PASSCODE, or (demo mode) one generated once into data/presenter_passcode."""
    raw = os.environ.get("RXAPP_PRESENTER_PASSCODE", "").strip()
    if raw:
        if len(raw) < 8:
            raise ConfigError("RXAPP_PRESENTER_PASSCODE: must be at least 8 characters")
        return raw
    if not demo:
        return ""
    return _generated(data_dir / "presenter_passcode", lambda: secrets.token_hex(5))


def _generated(path: Path, make) -> str:
    """The value kept in ``path`` (mode 600), made once; two workers starting at once agree on one."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def _base_url() -> str:
    """``RXAPP_BASE_URL``, else this machine at the port the app serves on (``RXAPP_PORT``, which
    ``make run PORT=…`` sets): a browser there is the app's own origin, not a foreign one whose
    websocket the edge refuses."""
    explicit = os.environ.get("RXAPP_BASE_URL")
    if explicit:
        return explicit.rstrip("/")
    return f"http://localhost:{os.environ.get('RXAPP_PORT') or '3000'}"


def load() -> Settings:
    """Read and validate every setting; raises ``ConfigError``."""
    data_dir = Path(os.environ.get("RXAPP_DATA_DIR") or PROJECT_ROOT / "data").resolve()
    base_url = _base_url()
    if not urlsplit(base_url).scheme.startswith("http"):
        raise ConfigError(f"RXAPP_BASE_URL: expected http(s)://host[:port], got {base_url!r}")
    demo = _flag("RXAPP_DEMO", False)
    return Settings(
        data_dir=data_dir,
        database_url=_database_url(data_dir),
        redis_url=_url("REDIS_URL", {"redis", "rediss"}),
        smtp_url=_url("SMTP_URL", {"smtp", "smtps", "smtp+starttls"}),
        demo=demo,
        secret_key=_secret_key(data_dir),
        vendor_name=os.environ.get("RXAPP_VENDOR_NAME", "MSI").strip() or "MSI",
        base_url=base_url,
        presenter_passcode=_presenter_passcode(data_dir, demo),
        files_root=_files_root(),
    )


def _files_root() -> Path | None:
    raw = os.environ.get("RXAPP_FILES_DIR", "").strip()
    if not raw:
        return None
    path = Path(raw)
    if not path.is_absolute():
        raise ConfigError(f"RXAPP_FILES_DIR: expected an absolute folder path, got {raw!r}")
    return path.resolve()


def problems() -> list[str]:
    """Every configuration problem, one line each naming its variable (``cli check-config``).

    The same checks as ``load`` (each on its own, so one bad value does not
    hide the next), plus what a production deployment (demo mode off) needs:
    a secret key given by the environment (so every host has the same),
    an SMTP server (password-reset mail), a public base URL.
    """
    out: list[str] = []
    data_dir = Path(os.environ.get("RXAPP_DATA_DIR") or PROJECT_ROOT / "data").resolve()
    base_url = _base_url()
    checks = [
        lambda: _database_url(data_dir),
        lambda: _url("REDIS_URL", {"redis", "rediss"}),
        lambda: _url("SMTP_URL", {"smtp", "smtps", "smtp+starttls"}),
        _files_root,
        lambda: _flag("RXAPP_DEMO", False),
    ]
    raw_key = os.environ.get("RXAPP_SECRET_KEY", "")
    if raw_key and len(raw_key) < 32:
        out.append("RXAPP_SECRET_KEY: must be at least 32 characters")
    if not urlsplit(base_url).scheme.startswith("http"):
        out.append(f"RXAPP_BASE_URL: expected http(s)://host[:port], got {base_url!r}")
    demo = False
    for check in checks:
        try:
            value = check()
        except ConfigError as exc:
            out.append(str(exc))
            continue
        if check is checks[-1]:
            demo = bool(value)
    if not demo:
        if not raw_key:
            out.append("RXAPP_SECRET_KEY: not set; production needs one key (32+ characters) shared by every host")
        if not os.environ.get("SMTP_URL", "").strip():
            out.append("SMTP_URL: not set; no email (welcome, claims, password reset) can be delivered")
        host = urlsplit(base_url).hostname or ""
        if host in {"localhost", "127.0.0.1", "::1"}:
            out.append(f"RXAPP_BASE_URL: {base_url} is this machine; links in emails must reach your customers")
    return out


_settings: Settings | None = None


def get() -> Settings:
    """The process's settings, loaded on first use."""
    global _settings
    if _settings is None:
        _settings = load()
    return _settings


def reset() -> None:
    """Forget the loaded settings (tests change the environment)."""
    global _settings
    _settings = None
