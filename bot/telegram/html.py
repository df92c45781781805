"""Telegram HTML messages built from styled text, split to fit the message size limit.

Text is described as blocks of lines of styled runs and only turned into HTML here, so
every piece of text is escaped exactly once and a message can be cut between blocks,
between lines or (for a single huge line) inside a run without ever cutting a tag or an
entity in half: each piece re-opens the tags it needs.
"""

from __future__ import annotations

import bisect
import html
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

#: Telegram's limit on a message's text. Counted here in UTF-16 code units of the HTML
#: source, which is never less than what Telegram counts (the text after parsing).
MESSAGE_LIMIT = 4096
#: Tags a :class:`Run` may use (all of them in Telegram's HTML subset).
RUN_TAGS = frozenset({"b", "i", "u", "s", "code"})
_QUOTE_OPEN, _QUOTE_CLOSE = "<blockquote>", "</blockquote>"
_QUOTE_COST = len(_QUOTE_OPEN) + len(_QUOTE_CLOSE)
_MAX_URL = 2048


@dataclass(frozen=True)
class Run:
    """A piece of text in one style.

    Attributes:
        text: the raw text (escaped when rendered; must not contain newlines).
        tags: style tags wrapped around it, outermost first (see :data:`RUN_TAGS`).
        href: a link target; only ``http``/``https`` URLs are used.
    """

    text: str
    tags: tuple[str, ...] = ()
    href: str | None = None

    def __post_init__(self) -> None:
        if not set(self.tags) <= RUN_TAGS:
            raise ValueError(f"unsupported tags: {self.tags}")

    @property
    def opening(self) -> str:
        link = f'<a href="{html.escape(self.href, quote=True)}">' if self.href else ""
        return link + "".join(f"<{t}>" for t in self.tags)

    @property
    def closing(self) -> str:
        return "".join(f"</{t}>" for t in reversed(self.tags)) + ("</a>" if self.href else "")

    def render(self) -> str:
        return f"{self.opening}{html.escape(self.text, quote=False)}{self.closing}"


@dataclass(frozen=True)
class Line:
    """One line of a message; consecutive ``quote`` lines share one ``<blockquote>``."""

    runs: tuple[Run, ...] = ()
    quote: bool = False

    def render(self) -> str:
        return "".join(r.render() for r in self.runs)

    @property
    def blank(self) -> bool:
        return all(not r.text.strip() for r in self.runs)


#: A unit kept in one message when possible: a passage, a header, a list.
Block = Sequence[Line]


def clean(text: str) -> str:
    """Drops characters Telegram rejects or that cannot be sent (control characters other
    than tab and newline, lone surrogates)."""
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a plausible ``http(s)`` link, else ``None``."""
    if not url or len(url) > _MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def lines(runs: Iterable[Run], quote: bool = False) -> list[Line]:
    """Lays out runs that may contain newlines as lines (cleaning their text)."""
    result: list[list[Run]] = [[]]
    for run in runs:
        for n, piece in enumerate(clean(run.text).split("\n")):
            if n:
                result.append([])
            if piece:
                result[-1].append(replace(run, text=piece, href=safe_url(run.href)))
    return [Line(tuple(r), quote) for r in result]


def text_line(text: str, *tags: str, quote: bool = False) -> list[Line]:
    """Shortcut: ``text`` in one style, laid out as lines."""
    return lines([Run(text, tuple(tags))], quote)


def pack(blocks: Iterable[Block], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Renders blocks as HTML messages of at most ``limit`` UTF-16 code units each.

    Blocks are separated by a blank line and kept whole in one message when they fit;
    a block too long for one message is split between lines, and a line too long for
    one message between words (or anywhere, for a word that long).

    Args:
        blocks: the content, in order.
        limit: the size limit of one message (at least 64).

    Returns:
        The messages; none of them blank.
    """
    if limit < 64:
        raise ValueError("limit must be at least 64")
    messages: list[list[Line]] = []
    current: list[Line] = []
    cost = 0
    for block in blocks:
        fitted = [
            piece
            for line in block
            for piece in _fit(line, limit - (_QUOTE_COST if line.quote else 0))
        ]
        if not fitted:
            continue
        if current and cost + _cost([Line(), *fitted], current[-1]) <= limit:
            fitted = [Line(), *fitted]
        elif current:
            messages.append(current)
            current, cost = [], 0
        for line in fitted:
            step = _cost([line], current[-1] if current else None)
            if current and cost + step > limit:
                messages.append(current)
                current, cost = [], 0
                if line.blank:
                    continue
                step = _cost([line], None)
            current.append(line)
            cost += step
    if current:
        messages.append(current)
    return [_render(m) for m in messages if not all(line.blank for line in m)]


def _render(message: Sequence[Line]) -> str:
    parts: list[str] = []
    for quote, group in itertools.groupby(message, key=lambda line: line.quote):
        body = "\n".join(line.render() for line in group)
        parts.append(f"{_QUOTE_OPEN}{body}{_QUOTE_CLOSE}" if quote else body)
    return "\n".join(parts).strip("\n")


def _cost(new: Sequence[Line], previous: Line | None) -> int:
    """What appending ``new`` after ``previous`` adds to a message's length (exact)."""
    total = 0
    for line in new:
        if previous is not None:
            total += 1  # the newline
        if line.quote and not (previous is not None and previous.quote):
            total += _QUOTE_COST
        total += _units(line.render())
        previous = line
    return total


def _fit(line: Line, budget: int) -> list[Line]:
    """Cuts a line into lines of at most ``budget`` units each."""
    if _units(line.render()) <= budget:
        return [line]
    pieces: list[Line] = []
    runs: list[Run] = []
    used = 0
    for run in line.runs:
        text = run.text
        overhead = _units(run.opening + run.closing)
        while text:
            room = budget - used - overhead
            n = _fitting_prefix(text, room)
            if n == 0 and runs:
                pieces.append(Line(tuple(runs), line.quote))
                runs, used = [], 0
                continue
            n = max(n, 1)  # progress even if tags alone fill the budget (only at tiny limits)
            runs.append(replace(run, text=text[:n]))
            used += overhead + _units(html.escape(text[:n], quote=False))
            text = text[n:]
            if text:
                pieces.append(Line(tuple(runs), line.quote))
                runs, used = [], 0
    if runs:
        pieces.append(Line(tuple(runs), line.quote))
    return pieces


def _fitting_prefix(text: str, room: int) -> int:
    """How many characters of ``text`` fit in ``room`` units once escaped, preferring
    to end after a space when that keeps at least half of them."""
    if room <= 0:
        return 0
    sums = list(itertools.accumulate(_char_units(c) for c in text))
    n = bisect.bisect_right(sums, room)
    if n >= len(text):
        return len(text)
    space = max(text.rfind(" ", 0, n), text.rfind("\t", 0, n))
    return space + 1 if space + 1 >= n // 2 and space >= 0 else n


def _char_units(ch: str) -> int:
    if ch == "&":
        return 5
    if ch in "<>":
        return 4
    return 2 if ord(ch) > 0xFFFF else 1


def _units(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits."""
    return len(text.encode("utf-16-le")) // 2
