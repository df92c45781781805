"""The console chat: an interactive prompt_toolkit session with history, and a
line-by-line mode for pipes and scripts."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from rich.console import Console, RenderableType
from rich.text import Text

from retrieval import RetrievalError, terminal_text

from .. import texts
from ..answer import NO_MORE, Answer, AnswerComposer
from ..smalltalk import small_talk
from .render import ConsoleRenderer, show

PROMPT = "ask> "


class ConsoleChat:
    """A question-and-answer session in the terminal.

    The session is one conversation: a follow-up question is read with the previous
    one in mind; ``/new`` starts a new conversation.

    Args:
        composer: answers questions.
        console: where answers go.
        echo_questions: repeat each question above its answer (for piped output).
        json_lines: print each answer as one JSON object per line (for scripts).
    """

    def __init__(
        self,
        composer: AnswerComposer,
        console: Console,
        echo_questions: bool = False,
        json_lines: bool = False,
    ) -> None:
        self.composer = composer
        self.console = console
        self.echo_questions = echo_questions
        self.json_lines = json_lines
        self.renderer = ConsoleRenderer(wrap=console.is_terminal)
        self.conversation = composer.conversation()
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
            self._print(self.renderer.help(self.composer.examples()))
        elif command == "/new":
            self.conversation.reset()
            self._last = None
            self._reply(texts.NEW_CONVERSATION)
        elif command == "/sources":
            self._print(self.renderer.sources(self.composer.sources()))
        elif command == "/more":
            self._more()
        elif command.startswith("/"):
            self._print(Text(texts.UNKNOWN_COMMAND, style="yellow"))
        else:
            kind = small_talk(text)
            if kind is not None:
                reply = texts.small_talk_reply(
                    kind, len(self.composer.sources()), self.composer.examples()
                )
                self._reply(reply, question=text)
            else:
                self.ask(text)
        return True

    def ask(self, question: str) -> Answer | None:
        """Answers ``question`` in the conversation (its first page) and prints it;
        errors are printed, not raised."""
        return self._show(lambda: self.composer.ask(self.conversation, question), question)

    def _show(self, get: Callable[[], Answer], question: str) -> Answer | None:
        try:
            with self._busy():
                answer = get()
        except RetrievalError as exc:
            # The message may quote a file name: shown as plain text too.
            self._error(str(exc), question)
            return None
        self._last = answer
        if self.json_lines:
            print(json.dumps(answer_json(answer, question), ensure_ascii=False), flush=True)
        else:
            self._print(self.renderer.answer(answer, echo_question=self.echo_questions))
        return answer

    def _reply(self, message: str, question: str | None = None) -> None:
        if self.json_lines:
            record = {"question": question, "understood": None, "answered": False}
            print(json.dumps({**record, "message": message, "passages": []}), flush=True)
        else:
            self._print(self.renderer.notice(message))

    def _error(self, message: str, question: str) -> None:
        if self.json_lines:
            print(json.dumps({"question": question, "error": message}), flush=True)
        else:
            self._print(Text(f"error: {terminal_text(message)}", style="red"))

    def run_lines(self, stream: Iterable[str]) -> None:
        """Answers each line of ``stream`` (until ``/quit``).

        Ctrl-C is not caught: a script is stopped, not resumed with its next line.
        """
        for line in stream:
            if not self.handle(line):
                break

    def run_interactive(self, history: History | None = None) -> None:
        """The interactive chat: line editing and history.

        Ctrl-C cancels a search or clears the line, as in a shell; Ctrl-D, ``/quit`` or
        Ctrl-C twice on an empty line leaves.
        """
        session: PromptSession[str] = PromptSession(history=history or InMemoryHistory())
        self._print(self.renderer.help(self.composer.examples()))
        leaving = False  # Ctrl-C was pressed on an empty line: a second one leaves
        while True:
            try:
                line = session.prompt(PROMPT)
            except KeyboardInterrupt:
                if session.default_buffer.text.strip():
                    leaving = False  # the line is cleared
                elif leaving:
                    break
                else:
                    leaving = True
                    self._print(Text(texts.CTRL_C_AGAIN, style="dim"))
                continue
            except EOFError:
                break
            leaving = False
            try:
                if not self.handle(line):
                    break
            except KeyboardInterrupt:
                # Ctrl-C during a search (the terminal sends SIGINT then) ends the
                # search, not the chat.
                self._print(Text(texts.SEARCH_CANCELLED, style="yellow"))

    def _more(self) -> None:
        last = self._last
        if last is None:
            self._print(Text("Ask a question first.", style="yellow"))
        elif not last.has_more:
            self._print(Text(NO_MORE, style="yellow"))
        else:
            offset, context = last.next_offset, last.search_context
            self._show(lambda: self.composer.answer(last.question, offset, context), "/more")

    def _busy(self) -> AbstractContextManager[object]:
        if self.console.is_terminal:
            return self.console.status("Searching…", spinner="dots")
        return contextlib.nullcontext()  # a spinner would garble piped output

    def _print(self, renderable: RenderableType) -> None:
        show(self.console, renderable)
        self.console.print()


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
    json_lines: bool = False,
) -> int:
    """Runs the console front end.

    ``ask`` answers one question; otherwise a terminal gets the interactive chat and a
    pipe is read one question per line (as one conversation). With ``json_lines`` each
    line read gets one JSON object per line (see :func:`answer_json`).

    Returns:
        The exit code (0).

    Raises:
        RetrievalError: ``ask`` cannot be answered (e.g. it is empty).
    """
    stdin = stdin or sys.stdin
    # Written to a pipe, long lines stay whole: a script reads lines, not a screen.
    console = console or Console(highlight=False, soft_wrap=not sys.stdout.isatty())
    if ask is not None:
        show(console, ConsoleRenderer(wrap=console.is_terminal).answer(composer.answer(ask)))
        return 0
    if json_lines:
        ConsoleChat(composer, console, json_lines=True).run_lines(stdin)
    elif stdin.isatty() and console.is_terminal:
        ConsoleChat(composer, console).run_interactive(open_history())
    else:
        ConsoleChat(composer, console, echo_questions=True).run_lines(stdin)
    return 0


def answer_json(answer: Answer, question: str) -> dict[str, Any]:
    """An answer as the console's JSON mode prints it: the question as asked, what was
    searched ("understood": the corrected question, with the words carried over from
    the conversation), whether passages answer it, and the passages with their
    answering sentence ("emphasis")."""
    understood = f"{answer.question} {answer.context}" if answer.context else answer.question
    return {
        "question": question,
        "understood": understood,
        "answered": answer.answered,
        "context": answer.context,
        "corrections": [[c.word, c.replacement] for c in answer.corrections],
        "language": answer.language,
        "message": answer.message,
        "has_more": answer.has_more,
        "passages": [
            {
                "rank": hit.rank,
                "title": hit.title,
                "section": hit.heading_path if hit.section else None,
                "source": hit.source,
                "link": hit.link,
                "text": hit.text,
                "emphasis": hit.sentence_text,
            }
            for hit in answer.hits
        ],
    }
