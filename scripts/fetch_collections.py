"""Fetches the documentation collections of the development question sets, and a large
one to index, from Debian.

Usage::

    python scripts/fetch_collections.py [--dest DIR] [NAME ...]

Each collection is the documentation a Debian package ships: the package is fetched
with ``apt-get download`` (no root needed) into ``DEST/.packages/``, unpacked there with
``dpkg -x``, and the pages a user would index are copied into ``DEST/<name>/``. A
collection already present (its ``DEST/<name>.json`` written) is left as it is, so the
script can run again at no cost; delete the folder and its ``.json`` to fetch it anew.

``DEST`` is ``--dest``, else ``$DOCQA_COLLECTIONS``, else ``~/.cache/docqa/collections``.
The bot never needs these: only the slow tests, ``python -m benchmarks.collections``
(the collections of ``COLLECTIONS``) and ``python -m benchmarks.large_collection``
(``LARGE_COLLECTIONS``) read them. Standard library only, so that it runs before the
project is installed.

The collections (``NAME``; all of them when none is given):

* ``git``: ``git-doc``, every HTML page under ``usr/share/doc/git-doc`` (the user
  manual, the command and concept pages, ``howto/`` and ``technical/``), not the
  AsciiDoc ``.txt`` sources of the same pages; symbolic links (``index.html`` is
  ``git.html``) are left out as duplicates.
* ``sqlite``: ``sqlite3-doc``, the HTML pages at the top of ``usr/share/doc/sqlite3``.
  Its sub-folders are left out: ``c3ref/`` and ``session/`` split ``capi3ref.html`` and
  ``session.html`` one function a page, ``releaselog/`` splits ``changes.html`` one
  release a page, and ``syntax/`` holds the syntax diagrams. So are five generated
  pages that repeat the others' sentences rather than document anything: the
  requirements matrix (``requirements.html``, a fifth of the site's text, every
  requirement a sentence copied from a page) and the four cross-reference indexes
  (``doc_*_crossref.html``).
* ``nodejs``: ``nodejs-doc``, the Markdown sources of the Node.js API reference
  (``usr/share/doc/nodejs/api/*.md``, most of them gzipped by Debian and written here
  uncompressed), not the HTML and JSON built from them.
* ``flask``: ``python-flask-doc``, Flask's documentation as Sphinx builds it (every
  page under ``usr/share/doc/python-flask-doc/html``, sub-folders included), not the
  reStructuredText sources in ``_sources/`` (``*.rst.txt``); the generated index,
  module index and search pages (links and a script, no text) are left out.

And the large collection, without a question set:

* ``postgresql``: ``postgresql-doc-15`` (or ``-16``, ``-17``: the first that
  ``apt-get download`` finds, 15 being Debian 12's), the PostgreSQL manual, one HTML
  page per section (about 1,170), indexed by ``python -m benchmarks.large_collection``
  (time and memory of indexing 1,000 pages). The generated book index
  (``bookindex.html``, the largest page, every entry a list of links) is left out.
"""

from __future__ import annotations

import argparse
import fnmatch
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class FetchError(Exception):
    """A step failed; the message is one line for the user."""


@dataclass(frozen=True)
class Collection:
    """One documentation collection and where it comes from.

    Attributes:
        name: folder name under the destination, and the question set's suffix.
        package: the Debian package that ships it.
        root: the folder inside the package the pages are copied from (their paths
            under it become the index's source names).
        patterns: file name patterns (``fnmatch``) of the pages; a page ending in
            ``.gz`` is written uncompressed without that ending.
        recursive: whether sub-folders of ``root`` are included.
        exclude: file names (patterns) left out, with the reason in the module doc.
        alternatives: other packages that ship the same pages, tried in order when
            ``package`` cannot be downloaded (another release's version of it).
            ``{package}`` in ``root`` is the package chosen.
    """

    name: str
    package: str
    root: str
    patterns: tuple[str, ...]
    recursive: bool
    exclude: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()

    @property
    def packages(self) -> tuple[str, ...]:
        """The packages that can provide the collection, in the order they are tried."""
        return (self.package, *self.alternatives)


#: The collections of the question sets ``tests/data/dev_<name>.jsonl``.
COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        Collection("git", "git-doc", "usr/share/doc/git-doc", ("*.html",), recursive=True),
        Collection(
            "sqlite",
            "sqlite3-doc",
            "usr/share/doc/sqlite3",
            ("*.html",),
            recursive=False,
            exclude=("requirements.html", "doc_*_crossref.html"),
        ),
        Collection(
            "nodejs",
            "nodejs-doc",
            "usr/share/doc/nodejs/api",
            ("*.md", "*.md.gz"),
            recursive=False,
        ),
        Collection(
            "flask",
            "python-flask-doc",
            "usr/share/doc/python-flask-doc/html",
            ("*.html",),
            recursive=True,
            exclude=("genindex.html", "search.html", "py-modindex.html"),
        ),
    )
}
#: Collections without a question set: what indexing a large collection costs.
LARGE_COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        Collection(
            "postgresql",
            "postgresql-doc-15",
            "usr/share/doc/{package}/html",
            ("*.html",),
            recursive=False,
            exclude=("bookindex.html",),
            alternatives=("postgresql-doc-16", "postgresql-doc-17"),
        ),
    )
}
#: What the script fetches when no collection is named.
ALL_COLLECTIONS: dict[str, Collection] = {**COLLECTIONS, **LARGE_COLLECTIONS}


def default_dest() -> Path:
    """``$DOCQA_COLLECTIONS``, else ``~/.cache/docqa/collections``."""
    configured = os.environ.get("DOCQA_COLLECTIONS")
    return Path(configured) if configured else Path.home() / ".cache" / "docqa" / "collections"


def manifest_path(dest: Path, name: str) -> Path:
    """Where the record of a fetched collection is kept (beside its folder, not in it,
    so that indexing the folder never reads it). Written last: it marks completion."""
    return dest / f"{name}.json"


def is_fetched(dest: Path, name: str) -> bool:
    """Whether ``DEST/<name>/`` is complete."""
    return manifest_path(dest, name).is_file() and (dest / name).is_dir()


def _run(command: list[str], cwd: Path) -> str:
    """Runs a command; its stdout, or FetchError with the last line it printed."""
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise FetchError(f"{command[0]} is not installed (a Debian system is needed)") from exc
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        why = lines[-1].strip() if lines else f"exit code {done.returncode}"
        raise FetchError(f"{' '.join(command)} failed: {why}")
    return done.stdout


def download(package: str, cache: Path) -> Path:
    """The package's ``.deb`` in ``cache``, downloaded unless one is there already."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"{package}_*.deb"))
    if not found:
        _run(["apt-get", "download", package], cache)
        found = sorted(cache.glob(f"{package}_*.deb"))
    if not found:
        raise FetchError(f"apt-get download {package} left no {package}_*.deb in {cache}")
    return found[-1]


def download_any(packages: tuple[str, ...], cache: Path) -> tuple[Path, str]:
    """The ``.deb`` of the first of ``packages`` already in ``cache``, else of the first
    that downloads; with that package's name.

    Raises:
        FetchError: none of them could be downloaded (the first one's error).
    """
    for package in packages:
        found = sorted(cache.glob(f"{package}_*.deb")) if cache.is_dir() else []
        if found:
            return found[-1], package
    errors: list[FetchError] = []
    for package in packages:
        try:
            return download(package, cache), package
        except FetchError as exc:
            errors.append(exc)
    if len(packages) == 1:
        raise errors[0]
    raise FetchError(f"none of {', '.join(packages)} could be downloaded: {errors[0]}")


def pages(collection: Collection, root: Path) -> Iterator[Path]:
    """The files of ``collection`` under the unpacked package's ``root``, in name order:
    regular files only (a link repeats a page it points to)."""
    candidates = root.rglob("*") if collection.recursive else root.glob("*")
    for path in sorted(candidates):
        name = path.name
        if path.is_symlink() or not path.is_file():
            continue
        if not any(fnmatch.fnmatch(name, p) for p in collection.patterns):
            continue
        if any(fnmatch.fnmatch(name, p) for p in collection.exclude):
            continue
        yield path


def fetch(collection: Collection, dest: Path) -> tuple[Path, bool]:
    """Makes ``DEST/<name>/``; returns it and whether anything was fetched (False when
    it was already there).

    Raises:
        FetchError: a tool is missing, the download failed, or the package does not
            hold the expected pages.
    """
    folder = dest / collection.name
    if is_fetched(dest, collection.name):
        return folder, False
    deb, package = download_any(collection.packages, dest / ".packages")
    with tempfile.TemporaryDirectory(prefix=f".{collection.name}-", dir=dest) as tmp:
        unpacked = Path(tmp) / "unpacked"
        try:
            _run(["dpkg", "-x", str(deb), str(unpacked)], dest)
        except FetchError as exc:
            # A broken download would otherwise be reused by every later run.
            deb.unlink(missing_ok=True)
            raise FetchError(f"{exc} (removed {deb.name}: run again to download it anew)") from exc
        root_name = collection.root.format(package=package)
        root = unpacked / root_name
        if not root.is_dir():
            raise FetchError(f"{deb.name} has no {root_name}/")
        # Written beside the final folder and renamed into place, so that an interrupted
        # run never leaves a half-filled collection that looks complete.
        staging = Path(tmp) / "pages"
        count = 0
        for page in pages(collection, root):
            relative = page.relative_to(root)
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if page.suffix == ".gz":
                with gzip.open(page, "rb") as src, open(target.with_suffix(""), "wb") as out:
                    shutil.copyfileobj(src, out)
            else:
                shutil.copyfile(page, target)
            count += 1
        if count == 0:
            raise FetchError(f"{deb.name} holds no {' or '.join(collection.patterns)} files")
        version = _run(["dpkg-deb", "-f", str(deb), "Version"], dest).strip()
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    record = {
        "name": collection.name,
        "package": package,
        "version": version,
        "deb": deb.name,
        "root": root_name,
        "files": count,
    }
    manifest_path(dest, collection.name).write_text(json.dumps(record, indent=2) + "\n")
    return folder, True


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python scripts/fetch_collections.py",
        description="Fetch documentation collections from Debian packages.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"collections to fetch (default: all): {', '.join(ALL_COLLECTIONS)}",
    )
    parser.add_argument(
        "--dest",
        type=Path,
        default=None,
        help="destination folder (default: $DOCQA_COLLECTIONS or ~/.cache/docqa/collections)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in ALL_COLLECTIONS]
    if unknown:
        parser.error(
            f"unknown collection {unknown[0]!r} (choose from {', '.join(ALL_COLLECTIONS)})"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    dest: Path = (args.dest or default_dest()).expanduser()
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for name in args.names or list(ALL_COLLECTIONS):
            folder, fetched = fetch(ALL_COLLECTIONS[name], dest)
            files = json.loads(manifest_path(dest, name).read_text())["files"]
            state = "fetched" if fetched else "already present"
            print(f"{name}: {files} files in {folder} ({state})")
    except (FetchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
