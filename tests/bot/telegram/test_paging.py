"""Callback data and the store of recent questions behind "More results"."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.paging import PageRequest, QuestionStore


def test_callback_data_round_trip_and_size() -> None:
    store = QuestionStore()
    key = store.put(1, "q" * 5000)
    data = PageRequest(key, 123456).encode()
    assert len(data.encode()) <= 64
    assert PageRequest.decode(data) == PageRequest(key, 123456)


@given(st.one_of(st.none(), st.text()))
def test_foreign_callback_data_is_rejected(data: str | None) -> None:
    request = PageRequest.decode(data)
    assert request is None or (data or "").startswith("more:")


def test_store_is_bounded_and_per_chat() -> None:
    store = QuestionStore(capacity=3)
    keys = [store.put(chat, f"q{chat}") for chat in range(5)]
    assert len(store) == 3
    assert store.get(keys[0]) is None  # the oldest were forgotten
    item = store.get(keys[4], chat_id=4)
    assert item is not None and item.question == "q4"
    assert store.get(keys[4], chat_id=99) is None  # another chat's question stays closed
    assert store.get("nope") is None
