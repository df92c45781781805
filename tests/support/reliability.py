"""Load generation and exactly-once accounting against the emulator, for the reliability
tests (load, soak, faults, outage)."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.emulator_client import EmulatorClient
from tests.support.paths import DEV_SET
from tests.support.updates import make_entities
from tests.support.waiting import wait_for


def answerable_questions() -> list[tuple[str, tuple[str, ...]]]:
    """``(question, answer phrases)`` of the dev set's answerable questions."""
    items = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            if data.get("answers"):
                items.append((data["question"], tuple(data["answers"])))
    return items


def rss_kib(pid: int) -> int:
    """The resident set size of process ``pid`` (``VmRSS`` of /proc/PID/status), KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class Sent:
    """A question sent by a simulated user."""

    user: int
    question: str
    answers: tuple[str, ...]
    message_id: int
    sent_at: float  # time.time()


@dataclass
class Tally:
    """What became of the questions sent: replies matched by chat and reply-to id."""

    sent: list[Sent]
    #: (chat id, replied-to message id) -> the reply records (texts and store times)
    replies: dict[tuple[int, int], list[dict[str, Any]]] = field(default_factory=dict)
    #: replies whose reply-to id is no question sent to that chat
    misrouted: list[dict[str, Any]] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for s in self.sent if self.replies.get((s.user, s.message_id)))

    @property
    def lost(self) -> int:
        return len(self.sent) - self.answered

    @property
    def duplicated(self) -> int:
        return sum(
            len(self.replies.get((s.user, s.message_id), [])) - 1
            for s in self.sent
            if self.replies.get((s.user, s.message_id))
        )

    def wrong_answers(self) -> list[tuple[str, str]]:
        """Questions whose (first) reply lacks every expected answer phrase."""
        wrong = []
        for s in self.sent:
            found = self.replies.get((s.user, s.message_id))
            if found and s.answers:
                text = " ".join(found[0]["text"].split()).casefold()
                if not any(" ".join(a.split()).casefold() in text for a in s.answers):
                    wrong.append((s.question, found[0]["text"][:200]))
        return wrong

    def latencies(self) -> list[float]:
        """Seconds from sending each answered question to the emulator storing its reply."""
        return [
            self.replies[(s.user, s.message_id)][0]["time"] / 1000 - s.sent_at
            for s in self.sent
            if self.replies.get((s.user, s.message_id))
        ]

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies())
        q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else lat * 99
        return {
            "questions": len(self.sent),
            "users": len({s.user for s in self.sent}),
            "answered": self.answered,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "misrouted": len(self.misrouted),
            "p50_s": round(q[49], 3) if lat else None,
            "p95_s": round(q[94], 3) if lat else None,
            "max_s": round(lat[-1], 3) if lat else None,
        }


def send_question(client: EmulatorClient, token: str, user: int, question: str) -> Sent:
    """One private text message from ``user`` (its own chat), without the per-send
    history scan of :meth:`EmulatorClient.send_message` (too slow for thousands)."""
    message: dict[str, Any] = {
        "botToken": token,
        "from": {"id": user, "is_bot": False, "first_name": f"U{user}", "username": f"u{user}"},
        "chat": {"id": user, "type": "private", "first_name": f"U{user}"},
        "date": int(time.time()),
        "text": question,
    }
    entities = make_entities(question)
    if entities:
        message["entities"] = entities
    sent_at = time.time()
    result = client._post("/sendMessage", message)
    return Sent(user, question, (), int(result["message"]["message_id"]), sent_at)


def bot_records(client: EmulatorClient, token: str) -> list[dict[str, Any]]:
    """The bot's messages stored by the emulator: chat id, reply-to id, text, time (ms)."""
    out = []
    for record in client._post("/getUpdatesHistory", {"token": token}):
        message = record.get("message") or {}
        if "chat_id" not in message or "chat" in message:
            continue  # a user's message
        reply = message.get("reply_parameters") or {}
        if isinstance(reply, str):
            reply = json.loads(reply)
        out.append(
            {
                "chat": int(message["chat_id"]),
                "reply_to": reply.get("message_id"),
                "text": message.get("text") or "",
                "time": int(record["time"]),
                "message_id": int(record["messageId"]),
            }
        )
    return out


def tally(client: EmulatorClient, token: str, sent: list[Sent]) -> Tally:
    """Matches the bot's stored messages to the questions in ``sent``."""
    result = Tally(sent)
    mine = {(s.user, s.message_id) for s in sent}
    users = {s.user for s in sent}
    for record in bot_records(client, token):
        if record["chat"] not in users or record["reply_to"] is None:
            continue  # another test's chat, or the continuation of a long reply
        key = (record["chat"], int(record["reply_to"]))
        if key in mine:
            result.replies.setdefault(key, []).append(record)
        else:
            result.misrouted.append(record)
    return result


def wait_until_answered(
    client: EmulatorClient, token: str, sent: list[Sent], timeout: float, poll: float = 1.0
) -> Tally:
    """Polls until every question in ``sent`` has a reply, or ``timeout``; the last tally."""
    deadline = time.monotonic() + timeout
    while True:
        result = tally(client, token, sent)
        if result.lost == 0 or time.monotonic() >= deadline:
            return result
        time.sleep(poll)


def run_load(
    client: EmulatorClient,
    token: str,
    users: list[int],
    per_user: int,
    duration: float,
    threads: int = 16,
    pool_of: Callable[[int], list[tuple[str, tuple[str, ...]]]] | None = None,
) -> list[Sent]:
    """``len(users) * per_user`` questions spread evenly over ``duration`` seconds, each
    user asking ``per_user`` of its pool's questions (by default the dev set's
    answerable ones; round robin, so neighbours in time ask different things). Returns
    what was sent."""
    dev_set = answerable_questions()
    plan = []
    for round_ in range(per_user):
        for n, user in enumerate(users):
            pool = pool_of(user) if pool_of is not None else dev_set
            question, answers = pool[(n * per_user + round_) % len(pool)]
            plan.append((user, question, answers))
    total = len(plan)
    start = time.monotonic()
    lock = threading.Lock()
    out: list[Sent] = []

    def one(i: int) -> None:
        delay = start + duration * i / total - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        user, question, answers = plan[i]
        sent = send_question(client, token, user, question)
        sent.answers = answers
        with lock:
            out.append(sent)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(one, i) for i in range(total)]:
            future.result()
    return out


def duplicates_by_text(records: list[dict[str, Any]]) -> Counter:
    """How often each (chat, reply-to) pair was answered (for diagnostics)."""
    return Counter((r["chat"], r["reply_to"]) for r in records if r["reply_to"] is not None)


def in_flight(client: EmulatorClient, token: str) -> list[dict[str, Any]]:
    """The bot's Bot API calls still unanswered: the long poll aside, and the calls held
    by an injected timeout (the emulator never answers those; the bot gave up on them)."""
    calls = [
        c for c in client.bot_calls(token) if c["status"] is None and c["method"] != "getUpdates"
    ]
    for fault in client.faults(token)["injected"]:
        if fault["kind"] in ("timeout", "timeout_after"):
            held = [
                c for c in calls if c["method"] == fault["method"] and c["time"] <= fault["time"]
            ]
            if held:  # the call the fault was dealt to: the latest one before it
                calls.remove(max(held, key=lambda c: c["time"]))
    return calls


def settle(client: EmulatorClient, token: str, probe_user: int, timeout: float = 60.0) -> None:
    """Waits until the bot is done with everything sent so far, instead of a fixed pause
    before asserting that nothing more (a duplicate, a late retry) arrives: no injected
    fault still armed for it, then a probe question (``/help`` from ``probe_user``, a
    fresh private chat) answered, then no Bot API call of the bot in flight. Updates are
    fetched in order, so by then the bot has taken and handled everything sent before
    the probe."""
    wait_for(
        lambda: not client.faults(token)["pending"], timeout, 0.1, "the armed faults to be dealt"
    )
    probe = send_question(client, token, probe_user, "/help")
    wait_for(lambda: tally(client, token, [probe]).lost == 0, timeout, 0.1, "the probe's answer")
    wait_for(lambda: not in_flight(client, token), timeout, 0.1, "the bot's calls to end")
