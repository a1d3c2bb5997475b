"""Headless Chromium driven through the DevTools protocol over a pipe (no extra packages).

``open_page(chromium, path)`` loads a local HTML file and returns what a reviewer would check:
console errors, uncaught exceptions, network requests (anything not ``file:`` or ``data:``),
a PNG screenshot, and lets the test evaluate JavaScript in the page.

Chromium is started with ``--remote-debugging-pipe``: it reads commands from fd 3 and writes
replies and events to fd 4, each message JSON terminated by a NUL byte.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]


def find_chromium() -> str | None:
    """The Chromium binary: $CORRIDORS_CHROMIUM, or chromium / chromium-browser on PATH."""
    env = os.environ.get("CORRIDORS_CHROMIUM")
    if env and Path(env).exists():
        return env
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


def install_chromium() -> str | None:
    """Install Debian's chromium with apt-get (root only); None when that is not possible."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env, capture_output=True
    )
    return find_chromium()


class CDPError(RuntimeError):
    pass


class CDP:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, chromium: str, width: int = 1280, height: int = 900):
        self.profile = tempfile.mkdtemp(prefix="corridors-chromium-")
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()

        def remap() -> None:  # in the child: commands on fd 3, replies on fd 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [
                chromium,
                *FLAGS,
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=remap,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("timed out waiting for Chromium")
            ready, _, _ = select.select([self._r], [], [], left)
            if ready:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise CDPError("Chromium closed the debugging pipe")
                self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        for ev in self.events:
            if ev.get("method") == method:
                return ev
        deadline = time.monotonic() + timeout
        while True:
            ev = self._read_message(deadline)
            self.events.append(ev)
            if ev.get("method") == method:
                return ev

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except CDPError:
            pass

    def close(self) -> None:
        with contextlib.suppress(CDPError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._r, self._w):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)


@dataclass
class Page:
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    cdp: CDP | None = None
    session: str = ""

    def evaluate(self, expression: str) -> Any:
        assert self.cdp is not None
        res = self.cdp.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            self.session,
        )
        if "exceptionDetails" in res:
            raise CDPError(str(res["exceptionDetails"]))
        return res["result"].get("value")

    def collect(self) -> None:
        """Sort the events received so far into errors and requests."""
        assert self.cdp is not None
        self.console_errors.clear()
        self.exceptions.clear()
        self.requests.clear()
        for ev in self.cdp.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                args = [str(a.get("value", a.get("description", ""))) for a in p.get("args", [])]
                self.console_errors.append(" ".join(args))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                self.console_errors.append(p["entry"].get("text", ""))
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                self.exceptions.append(
                    str(d.get("exception", {}).get("description") or d.get("text"))
                )
            elif m == "Network.requestWillBeSent":
                url = p.get("request", {}).get("url", "")
                if not url.startswith(("file:", "data:", "about:")):
                    self.requests.append(url)


def open_page(
    chromium: str, path: Path, width: int = 1280, height: int = 900, settle: float = 0.8
) -> Page:
    """Load ``path`` in headless Chromium; the caller must call ``page.cdp.close()``."""
    cdp = CDP(chromium, width, height)
    try:
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Network", "Page"):
            cdp.send(f"{domain}.enable", session=session)
        cdp.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        cdp.send("Page.navigate", {"url": Path(path).resolve().as_uri()}, session)
        cdp.wait_for("Page.loadEventFired", timeout=60)
        cdp.drain(settle)
        page = Page(cdp=cdp, session=session)
        shot = cdp.send("Page.captureScreenshot", {"format": "png"}, session)
        page.screenshot = base64.b64decode(shot["data"])
        page.collect()
        return page
    except BaseException:
        cdp.close()
        raise
