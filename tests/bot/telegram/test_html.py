"""Splitting styled text into valid Telegram HTML messages."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.telegram.html import MESSAGE_LIMIT, Line, Run, clean, lines, pack, safe_url, text_line
from tests.support.telegram_html import utf16_len, visible_text

NASTY = st.one_of(
    st.text(),
    st.sampled_from(["<b>", "</a>", "&", "&amp;", "<", ">", '"', "'", "\n", "\x00", "😀", "<i>x"]),
)
TEXTS = st.lists(NASTY, max_size=40).map("".join)


def _squash(text: str) -> str:
    return "".join(text.split())


def test_escapes_markup_in_text() -> None:
    [message] = pack([text_line("<b>bold?</b> & </a> <script>", "b")])
    assert message == "<b>&lt;b&gt;bold?&lt;/b&gt; &amp; &lt;/a&gt; &lt;script&gt;</b>"
    assert visible_text(message) == "<b>bold?</b> & </a> <script>"


def test_blocks_are_separated_by_blank_line_and_quotes_grouped() -> None:
    block = [*text_line("Title", "b"), *lines([Run("a\nb")], quote=True)]
    [message] = pack([block, text_line("next")])
    assert message == "<b>Title</b>\n<blockquote>a\nb</blockquote>\n\nnext"


def test_links_only_for_http_urls() -> None:
    [good] = pack([lines([Run("src", href='https://e.x/?a=1&b="2"')])])
    assert good == '<a href="https://e.x/?a=1&amp;b=&quot;2&quot;">src</a>'
    [bad] = pack([lines([Run("src", href="javascript:alert(1)")])])
    assert bad == "src"
    assert safe_url("ftp://e.x") is None and safe_url("https://e .x") is None
    assert safe_url("https://e.x/" + "a" * 5000) is None


def test_blocks_are_not_split_when_they_fit_a_fresh_message() -> None:
    blocks = [text_line(f"{n} " + "x" * 1500) for n in range(5)]
    messages = pack(blocks)
    assert len(messages) == 3  # two 1.5k blocks per message, never half a block
    for message in messages:
        assert all(part.split(" ")[0].isdigit() for part in message.split("\n\n"))


def test_huge_line_is_cut_between_words_into_full_messages() -> None:
    words = " ".join(f"w{n}" for n in range(30000))
    messages = pack([lines([Run(words, ("b",))], quote=True)])
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message) <= MESSAGE_LIMIT
        assert message.startswith("<blockquote><b>") and message.endswith("</b></blockquote>")
        assert utf16_len(message) > MESSAGE_LIMIT * 0.9  # pages are used, not wasted
    text = "".join(visible_text(m) for m in messages)
    assert _squash(text) == _squash(words)
    assert all(token.startswith("w") for token in text.split())  # no word was cut


@pytest.mark.parametrize("char", ["&", "<", "😀", "x", "\u0301"])
def test_100k_characters_of_one_kind(char: str) -> None:
    text = char * 100_000
    messages = pack([text_line("Title", "b"), lines([Run("a "), Run(text, ("b",))], quote=True)])
    for message in messages:
        assert utf16_len(message) <= MESSAGE_LIMIT
    assert "".join(visible_text(m) for m in messages).count(char) == 100_000


def test_control_characters_are_dropped_and_blank_messages_skipped() -> None:
    assert clean("a\x00b\x07c\td\ne\ud800") == "abc\td\ne"
    assert pack([text_line("   "), [Line()]]) == []


def test_limit_is_enforced_in_utf16_units() -> None:
    messages = pack([text_line("😀" * 3000)])
    assert [utf16_len(m) for m in messages] == [4096, 6000 - 4096]


@settings(max_examples=150, deadline=None)
@given(
    title=TEXTS,
    body=TEXTS,
    emphasis=TEXTS,
    url=st.one_of(st.none(), st.text(), st.just("https://e.x/<&>")),
)
def test_any_text_gives_valid_bounded_messages(
    title: str, body: str, emphasis: str, url: str | None
) -> None:
    block = [
        *text_line(title, "b"),
        *lines([Run(body), Run(emphasis, ("b", "u")), Run(body)], quote=True),
        *lines([Run("link", href=url)]),
    ]
    messages = pack([block, text_line(body)])
    shown = ""
    for message in messages:
        assert utf16_len(message) <= MESSAGE_LIMIT
        assert message.strip()
        shown += visible_text(message)
    expected = clean(title) + clean(body) + clean(emphasis) + clean(body) + "link" + clean(body)
    assert _squash(shown) == _squash(expected)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.data_too_large])
@given(text=st.text(min_size=3000, max_size=12000), limit=st.integers(64, 5000))
def test_any_limit_is_respected(text: str, limit: int) -> None:
    messages = pack([lines([Run(text, ("i",))], quote=True)], limit)
    for message in messages:
        assert utf16_len(message) <= limit
        visible_text(message)
