"""Serial number formats: a people's format ("AA####A######") as a pattern, an example, and normalising what was typed.

``#`` is a digit, ``A`` is a letter, any other character (the dash) is
literal.  The lowest layer of serial handling: ``catalog`` and ``serials``
both build on it.
"""

from __future__ import annotations

import random
import re

# Letters printed on stickers.  The factory avoids nothing: "O" and "I" do occur
# in letter positions, so a "0" typed there is a real confusion to point out.
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
_SEPARATORS = re.compile(r"[\s\-_.]+")


def format_to_pattern(serial_format: str) -> str:
    """The regular expression (over a normalised serial) of a people's format."""
    parts = []
    for ch in serial_format:
        if ch == "#":
            parts.append(r"\d")
        elif ch == "A":
            parts.append("[A-Z]")
        else:
            parts.append(re.escape(ch))
    return "^" + "".join(parts) + "$"


def example_serial(serial_format: str, seed: int = 7) -> str:
    """A serial of the given format, for help texts ("e.g. MB2110N004217")."""
    return random_serial(random.Random(seed), serial_format)


def random_serial(rng: random.Random, serial_format: str) -> str:
    out = []
    for ch in serial_format:
        if ch == "#":
            out.append(rng.choice(_DIGITS))
        elif ch == "A":
            out.append(rng.choice(_LETTERS))
        else:
            out.append(ch)
    return "".join(out)


def normalise(raw: str | None, serial_format: str | None = None) -> str:
    """Upper case, no spaces; dashes only where ``serial_format`` has them.

    Without a format all dashes go.  With a format, the format's literal
    characters are put back at their places as far as the input reaches, so
    "602 3da1 0123", "60233DA10123" and "602-3DA1-0123" read alike.
    """
    compact = _SEPARATORS.sub("", (raw or "").upper())
    if not serial_format or all(ch in "#A" for ch in serial_format):
        return compact
    out: list[str] = []
    i = 0
    for ch in serial_format:
        if i >= len(compact):
            break
        if ch in "#A":
            out.append(compact[i])
            i += 1
        else:
            out.append(ch)
    out.append(compact[i:])
    return "".join(out)
