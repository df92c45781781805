"""The terminal front end: answers rendered with rich, an interactive prompt_toolkit chat,
and a line-by-line mode for pipes and scripts."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from retrieval import RetrievalError, SourceInfo

from . import texts
from .answer import NO_MORE, Answer, AnswerComposer, Passage

PROMPT = "ask> "
_INDENT = 3


class ConsoleRenderer:
    """Renders answers and bot texts as rich renderables.

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
            parts.append(Text(f"Q: {answer.question}", style="bold"))
        if answer.offset and answer.passages:
            first, last = answer.passages[0].rank, answer.passages[-1].rank
            parts.append(Text(f"More on “{answer.question}” ({first}–{last}):", style="italic"))
        if answer.truncated:
            parts.append(Text(texts.TRUNCATED, style="italic"))
        if not answer.passages:
            parts.append(Text(answer.message or texts.NO_ANSWER, style="bold"))
            if answer.hint:
                parts.append(Text(answer.hint, style="italic"))
        parts.extend(self.passage(p) for p in answer.passages)
        if answer.has_more:
            parts.append(Text("Type /more for further passages.", style="dim"))
        return Group(*parts)

    def passage(self, passage: Passage) -> RenderableType:
        """A passage: numbered bold title, the text with its answering sentence
        emphasised, then what is known of the source."""
        before, sentence, after = passage.parts
        body = Text(before)
        body.append(sentence, style="bold underline")
        body.append(after)
        lines: list[RenderableType] = [
            Text(f"{passage.rank}. {passage.title}", style="bold cyan"),
            self._indented(body),
        ]
        meta = " · ".join([*passage.attribution, *([passage.url] if passage.url else [])])
        if meta:
            lines.append(self._indented(Text(meta, style="dim")))
        return Group(*lines)

    def _indented(self, text: Text) -> RenderableType:
        if self.wrap:
            return Padding(text, (0, 0, 0, _INDENT), expand=False)
        indent = Text(" " * _INDENT)
        return Text("\n").join(
            indent.copy().append_text(line) for line in text.split("\n", allow_blank=True)
        )

    def sources(self, sources: Sequence[SourceInfo]) -> RenderableType:
        """The indexed documents."""
        lines: list[RenderableType] = [Text(texts.sources_heading(len(sources)), style="bold")]
        for n, source in enumerate(sources, 1):
            line = Text(f"{n}. ")
            line.append(source.title, style="bold")
            meta = [str(source.metadata[k]) for k in ("provider", "date") if source.metadata.get(k)]
            if meta:
                line.append(f" ({', '.join(meta)})", style="dim")
            lines.append(line)
        return Group(*lines)

    def help(self, sources: Sequence[SourceInfo]) -> RenderableType:
        """How to use the console chat."""
        lines: list[RenderableType] = [
            Text(texts.START_INTRO, style="bold"),
            Text("Type a question and press Enter. Commands:"),
        ]
        for command, about in texts.CONSOLE_COMMANDS:
            line = Text("  ")
            line.append(command, style="bold")
            line.append(f"  {about}")
            lines.append(line)
        lines.append(Text(texts.EXAMPLES_HEADING))
        lines.extend(Text(f"  {q}", style="italic") for q in texts.example_questions(sources))
        return Group(*lines)


class ConsoleChat:
    """A question-and-answer session in the terminal.

    Args:
        composer: answers questions.
        console: where answers go.
        echo_questions: repeat each question above its answer (for piped output).
    """

    def __init__(
        self, composer: AnswerComposer, console: Console, echo_questions: bool = False
    ) -> None:
        self.composer = composer
        self.console = console
        self.echo_questions = echo_questions
        self.renderer = ConsoleRenderer(wrap=console.is_terminal)
        self._last: Answer | None = None

    def handle(self, line: str) -> bool:
        """Handles one input line (a question or a command).

        Returns:
            False when the user asked to leave.
        """
        text = line.strip()
        if not text:
            return True
        command = text.split()[0].lower()
        if command in ("/quit", "/exit"):
            return False
        if command == "/help":
            self._print(self.renderer.help(self.composer.sources()))
        elif command == "/sources":
            self._print(self.renderer.sources(self.composer.sources()))
        elif command == "/more":
            self._more()
        elif command.startswith("/"):
            self._print(Text(texts.UNKNOWN_COMMAND, style="yellow"))
        else:
            self.ask(text)
        return True

    def ask(self, question: str, offset: int = 0) -> Answer | None:
        """Answers ``question`` (one page) and prints it; errors are printed, not raised."""
        try:
            with self._busy():
                answer = self.composer.answer(question, offset)
        except RetrievalError as exc:
            self._print(Text(f"error: {exc}", style="red"))
            return None
        self._last = answer
        self._print(self.renderer.answer(answer, echo_question=self.echo_questions))
        return answer

    def run_lines(self, stream: Iterable[str]) -> None:
        """Answers each line of ``stream`` (until ``/quit``)."""
        for line in stream:
            if not self.handle(line):
                break

    def run_interactive(self, history: History | None = None) -> None:
        """The interactive chat: line editing and history; Ctrl-D or ``/quit`` leaves."""
        session: PromptSession[str] = PromptSession(history=history or InMemoryHistory())
        self._print(self.renderer.help(self.composer.sources()))
        while True:
            try:
                line = session.prompt(PROMPT)
            except KeyboardInterrupt:
                continue  # Ctrl-C clears the line, as in a shell
            except EOFError:
                break
            if not self.handle(line):
                break

    def _more(self) -> None:
        last = self._last
        if last is None:
            self._print(Text("Ask a question first.", style="yellow"))
        elif not last.has_more:
            self._print(Text(NO_MORE, style="yellow"))
        else:
            self.ask(last.question, last.next_offset)

    def _busy(self) -> object:
        if self.console.is_terminal:
            return self.console.status("Searching…", spinner="dots")
        return _Nothing()

    def _print(self, renderable: RenderableType) -> None:
        self.console.print(renderable)
        self.console.print()


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def history_file() -> Path:
    """Where the console keeps its input history (the user's state folder)."""
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "docqa" / "console_history"


def open_history() -> History:
    """The persistent history, or an in-memory one when the file cannot be made."""
    path = history_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


def run_console(
    composer: AnswerComposer,
    ask: str | None = None,
    stdin: TextIO | None = None,
    console: Console | None = None,
) -> int:
    """Runs the console front end.

    ``ask`` answers one question; otherwise a terminal gets the interactive chat and a
    pipe is read one question per line.

    Returns:
        The exit code (0).

    Raises:
        RetrievalError: ``ask`` cannot be answered (e.g. it is empty).
    """
    stdin = stdin or sys.stdin
    # Written to a pipe, long lines stay whole: a script reads lines, not a screen.
    console = console or Console(highlight=False, soft_wrap=not sys.stdout.isatty())
    if ask is not None:
        console.print(ConsoleRenderer(wrap=console.is_terminal).answer(composer.answer(ask)))
        return 0
    if stdin.isatty() and console.is_terminal:
        ConsoleChat(composer, console).run_interactive(open_history())
    else:
        ConsoleChat(composer, console, echo_questions=True).run_lines(stdin)
    return 0
