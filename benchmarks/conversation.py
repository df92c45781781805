"""9. The cost of conversations, spelling correction and the language check.

Over the query-latency corpus of the smallest size (``seeds/`` and BBC articles), the
follow-up turns of the seeds dialogues (``tests/data/dialogues.jsonl``) are timed two
ways, in turn: asked alone (``search(question)``) and asked in their conversation
(``Conversation.resolve`` + ``search(question, context=...)``, the previous turn
already searched). The issue's target: a question with context within 1.1 x one
without (p50).

Spelling correction and the language check run on every question, with or without a
conversation: their cost per question is timed on the variant questions
(``tests/data/variants.jsonl``: misspelt, keyword, long and other-language questions),
apart from the search.
"""

from __future__ import annotations

from typing import Any

from retrieval import Conversation, Retriever
from retrieval.evaluation import read_dialogues, read_variants

from .common import (
    ROOT,
    Context,
    Target,
    build_corpus,
    build_index,
    interleaved,
    print_table,
    ratio,
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
    unchecked = Retriever.load(
        index_dir, retriever.config.replace(correct_spelling=False, multilingual=True)
    )
    checks = _checks(retriever, unchecked, ctx.profile.repeats, ctx.profile.name == "tiny")
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
    print_table(
        "9b. spelling correction and the language check: variant questions searched "
        "with and without them, ms",
        ["search", "p50", "p95", "questions timed"],
        [(name, s["p50_ms"], s["p95_ms"], s["n"]) for name, s in checks.items()],
    )
    result = {
        "corpus": corpus.describe(),
        "alone": alone_ms,
        "in_conversation": context_ms,
        "ratio": cost,
        "checks": checks,
    }
    targets = [Target("follow-up with context p50 / alone", cost, LIMIT, "<=")]
    notes = [
        "The context's vector is the previous turn's (kept by the conversation), so a "
        "follow-up encodes nothing more than its own words; the extra cost is the "
        "carried words' BM25 scores and judging the question with them.",
        "Spelling correction and the language check: the variant questions (all but the "
        "other-language ones, which are refused before any search) searched with them and "
        "without (correct_spelling off, the model taken as multilingual), in turn; the "
        "language identifier and the dictionary load on first use (not timed).",
    ]
    write_result(ctx, NAME, result, targets, notes)
    return result


def _checks(
    retriever: Retriever, unchecked: Retriever, repeats: int, few: bool
) -> dict[str, dict[str, float]]:
    questions = [v.item.question for v in read_variants(VARIANTS) if v.kind != "language"]
    questions = questions[:20] if few else questions
    unchecked.search("warm up the model")
    timed: dict[str, list[float]] = {"with the checks": [], "without": []}
    for question in questions:
        got = interleaved(
            {
                "with the checks": lambda q=question: retriever.search(q),
                "without": lambda q=question: unchecked.search(q),
            },
            repeats,
        )
        for name, values in got.items():
            timed[name].extend(values)
    return {name: stats_ms(values) for name, values in timed.items()}
