"""The console chat, in process (the command line's runs are in tests/bot/test_cli.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from bot.answer import NO_ANSWER, AnswerComposer
from bot.console import ConsoleChat, history_file, open_history, run_console
from retrieval import Encoder, QuestionError, Retriever
from tests.support.questions import ANSWERABLE, UNANSWERABLE
from tests.support.terminal import HOSTILE_TITLES_SHOWN, unsafe_characters, without_rich_codes


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=100, highlight=False, soft_wrap=True)
    return console, out


def test_piped_lines_give_one_answer_each(composer: AnswerComposer) -> None:
    console, out = _console()
    chat = ConsoleChat(composer, console, echo_questions=True)
    chat.run_lines(io.StringIO(f"{ANSWERABLE}\n\n{UNANSWERABLE}\n"))
    text = out.getvalue()
    assert text.count("Q: ") == 2
    assert f"Q: {ANSWERABLE}\n1. " in text
    assert NO_ANSWER in text
    assert "\x1b[" not in text  # no ANSWER codes off a terminal


def test_commands(composer: AnswerComposer) -> None:
    console, out = _console()
    chat = ConsoleChat(composer, console)
    assert chat.handle("/more")
    assert "Ask a question first." in out.getvalue()
    chat.handle(ANSWERABLE)
    chat.handle("/more")
    assert "4. " in out.getvalue() and "More on" in out.getvalue()
    chat.handle("/sources")
    assert all(s.title in out.getvalue() for s in composer.sources())
    chat.handle("/help")
    assert "/quit" in out.getvalue()
    chat.handle("/nonsense")
    assert "I don't know that command" in out.getvalue()
    assert chat.handle("/quit") is False
    assert chat.handle("/exit") is False


def test_quit_stops_reading_lines(composer: AnswerComposer) -> None:
    console, out = _console()
    ConsoleChat(composer, console, echo_questions=True).run_lines(
        io.StringIO(f"{ANSWERABLE}\n/quit\n{UNANSWERABLE}\n")
    )
    assert out.getvalue().count("Q: ") == 1


def test_more_after_last_page(composer: AnswerComposer) -> None:
    console, out = _console()
    chat = ConsoleChat(composer, console)
    chat.handle(UNANSWERABLE)
    chat.handle("/more")
    assert "There are no further passages" in out.getvalue()


def test_ask_once_prints_one_answer(composer: AnswerComposer) -> None:
    console, out = _console()
    assert run_console(composer, ask=ANSWERABLE, console=console) == 0
    assert out.getvalue().startswith("1. ")
    with pytest.raises(QuestionError):
        run_console(composer, ask="  ", console=console)


def test_history_lives_in_the_state_folder(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert history_file() == tmp_path / "docqa" / "console_history"
    open_history()
    assert history_file().exists()


def test_hostile_titles_are_shown_as_plain_text(hostile_index_dir: Path, encoder: Encoder) -> None:
    """Files named with rich markup, escape sequences, line breaks and bidi overrides
    (their names are their titles): the chat shows the names, and nothing else."""
    retriever = Retriever.load(hostile_index_dir, encoder=encoder)
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, highlight=False)
    try:
        chat = ConsoleChat(AnswerComposer(retriever, k=4), console)
        for line in ("Why do alpacas hum?", "/sources", "/help"):
            chat.handle(line)
    finally:
        retriever.close()
    output = out.getvalue()
    assert not unsafe_characters(output)
    shown = without_rich_codes(output)
    for title in HOSTILE_TITLES_SHOWN:
        assert shown.count(f". {title}\n") == 2, title  # in the answer and in /sources
