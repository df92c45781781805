"""Small talk is told from questions."""

from __future__ import annotations

import pytest

from bot import texts
from bot.smalltalk import SmallTalk, small_talk


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", SmallTalk.GREETING),
        ("Hello there!", SmallTalk.GREETING),
        ("good morning", SmallTalk.GREETING),
        ("How are you?", SmallTalk.GREETING),
        ("thanks!", SmallTalk.THANKS),
        ("Thank you so much 🙏", SmallTalk.THANKS),
        ("ok, thanks", SmallTalk.THANKS),
        ("bye", SmallTalk.FAREWELL),
        ("what can you do?", SmallTalk.ABOUT),
        ("Who are you?", SmallTalk.ABOUT),
        ("help", SmallTalk.ABOUT),
    ],
)
def test_small_talk_is_recognised(text: str, kind: SmallTalk) -> None:
    assert small_talk(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "Who invested in Pateo?",
        "hi, who invested in Pateo?",
        "thanks, and when was it founded?",
        "What can you tell me about Deepmotion?",
        "help me configure the server",
        "",
        "👍",
    ],
)
def test_questions_are_not_small_talk(text: str) -> None:
    assert small_talk(text) is None


def test_replies_are_short_and_point_to_questions() -> None:
    examples = ["Who invested in Pateo?"]
    for kind in SmallTalk:
        reply = texts.small_talk_reply(kind, 3, examples)
        assert texts.NO_ANSWER not in reply and len(reply) < 300
    assert "Who invested in Pateo?" in texts.small_talk_reply(SmallTalk.GREETING, 3, examples)
    assert "3 documents" in texts.small_talk_reply(SmallTalk.ABOUT, 3, examples)
