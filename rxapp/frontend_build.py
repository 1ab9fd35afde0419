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
"""

from __future__ import annotations

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
