"""A headless Chromium driven over the Chrome DevTools protocol, for tests of pages the service
serves. It reaches nothing but loopback: every other host resolves to nothing and goes to a
proxy that refuses, so a page that needs the internet fails to load here."""

import asyncio
import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

CHROMIUM_NAMES = ("chromium", "chromium-browser")
DEVTOOLS_LINE = re.compile(r"DevTools listening on (ws://\S+)")
START_SECONDS = 20.0
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.1


def chromium_path() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


class Page:
    """One tab: commands, and the events it sent (``events``), in order."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self._socket:
            message = json.loads(raw)
            if "id" in message:
                self._replies.pop(message["id"]).set_result(message)
            else:
                self.events.append((message["method"], message.get("params", {})))

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        command_id = next(self._ids)
        reply = self._replies[command_id] = asyncio.get_running_loop().create_future()
        await self._socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        message = await asyncio.wait_for(reply, 10)
        if "error" in message:
            raise RuntimeError(f"{method}: {message['error']}")
        return message["result"]

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, within: float = WAIT_SECONDS) -> Any:
        """The first truthy value of ``expression``, tried every 100 ms."""
        async with asyncio.timeout(within):
            while True:
                if value := await self.evaluate(expression):
                    return value
                await asyncio.sleep(POLL_SECONDS)

    async def wait_for_event(
        self, method: str, found: Callable[[dict[str, Any]], bool], within: float = WAIT_SECONDS
    ) -> dict[str, Any]:
        """The first event ``method`` (sent so far or to come) whose parameters are ``found``."""
        async with asyncio.timeout(within):
            while True:
                for name, params in self.events:
                    if name == method and found(params):
                        return params
                await asyncio.sleep(POLL_SECONDS)

    async def screenshot(self) -> bytes:
        """A PNG of the tab (the file tool shows it: handy when a test of a page fails)."""
        shot = await self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(shot["data"])

    def requested_urls(self) -> list[str]:
        return [p["request"]["url"] for m, p in self.events if m == "Network.requestWillBeSent"]

    def problems(self) -> list[dict[str, Any]]:
        """Failed loads, uncaught exceptions and console or browser errors (CSP refusals)."""
        found = []
        for method, params in self.events:
            if method in ("Network.loadingFailed", "Runtime.exceptionThrown"):
                found.append(params)
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"])
            elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
                found.append(params)
        return found

    async def close(self) -> None:
        self._reader.cancel()
        await self._socket.close()


@asynccontextmanager
async def chromium(executable: str) -> AsyncIterator[Page]:
    """A headless Chromium with a fresh profile, and its first tab with its events enabled."""
    with tempfile.TemporaryDirectory(prefix="crm-chromium-") as profile:
        process = _launch(executable, profile)
        try:
            browser_url = await asyncio.wait_for(
                asyncio.to_thread(_devtools_url, process), START_SECONDS
            )
            page = await _first_tab(browser_url)
            try:
                for domain in ("Page", "Network", "Runtime", "Log"):
                    await page.send(f"{domain}.enable")
                yield page
            finally:
                await page.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _launch(executable: str, profile: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            executable,
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=127.0.0.1",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,800",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _devtools_url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        if found := DEVTOOLS_LINE.search(line):
            # Chromium goes on writing to stderr: drained, so that it never blocks on a full pipe.
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return found.group(1)
    raise RuntimeError(f"chromium exited with {process.wait()} before its DevTools answered")


async def _first_tab(browser_url: str) -> Page:
    port = browser_url.split("/")[2]
    async with httpx.AsyncClient() as client:
        targets = (await client.get(f"http://{port}/json/list")).json()
    tab = next(t for t in targets if t["type"] == "page")
    socket = await connect(tab["webSocketDebuggerUrl"], max_size=None)
    return Page(socket)
