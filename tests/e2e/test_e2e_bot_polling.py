"""The real bot (``python -m bot``, long polling) driven over HTTP through the emulator.

One bot process serves the whole module (loading the model takes seconds); tests keep
apart by using their own user and chat ids. Every message the bot sends is checked as
Telegram would check it (HTML, length, link previews off) by ``checked``.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.bot_process import BotProcess
from tests.support.cli import run_module
from tests.support.e2e import (
    BOT_USERNAME,
    EMPTY_QUESTION,
    MORE_BUTTON,
    NO_ANSWER,
    NON_TEXT,
    REPLY_TIMEOUT,
    UNKNOWN_COMMAND,
    ask,
    assert_no_secrets,
    checked,
    contains,
    dev_set,
    fresh_id,
    make_token,
    replies_to,
    reply_to,
    settle,
    visible_text,
    whole_reply,
)
from tests.support.emulator import Emulator, needs_emulator
from tests.support.emulator_client import EmulatorClient
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, needs_emulator()]

DEV = dev_set()
ANSWERABLE = [item for item in DEV if item.answerable]
PATEO = "Xiaomi Group Invests In A Car Company, Pateo"


@pytest.fixture(scope="module")
def bot(launch_bot) -> BotProcess:
    return launch_bot(make_token(), name="polling")


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> EmulatorClient:
    return emulator.client


# ---------------------------------------------------------------- commands


def test_start_greets_with_documents_and_examples(bot, client, source_titles) -> None:
    user = fresh_id()
    sent, first = ask(client, bot.token, user, user, "/start")
    text = "\n".join(checked(m) for m in whole_reply(client, bot.token, user, first))
    assert "I answer questions from a collection of documents" in text
    for title in source_titles.values():
        assert title in text
    assert "For example:" in text
    assert len(replies_to(client, bot.token, user, sent)) == 1


def test_help_lists_the_commands(bot, client) -> None:
    user = fresh_id()
    _, first = ask(client, bot.token, user, user, "/help")
    text = checked(first)
    for command in ("/start", "/help", "/sources", "/ask", "/new"):
        assert command in text
    assert "mention me" in text and "Follow-up questions" in text


def test_sources_lists_every_document_title(bot, client, source_titles) -> None:
    user = fresh_id()
    _, first = ask(client, bot.token, user, user, "/sources")
    text = checked(first)
    assert f"I know about these {len(source_titles)} documents" in text
    for title in source_titles.values():
        assert title in text


def test_unknown_command_gets_a_pointer_to_help(bot, client) -> None:
    user = fresh_id()
    _, first = ask(client, bot.token, user, user, "/frobnicate")
    assert UNKNOWN_COMMAND in checked(first)


# ---------------------------------------------------------------- questions


@pytest.mark.parametrize("item", DEV, ids=[item.question[:40] for item in DEV])
def test_dev_set_question_is_answered_from_its_source(bot, client, source_titles, item) -> None:
    user = fresh_id()
    sent, first = ask(client, bot.token, user, user, item.question)
    text = checked(first)
    if item.answerable:
        assert any(contains(text, phrase) for phrase in item.answers), text
        assert source_titles[item.source] in text
        assert NO_ANSWER not in text
    else:
        assert NO_ANSWER in text
        assert "<blockquote>" not in (first.text or "")  # no passage shown
        assert not first.buttons
    assert len(replies_to(client, bot.token, user, sent)) == 1


def test_more_results_pages_on_and_removes_the_old_button(bot, client, source_titles) -> None:
    user = fresh_id()
    question = "What is Xiaomi's AIoT strategy?"
    sent, first = ask(client, bot.token, user, user, question)
    checked(first)
    assert [b["text"] for b in first.buttons] == [MORE_BUTTON, "👍", "👎"]
    assert "1. " in visible_text(first.text)

    client.press_button(bot.token, first, first.buttons[0]["callback_data"], user)
    page2 = reply_to(client, bot.token, user, first)
    text = checked(page2)
    assert f"More on “{question}” (4–6)" in text
    assert "4. " in text and "6. " in text
    assert any(title in text for title in source_titles.values())

    # The pressed button is gone from the first page (its votes stay), the spinner was
    # stopped, and the new page has its own button.
    edits = [
        c
        for c in client.bot_calls(bot.token, "editMessageReplyMarkup")
        if str(c["params"].get("chat_id")) == str(user)
    ]
    assert [(e["params"]["message_id"], e["status"]) for e in edits] == [(first.message_id, 200)]
    refreshed = next(m for m in client.replies(bot.token, user) if m.message_id == first.message_id)
    assert [b["text"] for b in refreshed.buttons] == ["👍", "👎"]
    assert any(c["status"] == 200 for c in client.bot_calls(bot.token, "answerCallbackQuery"))
    assert [b["text"] for b in page2.buttons] == [MORE_BUTTON]
    assert page2.buttons[0]["callback_data"] != first.buttons[0]["callback_data"]
    assert len(replies_to(client, bot.token, user, sent)) == 1


def test_long_question_full_of_markup_characters(bot, client) -> None:
    """A question that is mostly ``&``: escaped, it grows fivefold, so the second page's
    header (which quotes the question) must be split over messages, every one valid."""
    user = fresh_id()
    question = ("Who invested in Pateo & Xiaomi? " + "&" * 60 + " <b>x</b> ") * 20
    _, first = ask(client, bot.token, user, user, question)
    page1 = wait_for(
        lambda: (reply := whole_reply(client, bot.token, user, first))[-1].buttons and reply,
        REPLY_TIMEOUT,
        what="the first page, with its button",
    )
    text = "\n".join(checked(m) for m in page1)
    assert "Your question was very long" in text
    assert PATEO in text

    client.press_button(bot.token, page1[-1], page1[-1].buttons[0]["callback_data"], user)
    start = reply_to(client, bot.token, user, page1[-1])
    header = checked(start)  # valid HTML, escaped, within the limit
    assert header.startswith("More on “Who invested in Pateo & Xiaomi? &&&")
    # It continues in further messages; the last one carries the next button.
    page2 = wait_for(
        lambda: (reply := whole_reply(client, bot.token, user, start))[-1].buttons and reply,
        REPLY_TIMEOUT,
        what="the rest of the second page",
    )
    assert len(page2) >= 2
    texts = [checked(m) for m in page2]
    assert "<b>x</b>" in "".join(texts)  # the user's "tags" are shown as typed
    assert all(not m.buttons for m in page2[:-1])


# ---------------------------------------------------------------- other messages


def test_sticker_gets_a_short_text_only_hint(bot, client) -> None:
    user = fresh_id()
    sent = client.send_sticker(bot.token, user, user)
    hint = reply_to(client, bot.token, user, sent)
    text = checked(hint)
    assert NON_TEXT in text
    assert len(text) < 200


def test_edited_question_is_answered_again(bot, client) -> None:
    user = fresh_id()
    sent, first = ask(client, bot.token, user, user, "What is the tallest mountain in Africa?")
    assert NO_ANSWER in checked(first)

    client.edit_message(bot.token, user, user, sent.message_id, "Where does Pateo rank nationwide?")
    second = wait_for(
        lambda: replies_to(client, bot.token, user, sent)[1:],
        REPLY_TIMEOUT,
        what="the answer to the edited question",
    )[0]
    assert contains(checked(second), "104 of the top 500")
    settle(client, bot.token, fresh_id())
    assert len(replies_to(client, bot.token, user, sent)) == 2


# ---------------------------------------------------------------- groups


def test_group_chatter_is_ignored_and_a_mention_is_answered(bot, client) -> None:
    group, user = -fresh_id(), fresh_id()
    chatter = client.send_message(bot.token, group, user, "Who invested in Pateo?", "group")
    sticker = client.send_sticker(bot.token, group, user, chat_type="group")
    mention = client.send_message(
        bot.token, group, user, f"@{BOT_USERNAME} Where does Pateo rank nationwide?", "group"
    )
    answer = reply_to(client, bot.token, group, mention)
    assert contains(checked(answer), "104 of the top 500")
    settle(client, bot.token, fresh_id())
    assert [m.reply_to_message_id for m in client.replies(bot.token, group)] == [mention.message_id]
    assert chatter.message_id != mention.message_id != sticker.message_id

    # Replying to one of the bot's messages addresses it too.
    follow_up = client.send_message(
        bot.token,
        group,
        user,
        "What strategy did Xiaomi launch in 2019?",
        "group",
        reply_to=answer,
    )
    assert contains(checked(reply_to(client, bot.token, group, follow_up)), "dual-engine")


def test_ask_command_in_a_group(bot, client) -> None:
    group, user = -fresh_id(), fresh_id()
    _, plain = ask(
        client, bot.token, group, user, "/ask Which three parts does Pateo integrate?", "supergroup"
    )
    assert contains(checked(plain), "car, Internet, and mobile")
    _, addressed = ask(
        client,
        bot.token,
        group,
        user,
        f"/ask@{BOT_USERNAME} Is the AIoT money a brand-new investment?",
        "supergroup",
    )
    assert contains(checked(addressed), "not a new investment")
    _, empty = ask(client, bot.token, group, user, "/ask", "supergroup")
    assert EMPTY_QUESTION in checked(empty)


# ---------------------------------------------------------------- conversations


def test_a_three_turn_dialogue_then_new(bot, client) -> None:
    user = fresh_id()
    _, first = ask(client, bot.token, user, user, "Who invested in Pateo?")
    assert contains(checked(first), "Xiaomi invested in Pateo")
    _, second = ask(client, bot.token, user, user, "When did it happen?")
    text = checked(second)
    assert "Understood as: When did it happen? (about:" in visible_text(text)
    assert contains(text, "On April 17")
    _, third = ask(client, bot.token, user, user, "What about Deepmotion?")
    assert contains(checked(third), "Deepmotion")
    _, new = ask(client, bot.token, user, user, "/new")
    assert "new conversation" in checked(new)
    _, alone = ask(client, bot.token, user, user, "When did it happen?")
    assert NO_ANSWER in checked(alone) and "Understood as" not in visible_text(alone.text or "")


def test_group_members_each_have_their_own_conversation(bot, client) -> None:
    group, alice, bob = -fresh_id(), fresh_id(), fresh_id()
    mention = f"@{BOT_USERNAME}"
    ask(client, bot.token, group, alice, f"{mention} Where is Pateo headquartered?", "supergroup")
    ask(client, bot.token, group, bob, f"{mention} What does Deepmotion develop?", "supergroup")
    _, alices = ask(
        client, bot.token, group, alice, f"{mention} When was it founded?", "supergroup"
    )
    assert contains(checked(alices), "Founded in October 2009")
    _, bobs = ask(client, bot.token, group, bob, f"{mention} Who is buying it?", "supergroup")
    bob_text = checked(bobs)
    assert "Deepmotion" in bob_text and "Pateo" not in bob_text  # checked: the visible text


def test_small_talk_typos_and_other_languages_get_fitting_replies(bot, client) -> None:
    user = fresh_id()
    _, hello = ask(client, bot.token, user, user, "hi!")
    assert "Ask me a question" in checked(hello) and NO_ANSWER not in checked(hello)
    _, thanks = ask(client, bot.token, user, user, "thanks")
    assert "welcome" in checked(thanks)
    _, typo = ask(client, bot.token, user, user, "Who invsted in Pateu?")
    assert "Showing results for: Who invested in Pateo?" in checked(typo)
    _, spanish = ask(client, bot.token, user, user, "¿Quién invirtió en Pateo?")
    text = checked(spanish)
    assert "Spanish" in text and "<blockquote>" not in (spanish.text or "")


def test_a_vote_is_kept_thanked_and_exported(bot, client, bot_index_dir) -> None:
    user = fresh_id()
    question = "Which three parts does Pateo integrate?"
    _, answer = ask(client, bot.token, user, user, question)
    votes = {b["text"]: b["callback_data"] for b in answer.buttons if b["text"] in "👍👎"}
    assert set(votes) == {"👍", "👎"}
    client.press_button(bot.token, answer, votes["👍"], user)
    thanked = wait_for(
        lambda: [
            m
            for m in client.replies(bot.token, user)
            if m.message_id == answer.message_id and "👍 Thanks" in str(m.buttons)
        ],
        REPLY_TIMEOUT,
        what="the vote buttons to say thanks",
    )[0]
    assert "👎" not in [b["text"] for b in thanked.buttons]
    exported = run_module("bot", ["feedback", "export", "--index-dir", str(bot_index_dir)])
    assert exported.returncode == 0, exported.stderr
    assert any(json.loads(line)["question"] == question for line in exported.stdout.splitlines())
    _, stats = ask(client, bot.token, user, user, "/stats")
    assert "only admins" in checked(stats)  # this user is not an admin


# ---------------------------------------------------------------- inline mode


def test_inline_query_answers_with_passages(bot, client, source_titles) -> None:
    user = fresh_id()
    before = len(client.inline_answers(bot.token))
    update = client.inline_query(bot.token, "Where does Pateo rank nationwide?", user)
    answers = client.wait_for_inline_answers(bot.token, before + 1, REPLY_TIMEOUT)
    answer = answers[before]
    assert answer["inline_query_id"] == update.update["inline_query"]["id"]
    results = answer["results"]
    assert 1 <= len(results) <= 3
    assert {r["type"] for r in results} == {"article"}
    assert len({r["id"] for r in results}) == len(results)
    assert results[0]["title"] == source_titles["000_732249989cd205d6.txt"]
    bodies = []
    for result in results:
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert content["link_preview_options"] == {"is_disabled": True}
        assert len(content["message_text"].encode("utf-16-le")) // 2 <= 4096
        bodies.append(visible_text(content["message_text"]))
    assert any(contains(b, "104 of the top 500") for b in bodies)


def test_inline_query_without_an_answer(bot, client) -> None:
    user = fresh_id()
    before = len(client.inline_answers(bot.token))
    client.inline_query(bot.token, "What time does the train to Berlin leave?", user)
    client.inline_query(bot.token, "   ", user)
    client.inline_query(bot.token, "¿Quién invirtió en Pateo?", user)
    answers = client.wait_for_inline_answers(bot.token, before + 3, REPLY_TIMEOUT)[before:]
    assert all(a["results"] == [] for a in answers)
    buttons = [a.get("button", {}).get("text") for a in answers]
    assert NO_ANSWER in buttons  # the off-topic question says so
    assert "Please ask in English: I can't read this language" in buttons


# ---------------------------------------------------------------- load


def test_burst_of_questions_from_several_users(bot, client) -> None:
    """5 users x 3 questions sent at once: exactly one reply per question, in the right
    chat, answering that question."""
    users = [fresh_id() for _ in range(5)]
    plan = {
        user: [ANSWERABLE[(3 * n + k) % len(ANSWERABLE)] for k in range(3)]
        for n, user in enumerate(users)
    }

    def send(user_item):
        user, item = user_item
        return user, item, client.send_message(bot.token, user, user, item.question)

    jobs = [(user, item) for k in range(3) for user in users for item in [plan[user][k]]]
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        sent = list(pool.map(send, jobs))
    for user, _, update in sent:
        reply_to(client, bot.token, user, update)
    elapsed = time.monotonic() - started
    settle(client, bot.token, fresh_id())

    for user in users:
        mine = {update.message_id: item for u, item, update in sent if u == user}
        messages = client.replies(bot.token, user)
        assert len(messages) == 3, [m.text for m in messages]
        assert sorted(m.reply_to_message_id for m in messages) == sorted(mine)
        for message in messages:
            item = mine[message.reply_to_message_id]
            text = checked(message)
            assert any(contains(text, a) for a in item.answers), (item.question, text)
    assert elapsed < REPLY_TIMEOUT


# ---------------------------------------------------------------- robustness


def test_failing_chat_action_and_commands_menu_do_not_break_replies(bot, client) -> None:
    user = fresh_id()
    _, first = ask(
        client, bot.token, user, user, "What software does the startup that Xiaomi bought make?"
    )
    assert contains(checked(first), "driver assistance")
    menus = client.bot_calls(bot.token, "setMyCommands")
    assert menus and all(c["status"] == 500 for c in menus)
    actions = [
        c
        for c in client.bot_calls(bot.token, "sendChatAction")
        if str(c["params"].get("chat_id")) == str(user)
    ]
    assert actions and all(c["status"] == 500 for c in actions)
    assert actions[0]["params"]["action"] == "typing"


def test_every_reply_disables_link_previews(bot, client) -> None:
    user = fresh_id()
    ask(client, bot.token, user, user, "/start")  # its document list has links
    sends = client.bot_calls(bot.token, "sendMessage")
    assert sends
    assert all(c["status"] == 200 for c in sends), [c for c in sends if c["status"] != 200]
    assert all(c["params"].get("link_preview_options") == {"is_disabled": True} for c in sends)
    # The emulator returned a Message PTB could parse each time: nothing failed.
    assert "Traceback" not in bot.output()


# Keep last: it stops the module's bot.
def test_sigterm_stops_the_bot_cleanly_and_the_token_is_never_printed(bot) -> None:
    assert bot.running
    assert bot.stop() == 0
    output = bot.output()
    assert "is ready" in output  # the log was captured
    assert_no_secrets(output, bot.token, bot.token.split(":", 1)[1])
