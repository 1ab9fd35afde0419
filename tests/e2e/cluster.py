"""Two app instances behind nginx, on one PostgreSQL, one Redis and one file store.

What a multi-host deployment runs (README, "Several instances"), on one machine:

* the production frontend, exported once for the proxy's address
  (``REFLEX_API_URL``), so the browser's websocket goes through the proxy too;
* two backend instances (``instance.py``: the production backend with that
  exported frontend mounted, as ``reflex run --env prod --single-port`` does),
  each its own process group on its own port and data folder, sharing
  ``DATABASE_URL``, ``REDIS_URL``, ``RXAPP_FILES_DIR`` and the keys;
* Debian's nginx in front (round robin, websocket upgrade), installed by the
  test set-up (``make chromium``) like Chromium.

``Cluster.frontend_url`` is the proxy's address: the browser tests use it as
they use ``AppHarnessProd.frontend_url``.  A browser carrying the cookie
``instance=N`` is sent to instance N (``pin``), so a test can place two tabs
on two instances for certain.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LINKED = ("rxapp", "rxconfig.py", "alembic", "alembic.ini", "assets", "reflex.lock", "tools")

NGINX_CONF = """
worker_processes 1;
error_log {tmp}/nginx-error.log warn;
pid {tmp}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    client_max_body_size 30m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream member_center {{
{servers}
    }}
{pinned_upstreams}
    # Round robin, except for a browser that carries the test cookie ``instance=N`` (tests that need
    # two tabs on two different instances set it; round robin alone cannot promise that).
    map $cookie_instance $backend {{
        default member_center;
{pinned_map}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://$backend;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 3600s;
            proxy_buffering off;
            proxy_request_buffering off;
            # The security headers (a CSP naming every inline script's hash) pass nginx's 4 KB default.
            proxy_buffer_size 16k;
            proxy_buffers 8 16k;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{_tail(log)}")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Cluster:
    """``instances`` backends behind nginx; ``start()`` builds, starts and waits; ``stop()`` ends all."""

    def __init__(self, env: dict[str, str], instances: int = 2, workers: int = 1):
        self.tmp = Path(tempfile.mkdtemp(prefix="cluster_"))
        self.port = free_port()
        self.frontend_url = f"http://localhost:{self.port}/"
        self.instance_ports = [free_port() for _ in range(instances)]
        self.workers = workers
        self.app_dir = self.tmp / "app"
        self.app_dir.mkdir()
        for name in LINKED:
            if (ROOT / name).exists():
                (self.app_dir / name).symlink_to(ROOT / name)
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "GRANIAN_", "PYTEST_"))}
        self.env = {
            **keep,
            **env,
            "RXAPP_BASE_URL": self.frontend_url.rstrip("/"),
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_USE_SYSTEM_BUN": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PATH": f"{ROOT / 'tools' / 'node_modules' / '.bin'}{os.pathsep}{Path(sys.executable).parent}"
                    f"{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.procs: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        """The backend's address as the browser sees it: the proxy's (the export was built for it)."""
        return self.frontend_url.rstrip("/")

    def pin(self, context, index: int) -> None:
        """Send every request of this browser context (pages and websocket) to instance ``index``."""
        context.add_cookies([{"name": "instance", "value": str(index), "url": self.frontend_url}])

    @property
    def app_instance(self):
        """The app's definition (its pages, handlers), as the instances import it."""
        import rxapp.rxapp as module

        return module.app

    # ------------------------------------------------------------------ steps

    def build(self, timeout: float = 900, attempts: int = 3) -> None:
        """Export the production frontend with the proxy as its backend address.

        On a loaded machine the exporter's prerender step can time out ("The
        operation was aborted due to timeout"); that is retried.
        """
        env = {**self.env, "REFLEX_API_URL": self.frontend_url.rstrip("/"), "RXAPP_PORT": str(self.port)}
        for attempt in range(1, attempts + 1):
            log = self.tmp / f"build-{attempt}.log"
            with open(log, "wb") as out:
                done = subprocess.run(
                    [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip", "--env", "prod"],
                    cwd=self.app_dir, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout,
                )
            if done.returncode == 0:
                return
            if "aborted due to timeout" not in log.read_text(errors="replace") or attempt == attempts:
                raise RuntimeError(f"frontend export failed ({done.returncode}):\n{_tail(log)}")

    def start_instances(self, timeout: float = 180) -> None:
        for index, port in enumerate(self.instance_ports):
            log = self.tmp / f"instance-{index}.log"
            # A data folder of its own, as on another host; what hosts share comes from ``env``.
            data_dir = self.tmp / f"instance-{index}-data"
            data_dir.mkdir()
            env = {**self.env, "GRANIAN_WORKERS": str(self.workers), "RXAPP_PORT": str(self.port),
                   "RXAPP_DATA_DIR": str(data_dir)}
            with open(log, "wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, str(Path(__file__).with_name("instance.py")), str(port)],
                    cwd=self.app_dir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )
            self.procs.append(proc)
        for index, (port, proc) in enumerate(zip(self.instance_ports, self.procs)):
            _wait_http(f"http://127.0.0.1:{port}/ping", proc, self.tmp / f"instance-{index}.log", timeout)

    def start_proxy(self, timeout: float = 30) -> None:
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.tmp / sub).mkdir(exist_ok=True)
        servers = "\n".join(f"        server 127.0.0.1:{p};" for p in self.instance_ports)
        pinned_upstreams = "\n".join(f"    upstream instance_{i} {{ server 127.0.0.1:{p}; }}"
                                      for i, p in enumerate(self.instance_ports))
        pinned_map = "\n".join(f'        "{i}" instance_{i};' for i in range(len(self.instance_ports)))
        conf = self.tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=self.tmp, port=self.port, servers=servers,
                                          pinned_upstreams=pinned_upstreams, pinned_map=pinned_map))
        log = self.tmp / "nginx.out"
        with open(log, "wb") as out:
            self.nginx = subprocess.Popen(
                [NGINX, "-p", str(self.tmp), "-c", str(conf), "-g", "daemon off;"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        _wait_http(f"http://127.0.0.1:{self.port}/ping", self.nginx, self.tmp / "nginx-error.log", timeout)

    def start(self) -> Cluster:
        try:
            self.build()
            self.start_instances()
            self.start_proxy()
        except BaseException:
            self.stop()
            raise
        return self

    def logs(self) -> str:
        parts = [f"--- instance {i}\n{_tail(self.tmp / f'instance-{i}.log')}" for i in range(len(self.procs))]
        return "\n".join(parts + [f"--- nginx\n{_tail(self.tmp / 'nginx-error.log')}"])

    def stop(self) -> None:
        _stop(self.nginx)
        for proc in self.procs:
            _stop(proc)
        shutil.rmtree(self.tmp, ignore_errors=True)
