"""The production build's shape (rxapp/frontend_build.py) against the templates of the installed Reflex.

The plugin patches text that Reflex generates; these tests fail the day Reflex's template changes under it,
rather than a build quietly going back to 35 files a page.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from reflex_base.compiler import templates

from rxapp import frontend_build


def vite_config() -> str:
    return templates.vite_config_template(base="/", hmr=False, force_full_reload=False, experimental_hmr=False,
                                          sourcemap=False)


def test_the_vite_config_gets_the_chunk_groups_once():
    patched = frontend_build.patch_vite_config(vite_config())
    for group in ("framework", "icons", "shared", "reflex-env"):
        assert f'name: "{group}"' in patched, group
    assert patched.count("const PAGE_ONLY =") == 1
    assert frontend_build.patch_vite_config(patched) == patched


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed to parse JavaScript")
def test_the_patched_vite_config_is_valid_javascript(tmp_path):
    config = tmp_path / "vite.config.mjs"
    config.write_text(frontend_build.patch_vite_config(vite_config()))
    result = subprocess.run(["node", "--check", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_page_only_libraries_stay_out_of_the_framework_chunk():
    page_only = re.compile(frontend_build.page_only_pattern().strip("/"))
    for path in ("/app/.web/node_modules/recharts/es6/index.js", "/app/.web/node_modules/d3-scale/src/x.js",
                 "C:\\app\\.web\\node_modules\\react-dropzone\\dist\\index.js"):
        assert page_only.search(path), path
    for path in ("/app/.web/node_modules/react-dom/client.js", "/app/.web/node_modules/@radix-ui/themes/x.js",
                 "/app/.web/node_modules/socket.io-client/build/esm/index.js"):
        assert not page_only.search(path), path


def test_a_changed_template_is_said_not_ignored():
    with pytest.raises(RuntimeError, match="Reflex's template changed"):
        frontend_build.patch_vite_config("export default defineConfig({});")
