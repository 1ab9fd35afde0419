"""The production frontend build, shaped for a customer's first load (issue 15, part 3).

Reflex 0.10 writes ``.web/vite.config.js`` on every compile and has no setting
for how the bundle is split.  Left alone, Rolldown (Vite 8's bundler) gives
every page 34-37 JavaScript files: each Lucide icon, each Radix Themes
component and each small shared module of the app is a chunk of its own,
a few hundred bytes each, and every one of them is another request before the
page can run.  ``FrontendBuild`` is a Reflex plugin (``rxconfig.py`` lists it)
that patches the generated config through Reflex's own ``add_modify_task``
hook, so a fresh ``make run`` builds it the same way; nothing in ``.web/`` is
edited by hand.

It adds ``output.codeSplitting`` groups (Rolldown's ``manualChunks``):

* **framework**: the libraries every page loads (React, React Router, Radix,
  Emotion, socket.io, the Reflex runtime in ``.web/utils``) in one file;
* **icons**: every Lucide icon the app uses (a few hundred bytes each), in one
  file.  Pages name their icons as fixed strings: ``rx.icon`` of a state var
  compiles to Lucide's ``DynamicIcon``, whose table imports all 1,600 icons
  (a 230 KB chunk, and all of them in this group); choose between fixed icons
  with ``rx.cond``/``rx.match`` instead (``tests/e2e/test_every_page.py``
  checks that no page loads it);
* **shared**: the app's own modules used by two pages or more (memoized
  components, the page shells), in one file per set of pages that use them
  (``entriesAware``; sets under 32 KB are merged into their nearest one), so
  the log-in page does not load the reviewer console's components.

Libraries only some pages use stay out of the first two groups and keep their
own chunks, loaded by those pages alone: Recharts and its d3 helpers (the
insights page), react-dropzone (uploads), Shiki.

``RadixThemesStyles`` (also in ``rxconfig.py``) is Reflex's Radix Themes
plugin with a lighter stylesheet, the one file every page waits for before its
first paint.  Reflex imports Radix's whole ``styles.css`` (812 KB raw): the
tokens of all 31 color scales, each in light and dark, sRGB and P3, plain and
alpha.  Radix publishes the same stylesheet in parts
(``tokens/colors/<scale>.css``, ``tokens/base.css``, ``components.css``,
``utilities.css``); the plugin imports every part but the color scales the app
does not name, in the order ``styles.css`` has them.  Nothing is guessed from
class names: every component and utility class stays, so the classes Radix
builds at run time (``rt-r-size-2``...) are all there.  The scales are the
theme's accent and gray and ``COLOR_SCHEMES``, the other colors the code
names (``color_scheme=``, also inside ``rx.match``/``rx.cond`` and tables
such as ``rxapp/components/status.py``); ``tests/unit/test_frontend_build.py``
fails when the code names a color that is not there.  The color "gray" of a
component is the theme's gray scale (Radix maps ``--gray-*`` to it inside the
theme), so it needs no file of its own.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from reflex_base import constants

# Libraries left to Rolldown's own splitting: only the pages that use them load them.
PAGE_ONLY_LIBRARIES = ("recharts", "d3-", "victory-vendor", "decimal.js-light", "@reduxjs", "redux", "immer",
                       "reselect", "use-sync-external-store", "eventemitter3", "es-toolkit", "internmap",
                       "react-dropzone", "file-selector", "attr-accept", "shiki", "@shikijs")

SEP = r"[\\/]"
GROUPS = rf"""
            {{
              name: "icons",
              test: /node_modules{SEP}lucide-react{SEP}/,
              priority: 30,
            }},
            {{
              name: "framework",
              test: (id) => /node_modules{SEP}/.test(id) && !PAGE_ONLY.test(id),
              priority: 20,
            }},
            {{
              name: "framework",
              test: /{SEP}\.web{SEP}utils{SEP}(state|context|context-registry|helpers|theme|react-theme)/,
              priority: 20,
            }},
            {{
              name: "shared",
              test: /{SEP}\.web{SEP}(utils|app_components|components){SEP}/,
              minShareCount: 2,
              entriesAware: true,
              entriesAwareMergeThreshold: 32 * 1024,
              priority: 10,
            }},"""

ANCHOR = """              name: "reflex-env",
            },"""
DEFINE_ANCHOR = "export default defineConfig"
MARK = "/* rxapp.frontend_build */"


def page_only_pattern() -> str:
    """A JS regular expression literal matching the ``node_modules`` path of a page-only library."""
    names = "|".join(name.replace(".", r"\.").replace("/", SEP) for name in PAGE_ONLY_LIBRARIES)
    return f"/node_modules{SEP}({names})/"


def patch_vite_config(content: str) -> str:
    """``vite.config.js`` with the app's chunk groups; unchanged when already patched."""
    if MARK in content:
        return content
    if ANCHOR not in content or DEFINE_ANCHOR not in content:
        raise RuntimeError("rxapp.frontend_build cannot patch vite.config.js: Reflex's template changed "
                           f"(expected {ANCHOR!r} and {DEFINE_ANCHOR!r}); update rxapp/frontend_build.py")
    head = f"{MARK}\nconst PAGE_ONLY = {page_only_pattern()};\n\n"
    content = content.replace(DEFINE_ANCHOR, head + DEFINE_ANCHOR, 1)
    return content.replace(ANCHOR, ANCHOR + GROUPS, 1)


class FrontendBuild(rx.plugins.Plugin):
    """Reflex plugin: the production bundle in a few files (see the module's docstring)."""

    def pre_compile(self, **context) -> None:
        context["add_modify_task"](constants.ReactRouter.VITE_CONFIG_FILE, patch_vite_config)


RADIX_THEMES = "@radix-ui/themes"
# Radix Themes' color scales, in the order its styles.css has them (src/styles/tokens/colors.css).
SCALES = ("gray", "mauve", "slate", "sage", "olive", "sand", "amber", "blue", "bronze", "brown", "crimson", "cyan",
          "gold", "grass", "green", "indigo", "iris", "jade", "lime", "mint", "orange", "pink", "plum", "purple",
          "red", "ruby", "sky", "teal", "tomato", "violet", "yellow")
# The colors components name besides the theme's accent and gray (see the module's docstring).
COLOR_SCHEMES = ("amber", "blue", "crimson", "green", "orange", "purple")


def _literal(var: Any) -> str:
    """The Python value of a theme prop given as a literal (``rx.theme(accent_color="red")``)."""
    value = getattr(var, "_var_value", var)
    if not isinstance(value, str):
        raise ValueError(f"rxapp.frontend_build needs the theme's colors as literals, not {var!r}")
    return value


@dataclasses.dataclass
class RadixThemesStyles(rx.plugins.RadixThemesPlugin):
    """Reflex's Radix Themes plugin, importing only the color scales the app uses (see the module's docstring)."""

    color_schemes: tuple[str, ...] = COLOR_SCHEMES

    def color_scales(self) -> tuple[str, ...]:
        """The theme's accent and gray scales and ``color_schemes`` ("gray" is the theme's gray), in Radix's order."""
        if self.theme is None:
            raise ValueError("RadixThemesStyles needs a theme with an accent and a gray color")
        accent = _literal(self.theme.accent_color)
        gray = _literal(self.theme.gray_color)
        if gray == "auto":
            raise ValueError('RadixThemesStyles needs the theme\'s gray_color named (not "auto")')
        names = {gray if name == "gray" else name for name in (accent, gray, *self.color_schemes)}
        if unknown := names - set(SCALES):
            raise ValueError(f"not a Radix Themes color scale: {sorted(unknown)}")
        return tuple(scale for scale in SCALES if scale in names)

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        """Radix's ``styles.css`` in its parts, without the color scales nothing uses."""
        if not self.enabled:
            return ()
        return (*(f"{RADIX_THEMES}/tokens/colors/{scale}.css" for scale in self.color_scales()),
                f"{RADIX_THEMES}/tokens/base.css", f"{RADIX_THEMES}/components.css", f"{RADIX_THEMES}/utilities.css")
