"""The one rule for showing corpus text on a terminal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval import terminal_text
from tests.support.terminal import TEXTS, is_unsafe


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("esc\x1b[31mred", "esc[31mred"),
        ("two\nlines", "two lines"),
        ("a\r\nb\rc\x85d\u2028e", "a b c d e"),
        ("tab\there", "tab here"),
        ("bell\x07 C1\x9b csi\x7f", "bell C1 csi"),
        ("evil\u202etxt.exe \u2066x\u2069\u200f", "eviltxt.exe x"),
        ("[/red] notes [blink red]", "[/red] notes [blink red]"),  # markup: rich's concern
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("Grüße 😀 界 שלום e\u0301 a\u00a0b", "Grüße 😀 界 שלום e\u0301 a\u00a0b"),
    ],
)
def test_one_line(raw: str, shown: str) -> None:
    assert terminal_text(raw) == shown


def test_multiline_keeps_line_breaks_as_newlines() -> None:
    assert terminal_text("a\nb\r\nc\u2029d\x1b[0m\n", multiline=True) == "a\nb\nc\nd[0m\n"


@given(TEXTS, st.booleans())
def test_nothing_a_terminal_acts_on_gets_through(text: str, multiline: bool) -> None:
    shown = terminal_text(text, multiline=multiline)
    assert not [ch for ch in shown if is_unsafe(ch) and not (multiline and ch == "\n")]
    assert terminal_text(shown, multiline=multiline) == shown


@given(st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"))))
def test_printable_text_is_unchanged(text: str) -> None:
    kept = "".join(ch for ch in text if not is_unsafe(ch))  # bidi marks are Cf, dropped
    assert terminal_text(text) == kept
