"""A local HTTP server for the tests that talk to GitLab's REST API (the merge-request note,
the drift issues): each test's handler routes requests its own way; this holds what they
share, the JSON replies and the server's life."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(BaseHTTPRequestHandler):
    """Quiet, JSON-speaking; a subclass answers in `_route(method)`."""

    def log_message(self, *args: Any) -> None:  # quiet test output
        pass

    def _send(self, code: int, data: object) -> None:
        raw = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _route(self, method: str) -> None:
        raise NotImplementedError

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")


@contextmanager
def serve(handler: type[Handler]) -> Iterator[str]:
    """The server on a free local port, as GitLab's API URL (`.../api/v4`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    finally:
        server.shutdown()
        server.server_close()
