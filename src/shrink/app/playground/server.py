"""The playground's web server: the page's files, and one training session per WebSocket.

Starlette routes ``/`` and ``/static/*`` to files shipped in the package (no CDN: the page
works offline) and ``/ws`` to a ``Connection``. Each connection owns a ``Session``; while it
plays, a task trains it in short chunks in a worker thread and streams a snapshot after each
chunk, so the event loop stays free for the page's messages. Paused, the task waits on an
event and costs nothing; when the page goes away the task ends with it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import time
from importlib import resources

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .session import MessageError, Session

__all__ = ["Connection", "check_port", "create_app", "serve"]

#: Training time per chunk: the page gets a frame after each (about 20 a second with the
#: snapshot), and a message waits at most this long for the session.
CHUNK_SECONDS = 0.03
#: At most this many pages train at once (each session is one busy thread while playing).
MAX_SESSIONS = 8
#: A message from the page is a few hundred bytes; anything far larger is refused.
MAX_MESSAGE = 1 << 16


def _static_dir() -> str:
    return os.fspath(resources.files("shrink.app.playground").joinpath("static"))


class Connection:
    """One page: its session, the lock that serialises training and messages, the trainer task."""

    def __init__(self, websocket: WebSocket):
        self.websocket = websocket
        self.session = Session()
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()

    async def send(self, message: dict | str) -> None:
        await self.websocket.send_text(message if isinstance(message, str) else json.dumps(message))

    async def state(self) -> str:
        """The session's snapshot as JSON text, computed off the event loop."""
        return await asyncio.to_thread(lambda: json.dumps(self.session.snapshot()))

    async def run(self) -> None:
        trainer = asyncio.create_task(self.train())
        try:
            async with self.lock:
                await self.send(await self.state())
            while True:
                text = await self.websocket.receive_text()
                await self.handle(text)
        except WebSocketDisconnect:
            pass
        finally:
            trainer.cancel()

    async def train(self) -> None:
        """While playing: a chunk of epochs in a thread, then a snapshot for the page."""
        session = self.session
        while True:
            await self.wake.wait()
            async with self.lock:
                if not session.playing:
                    self.wake.clear()
                    continue
                text = await asyncio.to_thread(self._chunk)
            await self.send(text)

    def _chunk(self) -> str:
        session, end = self.session, time.perf_counter() + CHUNK_SECONDS
        while session.playing and time.perf_counter() < end:
            session.train(1)
            session.geometry.step()
        return json.dumps(session.snapshot())

    async def handle(self, text: str) -> None:
        """Apply one message; a bad one is answered with an error the page shows."""
        try:
            if len(text) > MAX_MESSAGE:
                raise MessageError(f"message too long ({len(text)} characters; at most {MAX_MESSAGE})")
            try:
                message = json.loads(text)
            except ValueError:
                raise MessageError("message is not JSON") from None
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise MessageError("message must be an object with a \"type\"")
            async with self.lock:
                reply = await asyncio.to_thread(self._apply, message)
        except MessageError as error:
            await self.send({"type": "error", "message": str(error)})
            return
        if self.session.playing:
            self.wake.set()
        await self.send(reply)

    def _apply(self, message: dict):
        """Run in a thread under the lock: change the session, return the reply's text."""
        session, kind = self.session, message["type"]
        if kind == "set":
            session.update(message.get("values"))
        elif kind == "variants":
            session.set_variants(message.get("variants"))
        elif kind == "play":
            session.playing = True
        elif kind == "pause":
            session.playing = False
        elif kind == "step":
            session.playing = False
            session.train(1)
            session.geometry.step()
        elif kind == "reset":
            session.rebuild()
        elif kind == "restart_path":
            session.geometry.restart()
        elif kind == "export":
            files = session.export()
            return json.dumps({"type": "export", "files": {name: base64.b64encode(data).decode("ascii")
                                                           for name, data in files.items()}})
        else:
            raise MessageError(f"unknown message type {kind!r} (known: set, variants, play, pause, step, "
                               "reset, restart_path, export)")
        return json.dumps(session.snapshot())


def create_app(*, on_startup=None) -> Starlette:
    """The Starlette application (``on_startup``: a callable run once the server listens)."""
    sessions: set[Connection] = set()

    async def page(request):
        return FileResponse(os.path.join(_static_dir(), "index.html"), headers={"Cache-Control": "no-cache"})

    async def health(request):
        return JSONResponse({"sessions": len(sessions)})

    async def websocket_endpoint(websocket: WebSocket):
        # A page from another site could open ws://127.0.0.1 from the user's browser: only
        # pages this server served (same host and port) may connect.
        origin, host = websocket.headers.get("origin"), websocket.headers.get("host")
        if origin is not None and origin.split("://", 1)[-1] != host:
            await websocket.close(code=1008)
            return
        await websocket.accept()
        if len(sessions) >= MAX_SESSIONS:
            await websocket.send_text(json.dumps({"type": "error", "message":
                                                  f"too many pages open (at most {MAX_SESSIONS}); close one"}))
            await websocket.close(code=1013)
            return
        connection = Connection(websocket)
        sessions.add(connection)
        try:
            await connection.run()
        finally:
            sessions.discard(connection)

    routes = [Route("/", page), Route("/health", health), WebSocketRoute("/ws", websocket_endpoint),
              Mount("/static", StaticFiles(directory=_static_dir()), name="static")]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if on_startup is not None:
            on_startup()
        yield

    return Starlette(routes=routes, lifespan=lifespan)


def check_port(host: str, port: int) -> None:
    """Raise ``OSError`` (one line for the command) when ``host:port`` cannot be bound."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def serve(host: str = "127.0.0.1", port: int = 8765, *, on_startup=None) -> None:
    """Run the server until Ctrl-C (uvicorn handles the signal and closes the pages' sockets)."""
    import uvicorn
    from threadpoolctl import threadpool_limits

    check_port(host, port)
    # One BLAS thread: the matrices are small, and a second thread only spins against the
    # other sessions (measured: a snapshot takes 4 ms with one thread, 40 ms with two).
    with threadpool_limits(limits=1):
        config = uvicorn.Config(create_app(on_startup=on_startup), host=host, port=port, log_level="warning",
                                ws_max_size=MAX_MESSAGE, timeout_graceful_shutdown=2)
        uvicorn.Server(config).run()
