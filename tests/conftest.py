"""Shared fixtures: the real model and a real index over seeds/, built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from retrieval import RetrievalConfig, Retriever
from retrieval.encoder import Encoder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The real all-MiniLM-L6-v2, loaded once."""
    config = RetrievalConfig()
    return Encoder(config.model, config.batch_size)


@pytest.fixture(scope="session")
def seeds_index_dir(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    index_dir = tmp_path_factory.mktemp("seeds-index")
    Retriever.from_corpus(SEEDS, index_dir, encoder=encoder)
    return index_dir


@pytest.fixture(scope="session")
def seeds_retriever(seeds_index_dir: Path, encoder: Encoder) -> Retriever:
    """A retriever over seeds/ (read-only: tests must not change it)."""
    return Retriever.from_corpus(SEEDS, seeds_index_dir, encoder=encoder)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of seeds/."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder
