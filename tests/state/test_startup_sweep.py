"""The start-up sweep: the sweeper the app starts with removes private files a crash left without a row."""

from __future__ import annotations

import asyncio
import os
import time

from rxapp.services import file_folder, file_store
from rxapp.state import background


def test_the_sweeper_removes_orphaned_files_as_the_app_starts(rx_app):
    assert "run_sweeper" in {getattr(t, "__name__", "") for t in rx_app.get_lifespan_tasks()}
    root = file_folder.files_root()
    old = time.time() - file_store.ORPHAN_GRACE.total_seconds() - 60
    orphan, part, young = root / file_folder.new_key(), file_folder.tmp_dir() / "crashed.part", \
        root / file_folder.new_key()
    for path in (orphan, part, young):
        path.write_bytes(b"left by a crash")
    for path in (orphan, part):
        os.utime(path, (old, old))

    async def start_and_stop():
        async with background._lifespan(background.run_sweeper)():
            for _ in range(200):  # the first round runs as the app starts
                if not orphan.exists() and not part.exists():
                    break
                await asyncio.sleep(0.05)

    asyncio.run(asyncio.wait_for(start_and_stop(), timeout=30))
    assert not orphan.exists() and not part.exists()
    assert young.exists()  # maybe an upload in progress on another worker: left alone
    young.unlink()
