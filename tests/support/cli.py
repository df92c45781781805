"""Running the project's command lines: in-process (``bot.cli.main``,
``retrieval.cli.main``; no interpreter start, no ``import torch`` per run) or as a real
``python -m`` subprocess (for what only a process shows: signals, exit codes of the
interpreter, everything written to the file descriptors)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from tests.support.paths import ROOT


@dataclass(frozen=True)
class Outcome:
    """How a command line ended: its exit code and what it printed.

    ``CompletedProcess``-like (``returncode``, ``stdout``, ``stderr``), so that one check
    serves in-process and subprocess runs.
    """

    returncode: int
    stdout: str
    stderr: str


def clean_environ(**extra: str) -> dict[str, str]:
    """``os.environ`` without the developer's ``TELEGRAM_*`` settings, offline, plus
    ``extra``: the outcome must not depend on the shell the tests run from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(HF_HUB_OFFLINE="1", PYTHONIOENCODING="utf-8")
    env.update(extra)
    return env


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    """The command lines set up logging for a process (``basicConfig(force=True)``,
    logger levels); put the test process's set-up (pytest's capture handlers) back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
        for name, logger in logging.Logger.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.setLevel(levels.get(name, logging.NOTSET))


def run_in_process(
    main: Callable[[], int | None],
    stdin: str = "",
    out: io.StringIO | None = None,
    err: io.StringIO | None = None,
) -> Outcome:
    """Calls ``main`` as ``python -m`` would: ``sys.exit(main())``, with stdin, stdout
    and stderr replaced (by ``out`` and ``err`` if given, to read them as it runs); an
    uncaught exception is printed as a traceback on stderr and exits 1, as the
    interpreter does."""
    out = io.StringIO() if out is None else out
    err = io.StringIO() if err is None else err
    code: int
    with (
        _logging_restored(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _stdin(stdin),
    ):
        try:
            result = main()
            code = 0 if result is None else int(result)
        except SystemExit as exc:  # argparse, sys.exit
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
    return Outcome(code, out.getvalue(), err.getvalue())


class BackgroundRun:
    """A command line's ``main`` running in a thread, as :func:`run_in_process` runs it,
    for commands that run until stopped (``index --watch``): read what it has printed
    so far with :meth:`output`, and :meth:`join` it once it has been told to stop.

    stdout and stderr are the process's while it runs: the test's own thread must not
    print meanwhile.

    Args:
        main: the command line, e.g. ``lambda: main(argv, stop=event)``.
    """

    def __init__(self, main: Callable[[], int | None]) -> None:
        self._out, self._err = io.StringIO(), io.StringIO()
        self._outcome: Outcome | None = None
        self._thread = threading.Thread(target=self._run, args=(main,), name="main")
        self._thread.start()

    def _run(self, main: Callable[[], int | None]) -> None:
        self._outcome = run_in_process(main, out=self._out, err=self._err)

    def output(self) -> str:
        """stdout, then stderr, as printed so far."""
        return self._out.getvalue() + self._err.getvalue()

    def join(self, timeout: float) -> Outcome:
        """Waits for ``main`` to return.

        Raises:
            TimeoutError: it still runs after ``timeout`` seconds.
        """
        self._thread.join(timeout)
        if self._outcome is None:
            raise TimeoutError(f"still running after {timeout} s; output:\n{self.output()}")
        return self._outcome


@contextlib.contextmanager
def _stdin(text: str) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


def bot_main(args: Sequence[str], environ: Mapping[str, str] | None = None) -> Outcome:
    """``python -m bot ARGS`` in-process, with ``environ`` (default: a clean one)."""
    from bot.cli import main

    env = clean_environ() if environ is None else dict(environ)
    return run_in_process(lambda: main(list(args), env))


def retrieval_main(args: Sequence[str]) -> Outcome:
    """``python -m retrieval ARGS`` in-process."""
    from retrieval.cli import main

    return run_in_process(lambda: main(list(args)))


def run_module(
    module: str,
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` as a real subprocess in the project folder (stdin
    empty, output captured, a clean environment unless ``env`` is given)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(env) if env is not None else clean_environ(),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
