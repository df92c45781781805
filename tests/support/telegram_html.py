"""A strict reader of Telegram's HTML subset, for checking what the bot sends."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Tags Telegram's HTML parse mode understands (the bot uses a subset of them).
TELEGRAM_TAGS = {"b", "i", "u", "s", "a", "code", "pre", "blockquote"}

_BARE_AMP = re.compile(r"&(?!(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")
_BARE_LT = re.compile(r"<(?!/?(b|i|u|s|a|code|pre|blockquote)[ >])")


class TelegramHTMLChecker(HTMLParser):
    """Parses a message the way a strict reader of Telegram's HTML subset would.

    Collects problems (unknown tags, unbalanced tags, stray attributes) in ``errors``
    and the visible text in ``text``.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.errors.append(f"tag <{tag}> is not allowed")
        names = [name for name, _ in attrs]
        if (tag == "a" and names != ["href"]) or (tag != "a" and names):
            self.errors.append(f"bad attributes on <{tag}>: {attrs}")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close {self.stack[-1:] or 'anything'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def check(self, message: str) -> str:
        """Parses ``message``; returns its visible text; raises AssertionError if invalid."""
        self.feed(message)
        self.close()
        assert not self.errors, self.errors
        assert not self.stack, f"unclosed tags: {self.stack}"
        # html.parser forgives a bare '&' or '<'; Telegram does not.
        assert not _BARE_AMP.search(message), "unescaped '&'"
        assert not _BARE_LT.search(message), "'<' that opens no allowed tag"
        return self.text


def visible_text(message: str) -> str:
    """The visible text of a valid Telegram HTML message (AssertionError if invalid)."""
    return TelegramHTMLChecker().check(message)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
