"""The ``telegram-test-api`` Bot API emulator as a Node subprocess (:class:`Emulator`),
started through ``tests/support/emulator.js``, which adds what python-telegram-bot
needs (see that file and ``tests/e2e/README.md``).

Typical use::

    with Emulator() as emu:
        emu.client.send_message(TOKEN, chat_id=1, user_id=1, text="/start")
        replies = emu.client.wait_for_replies(TOKEN, chat_id=1, n=1)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support.emulator_client import EmulatorClient, EmulatorError
from tests.support.paths import ROOT as PROJECT_ROOT
from tests.support.ports import free_port

EMULATOR_JS = Path(__file__).resolve().parent / "emulator.js"
EMULATOR_PACKAGE = PROJECT_ROOT / "node_modules" / "telegram-test-api"
DEFAULT_BOT_USERNAME = "docqa_test_bot"


def emulator_unavailable_reason() -> str | None:
    """Tell why the emulator cannot run here, if it cannot.

    Returns:
        A human-readable reason (for ``pytest.skip``), or ``None`` when ``node`` and
        ``node_modules/telegram-test-api`` are both available.
    """
    if shutil.which("node") is None:
        return "`node` is not on PATH (needed to run the telegram-test-api emulator)"
    if not (EMULATOR_PACKAGE / "package.json").is_file():
        return f"{EMULATOR_PACKAGE} is missing: run `npm install` in {PROJECT_ROOT}"
    return None


def needs_emulator() -> pytest.MarkDecorator:
    """The marks of a test that talks to the emulator: ``e2e``, and a skip (saying
    why) where the emulator cannot run."""
    reason = emulator_unavailable_reason()
    return pytest.mark.skipif(reason is not None, reason=f"emulator unavailable: {reason}")


class Emulator:
    """Runs ``node tests/support/emulator.js`` on a free local port.

    Use as a context manager, or call :meth:`start` / :meth:`stop`.

    Args:
        bot_username: Username returned by getMe.
        host: Interface to listen on.
        startup_timeout: Seconds to wait for the ``READY`` line.
        store_timeout: Seconds the emulator keeps messages (its cleanup period).
        node: Node executable.
        debug: Enable the emulator's ``DEBUG=TelegramServer:*`` logging on stderr.
    """

    def __init__(
        self,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        host: str = "127.0.0.1",
        startup_timeout: float = 20.0,
        store_timeout: int = 3600,
        node: str = "node",
        debug: bool = False,
    ) -> None:
        self.bot_username = bot_username
        self.host = host
        self.startup_timeout = startup_timeout
        self.store_timeout = store_timeout
        self.node = node
        self.debug = debug
        self.port: int | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: list[str] = []
        self._client: EmulatorClient | None = None
        self._extra_env: dict[str, str] = {}

    @property
    def api_url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:PORT`` (bot calls ``{api_url}/bot{token}/M``)."""
        if self.port is None:
            raise EmulatorError("emulator not started")
        return f"http://{self.host}:{self.port}"

    @property
    def client(self) -> EmulatorClient:
        """A shared :class:`EmulatorClient` for this emulator."""
        if self._client is None:
            self._client = EmulatorClient(self.api_url)
        return self._client

    @property
    def stderr(self) -> str:
        """What the emulator wrote on stderr so far (for debugging failures)."""
        return "".join(self._stderr)

    def start(self, attempts: int = 3) -> Emulator:
        """Start the emulator and wait for its ``READY`` line.

        Args:
            attempts: Port races are retried this many times.

        Returns:
            ``self``.

        Raises:
            EmulatorError: If it did not come up.
        """
        reason = emulator_unavailable_reason()
        if reason:
            raise EmulatorError(reason)
        last_error = ""
        for _ in range(attempts):
            port = free_port(self.host)
            if self._launch(port):
                self.port = port
                return self
            last_error = self.stderr
        raise EmulatorError(f"emulator did not start: {last_error[-2000:]}")

    def _launch(self, port: int) -> bool:
        env = dict(os.environ)
        env.update(
            TG_EMULATOR_PORT=str(port),
            TG_EMULATOR_HOST=self.host,
            TG_EMULATOR_BOT_USERNAME=self.bot_username,
            TG_EMULATOR_STORE_TIMEOUT=str(self.store_timeout),
        )
        if self.debug:
            env["DEBUG"] = "TelegramServer:*"
        env.update(self._extra_env)
        self._stderr = []
        proc = subprocess.Popen(
            [self.node, str(EMULATOR_JS)],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = threading.Event()

        def pump_stdout() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.strip() == f"READY {port}":
                    ready.set()

        def pump_stderr() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                self._stderr.append(line)

        threading.Thread(target=pump_stdout, daemon=True).start()
        threading.Thread(target=pump_stderr, daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if ready.wait(0.05):
                self._proc = proc
                return True
            if proc.poll() is not None:
                break
        self._terminate(proc)
        return False

    @staticmethod
    def _terminate(proc: subprocess.Popen[str], timeout: float = 5.0) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)

    def restart(self, downtime: float = 0.0, attempts: int = 50) -> None:
        """Stop the emulator process, wait ``downtime`` seconds, start it again on the
        same port (its state is in memory: queued updates and stored messages are lost).

        Raises:
            EmulatorError: If it did not come back on its port.
        """
        if self.port is None or self._proc is None:
            raise EmulatorError("emulator not started")
        self._terminate(self._proc)
        self._proc = None
        time.sleep(downtime)  # the outage itself: the server is away this long
        # Update ids continue above the old ones, as on Telegram (see emulator.js).
        self._extra_env["TG_EMULATOR_FIRST_UPDATE_ID"] = str(int(time.time() * 1000) % 10**12)
        for _ in range(attempts):  # the port may linger in TIME_WAIT for a moment
            if self._launch(self.port):
                return
            time.sleep(0.2)
        raise EmulatorError(f"emulator did not restart on port {self.port}: {self.stderr[-2000:]}")

    def stop(self) -> None:
        """Stop the emulator (SIGTERM, then SIGKILL after 5 s)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._proc is not None:
            self._terminate(self._proc)
            self._proc = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
