"""Collections: what ``--collections`` names (a folder or a YAML/TOML file, and its
errors), which collection each chat searches, who may choose which, and bindings kept
across restarts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.bindings import Bindings
from bot.collections import BINDINGS_FILE, Collections, CollectionsPlan
from bot.config import BotConfig, ConfigurationError, Mode
from retrieval import Encoder
from tests.support.paths import ROOT, SEEDS

HANDBOOK = ROOT / "tests" / "data" / "handbook"


def test_a_folder_names_one_collection_per_sub_folder(tmp_path: Path) -> None:
    for name in ("manual", "handbook", ".hidden"):
        (tmp_path / name).mkdir()
    plan = CollectionsPlan.read(tmp_path)
    assert [s.name for s in plan.specs] == ["handbook", "manual"]
    assert plan.default is None and plan.bindings == tmp_path / BINDINGS_FILE


def test_a_yaml_file_names_paths_bindings_and_users(tmp_path: Path) -> None:
    (tmp_path / "handbook.json").write_text('{"dense_weight": 0.7}', encoding="utf-8")
    (tmp_path / "teams.yaml").write_text(
        "default: manual\n"
        "collections:\n"
        "  manual: docs/manual\n"
        "  handbook:\n"
        "    path: docs/handbook\n"
        "    chats: [-100123]\n"
        "    users: [7, 8]\n"
        "    config: handbook.json\n"
        "    index_dir: cache/handbook\n",
        encoding="utf-8",
    )
    plan = CollectionsPlan.read(tmp_path / "teams.yaml")
    manual, handbook = plan.specs
    assert plan.default == "manual"
    assert manual.path == tmp_path / "docs/manual" and manual.users == frozenset()
    assert handbook.chats == {-100123} and handbook.users == {7, 8}
    assert handbook.index_dir == tmp_path / "cache/handbook"
    assert handbook.retrieval is not None and handbook.retrieval.dense_weight == 0.7
    assert handbook.open_to(7) and not handbook.open_to(9) and manual.open_to(9)


def test_a_toml_file_works_too(tmp_path: Path) -> None:
    (tmp_path / "teams.toml").write_text(
        '[collections.manual]\npath = "manual"\nchats = [-5]\n', encoding="utf-8"
    )
    [spec] = CollectionsPlan.read(tmp_path / "teams.toml").specs
    assert spec.name == "manual" and spec.chats == {-5}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("collections: [a, b]\n", "expected a 'collections' mapping"),
        ("collections:\n  a: {chats: [1]}\n", "collection 'a' needs a 'path'"),
        ("collections:\n  a: {path: x, chat: [1]}\n", "unknown key 'chat'"),
        ("collections:\n  a: {path: x, users: [bob]}\n", "must be a list of numeric ids"),
        ("collections:\n  'my docs': x\n", "not a usable collection name"),
        ("default: b\ncollections:\n  a: x\n", "the default 'b' is not a collection"),
        ("collections: {}\n", "no collection is named"),
        ("collections:\n  a: [x\n", "cannot read teams.yaml"),
        ("colections:\n  a: x\n", "expected a 'collections' mapping"),
    ],
)
def test_a_wrong_file_says_what_is_wrong(tmp_path: Path, text: str, error: str) -> None:
    (tmp_path / "teams.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=error) as caught:
        CollectionsPlan.read(tmp_path / "teams.yaml")
    assert "\n" not in str(caught.value)


def test_missing_or_empty_collections_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no such folder or file"):
        CollectionsPlan.read(tmp_path / "nowhere")
    with pytest.raises(ConfigurationError, match="no sub-folder"):
        CollectionsPlan.read(tmp_path)
    (tmp_path / "teams.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"not a folder, a \.yaml or a \.toml"):
        CollectionsPlan.read(tmp_path / "teams.txt")


def test_collections_cannot_be_mixed_with_a_corpus() -> None:
    with pytest.raises(ConfigurationError, match="cannot be used with --corpus"):
        BotConfig(collections=Path("teams.yaml"), corpus=(Path("docs"),))
    with pytest.raises(ConfigurationError, match="in the console"):
        BotConfig(collections=Path("teams.yaml"), mode=Mode.CONSOLE)
    with pytest.raises(ConfigurationError, match="--max-upload-mb"):
        BotConfig(max_upload_mb=21)


def test_bindings_are_kept_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "bindings.sqlite"
    bindings = Bindings(path, {-5: "manual"})
    assert bindings.get(-5) == "manual" and bindings.get(-6) is None
    bindings.set(-5, "handbook")
    bindings.set(42, "manual")
    bindings.close()
    again = Bindings(path, {-5: "manual"})
    assert again.get(-5) == "handbook" and again.get(42) == "manual"
    assert "42" not in path.read_bytes().decode("latin-1")  # chat ids are hashed
    again.close()


@pytest.fixture(scope="module")
def collections(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Collections:
    root = tmp_path_factory.mktemp("collections")
    shutil.copytree(SEEDS, root / "news")
    shutil.copytree(HANDBOOK, root / "handbook")
    (root / "teams.yaml").write_text(
        "collections:\n"
        "  news: {path: news, index_dir: idx/news, chats: [-1]}\n"
        "  handbook: {path: handbook, index_dir: idx/handbook, chats: [-2], users: [7]}\n",
        encoding="utf-8",
    )
    plan = CollectionsPlan.read(root / "teams.yaml")
    opened = Collections.open(plan, BotConfig(collections=root / "teams.yaml"), encoder)
    yield opened
    opened.close()


def test_each_chat_searches_its_collection_with_one_model(collections: Collections) -> None:
    news, handbook = collections.get("news"), collections.get("HANDBOOK")
    assert news is not None and handbook is not None
    assert news.composer.retriever.encoder is handbook.composer.retriever.encoder
    assert collections.for_chat(-1) is news and collections.for_chat(-2) is handbook
    # No default and two collections: an unbound chat chooses first.
    assert collections.for_chat(-3) is None
    answer = handbook.composer.answer("How many days of paid annual leave are there?")
    assert answer.hits and all(h.source.endswith(".md") for h in answer.hits)
    assert all(h.source.endswith(".txt") for h in news.composer.answer("Pateo").hits)


def test_choosing_a_collection_respects_its_users(collections: Collections) -> None:
    assert [c.name for c in collections.visible_to(9)] == ["news"]
    assert [c.name for c in collections.visible_to(7)] == ["news", "handbook"]
    assert len(collections.visible_to(9, admin=True)) == 2
    handbook = collections.get("handbook")
    assert handbook is not None
    collections.bind(-3, handbook)
    assert collections.for_chat(-3) is handbook
    collections.bind(-1, handbook)  # an admin's /use overrides the configured binding
    assert collections.for_chat(-1) is handbook
    assert collections.by_tag(handbook.tag) is handbook
