"""Collections: named corpora, each with its own index, served by one bot to many chats.

A team's bot answers the support group from the product manual and the HR group from
the handbook. ``--collections`` names the corpora: a folder whose sub-folders are the
collections (named after them), or a YAML (or TOML) file::

    default: manual              # what a chat bound to nothing searches (optional)
    collections:
      manual:
        path: docs/manual        # relative to this file
        chats: [-1001234567890]  # chats bound to it from the start
      handbook:
        path: docs/handbook
        chats: [-1009876543210]
        users: [111111, 222222]  # only they may choose it (default: anyone allowed)
        config: handbook.json    # retrieval settings (e.g. another language)
        index_dir: /var/cache/docqa/handbook

Each :class:`Collection` is a bundle: its composer (over its own index), its query
service, conversations, feedback store and reloader. One model instance serves them
all. :class:`Collections` says which collection a chat searches: the one an admin
chose with ``/use`` (kept in :class:`~bot.bindings.Bindings`), else the file's
binding, else the default, else the only one there is.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib
import yaml

from retrieval import Encoder, RetrievalConfig, RetrievalError, Retriever, default_corpus

from .answer import AnswerComposer
from .bindings import Bindings
from .config import BotConfig, ConfigurationError
from .conversations import Conversations
from .feedback import FEEDBACK_FILE, FeedbackStore
from .reload import Reloader
from .service import QueryService

#: A collection's name: what ``/use NAME`` is typed with.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
#: Where ``/use`` keeps the chats' choices: beside the collections (a hidden file in
#: the folder form, which is never read as a collection).
BINDINGS_FILE = ".bindings.sqlite"
_FILE_SUFFIXES = (".yaml", ".yml", ".toml")


@dataclass(frozen=True)
class CollectionSpec:
    """A collection as configured.

    Attributes:
        name: its name.
        path: the folder of its documents (uploads are stored there).
        index_dir: where its index lives (None: the per-user cache folder).
        retrieval: its retrieval settings (None: the bot's).
        chats: chats bound to it by configuration.
        users: the only users who may choose it (empty: anyone the bot serves).
    """

    name: str
    path: Path
    index_dir: Path | None = None
    retrieval: RetrievalConfig | None = None
    chats: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()

    def open_to(self, user_id: int) -> bool:
        """Whether ``user_id`` may choose this collection."""
        return not self.users or user_id in self.users

    def settings(self, config: BotConfig) -> BotConfig:
        """The bot's settings for this collection alone: its folder, index folder and
        retrieval settings."""
        return config.replace(
            collections=None,
            corpus=(self.path,),
            index_dir=self.index_dir,
            retrieval=self.retrieval or config.retrieval,
        )


@dataclass(frozen=True)
class CollectionsPlan:
    """What ``--collections`` names.

    Attributes:
        specs: the collections, in the order given (folders: by name).
        default: what a chat bound to nothing searches (None: the only collection, if
            there is one; else such a chat is asked to choose).
        bindings: the SQLite file of the chats' ``/use`` choices (None: memory only).
    """

    specs: tuple[CollectionSpec, ...]
    default: str | None = None
    bindings: Path | None = None

    @classmethod
    def single(cls, config: BotConfig) -> CollectionsPlan:
        """The one collection of ``--corpus`` (named after its first folder)."""
        corpus = config.corpus[0] if config.corpus else default_corpus()
        name = _safe_name(corpus.resolve().name)
        spec = CollectionSpec(name, corpus, config.index_dir, config.retrieval)
        return cls((spec,), name)

    @classmethod
    def read(cls, path: Path) -> CollectionsPlan:
        """The collections of a folder (one per sub-folder) or of a YAML/TOML file.

        Raises:
            ConfigurationError: the folder or file is missing, unreadable or wrong (the
                message says what and where).
        """
        if path.is_dir():
            return cls._from_folder(path)
        if not path.is_file():
            raise ConfigurationError(f"--collections: no such folder or file: {path}")
        if path.suffix.lower() not in _FILE_SUFFIXES:
            raise ConfigurationError(
                f"--collections: {path.name} is not a folder, a .yaml or a .toml file"
            )
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigurationError(f"--collections: cannot read {path.name}: {reason}") from None
        return cls._from_mapping(data, path)

    @classmethod
    def _from_folder(cls, root: Path) -> CollectionsPlan:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        if not folders:
            raise ConfigurationError(
                f"--collections: {root} has no sub-folder (one per collection)"
            )
        specs = tuple(CollectionSpec(_checked_name(p.name, root), p) for p in folders)
        return cls(specs, None, root / BINDINGS_FILE)

    @classmethod
    def _from_mapping(cls, data: Any, path: Path) -> CollectionsPlan:
        where = f"--collections: {path.name}"
        if not isinstance(data, dict) or not isinstance(data.get("collections"), dict):
            raise ConfigurationError(f"{where}: expected a 'collections' mapping of names")
        unknown = set(data) - {"collections", "default", "bindings"}
        if unknown:
            raise ConfigurationError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        base = path.parent
        specs = tuple(
            _spec(_checked_name(str(name), path), entry, base, where)
            for name, entry in data["collections"].items()
        )
        if not specs:
            raise ConfigurationError(f"{where}: no collection is named")
        default = data.get("default")
        if default is not None and default not in {s.name for s in specs}:
            raise ConfigurationError(f"{where}: the default {default!r} is not a collection")
        bindings = data.get("bindings")
        bindings_path = base / str(bindings) if bindings else base / BINDINGS_FILE
        return cls(specs, default, bindings_path)


def _spec(name: str, entry: Any, base: Path, where: str) -> CollectionSpec:
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        raise ConfigurationError(f"{where}: collection {name!r} needs a 'path'")
    unknown = set(entry) - {"path", "index_dir", "config", "chats", "users"}
    if unknown:
        raise ConfigurationError(
            f"{where}: collection {name!r}: unknown key {sorted(unknown)[0]!r}"
        )
    retrieval = None
    if entry.get("config"):
        try:
            retrieval = RetrievalConfig.load(base / str(entry["config"]))
        except RetrievalError as exc:
            raise ConfigurationError(f"{where}: collection {name!r}: {exc}") from None
    return CollectionSpec(
        name=name,
        path=base / entry["path"],
        index_dir=base / str(entry["index_dir"]) if entry.get("index_dir") else None,
        retrieval=retrieval,
        chats=_ids(entry.get("chats"), f"{where}: collection {name!r}: chats"),
        users=_ids(entry.get("users"), f"{where}: collection {name!r}: users"),
    )


def _ids(value: Any, what: str) -> frozenset[int]:
    if value is None:
        return frozenset()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise ConfigurationError(f"{what} must be a list of numeric ids")
    return frozenset(items)


def _checked_name(name: str, where: Path) -> str:
    if not NAME.fullmatch(name):
        raise ConfigurationError(
            f"--collections: {where.name}: {name!r} is not a usable collection name "
            "(1-32 letters, digits, '_', '-' or '.', starting with a letter or digit)"
        )
    return name


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-._")[:32]
    return cleaned or "documents"


def open_composer(config: BotConfig, encoder: Encoder | None = None) -> AnswerComposer:
    """Builds (or brings up to date) the index of ``config``'s corpus and wraps it in a
    composer.

    Args:
        config: the settings (``corpus``, ``index_dir``, ``retrieval``, ``k``).
        encoder: an already loaded model to share (default: load the index's model).

    Raises:
        RetrievalError: the corpus or index is unusable.
    """
    retriever = Retriever.from_corpus(
        config.corpus or None, config.index_dir, config.retrieval, encoder=encoder
    )
    return AnswerComposer(retriever, k=config.k, idle_seconds=config.conversation_minutes * 60)


class Collection:
    """One collection, served: its composer, query service, conversations, feedback
    and reloader.

    Args:
        spec: what it is.
        composer: answers from its index.
        config: the bot's settings, with this collection's corpus, index folder and
            retrieval settings (see :meth:`Collections.open`).
    """

    def __init__(self, spec: CollectionSpec, composer: AnswerComposer, config: BotConfig) -> None:
        self.spec = spec
        self.name = spec.name
        self.composer = composer
        self.service = QueryService(composer, config.workers, config.max_batch)
        self.conversations = Conversations(
            composer, path=config.conversations_db, namespace=spec.name
        )
        self.feedback = (
            FeedbackStore(composer.retriever.info.path.parent / FEEDBACK_FILE, spec.name)
            if config.feedback
            else None
        )
        #: Re-indexes the folder: ``/reload``, ``--watch``, uploads and ``/forget``.
        self.reloader = Reloader.for_config(config, composer)
        #: A short stable id of the name, for buttons (64 bytes of callback data).
        self.tag = hashlib.blake2b(spec.name.encode(), digest_size=4).hexdigest()

    @property
    def folder(self) -> Path:
        """The folder of its documents."""
        return self.spec.path

    async def stop(self) -> None:
        """Stops its query service."""
        await self.service.stop()

    def close(self) -> None:
        """Closes its SQLite files."""
        self.conversations.close()
        if self.feedback is not None:
            self.feedback.close()


@dataclass
class Collections:
    """The collections one bot serves, and which one each chat searches.

    Attributes:
        items: the collections, by name (in the configured order).
        default: what a chat bound to nothing searches (None: see :meth:`for_chat`).
        bindings: the chats' ``/use`` choices.
    """

    items: dict[str, Collection]
    default: str | None = None
    bindings: Bindings = field(default_factory=Bindings)

    @classmethod
    def open(
        cls, plan: CollectionsPlan, config: BotConfig, encoder: Encoder | None = None
    ) -> Collections:
        """Indexes (or brings up to date) every collection of ``plan``, sharing one
        model per model name.

        Raises:
            RetrievalError: a collection's folder or index is unusable (the message
                names the collection).
        """
        encoders: dict[str, Encoder] = {}
        if encoder is not None:
            encoders[encoder.name] = encoder
        items: dict[str, Collection] = {}
        for spec in plan.specs:
            own = spec.settings(config)
            model = own.retrieval.model
            if model not in encoders:
                encoders[model] = Encoder.of(own.retrieval)
            try:
                composer = open_composer(own, encoders[model])
            except RetrievalError as exc:
                raise type(exc)(f"collection {spec.name!r}: {exc}") from exc
            items[spec.name] = Collection(spec, composer, own)
        configured = {chat: spec.name for spec in plan.specs for chat in spec.chats}
        return cls(items, plan.default, Bindings(plan.bindings, configured))

    @classmethod
    def single(cls, config: BotConfig, composer: AnswerComposer) -> Collections:
        """The one collection of ``--corpus``, already opened as ``composer``."""
        spec = CollectionsPlan.single(config).specs[0]
        return cls({spec.name: Collection(spec, composer, config)}, spec.name)

    def __iter__(self) -> Iterator[Collection]:
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    def get(self, name: str) -> Collection | None:
        """The collection named ``name`` (case-insensitive), if there is one."""
        found = self.items.get(name)
        if found is None:
            found = next((c for c in self if c.name.lower() == name.lower()), None)
        return found

    def by_tag(self, tag: str) -> Collection | None:
        """The collection whose :attr:`Collection.tag` is ``tag``."""
        return next((c for c in self if c.tag == tag), None)

    def for_chat(self, chat_id: int, private: bool = False) -> Collection | None:
        """What ``chat_id`` searches: its ``/use`` choice, else its configured binding,
        else the default, else the only collection (None: it must choose first).

        Args:
            chat_id: the chat (a private chat's id is its user's).
            private: the chat is private: a default or only collection closed to its
                user is not chosen for it.
        """
        name = self.bindings.get(chat_id)
        chosen = self.items.get(name) if name is not None else None
        if chosen is not None:
            return chosen
        fallback = self.items.get(self.default) if self.default else None
        if fallback is None and len(self.items) == 1:
            fallback = next(iter(self))
        if fallback is not None and private and not fallback.spec.open_to(chat_id):
            return None
        return fallback

    def visible_to(self, user_id: int, admin: bool = False) -> list[Collection]:
        """The collections ``user_id`` may choose (a bot admin: all of them)."""
        return [c for c in self if admin or c.spec.open_to(user_id)]

    def bind(self, chat_id: int, collection: Collection) -> None:
        """Binds ``chat_id`` to ``collection`` (``/use``) from now on."""
        self.bindings.set(chat_id, collection.name)

    async def stop(self) -> None:
        """Stops every collection's query service."""
        for collection in self:
            await collection.stop()

    def close(self) -> None:
        """Closes every collection's files and the bindings."""
        for collection in self:
            collection.close()
        self.bindings.close()
