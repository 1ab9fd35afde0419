"""Screenshots of pages of a running app, for looking at what we build.

    .venv/bin/python scripts/screenshot.py http://localhost:3000 out_dir /path1 /path2 ...
      [--login email:password] [--width 1280]
"""

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("out")
    p.add_argument("paths", nargs="+")
    p.add_argument("--login", default="")
    p.add_argument("--width", type=int, default=1280)
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        page = browser.new_page(viewport={"width": a.width, "height": 900})
        if a.login:
            email, password = a.login.split(":", 1)
            page.goto(a.base + "/login")
            page.wait_for_selector("#app-ready", state="attached")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda u: "/login" not in u)
        for path in a.paths:
            page.goto(a.base + path)
            page.wait_for_selector("#app-ready", state="attached")
            page.wait_for_timeout(600)
            name = path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=str(out / f"{name}-{a.width}.png"), full_page=True)
            print(out / f"{name}-{a.width}.png")
        browser.close()


if __name__ == "__main__":
    main()
