"""Small file systems for the tests of full and read-only disks: a real tmpfs mounted
for the test (root only; elsewhere the test is skipped, saying why)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (as mount takes it: "256k") mounted at ``path`` (created).

    Skips the test when it cannot be mounted (not root, no mount namespace rights).
    """
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        # Lazy: a file the test left open must not leave the mount behind.
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount_read_only(path: Path) -> None:
    """Makes the tmpfs at ``path`` read-only (for root too, unlike ``chmod``)."""
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
