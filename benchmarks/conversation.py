"""9. The cost of conversations, and of each feature added since the first performance
issue, per question.

Over the query-latency corpus of the smallest size (``seeds/`` and BBC articles), the
follow-up turns of the seeds dialogues (``tests/data/dialogues.jsonl``) are timed two
ways, in turn: asked alone (``search(question)``) and asked in their conversation
(``Conversation.resolve`` + ``search(question, context=...)``, the previous turn
already searched). The issue's target: a question with context within 1.1 x one
without (p50).

Spelling correction, the language check and re-ranking by a passage's place and page
run on every question, with or without a conversation: each one's cost per question is
the p50 of the variant questions (``tests/data/variants.jsonl``: misspelt, keyword and
long questions) searched with every feature on, minus the p50 with that one off, in
turn. Two features cost nothing per question and are timed where they cost:

* **calibration** (the collection's no-answer threshold): once per index generation,
  at its first search (the probe questions), then saved beside it;
* **section-aware passages** (the heading path embedded with each passage): the
  passages' encoding at index time, on a documentation collection (Flask's, fetched by
  ``scripts/fetch_collections.py``; the tests' handbook in the smoke run), with their
  heading paths and titles and without (passages/s).
"""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from retrieval import Conversation, Retriever
from retrieval.encoder import Encoder
from retrieval.evaluation import read_dialogues, read_variants
from retrieval.search.calibration import CALIBRATION_FILE

from .common import (
    ROOT,
    Context,
    Target,
    build_corpus,
    build_index,
    interleaved,
    print_table,
    ratio,
    read_passages,
    stats_ms,
    write_result,
)

NAME = "conversation"
#: p50 of a follow-up searched with its context / the same question alone.
LIMIT = 1.1
DIALOGUES = ROOT / "tests" / "data" / "dialogues.jsonl"
VARIANTS = ROOT / "tests" / "data" / "variants.jsonl"


def run(ctx: Context) -> dict[str, Any]:
    """Times follow-ups with and without their context, and the per-question checks."""
    corpus = build_corpus(ctx.profile.query_sizes[0], ctx.cache, ctx.config)
    index_dir = build_index(ctx, corpus)
    retriever = Retriever.load(index_dir)
    retriever.search("warm up the model")
    times: dict[str, list[float]] = {"alone": [], "in conversation": []}
    dialogues = read_dialogues(DIALOGUES, "seeds")
    if ctx.profile.name == "tiny":  # the smoke test: that it runs, not the figures
        dialogues = dialogues[:4]
    for dialogue in dialogues:
        conversation = Conversation(retriever)
        for turn in dialogue:
            question = turn.item.question
            text, context = conversation.resolve(question)

            def alone(q: str = question) -> Any:
                return retriever.search(q)

            def in_conversation(
                t: str = text, c: Any = context, q: str = question, chat: Any = conversation
            ) -> Any:
                chat.resolve(q)  # what the bot does per question
                return retriever.search(t, context=c)

            got = interleaved(
                {"alone": alone, "in conversation": in_conversation}, ctx.profile.repeats
            )
            if context is not None:  # a follow-up that carries the subject
                for name, values in got.items():
                    times[name].extend(values)
            conversation.ask(question)  # the turn, for the next one
    tiny = ctx.profile.name == "tiny"
    checks = _checks(retriever, index_dir, ctx.profile.repeats, tiny)
    calibration_s = _calibration_s(ctx, index_dir)
    sections = _sections(ctx, retriever.encoder, tiny)
    alone_ms, context_ms = stats_ms(times["alone"]), stats_ms(times["in conversation"])
    cost = ratio(context_ms["p50_ms"], alone_ms["p50_ms"])
    print_table(
        "9. conversations: follow-ups alone vs with their context, ms",
        ["passages", "follow-ups timed", "alone p50", "p95", "with context p50", "p95", "ratio"],
        [
            (
                corpus.describe()["passages"],
                alone_ms["n"],
                alone_ms["p50_ms"],
                alone_ms["p95_ms"],
                context_ms["p50_ms"],
                context_ms["p95_ms"],
                cost,
            )
        ],
    )
    everything = checks["everything on"]["p50_ms"]
    print_table(
        "9b. each feature's cost per question: variant questions searched with every "
        "feature on and with one off, ms",
        ["search", "p50", "p95", "questions timed", "cost per question (p50)"],
        [
            (name, s["p50_ms"], s["p95_ms"], s["n"], round(everything - s["p50_ms"], 3))
            for name, s in checks.items()
        ],
    )
    print_table(
        "9c. features that cost nothing per question",
        ["feature", "where it costs", "figure"],
        [
            ("calibration", "first search of an index generation", f"{calibration_s} s"),
            (
                "section-aware passages",
                f"indexing ({sections['collection']}, {sections['passages']} passages)",
                f"{sections['with_context_per_s']} passages/s with heading paths, "
                f"{sections['without_context_per_s']} without "
                f"({sections['ratio']} x)",
            ),
        ],
    )
    result = {
        "corpus": corpus.describe(),
        "alone": alone_ms,
        "in_conversation": context_ms,
        "ratio": cost,
        "checks": checks,
        "calibration_s": calibration_s,
        "sections": sections,
    }
    targets = [Target("follow-up with context p50 / alone", cost, LIMIT, "<=")]
    notes = [
        "The context's vector is the previous turn's (kept by the conversation), so a "
        "follow-up encodes nothing more than its own words; the extra cost is the "
        "carried words' BM25 scores and judging the question with them.",
        "Per-question costs: the variant questions (all but the other-language ones, "
        "which are refused before any search) searched with every feature on and with "
        "one off (correct_spelling off; the model taken as multilingual, which skips the "
        "language check; lead, position and document weights 0), in turn; the language "
        "identifier and the dictionary load on first use (not timed).",
        "Calibration: the first search of a copy of the index without its saved "
        "threshold, minus a search of the same question once calibrated.",
    ]
    write_result(ctx, NAME, result, targets, notes)
    return result


#: Each feature timed per question, and the settings that turn it off.
FEATURES_OFF: dict[str, dict[str, Any]] = {
    "without spelling correction": {"correct_spelling": False},
    "without the language check": {"multilingual": True},
    "without place and page in re-ranking": {
        "lead_weight": 0.0,
        "position_weight": 0.0,
        "document_weight": 0.0,
    },
}


def _checks(
    retriever: Retriever, index_dir: Path, repeats: int, few: bool
) -> dict[str, dict[str, float]]:
    questions = [v.item.question for v in read_variants(VARIANTS) if v.kind != "language"]
    questions = questions[:20] if few else questions
    searchers = {"everything on": retriever}
    for name, off in FEATURES_OFF.items():
        searchers[name] = Retriever.load(
            index_dir, retriever.config.replace(**off), encoder=retriever.encoder
        )
        searchers[name].search("warm up the model")
    timed: dict[str, list[float]] = {name: [] for name in searchers}
    for question in questions:
        got = interleaved(
            {name: (lambda q=question, r=r: r.search(q)) for name, r in searchers.items()},
            repeats,
        )
        for name, values in got.items():
            timed[name].extend(values)
    return {name: stats_ms(values) for name, values in timed.items()}


def _calibration_s(ctx: Context, index_dir: Path) -> float:
    """Seconds the first search of an index generation spends calibrating its
    no-answer threshold (on a copy without the saved one)."""
    copy = ctx.cache / "conversation" / "calibration"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(index_dir, copy)
    retriever = Retriever.load(copy)
    (retriever.info.path / CALIBRATION_FILE).unlink(missing_ok=True)
    retriever.encoder.encode(["warm up the model"], progress=False)
    started = time.perf_counter()
    retriever.search("Who invested in Pateo?")
    first = time.perf_counter() - started
    started = time.perf_counter()
    retriever.search("Who invested in Pateo?")
    again = time.perf_counter() - started
    retriever.close()
    shutil.rmtree(copy, ignore_errors=True)
    return round(first - again, 3)


def _sections(ctx: Context, encoder: Encoder, tiny: bool) -> dict[str, Any]:
    """Encoding a documentation collection's passages with their context (title and
    heading path, as indexed) and without, passages/s."""
    from .collections import collection_folder

    if tiny:
        name, folder = "handbook", ROOT / "tests" / "data" / "handbook"
    else:
        name, folder = "flask", collection_folder("flask")
    passages = read_passages(folder, ctx.config)
    if not tiny:
        passages = passages[:1000]
    # Loads the model that indexes (OpenVINO, for the onnx encoder) before timing.
    encoder.encode_with_spans([passages[0].text], [passages[0].sentence_spans()], progress=False)
    rates: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(max(1, min(ctx.profile.repeats, 3))):
        for kind, with_context in (("with", True), ("without", False)):
            texts = [p.embedding_text(True) if with_context else p.text for p in passages]
            spans = [
                p.embedding_spans(True) if with_context else p.sentence_spans() for p in passages
            ]
            started = time.perf_counter()
            encoder.encode_with_spans(texts, spans, progress=False)
            rates[kind].append(len(texts) / (time.perf_counter() - started))
    with_rate = round(statistics.median(rates["with"]), 1)
    without_rate = round(statistics.median(rates["without"]), 1)
    return {
        "collection": name,
        "passages": len(passages),
        "with_context_per_s": with_rate,
        "without_context_per_s": without_rate,
        "ratio": ratio(with_rate, without_rate),
    }
