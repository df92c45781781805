"""Checking what the command lines and the console chat write to a terminal: hostile
strings to feed them, the codes rich itself writes, and what must never get through."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import strategies as st

#: Bidirectional formatting characters (the "Trojan Source" ones), found from the
#: Unicode database rather than copied from the code under test.
_BIDI_CLASSES = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
_BIDI_MARKS = {"\u061c", "\u200e", "\u200f"}

#: Pieces of corpus text that have gone wrong on terminals: escape sequences, rich
#: markup, line breaks of every kind, C1 controls, bidi overrides.
NASTY_PIECES = [
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]8;;https://evil.example\x1b\\",
    "\x1b]0;title\x07",
    "[/red]",
    "[blink red]",
    "[link=https://x]",
    ":smile:",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\x00",
    "\x07",
    "\x08",
    "\x7f",
    "\x85",
    "\x9b31m",
    "\u2028",
    "\u202e",
    "\u2066",
    "\u200f",
    "😀",
    "界",
    "e\u0301",
    " ",
]
NASTY = st.one_of(st.text(), st.sampled_from(NASTY_PIECES))
#: Any text, often made of the pieces above.
TEXTS = st.lists(NASTY, max_size=12).map("".join)

#: Files whose names are rich markup, an escape sequence with a line break, and a bidi
#: override (``"[/red] notes.txt"`` is ``"red] notes.txt"`` in a folder ``"["``).
HOSTILE_NAMES = (
    "[blink red]alert.txt",
    "[/red] notes.txt",
    "esc\x1b[31mred\nline.txt",
    "evil\u202etxt.md",
)
#: The same names as a terminal must show them.
HOSTILE_NAMES_SHOWN = (
    "[blink red]alert.txt",
    "[/red] notes.txt",
    "esc[31mred line.txt",
    "eviltxt.md",
)
#: Their titles (each name's last part without its suffix) as a terminal must show them.
HOSTILE_TITLES_SHOWN = ("[blink red]alert", "red] notes", "esc[31mred line", "eviltxt")


# What rich writes itself on a terminal: SGR styles, OSC 8 hyperlinks, and a status
# spinner's cursor hiding and line clearing.
_RICH_CODES = re.compile(
    r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b\x07]*\x1b\\|\x1b\[\?25[lh]|\r?(?:\x1b\[1A)?\x1b\[2K"
)


def is_unsafe(ch: str) -> bool:
    """Whether a terminal could act on ``ch`` rather than show it: a C0 or C1 control
    (ESC among them), DEL, a lone surrogate, a line or paragraph separator, or a bidi
    formatting character. Newline is the caller's concern."""
    category = unicodedata.category(ch)
    return (
        category in ("Cc", "Cs", "Zl", "Zp")
        or unicodedata.bidirectional(ch) in _BIDI_CLASSES
        or ch in _BIDI_MARKS
    )


def without_rich_codes(output: str) -> str:
    """``output`` without the style and link codes rich writes on a terminal.

    An escape sequence from the corpus that looks like one of them is removed too; a
    test notices it by the text it hid (``"[31m"`` missing from what is visible).
    """
    return _RICH_CODES.sub("", output)


def unsafe_characters(output: str, allowed: str = "\n") -> list[str]:
    """The characters of ``output`` (rich's own codes removed) that a terminal could act
    on, other than those ``allowed``."""
    return [ch for ch in without_rich_codes(output) if ch not in allowed and is_unsafe(ch)]


def squash(text: str) -> str:
    """``text`` without white space: what stays of it however a console wraps it."""
    return "".join(text.split())


def visible_part(text: str) -> str:
    """What of ``text`` a terminal must show, squashed (see :func:`squash`): all of it
    but the characters it could act on."""
    return squash("".join(ch for ch in text if not is_unsafe(ch)))
