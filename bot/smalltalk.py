"""Small talk: greetings, thanks, farewells and questions about the bot itself, which
get a short friendly reply instead of a search ("hi" is not a question for the
documents, and "Nothing in the documents answers that." is a poor reply to it).

Only a whole message of a few such words counts: "hi, who invested in Pateo?" is a
question.
"""

from __future__ import annotations

import enum
import re


class SmallTalk(enum.Enum):
    """What kind of small talk a message is."""

    GREETING = "greeting"
    THANKS = "thanks"
    FAREWELL = "farewell"
    ABOUT = "about"  # what can you do? who are you? help


_POLITE = r"(?:\s+(?:there|bot|everyone|all|again|a lot|so much|very much|mate|buddy))*"
_PATTERNS: tuple[tuple[SmallTalk, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rf"(?:{pattern}){_POLITE}"))
    for kind, pattern in (
        (
            SmallTalk.GREETING,
            r"hi+|hello+|hey+|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)"
            r"|how are you(?: doing)?|how's it going|what's up|sup",
        ),
        (
            SmallTalk.THANKS,
            r"thanks?|thank you|thx|ty|tysm|cheers|many thanks|(?:ok|okay|great|perfect|cool"
            r"|nice|awesome|got it|that helps|that helped|helpful)(?:,? thanks?| thank you)?",
        ),
        (SmallTalk.FAREWELL, r"bye+|goodbye|good bye|see you(?: later)?|see ya|cya|good night"),
        (
            SmallTalk.ABOUT,
            r"(?:what|who) are you|what can you do|what do you do|what do you know(?: about)?"
            r"|what can i ask(?: you)?|how do i use (?:you|this(?: bot)?)|how does (?:this|it) work"
            r"|what is this(?: bot)?|what are you for|help(?: me)?|are you a bot",
        ),
    )
)
# Punctuation and emoji around the words do not change what the message is.
_NOISE = re.compile(r"[^\w\s']+")


def small_talk(text: str) -> SmallTalk | None:
    """The kind of small talk ``text`` is, or None for anything else (a question)."""
    words = " ".join(_NOISE.sub(" ", text.lower()).split())
    if not words or len(words) > 40:
        return None
    for kind, pattern in _PATTERNS:
        if pattern.fullmatch(words):
            return kind
    return None
