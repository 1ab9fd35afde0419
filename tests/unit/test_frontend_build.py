"""The production build's shape (rxapp/frontend_build.py) against the templates of the installed Reflex.

The plugin patches text that Reflex generates; these tests fail the day Reflex's template changes under it,
rather than a build quietly going back to 35 files a page.  The stylesheet's color scales are checked against
every color the code names, so a new ``color_scheme=`` cannot render uncolored.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import typing
from pathlib import Path

import pytest
import reflex as rx
from reflex_base.compiler import templates
from reflex_components_radix.themes.base import LiteralAccentColor, LiteralGrayColor

import rxconfig
from rxapp import frontend_build

ROOT = Path(__file__).resolve().parents[2]


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


# --- Radix Themes' stylesheet: the color scales the app uses (RadixThemesStyles) ---

SCALE_VAR = re.compile(r"--(%s)-" % "|".join(frontend_build.SCALES))


def colors_named(source: str) -> set[str]:
    """The Radix color names a Python module names: a string that is one (``color_scheme="amber"``, in a dict, in
    ``rx.match``/``rx.cond``, ``rx.color("blue", 3)``) or a CSS variable of one (``var(--green-11)``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            names |= {node.value} & set(frontend_build.SCALES)
            names |= set(SCALE_VAR.findall(node.value))
    return names


def colors_the_app_names() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    # The plugin's own module is the list, not a use of it.
    files = [*sorted((ROOT / "rxapp").rglob("*.py")), ROOT / "rxconfig.py"]
    for path in (f for f in files if f.name != "frontend_build.py"):
        for name in colors_named(path.read_text()):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "assets").rglob("*.css")):
        for name in SCALE_VAR.findall(path.read_text()):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def the_plugin() -> frontend_build.RadixThemesStyles:
    plugins = [p for p in rxconfig.config.plugins if isinstance(p, rx.plugins.RadixThemesPlugin)]
    assert len(plugins) == 1 and isinstance(plugins[0], frontend_build.RadixThemesStyles), plugins
    return plugins[0]


def test_the_scanner_finds_colors_chosen_at_run_time():
    source = """
BADGE = {"a": ("A", "teal"), "b": ("B", "gray")}
x = rx.badge(color_scheme=rx.match(s, ("x", "iris"), rx.cond(c, "jade", "lime")))
y = rx.text(style={"color": "var(--pink-11)"}, border=f"1px solid var(--sky-a5)")
z = "a red car"  # prose is not a color
"""
    assert colors_named(source) == {"teal", "gray", "iris", "jade", "lime", "pink", "sky"}


def test_every_color_the_code_names_has_its_scale_in_the_stylesheet():
    plugin = the_plugin()
    gray = frontend_build._literal(plugin.theme.gray_color)
    scales = set(plugin.color_scales())
    missing = {name: files for name, files in colors_the_app_names().items()
               if (gray if name == "gray" else name) not in scales}
    assert not missing, (f"colors named in the code but left out of the stylesheet: {missing}; add them to "
                         "COLOR_SCHEMES in rxapp/frontend_build.py")


def test_the_stylesheet_has_no_scale_the_code_does_not_name():
    plugin = the_plugin()
    gray = frontend_build._literal(plugin.theme.gray_color)
    named = {gray if name == "gray" else name for name in colors_the_app_names()}
    unused = set(plugin.color_scales()) - named
    assert not unused, f"color scales no code names: {sorted(unused)}; take them out of COLOR_SCHEMES"


def test_the_stylesheet_is_radix_styles_css_in_its_parts():
    paths = the_plugin().get_stylesheet_paths()
    scales = [p for p in paths if "/tokens/colors/" in p]
    assert paths == (*scales, "@radix-ui/themes/tokens/base.css", "@radix-ui/themes/components.css",
                     "@radix-ui/themes/utilities.css")
    assert "@radix-ui/themes/tokens/colors/red.css" in scales and "@radix-ui/themes/tokens/colors/slate.css" in scales
    assert set(frontend_build.SCALES) == (set(typing.get_args(LiteralAccentColor))
                                          | set(typing.get_args(LiteralGrayColor))) - {"auto"}
    with pytest.raises(ValueError, match="not a Radix Themes color scale"):
        frontend_build.RadixThemesStyles(theme=rx.theme(accent_color="red", gray_color="slate"),
                                         color_schemes=("rose",)).color_scales()
