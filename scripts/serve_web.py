"""Serve the 反诈助手 chat page (web/) as static files, bound to one Rasa server.

    python scripts/serve_web.py                  # http://127.0.0.1:8080/, Rasa at http://127.0.0.1:5005
    python scripts/serve_web.py --port 9000 --rasa https://fanzha.example.org

The Rasa URL is fixed here, when the page is served: it is written into index.html
(where app.js reads it) and into the Content-Security-Policy, whose connect-src names
that origin only. Nothing in the address bar can send the user's messages elsewhere.
Only the page's own files are served (index.html, app.js, app.css, vendor/), never
node_modules/, package.json or the build scripts; request paths are decoded and
normalised before they are checked.
`cd web && npm ci` must have run first: it fills web/vendor/.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import posixpath
import sys
import urllib.parse
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"
DEFAULT_RASA = "http://127.0.0.1:5005"
PAGE_FILES = {"/app.js", "/app.css"}
INDEX_PATHS = {"/", "/index.html"}
VENDOR_FILES = ("chatui.css", "chatui.js", "react.production.min.js", "react-dom.production.min.js")
# index.html's placeholders: opened any other way the page connects nowhere (fails closed).
URL_PLACEHOLDER = "{{RASA_URL}}"
ORIGIN_PLACEHOLDER = "{{RASA_ORIGIN}}"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src {origin}; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def rasa_endpoint(url: str) -> tuple[str, str]:
    """(base URL, origin) of the Rasa server: http(s), a host, no credentials, query or fragment."""
    parts = urllib.parse.urlsplit(url.strip())
    parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ValueError(f"--rasa must be an http(s) URL with a host, got {url!r}")
    if parts.query or parts.fragment or any(c in url for c in "\"'<> \\;,"):
        raise ValueError(f"--rasa must be a plain URL without query, fragment or quotes, got {url!r}")
    origin = f"{parts.scheme}://{parts.netloc.lower()}"
    return origin + parts.path.rstrip("/"), origin


def clean_path(raw: str) -> str | None:
    """The request path, decoded; None unless normalising it changes nothing.

    Checked after decoding, as the file is looked up: "/vendor/%2e%2e/package.json" is
    "/vendor/../package.json", which normalises to another path and is refused.
    """
    try:
        path = urllib.parse.unquote(raw.split("?", 1)[0].split("#", 1)[0], errors="strict")
    except UnicodeDecodeError:
        return None
    if not path.startswith("/") or "\\" in path or "\x00" in path:
        return None
    return path if path == "/" or posixpath.normpath(path) == path else None


class PageHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
    }

    def __init__(self, *args, quiet: bool = False, index: bytes = b"", csp: str = "", **kwargs):
        self.quiet = quiet
        self.index = index
        self.csp = csp
        super().__init__(*args, **kwargs)

    def _route(self) -> str | None:
        """ "index", "file" or None (404) for the request path."""
        path = clean_path(self.path)
        if path in INDEX_PATHS:
            return "index"
        if path is not None and (path in PAGE_FILES or path.startswith("/vendor/")):
            return "file"
        return None

    def _serve(self, with_body: bool) -> None:
        route = self._route()
        if route is None:
            self.send_error(404)
        elif route == "index":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(self.index)))
            self.end_headers()
            if with_body:
                self.wfile.write(self.index)
        elif with_body:
            super().do_GET()
        else:
            super().do_HEAD()

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)

    def list_directory(self, path):  # no directory listings
        self.send_error(404)
        return None

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", self.csp)
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def render_index(rasa: str) -> tuple[bytes, str]:
    """index.html bound to the Rasa server at `rasa`, and the CSP header that goes with it."""
    url, origin = rasa_endpoint(rasa)
    page = (WEB / "index.html").read_text(encoding="utf-8")
    if URL_PLACEHOLDER not in page or ORIGIN_PLACEHOLDER not in page:
        raise SystemExit("web/index.html lacks the Rasa URL placeholders")
    page = page.replace(URL_PLACEHOLDER, html.escape(url)).replace(ORIGIN_PLACEHOLDER, html.escape(origin))
    return page.encode("utf-8"), CSP.format(origin=origin)


def make_server(host: str, port: int, quiet: bool = False, rasa: str = DEFAULT_RASA) -> http.server.ThreadingHTTPServer:
    missing = [name for name in VENDOR_FILES if not (WEB / "vendor" / name).exists()]
    if missing:
        raise SystemExit(f"web/vendor/ is incomplete ({', '.join(missing)}): run `cd web && npm ci` first")
    index, csp = render_index(rasa)
    handler = functools.partial(PageHandler, directory=str(WEB), quiet=quiet, index=index, csp=csp)
    return http.server.ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--rasa", default=DEFAULT_RASA, help=f"the Rasa server the page talks to (default {DEFAULT_RASA})"
    )
    parser.add_argument("--quiet", action="store_true", help="don't log each request")
    args = parser.parse_args(argv)

    try:
        server = make_server(args.host, args.port, args.quiet, args.rasa)
    except ValueError as error:
        parser.error(str(error))
    print(f"反诈助手 chat page: http://{args.host}:{args.port}/ (Rasa at {args.rasa})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
