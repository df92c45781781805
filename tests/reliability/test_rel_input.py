"""Hostile and odd input: arbitrary Unicode through the real composer (real retriever)
and the Telegram renderer; odd files in a corpus met by the bot's startup."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.answer import AnswerComposer
from bot.telegram.render import render_answer, render_inline_message
from retrieval.ingest import MAX_FILE_BYTES
from tests.support.cli import bot_main
from tests.support.e2e import contains, utf16_len, visible_text
from tests.support.paths import SEEDS

HOSTILE = st.sampled_from(
    ["<b>", "</a>", "&", "&amp;", "<a href='javascript:x'>", "*bold*", "_x_", "[l](http://e)",
     "`", "\u202e", "\u200b", "\u200d", "\ufeff", "\x00", "\x07", "\x1b[31m", "😀👍🏽",
     "שלום", "مرحبا", "\r\n", "<pre>", "<blockquote>", "</i>", "<!--", "]]>"]
)  # fmt: skip
QUESTIONS = st.lists(st.one_of(st.text(), HOSTILE), max_size=20).map("".join)
_ENTITY = re.compile(r"&(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);")


@pytest.fixture(scope="module")
def composer(seeds_retriever) -> AnswerComposer:
    return AnswerComposer(seeds_retriever, k=3)


def check_messages(messages: list[str]) -> str:
    assert messages
    shown = ""
    for message in messages:
        assert 0 < utf16_len(message) <= 4096
        shown += visible_text(message)  # strict Telegram HTML
    return shown


def quoted_question(message: str) -> str | None:
    """The question as the "More on “…”" header quotes it (raw HTML), if shown."""
    match = re.search(r"More on “(.*)” \(\d+–\d+\):", message, re.S)
    return match.group(1) if match else None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noise=QUESTIONS)
@example(noise="<b>" * 30_000)
@example(noise="&</a>" * 20_000)  # 100,000 characters
def test_any_question_gets_valid_bounded_html_quoting_it_escaped(
    composer: AnswerComposer, noise: str
) -> None:
    # Around a real question, so that there are passages and a page 2 quoting it.
    question = f"{noise} Who invested in Pateo? {noise}"
    try:
        first = composer.answer(question)
    except Exception as exc:  # only an empty question may be refused
        pytest.fail(f"{type(exc).__name__}: {exc}")
    check_messages(render_answer(first))
    for hit in first.hits:
        visible_text(render_inline_message(hit))
    page2 = composer.answer(question, offset=1)
    messages = render_answer(page2)
    check_messages(messages)
    if page2.hits:
        quoted = quoted_question(messages[0])
        assert quoted is not None
        # The user's text only ever appears escaped: no raw markup, whole entities.
        assert "<" not in quoted and ">" not in quoted
        assert all(_ENTITY.match(quoted, m.start()) for m in re.finditer("&", quoted))
        assert html.unescape(quoted).strip()


def test_odd_files_in_the_corpus_are_skipped_by_name_and_the_rest_answers(tmp_path) -> None:
    """Through the bot's startup (``python -m bot --ask``, in-process): a sparse file over the size
    cap, a symlink loop, a dangling link, binary, empty, not-UTF-8 and broken front
    matter files are each skipped with a warning naming them; the seeds still answer."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEEDS.iterdir():
        (corpus / seed.name).write_bytes(seed.read_bytes())
    huge = corpus / "huge.txt"
    with huge.open("wb") as f:  # sparse: no disk used
        f.truncate(MAX_FILE_BYTES + 1024)
    (corpus / "loop").symlink_to(corpus, target_is_directory=True)
    (corpus / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1") * 20)
    (corpus / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody text here.\n")
    question = "Where does Pateo rank nationwide?"
    index = str(tmp_path / "index")
    proc = bot_main(["--ask", question, "--corpus", str(corpus), "--index-dir", index])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert contains(proc.stdout, "104 of the top 500")
    warnings = [line for line in proc.stderr.splitlines() if "skipping" in line]
    for name in ("huge.txt", "binary.txt", "empty.txt", "latin1.txt", "broken.md", "dangling"):
        assert any(name in line for line in warnings), (name, proc.stderr[-3000:])
    # The loop was not followed (the walk ended, nothing was indexed twice).
    assert "loop/" not in proc.stderr


def test_symlink_loop_is_skipped_with_a_warning_naming_it(tmp_path, caplog) -> None:
    from retrieval.ingest import discover

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Title\n\nSome text.\n")
    (corpus / "loop").symlink_to(corpus, target_is_directory=True)
    with caplog.at_level("WARNING"):
        assert [f.source for f in discover([corpus])] == ["a.txt"]
    assert any("loop" in r.getMessage() for r in caplog.records), caplog.text
