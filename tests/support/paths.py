"""Where things are, defined once for every test."""

from __future__ import annotations

from pathlib import Path

#: The project's root folder.
ROOT = Path(__file__).resolve().parents[2]
#: The default collection: three news articles.
SEEDS = ROOT / "seeds"
#: The project's own development questions over ``seeds/``.
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"
#: Three-turn dialogues (seeds and Flask's documentation) and variant questions (typos,
#: lower case, keywords, long, other languages).
DIALOGUES = ROOT / "tests" / "data" / "dialogues.jsonl"
VARIANTS = ROOT / "tests" / "data" / "variants.jsonl"
#: Read-only third-party data beside the project (never copied into it).
SHARED = ROOT.parent / "shared"
#: 2,225 BBC news articles (JSON Lines, gzip'd).
BBC_NEWS = SHARED / "data" / "news" / "bbc-news.jsonl.gz"
#: The BEIR SciFact set.
SCIFACT = SHARED / "data" / "scifact"
