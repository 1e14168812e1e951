"""Serve the 反诈助手 chat page (web/) as static files.

    python scripts/serve_web.py                  # http://127.0.0.1:8080/
    python scripts/serve_web.py --port 9000 --rasa http://127.0.0.1:5005

Only the page's own files are served (index.html, app.js, app.css, vendor/), never
node_modules/, package.json or the build scripts, and every response carries headers
that keep the page from loading anything but itself and the Rasa server.
`cd web && npm ci` must have run first: it fills web/vendor/.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"
PAGE_FILES = {"/index.html", "/app.js", "/app.css"}
VENDOR_FILES = ("chatui.css", "chatui.js", "react.production.min.js", "react-dom.production.min.js")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src http: https:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


class PageHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
    }

    def __init__(self, *args, quiet: bool = False, **kwargs):
        self.quiet = quiet
        super().__init__(*args, **kwargs)

    def _allowed(self) -> bool:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/":
            return True
        if path in PAGE_FILES:
            return True
        return path.startswith("/vendor/") and ".." not in path and "//" not in path

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if not self._allowed():
            self.send_error(404)
            return
        super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        if not self._allowed():
            self.send_error(404)
            return
        super().do_HEAD()

    def list_directory(self, path):  # no directory listings
        self.send_error(404)
        return None

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(host: str, port: int, quiet: bool = False) -> http.server.ThreadingHTTPServer:
    missing = [name for name in VENDOR_FILES if not (WEB / "vendor" / name).exists()]
    if missing:
        raise SystemExit(f"web/vendor/ is incomplete ({', '.join(missing)}): run `cd web && npm ci` first")
    handler = functools.partial(PageHandler, directory=str(WEB), quiet=quiet)
    return http.server.ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa", help="Rasa server URL to show in the printed link (default: same host, port 5005)")
    parser.add_argument("--quiet", action="store_true", help="don't log each request")
    args = parser.parse_args(argv)

    server = make_server(args.host, args.port, args.quiet)
    url = f"http://{args.host}:{args.port}/"
    if args.rasa:
        url += f"?server={args.rasa}"
    print(f"反诈助手 chat page: {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
