"""A local fake of the Telegram Bot API that records every call.

It speaks the real protocol: `POST /bot<token>/<method>` with a JSON, urlencoded or
multipart body; answers `{"ok": true, "result": ...}` or `{"ok": false, "error_code": ...,
"description": ...}`. JSON-serialized fields (reply_markup, allowed_updates) sent as
form strings are decoded, as Telegram does. Files added with `add_file` are served as the
Bot API serves them: getFile gives a `file_path`, `GET /file/bot<token>/<file_path>` the
bytes. Runs aiohttp in a background thread.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import BackgroundServer

JSON_FIELDS = {"reply_markup", "allowed_updates", "entities", "caption_entities", "media"}
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile's limit for bots


@dataclass(frozen=True)
class ApiCall:
    """One request the fake received, in arrival order."""

    seq: int
    method: str
    params: dict[str, Any]


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class FakeTelegramAPI(BackgroundServer):
    """Bot API on 127.0.0.1; use as a context manager, then read `.calls`."""

    name = "fake-telegram-api"

    def __init__(self, token: str, username: str = "fanzha_test_bot") -> None:
        super().__init__()
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "反诈助手",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.webhook: dict[str, Any] = {}
        self._calls: list[ApiCall] = []
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._message_ids = itertools.count(1000)
        self._files: dict[str, bytes] = {}
        self.downloads: list[str] = []  # file paths fetched
        self._methods: dict[str, Callable[[dict], Any]] = {
            "getme": lambda p: self.bot_user,
            "setwebhook": self._set_webhook,
            "deletewebhook": lambda p: self.webhook.clear() or True,
            "getwebhookinfo": lambda p: {"pending_update_count": 0, **self.webhook},
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file,
        }

    def add_file(self, file_id: str, data: bytes) -> None:
        """A file users sent, downloadable through getFile."""
        self._files[file_id] = data

    # --- reading what happened -------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, **matching: Any) -> list[ApiCall]:
        """Calls of `method` (case-insensitive) whose params include `matching`."""
        return [
            c
            for c in self.calls
            if c.method.lower() == method.lower() and all(c.params.get(k) == v for k, v in matching.items())
        ]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10, **matching: Any) -> list[ApiCall]:
        """Wait until at least `count` matching calls arrived; returns them (maybe fewer on timeout)."""
        deadline = time.monotonic() + timeout
        while len(found := self.calls_to(method, **matching)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return found

    # --- the Bot API methods ---------------------------------------------------

    def _set_webhook(self, params: dict) -> bool:
        url = params.get("url", "")
        if url and not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {"url": url, "has_custom_certificate": False}
        return True

    def _chat(self, params: dict) -> dict:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        return {"id": chat_id, "first_name": "测试用户", "type": "private"}

    def _message(self, params: dict, **content: Any) -> dict:
        message = {
            "message_id": next(self._message_ids),
            "from": self.bot_user,
            "chat": self._chat(params),
            "date": int(time.time()),
            **content,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            message["reply_markup"] = markup
        return message

    def _send_message(self, params: dict) -> dict:
        text = str(params.get("text", "")).strip()
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return self._message(params, text=text)

    def _send_photo(self, params: dict) -> dict:
        if not params.get("photo"):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        size = {"file_id": "AgACAgQAAxkBAAI", "file_unique_id": "AQADfake", "width": 320, "height": 240}
        return self._message(params, photo=[size])

    def _answer_callback_query(self, params: dict) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        return True

    def _get_file(self, params: dict) -> dict:
        file_id = str(params.get("file_id", ""))
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        size = len(self._files[file_id])
        if size > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id[:8]}",
            "file_size": size,
            "file_path": f"photos/{file_id}.jpg",
        }

    # --- HTTP ------------------------------------------------------------------

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        file_id = path.removeprefix("photos/").removesuffix(".jpg")
        if file_id not in self._files:
            return _error(404, "Not Found")
        with self._lock:
            self.downloads.append(path)
        return web.Response(body=self._files[file_id], content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        try:
            params = await _params(request)
        except ValueError:
            return _error(400, "Bad Request: can't parse JSON object")
        with self._lock:
            self._calls.append(ApiCall(next(self._seq), method, params))
        handler = self._methods.get(method.lower())
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            return web.json_response({"ok": True, "result": handler(params)})
        except ApiError as error:
            return _error(error.code, error.description)

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", r"/bot{token}/{method}", self._handle)
        app.router.add_get(r"/file/bot{token}/{path:.+}", self._download)


async def _params(request: web.Request) -> dict[str, Any]:
    """Method parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                value = value.file.read()
            elif key in JSON_FIELDS:
                value = json.loads(value)
            params[key] = value
    return params


def _error(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)
