"""Finding a corpus's document files and hashing them.

Folders users point at were often not written by them (archives, exports, a whole
disk by mistake), so nothing found here is trusted: only regular files are read, and
no further than the size limit; names that are not UTF-8 are escaped; system pseudo
filesystems (``/proc``, ``/sys``, ``/dev``) are not walked; and skipped files are
reported by name only up to a point (:class:`~.skips.SkipLog`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from .clean import file_name_text
from .formats import STREAMED_SUFFIXES, SUFFIXES
from .formats.base import MAX_FILE_BYTES, UnreadableFile, file_kind, open_regular
from .skips import SkipLog

logger = logging.getLogger(__name__)

# File systems that hold the kernel's view of the machine, not documents: their files
# report size 0, and some block when read (/proc/kmsg) or never end (/dev/zero).
_PSEUDO_FILESYSTEMS = frozenset(
    """proc sysfs devtmpfs devpts cgroup cgroup2 debugfs tracefs securityfs pstore bpf
    configfs fusectl mqueue hugetlbfs autofs binfmt_misc efivarfs rpc_pipefs nsfs""".split()
)


@dataclass(frozen=True)
class SourceFile:
    """A file found in the corpus, not yet parsed.

    Attributes:
        path: where it is (as the file system names it).
        source: its name in the index: its path relative to the corpus folder (or its
            file name), as valid text (see :func:`~.clean.file_name_text`).
        content_hash: a hash of its bytes.
    """

    path: Path
    source: str
    content_hash: str


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[SourceFile]:
    """Finds the document files under ``paths`` and hashes them.

    Folders are walked recursively, without following symbolic links to folders (no
    loops) and skipping hidden folders and system pseudo filesystems. Files of other
    types are ignored; special files, empty files and files over the size limit are
    skipped with a warning.

    Raises:
        CorpusError: a path does not exist or is a system pseudo filesystem, or no
            document file was found.
    """
    found: dict[str, SourceFile] = {}
    given = [Path(p) for p in paths]
    if not given:
        raise CorpusError("no corpus path given")
    mounts = _mounts()
    skips = SkipLog(logger)
    for root in given:
        if not root.exists():
            raise CorpusError(f"corpus path not found: {file_name_text(str(root))}")
        system = _pseudo_filesystem(root.resolve(), mounts)
        if system is not None:
            raise CorpusError(
                f"{file_name_text(str(root))} is a system pseudo filesystem ({system}), "
                "not documents"
            )
        for path, source in _walk(root, mounts, skips):
            digest = _hash_file(path, skips)
            if digest is not None and source not in found:
                found[source] = SourceFile(path, source, digest)
    skips.close()
    if not found:
        names = ", ".join(file_name_text(str(p)) for p in given)
        kinds = ", ".join(sorted(SUFFIXES))
        raise CorpusError(f"no documents ({kinds}) found in {names}")
    return sorted(found.values(), key=lambda f: f.source)


def _walk(root: Path, mounts: dict[Path, str], skips: SkipLog) -> Iterator[tuple[Path, str]]:
    if not root.is_dir():
        yield root, file_name_text(root.name)
        return
    suffixes = tuple(SUFFIXES)
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in [d for d in dirs if (Path(folder) / d).is_symlink()]:
            # Not followed: a link to a folder may loop back into the corpus.
            skips.skip(Path(folder) / name, "symbolic link to a folder (not followed)")
            dirs.remove(name)
        here = Path(os.path.abspath(folder))  # mount points are absolute
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and mounts.get(here / d) not in _PSEUDO_FILESYSTEMS
        )
        for name in sorted(files):
            path = Path(folder) / name
            if name.lower().endswith(suffixes) and not name.startswith("."):
                yield path, file_name_text(path.relative_to(root).as_posix())


def _hash_file(path: Path, skips: SkipLog) -> str | None:
    """The file's content hash, or None after a warning if it is not read."""
    try:
        info = os.stat(path)  # follows a link: a link to a regular file is read
    except OSError as exc:
        skips.skip(path, f"cannot read the file: {exc.strerror or exc}")
        return None
    streamed = path.name.lower().endswith(STREAMED_SUFFIXES)
    why = None
    if not stat.S_ISREG(info.st_mode):
        why = f"not a regular file ({file_kind(info.st_mode)})"
    elif info.st_size == 0:
        why = "empty file"
    elif info.st_size > MAX_FILE_BYTES and not streamed:
        why = f"larger than {MAX_FILE_BYTES >> 20} MB"
    if why is not None:
        skips.skip(path, why)
        return None
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open_regular(path) as f:
            left = info.st_size  # what was measured: a growing file is not read on
            while left > 0 and (block := f.read(min(left, 1 << 20))):
                digest.update(block)
                left -= len(block)
    except UnreadableFile as exc:
        skips.skip(path, str(exc))
        return None
    except OSError as exc:
        skips.skip(path, f"cannot read the file: {exc.strerror or exc}")
        return None
    return digest.hexdigest()


def _mounts() -> dict[Path, str]:
    """Every mount point and its filesystem type (none off Linux)."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError:
        return {}
    mounts: dict[Path, str] = {}
    for line in lines:
        fields = line.split()
        if len(fields) >= 3:
            # The file writes a space, tab or backslash in a path as an octal escape.
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[1])
            mounts[Path(point)] = fields[2]
    return mounts


def _pseudo_filesystem(path: Path, mounts: dict[Path, str]) -> str | None:
    """The type of the system pseudo filesystem ``path`` is on, if it is on one."""
    for folder in (path, *path.parents):  # the nearest mount point holds it
        if folder in mounts:
            kind = mounts[folder]
            return kind if kind in _PSEUDO_FILESYSTEMS else None
    return None
