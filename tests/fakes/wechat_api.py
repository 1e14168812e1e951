"""A local fake of WeChat's access-token and customer-service message APIs.

It speaks the documented protocol: `GET /cgi-bin/token?grant_type=client_credential
&appid=..&secret=..` issues `{"access_token", "expires_in"}`; `POST /cgi-bin/message/
custom/send?access_token=..` with a JSON body answers `{"errcode": 0, "errmsg": "ok"}`
or an error code. Issuing a token invalidates the previous one (40001), and
`expire_token()` makes the current one answer 42001. `GET /cgi-bin/media/get?access_token=..
&media_id=..` returns a file added with `add_media` (errors as JSON, 40007 for an unknown
media_id). Runs aiohttp in a background thread.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.server import BackgroundServer

MAX_TEXT_BYTES = 2048
INVALID_CREDENTIAL = 40001
EXPIRED_TOKEN = 42001


@dataclass(frozen=True)
class CustomMessage:
    """One customer-service text the fake accepted, in arrival order."""

    touser: str
    content: str
    access_token: str


@dataclass(frozen=True)
class Rejected:
    """A send the fake refused, with the errcode it answered."""

    errcode: int
    access_token: str


class FakeWeChatAPI(BackgroundServer):
    """WeChat API on 127.0.0.1; use as a context manager, then read `.messages`."""

    name = "fake-wechat-api"

    def __init__(self, app_id: str, app_secret: str, expires_in: int = 7200) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.expires_in = expires_in
        self.tokens_issued: list[str] = []
        self._current: str | None = None
        self._expired = False
        self._messages: list[CustomMessage] = []
        self._rejected: list[Rejected] = []
        self._counter = itertools.count(1)
        self._media: dict[str, bytes] = {}
        self.media_fetched: list[str] = []
        self._lock = threading.Lock()

    # --- test controls and records -------------------------------------------------

    def expire_token(self) -> None:
        """The current token is now expired: the next send with it gets errcode 42001."""
        with self._lock:
            self._expired = True

    def add_media(self, media_id: str, data: bytes) -> None:
        """A file a user sent (an image), downloadable by its MediaId."""
        self._media[media_id] = data

    @property
    def messages(self) -> list[CustomMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def rejected(self) -> list[Rejected]:
        with self._lock:
            return list(self._rejected)

    def texts_for(self, openid: str) -> list[str]:
        return [m.content for m in self.messages if m.touser == openid]

    def wait_for_texts(self, openid: str, count: int = 1, timeout: float = 30) -> list[str]:
        """Poll until `count` texts for `openid` arrived; returns them (maybe fewer on timeout)."""
        deadline = time.monotonic() + timeout
        while len(found := self.texts_for(openid)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return found

    # --- the API -------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if query.get("appid") != self.app_id:
            return _error(40013, "invalid appid")
        if query.get("secret") != self.app_secret:
            return _error(40125, "invalid appsecret")
        with self._lock:
            token = f"ACCESS_TOKEN_{next(self._counter)}"
            self._current, self._expired = token, False
            self.tokens_issued.append(token)
        return web.json_response({"access_token": token, "expires_in": self.expires_in})

    def _refusal(self, token: str) -> web.Response | None:
        """The error a call with `token` gets, recorded in `rejected`; None when the token is valid."""
        with self._lock:
            if token == self._current and not self._expired:
                return None
            errcode = EXPIRED_TOKEN if token == self._current else INVALID_CREDENTIAL
            self._rejected.append(Rejected(errcode, token))
        return _error(errcode, "access_token expired" if errcode == EXPIRED_TOKEN else "invalid credential")

    async def _send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        if (refusal := self._refusal(token)) is not None:
            return refusal
        try:
            payload = json.loads((await request.read()).decode("utf-8"))
            touser, content = payload["touser"], payload["text"]["content"]
        except (ValueError, KeyError, TypeError):
            return _error(47001, "data format error")
        if payload.get("msgtype") != "text" or not isinstance(touser, str) or not isinstance(content, str):
            return _error(47001, "data format error")
        if not content.strip():
            return _error(44004, "empty content")
        if len(content.encode("utf-8")) > MAX_TEXT_BYTES:
            return _error(45002, "content size out of limit")
        with self._lock:
            self._messages.append(CustomMessage(touser, content, token))
        return _error(0, "ok")

    async def _media_get(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        if (refusal := self._refusal(token)) is not None:
            return refusal
        media_id = request.query.get("media_id", "")
        if media_id not in self._media:
            return _error(40007, "invalid media_id")
        with self._lock:
            self.media_fetched.append(media_id)
        return web.Response(body=self._media[media_id], content_type="image/jpeg")

    # --- lifecycle -------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        app.router.add_get("/cgi-bin/media/get", self._media_get)


def _error(errcode: int, errmsg: str) -> web.Response:
    return web.json_response({"errcode": errcode, "errmsg": errmsg})
