"""Answers rendered for the terminal."""

from __future__ import annotations

import io

from rich.console import Console

from bot.answer import Answer, AnswerComposer
from bot.console import ConsoleRenderer
from tests.bot.hits import make_hit
from tests.support.questions import ANSWERABLE


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    console = Console(
        file=out, force_terminal=terminal, width=100, highlight=False, soft_wrap=not terminal
    )
    return console, out


def test_terminal_rendering_is_styled(composer: AnswerComposer) -> None:
    console, out = _console(terminal=True)
    console.print(ConsoleRenderer(wrap=True).answer(composer.answer(ANSWERABLE)))
    text = out.getvalue()
    assert "\x1b[1" in text  # bold
    assert "\x1b[1;4m" in text or "\x1b[4m" in text or ";4m" in text  # underlined sentence


def test_piped_hit_shows_title_text_and_attribution_plainly() -> None:
    console, out = _console(terminal=False)
    hit = make_hit(2, "Alpha. Beta gamma.", (7, 18), date="2021-08-25", provider="Reuters", page=3)
    console.print(ConsoleRenderer(wrap=False).answer(Answer("q", (hit,))))
    assert out.getvalue() == "2. Title\n   Alpha. Beta gamma.\n   Reuters · 2021-08-25 · page 3\n"
