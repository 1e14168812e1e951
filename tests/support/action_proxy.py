"""A switchable stand-in in front of the real action server, so one Rasa server can meet its faults."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("pass", "error", "slow", "down")


class ActionProxy:
    """Serves POST /webhook on 127.0.0.1 and does what `mode` says.

    "pass" hands each call to the real action server at `upstream`; "error" answers 500;
    "slow" holds the call until the mode changes (longer than Rasa waits); "down" closes
    the port, so Rasa's calls are refused as when the action server is not running.
    `calls` counts the calls received since the mode was last set.
    """

    def __init__(self, upstream: str, port: int) -> None:
        self.upstream, self.port = upstream, port
        self.url = f"http://127.0.0.1:{port}/webhook"
        self.mode, self.calls = "pass", 0
        self._changed = threading.Event()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._serve()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        with self._lock:
            self._changed.set()
            self._changed = threading.Event()
            self.mode, self.calls = mode, 0
            if mode == "down":
                self._close()
            elif self._httpd is None:
                self._serve()

    def close(self) -> None:
        with self._lock:
            self._changed.set()
            self._close()

    def _serve(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy._lock:
                    proxy.calls += 1
                    mode, changed = proxy.mode, proxy._changed
                if mode == "pass":
                    status, answer = proxy._forward(body)
                else:
                    if mode == "slow":
                        changed.wait()
                    status, answer = 500, b'{"error": "boom"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # Rasa gave up on a held call and closed the connection

        self._httpd = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def _close(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def _forward(self, body: bytes) -> tuple[int, bytes]:
        request = urllib.request.Request(self.upstream, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:  # the action server's own 4xx/5xx, e.g. a rejected action
            return error.code, error.read()
