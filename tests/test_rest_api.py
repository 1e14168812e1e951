"""The running bot over HTTP: REST channel and the parse API (with the API token), with the real action server."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from tests.conftest import post_json
from tests.support import config


def sender() -> str:
    return uuid.uuid4().hex


def test_lost_money_reply_names_110_and_stop_payment(chat):
    reply = "\n".join(chat(sender(), "我被骗了两万怎么办"))
    assert "110" in reply and "止付" in reply


def test_parse_returns_the_intent(rasa_url):
    parsed = post_json(config.api(rasa_url, "/model/parse"), {"text": "有人要花钱租我的银行卡"})
    assert parsed["intent"]["name"] == "selling_card"


@pytest.mark.parametrize(
    ("text", "selected"),
    [
        ("被骗的钱多久能追回来", True),  # a core topic's specific question
        ("刚接到电话说我的卡被冻结了，我已经把验证码告诉他了", True),  # handed over: may become lost_money
        ("你好", False),
        ("2023年全国破获了多少电信诈骗案件", False),
    ],
)
def test_the_question_selector_runs_only_when_its_answer_can_be_used(rasa_url, text, selected):
    parsed = post_json(config.api(rasa_url, "/model/parse"), {"text": text})
    ranking = (parsed.get("response_selector") or {}).get("default", {}).get("ranking")
    assert bool(ranking) == selected, parsed["intent"]


def test_parse_extracts_entities(rasa_url):
    parsed = post_json(config.api(rasa_url, "/model/parse"), {"text": "2021年我用支付宝被骗了5000块"})
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


@pytest.mark.parametrize(
    "traditional, simplified",
    [
        ("有人要花錢租我的銀行卡", "有人要花钱租我的银行卡"),
        ("我剛被騙了兩萬塊，怎麼辦", "我刚被骗了两万块,怎么办"),  # full-width punctuation folds too
        ("這個ＡＰＰ是不是國家反詐中心的", "这个APP是不是国家反诈中心的"),
    ],
)
def test_traditional_and_full_width_text_is_read_as_simplified(rasa_url, traditional, simplified):
    parsed = post_json(config.api(rasa_url, "/model/parse"), {"text": traditional})
    expected = post_json(config.api(rasa_url, "/model/parse"), {"text": simplified})
    assert parsed["text"] == simplified
    assert parsed["intent"]["name"] == expected["intent"]["name"]


def test_channel_health_check(rasa_url):
    with urllib.request.urlopen(f"{rasa_url}/webhooks/rest/", timeout=30) as answer:
        assert json.load(answer) == {"status": "ok"}
