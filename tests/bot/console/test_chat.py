"""The console chat, in process (the command line's runs are in tests/bot/test_cli.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from bot.answer import NO_ANSWER, AnswerComposer
from bot.console import ConsoleChat, history_file, open_history, run_console
from retrieval import Encoder, QuestionError, Retriever
from tests.bot.conftest import INTERRUPTED_QUESTION, InterruptedSearch
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


def test_a_dialogue_shows_what_was_understood_and_new_forgets_it(
    composer: AnswerComposer,
) -> None:
    console, out = _console()
    chat = ConsoleChat(composer, console, echo_questions=True)
    chat.run_lines(
        io.StringIO(f"{ANSWERABLE}\nWhen did it happen?\n/new\nWhen did it happen?\nthanks!\n")
    )
    text = out.getvalue()
    _, rest = text.split("Q: When did it happen?", 1)
    understood, after_new = rest.split("new conversation", 1)
    assert "Understood as: When did it happen? (about: " in understood
    assert "April 17" in understood
    assert "Understood as" not in after_new and NO_ANSWER in after_new
    assert "You're welcome" in after_new


def test_misspelt_and_foreign_questions_are_explained(composer: AnswerComposer) -> None:
    console, out = _console()
    ConsoleChat(composer, console).run_lines(
        io.StringIO("Who invsted in Pateu?\n¿Quién invirtió?\n")
    )
    text = out.getvalue()
    assert "Showing results for: Who invested in Pateo?" in text
    assert "looks like Spanish" in text


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


def _interactive(chat: ConsoleChat, keys: str) -> None:
    """Runs the interactive chat on ``keys`` (then end of input), as typed at a terminal.

    Before Ctrl-C was handled, a KeyboardInterrupt left the chat: a test failure here,
    not the end of the test run."""
    with (
        create_pipe_input() as pipe,
        create_app_session(input=pipe, output=DummyOutput()),
    ):
        pipe.send_text(keys)
        pipe.close()
        try:
            chat.run_interactive()
        except KeyboardInterrupt:
            pytest.fail("Ctrl-C ended the chat")


def test_ctrl_c_during_a_search_cancels_it_and_the_chat_goes_on(
    interrupted_search: InterruptedSearch,
) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, highlight=False)
    chat = ConsoleChat(interrupted_search, console)  # type: ignore[arg-type]
    _interactive(chat, f"{INTERRUPTED_QUESTION}\r{ANSWERABLE}\r")
    assert interrupted_search.interrupted == 1  # the signal came during the search
    shown = without_rich_codes(out.getvalue())
    cancelled = shown.index("Search cancelled.")
    assert "1. " in shown[cancelled:] and "Pateo" in shown[cancelled:]  # the next answer


def test_ctrl_c_at_the_prompt_clears_the_line_and_twice_on_an_empty_line_leaves(
    composer: AnswerComposer,
) -> None:
    console, out = _console()
    chat = ConsoleChat(composer, console)
    # Ctrl-C on a line with text clears it; on an empty line it says how to leave;
    # a second one there leaves, and what is typed after is never read.
    _interactive(chat, f"half a question\x03\x03\x03{ANSWERABLE}\r")
    shown = out.getvalue()
    assert shown.count("Ctrl-C again") == 1
    assert "1. " not in shown and "half a question" not in shown


def test_ctrl_c_hint_is_forgotten_after_other_input(composer: AnswerComposer) -> None:
    console, out = _console()
    chat = ConsoleChat(composer, console)
    _interactive(chat, f"\x03/sources\r\x03{UNANSWERABLE}\r")
    shown = out.getvalue()
    assert shown.count("Ctrl-C again") == 2 and NO_ANSWER in shown  # still chatting
