"""Small HTTP servers on loopback that misbehave on purpose (redirects to other hosts, a byte a
second, gzip bombs, deep JSON, 404s): what a hostile catalogue or registry does to the tool."""

from __future__ import annotations

import gzip
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serve(routes: dict, host: str = "127.0.0.1"):
    """`routes`: path -> callable(handler) that answers. Yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            route = routes.get(self.path.split("?")[0]) or routes.get("*")
            if route is None:
                self.send_error(404)
            else:
                route(self)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def body(data: bytes | str, status: int = 200, content_type: str = "application/json", encoding: str | None = None):
    data = data.encode() if isinstance(data, str) else data

    def answer(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        if encoding:
            handler.send_header("Content-Encoding", encoding)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return answer


def redirect(location: str, status: int = 302):
    def answer(handler):
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def drip(data: bytes, every: float = 1.0):
    """The whole body announced, then a byte per `every` seconds: each read succeeds, the answer never ends."""

    def answer(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        try:
            for i in range(len(data)):
                handler.wfile.write(data[i:i + 1])
                handler.wfile.flush()
                time.sleep(every)
        except OSError:
            pass

    return answer


def gzip_bomb(megabytes: int = 1024) -> bytes:
    """`megabytes` MiB of spaces in a few hundred KiB of gzip."""
    block = b" " * (1024 * 1024)
    out = gzip.compress(b"")
    import io

    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as gz:
        for _ in range(megabytes):
            gz.write(block)
    out = buffer.getvalue()
    return out
