"""The running bot over HTTP: REST channel and the parse API, with the real action server."""

from __future__ import annotations

import uuid

from tests.conftest import post_json


def sender() -> str:
    return uuid.uuid4().hex


def test_lost_money_reply_names_110_and_stop_payment(chat):
    reply = "\n".join(chat(sender(), "我被骗了两万怎么办"))
    assert "110" in reply and "止付" in reply


def test_parse_returns_the_intent(rasa_url):
    parsed = post_json(f"{rasa_url}/model/parse", {"text": "有人要花钱租我的银行卡"})
    assert parsed["intent"]["name"] == "selling_card"


def test_parse_extracts_entities(rasa_url):
    parsed = post_json(f"{rasa_url}/model/parse", {"text": "2021年我用支付宝被骗了5000块"})
    found = {(e["entity"], e["value"]) for e in parsed["entities"]}
    assert ("year", "2021") in found and ("amount", "5000块") in found
    assert ("payment_channel", "支付宝") in found


def test_statistics_follow_ups_over_rest(chat, repository):
    user = sender()
    first = "\n".join(chat(user, "2021年全国破获了多少电信诈骗案件"))
    assert all(f.value + f.unit in first for f in repository.figures("cases_solved", 2021))
    second = "\n".join(chat(user, "那抓了多少人"))
    assert all(f.value + f.unit in second for f in repository.figures("suspects_arrested", 2021))
    third = "\n".join(chat(user, "2020年呢"))
    assert all(f.value + f.unit in third for f in repository.figures("suspects_arrested", 2020))


def test_unclear_message_offers_the_core_topics(rasa_url):
    replies = post_json(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender(), "message": "嗯嗯啊啊哦"})
    buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert {"/suspected_scam_call", "/lost_money", "/selling_card", "/app_verification"} <= set(buttons)
