"""Answers and bot texts rendered as Telegram HTML."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import EXCERPT_CHARS, NO_ANSWER, Answer, AnswerComposer
from bot.telegram.render import (
    INLINE_DESCRIPTION_CHARS,
    inline_description,
    render_answer,
    render_help,
    render_inline_message,
    render_notice,
    render_sources,
    render_start,
)
from retrieval import Hit, SourceInfo
from tests.bot.hits import make_hit
from tests.support.questions import ANSWERABLE, UNANSWERABLE
from tests.support.telegram_html import utf16_len, visible_text

NASTY = st.one_of(st.text(), st.sampled_from(["<b>", "</a>", "&", "&lt;", "<", "\n", "😀"]))
TEXTS = st.lists(NASTY, max_size=30).map("".join)


def _hit(
    rank: int = 1,
    text: str = "Alpha. Beta gamma. Delta.",
    sentence: tuple[int, int] = (7, 18),
    **metadata: object,
) -> Hit:
    fields: dict[str, object] = dict(
        date="2021-08-25", provider="Reuters", url="https://e.x/a?b=1&c=2"
    )
    fields.update(metadata)
    return make_hit(rank, text, sentence, **fields)


def test_real_answer_renders_titles_emphasis_and_sources(composer: AnswerComposer) -> None:
    answer = composer.answer("Xiaomi buys Deepmotion self-driving startup")
    [message] = render_answer(answer)
    text = visible_text(message)
    for hit in answer.hits:
        assert f"<b>{hit.rank}. " in message
        assert hit.title in text
        assert hit.sentence_text.strip() in text
    assert "<blockquote>" in message and '<a href="https://' in message
    assert "2021-08-25" in text


def test_emphasised_sentence_is_bold_inside_the_quote() -> None:
    [message] = render_answer(Answer("q", (_hit(),)))
    assert message == (
        "<b>1. Title</b>\n"
        "<blockquote>Alpha. <b>Beta gamma.</b> Delta.</blockquote>\n"
        '<i>Reuters · 2021-08-25</i> · <a href="https://e.x/a?b=1&amp;c=2">source</a>'
    )


def test_a_long_passage_is_shown_around_its_answering_sentence() -> None:
    """A whole section can be a passage of 1,500 characters; the answer shows the
    sentences around the answering one, with "…" where text is left out."""
    sentences = [
        f"Rule {n} says one more thing a skipper must do in the harbour." for n in range(40)
    ]
    text = " ".join(sentences)
    start = text.index(sentences[20])
    span = (start, start + len(sentences[20]))
    [message] = render_answer(Answer("q", (make_hit(1, text, span),)))
    shown = visible_text(message)
    assert f"<b>{sentences[20]}</b>" in message
    assert "… Rule" in shown and "harbour. …" in shown
    assert sentences[19] in shown and sentences[21] in shown and sentences[0] not in shown
    assert len(shown) < EXCERPT_CHARS + 100


def test_no_answer_message_and_hint(composer: AnswerComposer) -> None:
    [message] = render_answer(composer.answer(UNANSWERABLE))
    text = visible_text(message)
    assert text.startswith(NO_ANSWER) and "/sources" in text


def test_later_pages_say_which_results_they_show(composer: AnswerComposer) -> None:
    page = composer.answer(ANSWERABLE, 3)
    [message] = render_answer(page)
    assert visible_text(message).startswith(f"More on “{ANSWERABLE}” (4–6):")


def test_user_text_in_header_is_escaped() -> None:
    answer = Answer("<b>x</b> & </a>", (_hit(rank=4),), offset=3, truncated=True)
    [message] = render_answer(answer)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;/a&gt;" in message
    visible_text(message)


def test_long_answer_is_split_between_passages() -> None:
    hits = tuple(_hit(n, "Sentence. " * 150, (0, 9)) for n in range(1, 6))
    messages = render_answer(Answer("q", hits))
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message) <= 4096
        visible_text(message)
        # Every message starts with a passage title: cut between passages only.
        assert message.startswith("<b>") and message.split("\n")[0].endswith(". Title</b>")


@settings(max_examples=100, deadline=None)
@given(title=TEXTS, text=TEXTS, question=TEXTS, url=st.one_of(st.none(), st.text()))
def test_any_corpus_text_renders_valid_html(
    title: str, text: str, question: str, url: str | None
) -> None:
    hit = make_hit(
        1, text, (len(text) // 3, len(text) // 2), title=title, source="s", provider=title, url=url
    )
    for answer in (Answer(question, (hit,) * 3, offset=3), Answer(question, ())):
        for message in render_answer(answer):
            assert 0 < utf16_len(message) <= 4096
            visible_text(message)
    inline = render_inline_message(hit)
    assert utf16_len(inline) <= 4096
    visible_text(inline)


def test_100k_passage_renders_within_limits() -> None:
    text = ("<b>&amp; " * 12_500)[:100_000]
    hit = make_hit(1, text, (10, 90_000), title="&" * 5000, source="s", url="https://e.x")
    messages = render_answer(Answer("q" * 1000, (hit,), truncated=True))
    assert len(messages) >= 25
    shown = ""
    for message in messages:
        assert utf16_len(message) <= 4096
        shown += visible_text(message)
    assert shown.count("<b>&amp;") == text.count("<b>&amp;")
    assert utf16_len(render_inline_message(hit)) <= 4096


def test_inline_description_is_short_plain_text() -> None:
    long = _hit(text="word " * 200, sentence=(0, 1000))
    description = inline_description(long)
    assert len(description) <= INLINE_DESCRIPTION_CHARS and description.endswith("…")
    assert inline_description(_hit()) == "Beta gamma."


def test_start_help_sources(composer: AnswerComposer) -> None:
    sources, examples = composer.sources(), composer.examples()
    start = "\n".join(visible_text(m) for m in render_start(sources, examples))
    for source in sources:
        assert source.title in start
    assert start.count("• ") == 2  # two example questions
    listing = "\n".join(visible_text(m) for m in render_sources(sources))
    assert all(s.title in listing for s in sources) and "Automotive News" in listing
    help_text = "\n".join(visible_text(m) for m in render_help(examples))
    for command in ("/start", "/help", "/sources", "/ask", "/new"):
        assert command in help_text
    assert all(question in help_text for question in examples)


def test_example_questions_are_real_questions_the_collection_answers(
    composer: AnswerComposer,
) -> None:
    examples = composer.examples()
    assert len(examples) == 2
    sources = set()
    for question in examples:
        assert question.endswith("?") and "What is known about" not in question
        answer = composer.answer(question)
        assert answer.answered, question
        sources.add(answer.hits[0].source)
    assert len(sources) == 2  # from two documents


def test_huge_source_list_is_split() -> None:
    sources = [
        SourceInfo(f"{n}.txt", f"{n}.txt", f"<Title> & {n} " * 10, "h", {}, 1) for n in range(500)
    ]
    messages = render_sources(sources)
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message) <= 4096
        visible_text(message)


def test_notice_escapes() -> None:
    assert render_notice("a <b> & c", "hint") == "a &lt;b&gt; &amp; c\n<i>hint</i>"


def test_a_documentation_answer_shows_its_heading_path_code_and_section_link() -> None:
    text = "Create it with:\ngit branch topic\nIt does not switch to it."
    hit = _hit(
        text=text,
        sentence=(0, 15),
        provider="",
        section=["Branches", "Creating a branch"],
        anchor="_creating",
        code=[[16, 32]],
        url="https://e.x/git-branch.html",
    )
    [message] = render_answer(Answer("q", (hit,)))
    assert message == (
        "<b>1. Title</b>\n"
        "<i>Branches › Creating a branch</i>\n"
        "<blockquote><b>Create it with:</b>\n<code>git branch topic</code>\n"
        "It does not switch to it.</blockquote>\n"
        '<i>2021-08-25</i> · <a href="https://e.x/git-branch.html#_creating">source</a>'
    )
