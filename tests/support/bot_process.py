"""The real bot, ``python -m bot``, as a subprocess against the emulator
(:class:`BotProcess`)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.support.emulator import Emulator
from tests.support.emulator_client import EmulatorError
from tests.support.paths import ROOT as PROJECT_ROOT
from tests.support.waiting import wait_for


class BotProcess:
    """Runs the real bot, ``python -m bot``, as a subprocess against the emulator.

    Output goes to ``stdout.txt``/``stderr.txt`` in ``workdir`` (read with
    :meth:`output`). :meth:`start` returns once the bot polls (its first getUpdates
    call) or, with ``--webhook-url``, once its webhook is registered and its
    webhook server accepts connections. Context manager.

    Args:
        emulator: The running emulator (its ``api_url`` is passed as ``--api-url``).
        token: The bot's token (``--token``).
        args: Further command-line arguments (``--index-dir``, ``--allow``...).
        workdir: Folder for the output files.
        env: Extra environment variables.
        startup_timeout: Seconds to wait for the bot to be ready.
    """

    def __init__(
        self,
        emulator: Emulator,
        token: str,
        args: list[str],
        workdir: Path,
        *,
        env: dict[str, str] | None = None,
        startup_timeout: float = 90.0,
    ) -> None:
        self.emulator = emulator
        self.token = token
        self.args = list(args)
        self.workdir = Path(workdir)
        self.env = env or {}
        self.startup_timeout = startup_timeout
        self.returncode: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        """The full command line (contains the token: never print it)."""
        return [
            sys.executable,
            "-m",
            "bot",
            "--token",
            self.token,
            "--api-url",
            self.emulator.api_url,
            *self.args,
        ]

    @property
    def webhook_mode(self) -> bool:
        return "--webhook-url" in self.args

    def _arg(self, name: str) -> str | None:
        return self.args[self.args.index(name) + 1] if name in self.args else None

    def output(self) -> str:
        """Everything the bot wrote so far, stdout then stderr."""
        parts = []
        for name in ("stdout.txt", "stderr.txt"):
            path = self.workdir / name
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    def _failure(self, what: str) -> EmulatorError:
        tail = self.output()[-3000:].replace(self.token, "<TOKEN>")
        return EmulatorError(f"bot {what}; its output ends with:\n{tail}")

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise self._failure(f"exited with code {self._proc.returncode} while starting")
        client = self.emulator.client
        if not self.webhook_mode:
            return bool(client.bot_calls(self.token, "getUpdates"))
        if not client.webhook_registered(self.token):
            return False
        host = self._arg("--listen") or "127.0.0.1"
        port = int(self._arg("--port") or 8443)
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        return False

    def start(self) -> BotProcess:
        """Start the bot and wait until it is ready.

        Returns:
            ``self``.

        Raises:
            EmulatorError: If the bot exited or was not ready in time.
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        env.update(HF_HUB_OFFLINE="1", PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
        env.update(self.env)
        with (
            open(self.workdir / "stdout.txt", "wb") as out,
            open(self.workdir / "stderr.txt", "wb") as err,
        ):
            self._proc = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        try:
            wait_for(self._ready, self.startup_timeout, interval=0.1, what="the bot to be ready")
        except TimeoutError:
            self.kill()
            raise self._failure("was not ready in time") from None
        except BaseException:
            self.kill()
            raise
        return self

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int:
        """Stop the bot with SIGTERM, as a service manager would.

        Returns:
            Its exit code (SIGKILLed, and negative, if it did not stop in time).
        """
        if self._proc is None:
            return self.returncode if self.returncode is not None else 0
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout)
        self.returncode = self._proc.returncode
        self._proc = None
        return self.returncode

    def kill(self) -> None:
        """Stop the bot at once (cleanup after a failure)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(10)
        if self._proc is not None:
            self.returncode = self._proc.returncode
        self._proc = None

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
