"""A stand-in action server that fails on purpose: too slow, or answering 500."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultyActionServer:
    """Serves POST /webhook on 127.0.0.1; `mode` is "slow" or "error"."""

    def __init__(self, mode: str = "error", delay: float = 30.0) -> None:
        self.mode, self.delay, self.calls = mode, delay, 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.calls += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if server.mode == "slow":
                    time.sleep(server.delay)
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error": "boom"}')

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
