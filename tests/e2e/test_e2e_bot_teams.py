"""A team's bot (``python -m bot --collections FILE``, the real bot over the emulator):
two groups bound to two collections, each answered only from its own, on every path
(messages, follow-ups, "More results", inline queries); chats choosing a collection with
``/use``; admins adding documents by sending them (a PDF and a docx) and removing them
with ``/forget``; refusals for non-admins and bad files; a 👎 vote kept and exported.

One bot process for the module: the tests run in order and build on each other's
uploads (xdist's ``loadfile`` keeps a module on one worker)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.feedback import export_main
from retrieval.ingest.formats.docx import MAX_XML_BYTES
from tests.support.bot_process import BotProcess
from tests.support.documents import docx_bytes, encrypted_pdf_bytes, pdf_bytes, write_body
from tests.support.e2e import (
    BOT_USERNAME,
    MORE_BUTTON,
    REPLY_TIMEOUT,
    ask,
    checked,
    contains,
    fresh_id,
    make_token,
    replies_to,
    settle,
)
from tests.support.emulator import Emulator, needs_emulator
from tests.support.emulator_client import EmulatorClient
from tests.support.paths import ROOT, SEEDS
from tests.support.updates import BotMessage, SentUpdate
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, needs_emulator()]

HANDBOOK = ROOT / "tests" / "data" / "handbook"
NEWS_GROUP, HR_GROUP, NEW_GROUP = (-fresh_id() for _ in range(3))
# More groups bound to the handbook: Telegram lets a bot send 20 messages a minute to
# one group (PTB's rate limiter holds the bot to it), and an upload's progress message
# is edited three times. Uploads go to HR_GROUP, bad files to HR_BAD, questions to
# HR_ASK, /docs to HR_DOCS and /forget to HR_FORGET.
HR_ASK, HR_DOCS, HR_BAD, HR_FORGET = (-fresh_id() for _ in range(4))
MEMBER, HR_ADMIN, HR_MEMBER, NEW_ADMIN, STRANGER = (fresh_id() for _ in range(5))

NEWS_QUESTION, NEWS_PHRASE = "Where does Pateo rank nationwide?", "104 of the top 500"
HR_QUESTION, HR_PHRASE = "How many days of paid annual leave do employees get?", "27 days"
HR_TITLES = ("Leave and holidays", "Travel and expenses")

SECURITY = (
    "Visitors to the Harbourside office sign in at the front desk and wear a yellow "
    "badge at all times. Badges are returned to reception before leaving the building."
)
EQUIPMENT = (
    "New starters receive a laptop with a fourteen-inch screen and a noise-cancelling "
    "headset from the service desk on their first morning."
)
REFUSED = "I did not add that file"
CHAT_ADMINS_ONLY = "only this chat's admins"


@pytest.fixture(scope="module")
def team(
    emulator: Emulator, bot_index_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BotProcess, Path]]:
    root = tmp_path_factory.mktemp("team")
    shutil.copytree(SEEDS, root / "news")
    shutil.copytree(bot_index_dir, root / "news-index")  # up to date: nothing to embed
    shutil.copytree(HANDBOOK, root / "handbook")
    collections = {
        "collections": {
            "news": {"path": "news", "index_dir": "news-index", "chats": [NEWS_GROUP]},
            "handbook": {
                "path": "handbook",
                "index_dir": "handbook-index",
                "chats": [HR_GROUP, HR_ASK, HR_DOCS, HR_BAD, HR_FORGET],
                "users": [HR_ADMIN, HR_MEMBER],
            },
        }
    }
    (root / "collections.yaml").write_text(yaml.safe_dump(collections), encoding="utf-8")
    args = ["--collections", str(root / "collections.yaml"), "--rate-limit", "0"]
    bot = BotProcess(emulator, make_token(), args, root / "bot").start()
    for group in (HR_GROUP, HR_BAD, HR_FORGET):
        emulator.client.set_chat_member(bot.token, group, HR_ADMIN, "administrator")
    emulator.client.set_chat_member(bot.token, NEW_GROUP, NEW_ADMIN, "creator")
    yield bot, root
    bot.stop()


@pytest.fixture(scope="module")
def bot(team: tuple[BotProcess, Path]) -> BotProcess:
    return team[0]


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> EmulatorClient:
    return emulator.client


def group_ask(client: EmulatorClient, bot: BotProcess, chat: int, user: int, text: str) -> str:
    """Asks in a group with /ask; the reply's visible text."""
    return checked(ask(client, bot.token, chat, user, f"/ask {text}", "group")[1])


def group_reply(
    client: EmulatorClient, bot: BotProcess, chat: int, user: int, text: str
) -> BotMessage:
    return ask(client, bot.token, chat, user, text, "group")[1]


def upload(
    client: EmulatorClient,
    bot: BotProcess,
    user: int,
    name: str,
    content: bytes,
    group: int = HR_GROUP,
) -> str:
    """Sends a file to an HR group (its caption mentions the bot) and waits for the
    bot's last word on it: the progress message's final edit, or a refusal."""
    sent = client.send_document(
        bot.token, group, user, name, content, "group", caption=f"@{BOT_USERNAME}"
    )
    return final_reply(client, bot, group, sent)


def final_reply(client: EmulatorClient, bot: BotProcess, chat: int, sent: SentUpdate) -> str:
    def done() -> str:
        replies = replies_to(client, bot.token, chat, sent)
        text = checked(replies[0]) if replies else ""
        return text if text and not text.rstrip().endswith("…") else ""

    return wait_for(done, 120, what=f"the bot's last word on message {sent.message_id}")


def docs(client: EmulatorClient, bot: BotProcess, user: int = HR_MEMBER) -> str:
    return checked(group_reply(client, bot, HR_DOCS, user, "/docs"))


# ---------------------------------------------------------------- isolation


def test_each_group_is_answered_from_its_own_collection(bot, client) -> None:
    assert contains(group_ask(client, bot, NEWS_GROUP, MEMBER, NEWS_QUESTION), NEWS_PHRASE)
    answer = group_ask(client, bot, HR_GROUP, HR_MEMBER, HR_QUESTION)
    assert contains(answer, HR_PHRASE) and "Leave and holidays" in answer
    # Each group's question asked in the other group: never the other's passages.
    crossed = group_ask(client, bot, NEWS_GROUP, MEMBER, HR_QUESTION)
    assert not contains(crossed, HR_PHRASE)
    assert not any(title in crossed for title in HR_TITLES)
    crossed = group_ask(client, bot, HR_GROUP, HR_MEMBER, NEWS_QUESTION)
    assert not contains(crossed, NEWS_PHRASE) and "Pateo" not in crossed


def test_follow_ups_stay_in_the_chats_collection(bot, client) -> None:
    user = fresh_id()
    first = group_ask(client, bot, HR_GROUP, user, "What is the hotel limit in capital cities?")
    assert contains(first, "160 euros")
    follow = group_ask(client, bot, HR_GROUP, user, "And what about elsewhere?")
    assert contains(follow, "120 euros") and "Travel and expenses" in follow
    # The same member's follow-up in the news group carries nothing from the handbook.
    group_ask(client, bot, NEWS_GROUP, user, "Who invested in Pateo?")
    follow = group_ask(client, bot, NEWS_GROUP, user, "And what about elsewhere?")
    assert not any(title in follow for title in HR_TITLES)


def test_more_results_page_only_the_chats_collection(bot, client) -> None:
    answer = group_reply(client, bot, NEWS_GROUP, MEMBER, "/ask Where is Pateo headquartered?")
    [more] = [b for b in answer.buttons if b["text"] == MORE_BUTTON]
    press = client.press_button(bot.token, answer, more["callback_data"], MEMBER, "group")
    page = wait_for(
        lambda: replies_to(client, bot.token, NEWS_GROUP, answer),
        REPLY_TIMEOUT,
        what="the second page",
    )[0]
    assert not any(title in checked(page) for title in HR_TITLES)
    assert press.update["callback_query"]["data"] == more["callback_data"]
    # The same button's data pressed in the HR group opens nothing there.
    sent_before = len(client.replies(bot.token, HR_GROUP))
    forged = client.press_button(
        bot.token, _moved(answer, HR_GROUP), more["callback_data"], HR_MEMBER, "group"
    )
    toast = _toast(client, bot, forged)
    assert "too old" in toast
    settle(client, bot.token, HR_MEMBER)
    assert len(client.replies(bot.token, HR_GROUP)) == sent_before  # no page was sent


def test_inline_queries_search_the_users_own_choice(bot, client) -> None:
    # HR_MEMBER may choose the handbook in a private chat; a stranger may not see it.
    chose = checked(ask(client, bot.token, HR_MEMBER, HR_MEMBER, "/use handbook")[1])
    assert "handbook" in chose and "now searches" in chose
    listed = checked(ask(client, bot.token, STRANGER, STRANGER, "/collections")[1])
    assert "news" in listed and "handbook" not in listed
    refused = checked(ask(client, bot.token, STRANGER, STRANGER, "/use handbook")[1])
    assert "no collection “handbook” you may choose" in refused
    before = len(client.inline_answers(bot.token))
    client.inline_query(bot.token, "annual leave days", HR_MEMBER)
    client.inline_query(bot.token, "annual leave days", STRANGER)
    answers = client.wait_for_inline_answers(bot.token, before + 2, REPLY_TIMEOUT)[before:]
    by_user = {a["results"] != []: a for a in answers}
    titles = {r["title"] for r in by_user[True]["results"]}
    assert titles and titles <= set(HR_TITLES)
    # No default and two collections: the stranger is asked to choose first.
    assert by_user[False]["button"]["text"].startswith("Choose a collection first")


# ---------------------------------------------------------------- binding a chat


def test_only_a_groups_admins_choose_its_collection(bot, client) -> None:
    unbound = group_ask(client, bot, NEW_GROUP, MEMBER, NEWS_QUESTION)
    assert "no collection of documents yet" in unbound
    assert "only this chat's admins" in checked(
        group_reply(client, bot, NEW_GROUP, MEMBER, "/use news")
    )
    assert "now searches the collection “news”" in checked(
        group_reply(client, bot, NEW_GROUP, NEW_ADMIN, "/use news")
    )
    assert contains(group_ask(client, bot, NEW_GROUP, MEMBER, NEWS_QUESTION), NEWS_PHRASE)


# ---------------------------------------------------------------- documents


def test_an_admin_adds_a_pdf_and_a_docx_and_the_group_is_answered_from_them(
    bot, client, tmp_path
) -> None:
    pdf = pdf_bytes("Office security", [SECURITY], tmp_path / "security.pdf")
    done = upload(client, bot, HR_ADMIN, "security.pdf", pdf)
    assert "security.pdf: added" in done and "passage" in done
    assert "Try asking:" in done  # two questions the new document answers
    answer = group_ask(client, bot, HR_ASK, HR_MEMBER, "What colour is the visitor badge?")
    assert contains(answer, "yellow badge") and "Office security" in answer

    word = docx_bytes("IT equipment", [("First day", EQUIPMENT)])
    done = upload(client, bot, HR_ADMIN, "equipment.docx", word)
    assert "equipment.docx: added" in done
    answer = group_ask(client, bot, HR_ASK, HR_MEMBER, "What do new starters get on day one?")
    assert contains(answer, "noise-cancelling headset")
    listed = docs(client, bot)
    assert "security.pdf" in listed and "equipment.docx" in listed
    # The news group still knows nothing of them.
    crossed = group_ask(client, bot, NEWS_GROUP, MEMBER, "What colour is the visitor badge?")
    assert not contains(crossed, "yellow badge")


def test_a_file_with_the_same_name_replaces_the_old_one(bot, client, tmp_path) -> None:
    changed = SECURITY.replace("yellow", "green")
    pdf = pdf_bytes("Office security", [changed], tmp_path / "security.pdf")
    assert "replaced the previous version" in upload(client, bot, HR_ADMIN, "security.pdf", pdf)
    answer = group_ask(client, bot, HR_ASK, HR_MEMBER, "What colour is the visitor badge?")
    assert contains(answer, "green badge") and not contains(answer, "yellow badge")
    assert docs(client, bot).count("security.pdf") == 1


def test_a_non_admins_upload_is_refused(bot, client, team, tmp_path) -> None:
    before = docs(client, bot)
    pdf = pdf_bytes("Parking", ["Staff park on level two."], tmp_path / "parking.pdf")
    assert CHAT_ADMINS_ONLY in upload(client, bot, HR_MEMBER, "parking.pdf", pdf)
    assert docs(client, bot) == before
    assert not (team[1] / "handbook" / "parking.pdf").exists()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("minutes.pdf", "text"),
        ("secret.pdf", "encrypted"),
        ("bomb.docx", "bomb"),
        ("empty.md", "empty"),
        ("setup.exe", "binary"),
    ],
)
def test_a_bad_file_is_refused_and_changes_nothing(bot, client, team, tmp_path, name, kind) -> None:
    before = docs(client, bot)
    if kind == "text":
        content = b"Minutes of the meeting: nothing was decided.\n"  # not a PDF inside
    elif kind == "encrypted":
        content = encrypted_pdf_bytes(pdf_bytes("Secret", [SECURITY], tmp_path / "s.pdf"))
    elif kind == "bomb":
        paragraph = b"<w:p><w:r><w:t>Harbour dues are paid monthly.</w:t></w:r></w:p>"
        repeat = MAX_XML_BYTES // len(paragraph) + 10  # expands past the reader's limit
        content = write_body(tmp_path / name, paragraph, repeat).read_bytes()
    elif kind == "empty":
        content = b"   \n\n"
    else:
        content = b"MZ\x90\x00" + bytes(200)
    reply = upload(client, bot, HR_ADMIN, name, content, HR_BAD)
    assert REFUSED in reply and "documents are unchanged" in reply
    assert docs(client, bot) == before
    assert not (team[1] / "handbook" / name).exists()


def test_forget_removes_a_document_from_the_answers(bot, client, team) -> None:
    refused = checked(group_reply(client, bot, HR_FORGET, HR_MEMBER, "/forget equipment.docx"))
    assert CHAT_ADMINS_ONLY in refused
    confirm = group_reply(client, bot, HR_FORGET, HR_ADMIN, "/forget equipment.docx")
    assert "Remove “equipment.docx”" in checked(confirm)
    # Cancelled: nothing is removed.
    cancel = group_reply(client, bot, HR_FORGET, HR_ADMIN, "/forget security.pdf")
    client.press_button(bot.token, cancel, cancel.buttons[1]["callback_data"], HR_ADMIN, "group")
    wait_for(lambda: "nothing was removed" in _text(client, bot, cancel), 30, what="cancelling")
    assert "security.pdf" in docs(client, bot)
    yes = confirm.buttons[0]["callback_data"]
    # Another member's press changes nothing.
    toast = _toast(client, bot, client.press_button(bot.token, confirm, yes, HR_MEMBER, "group"))
    assert CHAT_ADMINS_ONLY in toast
    client.press_button(bot.token, confirm, yes, HR_ADMIN, "group")

    def removed() -> bool:
        message = next(
            m for m in client.replies(bot.token, HR_FORGET) if m.message_id == confirm.message_id
        )
        return "Removed" in (message.text or "")

    wait_for(removed, 60, what="the removal")
    assert not (team[1] / "handbook" / "equipment.docx").exists()
    assert "equipment.docx" not in docs(client, bot)
    answer = group_ask(client, bot, HR_ASK, HR_MEMBER, "What do new starters get on day one?")
    assert not contains(answer, "noise-cancelling headset")


# ---------------------------------------------------------------- feedback


def test_a_down_vote_is_kept_and_exported(bot, client, team, tmp_path) -> None:
    question = "How many weeks of parental leave are there?"
    answer = group_reply(client, bot, HR_ASK, HR_MEMBER, f"/ask {question}")
    down = next(b["callback_data"] for b in answer.buttons if b["text"] == "👎")
    press = client.press_button(bot.token, answer, down, HR_MEMBER, "group")
    assert "Thanks" in _toast(client, bot, press)
    out = tmp_path / "review.jsonl"
    collections = str(team[1] / "collections.yaml")
    argv = ["export", "--collections", collections, "--collection", "handbook"]
    assert export_main([*argv, "--votes", "down", "--out", str(out)]) == 0
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    [item] = [i for i in items if i["question"] == question]
    assert item["rejected"] and all(p["source"].endswith(".md") for p in item["rejected"])
    # The news collection's feedback is its own.
    news = tmp_path / "news.jsonl"
    argv = ["export", "--collections", collections, "--collection", "news", "--votes", "down"]
    assert export_main([*argv, "--out", str(news)]) == 0
    assert question not in news.read_text(encoding="utf-8")


# ---------------------------------------------------------------- helpers


def _toast(client: EmulatorClient, bot: BotProcess, press: SentUpdate) -> str:
    query_id = press.update["callback_query"]["id"]

    def answered() -> list[dict]:
        return [
            c
            for c in client.bot_calls(bot.token, "answerCallbackQuery")
            if c["params"].get("callback_query_id") == query_id
        ]

    return str(
        wait_for(answered, REPLY_TIMEOUT, what="the button's toast")[0]["params"].get("text")
    )


def _moved(message: BotMessage, chat_id: int) -> BotMessage:
    """``message`` as if it were in ``chat_id`` (a forged button press)."""
    return dataclasses.replace(message, chat_id=chat_id)


def _text(client: EmulatorClient, bot: BotProcess, message: BotMessage) -> str:
    """The current text of one of the bot's messages (edits applied)."""
    for sent in client.replies(bot.token, message.chat_id):
        if sent.message_id == message.message_id:
            return sent.text or ""
    return ""
