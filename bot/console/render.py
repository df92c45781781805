"""Answers and bot texts as rich renderables for the terminal.

Every piece of corpus text (titles, passages, sources, links) and of the user's input is
passed through :func:`retrieval.terminal_text` and given to rich as ``Text``, never as a
markup string: a document cannot restyle or garble the user's terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.style import Style
from rich.text import Text

from retrieval import Hit, SourceInfo, terminal_text

from .. import texts
from ..answer import EXCERPT_CHARS, Answer, attribution

_INDENT = 3


def _code(styles: frozenset[str]) -> list[str]:
    # Every terminal font is monospaced: code stands out by its colour instead.
    return ["green"] if "code" in styles else []


def show(console: Console, renderable: RenderableType) -> None:
    """Prints what :class:`ConsoleRenderer` made: without cropping, so that a link line
    wider than the console stays whole (the terminal folds it, and copies it as one)."""
    console.print(renderable, crop=False)


class ConsoleRenderer:
    """Renders answers and bot texts as rich renderables (print them with :func:`show`).

    On a terminal they show bold titles and an emphasised answering sentence; printed
    to a pipe, rich drops the styles and what is left is plain text.

    Args:
        wrap: indent wrapped lines (for a terminal). Without it, each paragraph is one
            line, which suits a console with ``soft_wrap`` writing to a pipe.
    """

    def __init__(self, wrap: bool = True) -> None:
        self.wrap = wrap

    def answer(self, answer: Answer, echo_question: bool = False) -> RenderableType:
        """One page of an answer.

        Args:
            answer: the answer.
            echo_question: start with the question (for output that is read without it).
        """
        parts: list[RenderableType] = []
        if echo_question:
            asked = answer.asked or answer.question
            parts.append(Text(f"Q: {terminal_text(asked)}", style="bold"))
        if answer.offset and answer.hits:
            first, last = answer.hits[0].rank, answer.hits[-1].rank
            question = terminal_text(answer.question)
            parts.append(Text(f"More on “{question}” ({first}–{last}):", style="italic"))
        if answer.truncated:
            parts.append(Text(texts.TRUNCATED, style="italic"))
        if answer.corrections and not answer.offset:
            line = Text(texts.SHOWING_RESULTS_FOR, style="italic")
            for text, fixed in answer.corrected_parts():
                line.append(terminal_text(text), style="bold italic" if fixed else "italic")
            parts.append(line)
        if answer.understood and not answer.offset:
            parts.append(Text(texts.understood_as(terminal_text(answer.understood)), style="dim"))
        if not answer.hits:
            parts.append(Text(answer.message or texts.NO_ANSWER, style="bold"))
            if answer.hint:
                parts.append(Text(answer.hint, style="italic"))
        parts.extend(self.hit(hit) for hit in answer.hits)
        if answer.has_more:
            parts.append(Text("Type /more for further passages.", style="dim"))
        return Group(*parts)

    def hit(self, hit: Hit) -> RenderableType:
        """A passage: numbered bold title, the text with its answering sentence
        emphasised, then what is known of the source, and its link on a line of its own."""
        body = Text()
        for piece, styles in hit.styled(EXCERPT_CHARS):
            style = " ".join(
                [*(["bold underline"] if "sentence" in styles else []), *_code(styles)]
            )
            body.append(terminal_text(piece, multiline=True), style=style or None)
        lines: list[RenderableType] = [
            Text(f"{hit.rank}. {terminal_text(hit.title)}", style="bold cyan"),
        ]
        if hit.section:
            path = terminal_text(hit.heading_path)
            lines.append(self._indented(Text(path, style="italic")))
        lines.append(self._indented(body))
        meta = " · ".join(terminal_text(part) for part in attribution(hit))
        if meta:
            lines.append(self._indented(Text(meta, style="dim")))
        if hit.link:
            lines.append(self._link(terminal_text(hit.link)))
        return Group(*lines)

    def sources(self, sources: Sequence[SourceInfo]) -> RenderableType:
        """The indexed documents."""
        lines: list[RenderableType] = [Text(texts.sources_heading(len(sources)), style="bold")]
        for n, source in enumerate(sources, 1):
            line = Text(f"{n}. ")
            line.append(terminal_text(source.title), style="bold")
            meta = [
                terminal_text(str(source.metadata[k]))
                for k in ("provider", "date")
                if source.metadata.get(k)
            ]
            if meta:
                line.append(f" ({', '.join(meta)})", style="dim")
            lines.append(line)
        return Group(*lines)

    def help(self, examples: Sequence[str]) -> RenderableType:
        """How to use the console chat, with example questions the collection answers."""
        lines: list[RenderableType] = [
            Text(texts.START_INTRO, style="bold"),
            Text("Type a question and press Enter. Commands:"),
        ]
        for command, about in texts.CONSOLE_COMMANDS:
            line = Text("  ")
            line.append(command, style="bold")
            line.append(f"  {about}")
            lines.append(line)
        lines.append(Text(texts.FOLLOW_UPS))
        if examples:
            lines.append(Text(texts.EXAMPLES_HEADING))
            lines.extend(Text(f"  {terminal_text(q)}", style="italic") for q in examples)
        return Group(*lines)

    def notice(self, message: str) -> RenderableType:
        """A short reply that is not an answer (small talk, /new)."""
        return Text(terminal_text(message))

    def _link(self, url: str) -> Text:
        # Wrapped, a URL is cut and indented mid-way and can be neither clicked nor
        # copied: rich never wraps or crops this line (see show). On a terminal it is
        # also a hyperlink, if it is a web address.
        line = Text(" " * _INDENT, no_wrap=True, overflow="ignore")
        line.append(url, style=Style(dim=True, link=url if _is_web_link(url) else None))
        return line

    def _indented(self, text: Text) -> RenderableType:
        if self.wrap:
            return Padding(text, (0, 0, 0, _INDENT), expand=False)
        # Off a terminal nothing wraps, so indent each line of the text itself.
        indent = Text(" " * _INDENT)
        return Text("\n").join(
            indent.copy().append_text(line) for line in text.split("\n", allow_blank=True)
        )


def _is_web_link(url: str) -> bool:
    # Only http(s) links are made clickable: a corpus could hold file: or other
    # scheme links that a terminal would hand to some program.
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in url
