"""Corpus text made safe to show on a terminal: the one rule, for the command line and
the console chat alike.

File names, titles and passages come from whoever wrote the documents. Printed as they
are, an escape sequence in them restyles or clears the user's terminal, a bidi override
shows ``txt.exe`` as ``exe.txt``, and a line break splits one line of a listing in two.
Rich markup in them is a separate matter: callers pass text to rich as ``Text``
objects, never as markup strings.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["json_for_terminal", "terminal_text"]

# Line breaks of every kind that str.splitlines knows (CR LF counts once).
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# Bidirectional formatting characters: the embeddings, overrides and isolates, and the
# three marks.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# C0 and C1 controls (ESC, CSI among them) and DEL, bidi formatting: dropped; lone
# surrogates, which no terminal encoding can write: shown as the replacement character.
# (Newline is not here: by then it is the only line break left, and a wanted one.)
_DROP: dict[int, str | None] = {
    **{code: None for code in [*range(0x20), *range(0x7F, 0xA0)] if code != ord("\n")},
    **{ord(ch): None for ch in _BIDI},
    **{code: "\ufffd" for code in range(0xD800, 0xE000)},
    ord("\t"): " ",
}
# What JSON output escapes besides what json.dumps does (C0 controls): the rest of the
# characters above and the Unicode line separators.
_JSON_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff" + _BIDI + "]")


def terminal_text(text: str, *, multiline: bool = False) -> str:
    """``text`` as it may be written to a terminal: nothing in it that a terminal acts on.

    Control characters (C0, C1 with ESC and CSI, DEL) and bidi formatting characters are
    dropped, a tab becomes a space, a lone surrogate becomes U+FFFD; every other
    character, rich markup brackets included, is kept as it is.

    Args:
        text: the text (a title, a source name, a passage).
        multiline: keep line breaks, as newlines (for passages). Otherwise each line
            break becomes a space: a title or file name stays on one line.
    """
    return _LINE_BREAK.sub("\n" if multiline else " ", text).translate(_DROP)


def json_for_terminal(value: Any) -> str:
    """``value`` as indented JSON that is safe to print: the strings it holds are exactly
    those of ``value`` once parsed, but characters a terminal could act on are written as
    ``\\uXXXX`` escapes (``json.dumps`` only escapes C0 controls)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _JSON_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
