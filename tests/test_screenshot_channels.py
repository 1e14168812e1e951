"""Screenshots and voice on every channel, end to end: the session's Rasa server, the real action server,
the real OCR worker, and local fakes of Telegram's and WeChat's APIs serving the pictures.
"""

from __future__ import annotations

import base64
import io
import json
import sqlite3
import time
import uuid

import pytest
import requests
from PIL import Image

from bot.rasa_server.screenshot import OTHER_REPLY, READ_LINE, REPLIES, VOICE_REPLY
from bot.text.message_check import CLOSING
from scripts import screenshots
from scripts.screenshots import PAYMENT, POLICE, SHOP
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.support.servers import RasaServer
from tests.test_screenshot import declared_upload
from tests.test_telegram_channel import message_update, new_chat, post, texts_to
from tests.test_wechat_channel import WeChat, message_xml, openid, passive_text

READ_PREFIX = READ_LINE.split("{text}")[0]
CARD, PHONE, ID_NUMBER = "6222021234567890128", "13912345678", "11010519491231002X"
PICTURE_TIMEOUT = 120  # seconds: OCR on a busy 2-core machine, then the turn


def rest_picture(rasa_url: str, data: bytes, sender: str) -> requests.Response:
    return requests.post(
        f"{rasa_url}/webhooks/rest/screenshot",
        data={"sender": sender},
        files={"image": ("shot.png", data, "image/png")},
        timeout=PICTURE_TIMEOUT,
    )


def read_text(reply: str) -> str:
    """The text the bot says it read, from its READ_LINE."""
    assert reply.startswith(READ_PREFIX), reply
    return reply[len(READ_PREFIX) :].rsplit("\n", 1)[0]


def test_rest_screenshot_gets_the_same_analysis_as_its_text_pasted(rasa_url: str, chat) -> None:
    sender = f"shot-{uuid.uuid4().hex[:8]}"
    reply = rest_picture(rasa_url, screenshots.sms("95588", POLICE), sender)
    assert reply.status_code == 200
    texts = [m["text"] for m in reply.json()]
    pasted = chat(f"paste-{uuid.uuid4().hex[:8]}", read_text(texts[0]))
    assert texts[1:] == pasted
    assert "安全账户" in texts[1] and CLOSING in texts[1]


def test_a_chat_screenshot_is_analysed_even_where_the_nlu_would_not_send_it(rasa_url: str) -> None:
    """A chat whose last bubble is a greeting still gets the forwarded-message analysis."""
    bubbles = [*SHOP, ("me", "你好")]
    reply = rest_picture(rasa_url, screenshots.chat("淘宝客服", bubbles), f"shot-{uuid.uuid4().hex[:8]}")
    texts = [m["text"] for m in reply.json()]
    assert texts[0].startswith(READ_PREFIX)
    assert "客服" in texts[1] and CLOSING in texts[1]


@pytest.mark.parametrize(
    "picture, answer",
    [
        (lambda: screenshots.blank(), REPLIES["no_text"]),
        (lambda: screenshots.noise(), REPLIES["no_text"]),
        (lambda: b"GIF89a, or so it says", REPLIES["not_image"]),
    ],
    ids=["blank", "photo-without-text", "corrupt"],
)
def test_rest_pictures_without_text_are_answered_kindly(rasa_url: str, picture, answer: str) -> None:
    reply = rest_picture(rasa_url, picture(), f"shot-{uuid.uuid4().hex[:8]}")
    assert (reply.status_code, [m["text"] for m in reply.json()]) == (200, [answer])


def test_rest_huge_pictures_are_refused_not_crashed(rasa_url: str) -> None:
    huge = io.BytesIO()
    Image.new("1", (10_000, 10_000), 1).save(huge, "PNG")
    reply = rest_picture(rasa_url, huge.getvalue(), f"shot-{uuid.uuid4().hex[:8]}")
    assert (reply.status_code, [m["text"] for m in reply.json()]) == (200, [REPLIES["too_large"]])
    assert declared_upload(f"{rasa_url}/webhooks/rest/screenshot", 20 * 1024 * 1024) == 413


def test_neither_the_picture_nor_its_personal_data_is_stored_or_logged(rasa: RasaServer) -> None:
    sender = f"private-{uuid.uuid4().hex[:8]}"
    lines = [*PAYMENT[:3], f"付款卡：{CARD}", f"联系电话：{PHONE}", f"身份证：{ID_NUMBER}", "验证码：482913"]
    picture = screenshots.payment(lines)
    texts = [m["text"] for m in rest_picture(rasa.url, picture, sender).json()]
    assert "[银行卡号]" in texts[1] and "[手机号]" in texts[1] and "[身份证号]" in texts[1]
    rows = [
        data
        for (data,) in sqlite3.connect(rasa.tracker_db).execute(
            "select data from events where sender_id = ?", (f"rest:{sender}",)
        )
    ]
    stored = "\n".join(rows + [json.dumps(json.loads(data), ensure_ascii=False) for data in rows])
    assert "国家安全账户" in stored  # the redacted text is kept, like a pasted message
    logged = rasa.log.read_text(errors="replace")
    for value in (CARD, PHONE, ID_NUMBER, "482913"):
        assert value not in stored and value not in logged
    middle = picture[len(picture) // 2 :][:48]
    for form in (middle.decode("latin-1"), middle.hex(), base64.b64encode(middle).decode()):
        assert form not in stored and form not in logged


# --- Telegram -----------------------------------------------------------------------------------


def photo(file_id: str, size: int, width: int = 720, height: int = 400) -> list[dict]:
    """Telegram's PhotoSize list: a thumbnail, then the picture itself."""
    return [
        {"file_id": f"{file_id}-thumb", "file_unique_id": "t", "file_size": 900, "width": 90, "height": 50},
        {"file_id": file_id, "file_unique_id": "p", "file_size": size, "width": width, "height": height},
    ]


def test_telegram_photo_gets_the_analysis(webhook_telegram: str, telegram_api: FakeTelegramAPI) -> None:
    chat, file_id = new_chat(), f"AgAC{uuid.uuid4().hex}"
    data = screenshots.sms("95588", POLICE, "JPEG")
    telegram_api.add_file(file_id, data)
    assert post(webhook_telegram, message_update(chat, photo=photo(file_id, len(data)))) == 200
    texts = texts_to(telegram_api, chat)
    assert texts[0].startswith(READ_PREFIX) and "安全账户" in texts[0]
    assert "安全账户" in texts[1] and CLOSING in texts[1]
    assert telegram_api.downloads[-1].endswith(f"{file_id}.jpg")


def test_telegram_image_document_gets_the_analysis(webhook_telegram: str, telegram_api: FakeTelegramAPI) -> None:
    chat, file_id = new_chat(), f"BQAC{uuid.uuid4().hex}"
    data = screenshots.chat("淘宝客服", SHOP)
    telegram_api.add_file(file_id, data)
    document = {
        "file_id": file_id,
        "file_unique_id": "d",
        "file_name": "Screenshot.png",
        "mime_type": "image/png",
        "file_size": len(data),
    }
    assert post(webhook_telegram, message_update(chat, document=document)) == 200
    texts = texts_to(telegram_api, chat)
    assert texts[0].startswith(READ_PREFIX) and CLOSING in texts[1]


def test_telegram_oversize_photo_is_not_downloaded(webhook_telegram: str, telegram_api: FakeTelegramAPI) -> None:
    chat, file_id = new_chat(), f"AgAC{uuid.uuid4().hex}"
    before = len(telegram_api.calls_to("getFile"))
    update = message_update(chat, photo=photo(file_id, 20 * 1024 * 1024, 10_000, 10_000))
    assert post(webhook_telegram, update) == 200
    assert texts_to(telegram_api, chat) == [REPLIES["too_large"]]
    assert len(telegram_api.calls_to("getFile")) == before


@pytest.mark.parametrize(
    "content, answer",
    [
        ({"voice": {"duration": 4, "mime_type": "audio/ogg", "file_id": "AwAC", "file_unique_id": "v"}}, VOICE_REPLY),
        ({"location": {"latitude": 39.9, "longitude": 116.4}}, OTHER_REPLY),
        (
            {
                "document": {
                    "file_id": "BQAD",
                    "file_unique_id": "f",
                    "file_name": "合同.pdf",
                    "mime_type": "application/pdf",
                }
            },
            OTHER_REPLY,
        ),
    ],
    ids=["voice", "location", "pdf"],
)
def test_telegram_other_messages_get_a_short_reply(
    webhook_telegram: str, telegram_api: FakeTelegramAPI, content: dict, answer: str
) -> None:
    chat = new_chat()
    assert post(webhook_telegram, message_update(chat, **content)) == 200
    assert texts_to(telegram_api, chat) == [answer]


@pytest.fixture
def webhook_telegram(rasa_url: str) -> str:
    return f"{rasa_url}/webhooks/telegram/webhook"


# --- WeChat -------------------------------------------------------------------------------------


def wechat_answer(wechat: WeChat, api: FakeWeChatAPI, xml: str, sender: str) -> str:
    """The passive reply and what was pushed after it, once the analysis' closing line arrived.

    How many pieces that takes depends on timing (a slow picture is pushed whole, in pieces
    of WeChat's size), so the wait is for the content, not a count.
    """
    reply = wechat.post(xml)
    first = [passive_text(reply, sender)] if reply.text != "success" else []
    deadline = time.monotonic() + PICTURE_TIMEOUT
    while CLOSING not in "".join(first + api.texts_for(sender)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return "\n\n".join(first + api.texts_for(sender))


def test_wechat_image_gets_the_analysis(rasa_url: str, wechat_api: FakeWeChatAPI) -> None:
    wechat, sender, media_id = WeChat(rasa_url), openid(), f"media-{uuid.uuid4().hex}"
    wechat_api.add_media(media_id, screenshots.sms("95588", POLICE, "JPEG"))
    xml = message_xml(
        sender,
        "image",
        f"<PicUrl><![CDATA[http://mmbiz.qpic.cn/{media_id}]]></PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>",
    )
    answer = wechat_answer(wechat, wechat_api, xml, sender)
    assert answer.startswith(READ_PREFIX) and "安全账户" in answer and CLOSING in answer
    assert wechat_api.media_fetched.count(media_id) == 1
    assert wechat.user_texts(sender) == ["/suspected_scam_call"]


def test_wechat_image_that_cannot_be_fetched_is_answered(rasa_url: str) -> None:
    wechat, sender = WeChat(rasa_url), openid()
    xml = message_xml(
        sender,
        "image",
        "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[expired-media]]></MediaId>",
    )
    assert passive_text(wechat.post(xml), sender) == REPLIES["busy"]


def test_wechat_voice_with_recognition_is_answered_as_its_text(rasa_url: str) -> None:
    wechat, sender = WeChat(rasa_url), openid()
    fields = (
        "<MediaId><![CDATA[voice-1]]></MediaId><Format><![CDATA[amr]]></Format>"
        "<Recognition><![CDATA[有人打电话说我涉嫌洗钱，让我转到安全账户]]></Recognition>"
    )
    content = passive_text(wechat.post(message_xml(sender, "voice", fields)), sender)
    assert wechat.user_texts(sender) == ["有人打电话说我涉嫌洗钱，让我转到安全账户"]
    assert "96110" in content or "110" in content


@pytest.mark.parametrize(
    "msg_type, fields, answer",
    [
        ("voice", "<MediaId><![CDATA[voice-2]]></MediaId><Format><![CDATA[amr]]></Format>", VOICE_REPLY),
        (
            "location",
            "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>20</Scale>"
            "<Label><![CDATA[位置]]></Label>",
            OTHER_REPLY,
        ),
    ],
    ids=["voice-without-recognition", "location"],
)
def test_wechat_other_messages_get_a_short_reply(rasa_url: str, msg_type: str, fields: str, answer: str) -> None:
    wechat, sender = WeChat(rasa_url), openid()
    assert passive_text(wechat.post(message_xml(sender, msg_type, fields)), sender) == answer
    assert wechat.user_texts(sender) == []
