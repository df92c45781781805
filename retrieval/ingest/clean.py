"""The one set of text rules every reader and every later stage uses: repairing and
collapsing text, folding it for comparison, telling boilerplate and headings apart,
joining list items, and reading dates."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from datetime import date, datetime

import ftfy

# Whole lines that web pages add around an article; matched case-insensitively.
BOILERPLATE = re.compile(
    r"^(leave a (reply|comment)|about the author|you may also like|related (posts|articles|stories)"
    r"|(also read|read also|read more|see also|related)\s*:.*|share this( article| post)?"
    r"|(share|follow us) on \w+|advertisement|subscribe( to our newsletter)?.*"
    r"|click here to .*|sign up for .*newsletter.*|\d+ comments?|comments?"
    r"|post navigation|previous (post|article)|next (post|article)|tags?:.*|filed under:?.*)$",
    re.IGNORECASE,
)
#: Characters that end a sentence (or a line that is not a heading).
TERMINAL_MARKS = tuple('.!?…:;"”’)')
#: A heading is at most this long.
HEADING_MAX_CHARS = 80
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y-%m-%d", "%B %d %Y")
_LETTER = re.compile(r"[^\W\d_]")
_PERMALINK = re.compile(r"(\s*[¶§🔗]|\s+#)\s*$")


def clean_text(text: str) -> str:
    """Collapses white space and drops control characters."""
    # Checked at C speed first: a character at a time costs 0.3 s per MB.
    if not text.replace("\n", " ").replace("\t", " ").isprintable():
        # White space of any kind (a no-break space: "Section\xa023.3") stays a space.
        text = "".join(
            ch if ch.isprintable() else " " for ch in text if ch.isspace() or ch.isprintable()
        )
    return " ".join(text.split())


def repair(text: str) -> str:
    """Repairs mojibake such as "Xiaomiâ€™s" and odd characters (ftfy), keeping curly
    quotes as they are."""
    return ftfy.fix_text(text, uncurl_quotes=False)


def fix(text: str) -> str:
    """Repaired and collapsed: what every reader does to a piece of extracted text."""
    return clean_text(repair(text))


def fix_code(text: str) -> str:
    """Repaired code with its lines and indentation kept: control characters dropped,
    tabs expanded, trailing blanks and blank lines around it removed, the indentation
    all its lines share taken off."""
    text = repair(text).expandtabs(4)
    text = "".join(
        ch if ch.isprintable() or ch == "\n" else " "
        for ch in text
        if ch.isspace() or ch.isprintable()
    )
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return textwrap.dedent("\n".join(lines))


def strip_permalink(heading: str) -> str:
    """A heading without the permalink mark that documentation generators put after it
    (Sphinx's "¶", "§", "#", a link symbol): a glyph standing alone at its end."""
    return _PERMALINK.sub("", heading)


def fold(text: str) -> str:
    """The text as compared: lower case, white space collapsed (for duplicates,
    repeats of a title and answer phrases)."""
    return " ".join(text.lower().split())


def same_text(a: str, b: str) -> bool:
    """Whether two texts are equal but for case and white space."""
    return fold(a) == fold(b)


def is_boilerplate(text: str) -> bool:
    """A whole line that web pages add around an article ("Leave a Reply", "Tags: …")."""
    return BOILERPLATE.match(text) is not None


def is_markup(text: str) -> bool:
    """A line with no letter or digit: a rule ("-----", "=====", "* * *") that plain
    text, Markdown and AsciiDoc use to underline a heading or part sections, not
    content."""
    return not any(ch.isalnum() for ch in text)


def looks_like_heading(text: str) -> bool:
    """A short line without a sentence's end mark, with letters in it."""
    return (
        len(text) <= HEADING_MAX_CHARS
        and not text.endswith((*TERMINAL_MARKS, ","))
        and _LETTER.search(text) is not None
    )


def join_items(items: Iterable[str]) -> str:
    """Joins list items into one paragraph; items without an end mark get a "; " so
    they don't run together into one false sentence."""
    joined = ""
    for item in (i for i in items if i):
        if not joined:
            joined = item
        else:
            joined += f" {item}" if joined.endswith(TERMINAL_MARKS) else f"; {item}"
    return joined


def parse_date(value: object) -> str | None:
    """An ISO date from a datetime, an ISO string or a line such as "January 2, 2020"."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):  # YAML reads a bare 2024-03-01 as a date
        return value.isoformat()
    if not isinstance(value, str) or len(value) > 40:
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def file_name_text(name: str) -> str:
    """A file name as text that can be stored and shown: bytes that are not UTF-8
    (which ``os.fsdecode`` keeps as lone surrogates, common in old archives) become
    ``\\xff`` escapes; a valid name is unchanged."""
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no file system byte maps to
        return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")
