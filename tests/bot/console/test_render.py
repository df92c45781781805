"""Answers rendered for the terminal."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from bot.answer import Answer, AnswerComposer
from bot.console import ConsoleChat, ConsoleRenderer, run_console
from retrieval import Hit, RetrievalError, SourceInfo
from tests.bot.hits import make_hit
from tests.support.questions import ANSWERABLE
from tests.support.terminal import TEXTS, unsafe_characters, visible_part, without_rich_codes


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


class _OneDocument:
    """A composer over one document holding the given strings."""

    def __init__(self, hit: Hit, source: SourceInfo) -> None:
        self.hit, self.source = hit, source

    def conversation(self) -> None:
        return None

    def ask(self, conversation: None, question: str) -> Answer:
        return self.answer(question)

    def examples(self) -> list[str]:
        return [self.hit.title]

    def answer(self, question: str, offset: int = 0) -> Answer:
        if question == "fail":  # errors may quote corpus text too
            raise RetrievalError(f"cannot read {self.source.source}")
        return Answer(question, (self.hit,), truncated=True)

    def sources(self) -> list[SourceInfo]:
        return [self.source]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=TEXTS,
    source=TEXTS,
    text=TEXTS,
    provider=TEXTS,
    url=TEXTS,
    question=TEXTS,
    cut=st.floats(0, 1),
    terminal=st.booleans(),
)
def test_any_corpus_text_is_shown_safely(
    title: str,
    source: str,
    text: str,
    provider: str,
    url: str,
    question: str,
    cut: float,
    terminal: bool,
) -> None:
    """Whatever a title, source, passage or link holds, the chat shows it as plain
    text: rendering never raises, nothing a terminal would act on gets through, and the
    text itself is visible."""
    start = int(len(text) * cut)
    hit = make_hit(
        1, text, (start, len(text)), title=title, source=source, provider=provider, url=url
    )
    info = SourceInfo(source, source, title, "hash", {"provider": provider, "date": url}, 1)
    console, out = _console(terminal)
    chat = ConsoleChat(_OneDocument(hit, info), console, echo_questions=True)  # type: ignore[arg-type]
    for line in (f"x{question}", "/sources", "/help", "fail"):
        chat.handle(line)
    output = out.getvalue()
    assert not unsafe_characters(output)
    shown = "".join(without_rich_codes(output).split())
    for part in (f"Q: x{question}", f"1. {title}", text, provider, url, f"cannot read {source}"):
        if cell_len(part) == 0:
            continue  # nothing a terminal could show (e.g. a lone skin-tone modifier)
        assert visible_part(part) in shown, part


LONG_URL = "https://example.com/articles/2021/08/25/" + "a-very-long-slug-" * 4 + "x" * 12
assert len(LONG_URL) == 120


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "piped"])
def test_a_long_link_stays_whole_on_a_line_of_its_own(terminal: bool) -> None:
    """Wrapped (and indented) mid-URL, a link can be neither clicked nor copied."""
    hit = make_hit(1, "Alpha. Beta gamma.", (7, 18), provider="Reuters", url=LONG_URL)
    info = SourceInfo("s.txt", "s.txt", "Title", "hash", {}, 1)
    out = io.StringIO()
    console = Console(
        file=out, width=40, force_terminal=terminal, highlight=False, soft_wrap=not terminal
    )
    ConsoleChat(_OneDocument(hit, info), console).handle("q")  # type: ignore[arg-type]
    run_console(_OneDocument(hit, info), ask="q", console=console)  # type: ignore[arg-type]
    output = out.getvalue()
    lines = without_rich_codes(output).splitlines()
    assert [line.strip() for line in lines].count(LONG_URL) == 2, lines
    assert "Reuters" in lines[lines.index(next(x for x in lines if LONG_URL in x)) - 1]
    if terminal:  # a hyperlink (OSC 8) on a terminal
        assert output.count(f";{LONG_URL}\x1b\\") == 2


def test_a_documentation_answer_shows_its_heading_path_and_section_link() -> None:
    console, out = _console(terminal=False)
    hit = make_hit(
        1,
        "Create it with:\ngit branch topic",
        (0, 15),
        section=["Branches", "Creating a branch"],
        anchor="_creating",
        code=[[16, 32]],
        url="https://e.x/git-branch.html",
    )
    console.print(ConsoleRenderer(wrap=False).answer(Answer("q", (hit,))))
    assert out.getvalue() == (
        "1. Title\n   Branches › Creating a branch\n   Create it with:\n   git branch topic\n"
        "   https://e.x/git-branch.html#_creating\n"
    )
    console, out = _console(terminal=True)
    console.print(ConsoleRenderer(wrap=True).answer(Answer("q", (hit,))))
    assert "\x1b[32mgit branch topic" in out.getvalue()  # code in its colour
