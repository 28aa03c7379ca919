"""Drive Debian's headless Chromium over the DevTools protocol (pipe transport, standard library only).

`chromium --dump-dom` cannot see the docs charts: mkdocs-material draws each one inside a *closed* shadow
root. Over the DevTools protocol, `DOM.getDocument(pierce=True)` walks into those roots, `DOM.resolveNode`
hands back a handle to an element inside one, and `Runtime.callFunctionOn` runs code with that element
as `this`, so a test can ask what the browser really drew (computed colours included).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

from tests.browser.chromium import CHROMIUM_FLAGS, chromium_path


class Browser:
    """One headless Chromium with one page; `call` sends a DevTools command and waits for its answer."""

    def __init__(self, timeout: float = 30.0) -> None:
        executable = chromium_path()
        if executable is None:
            raise RuntimeError("Debian's chromium is not installed (./scripts/bootstrap.sh installs it)")
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self.on_event: Callable[[dict[str, Any]], None] | None = None
        self._next_id = 0
        self._buffer = b""
        self._profile = tempfile.mkdtemp(prefix="lucid-cdp-")
        # Chromium reads commands from fd 3 and writes answers to fd 4 (--remote-debugging-pipe).
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        self._proc = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile}",
             "--window-size=1280,900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: _wire(to_child_r, from_child_w), close_fds=False,
        )  # fmt: skip
        os.close(to_child_r)
        os.close(from_child_w)
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self.page("Runtime.enable")
        except BaseException:
            self.close()
            raise

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            for reply in self._replies(deadline, method):
                if "method" in reply:
                    self.events.append(reply)
                    if self.on_event is not None:
                        self.on_event(reply)
                elif reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]

    def _replies(self, deadline: float, method: str) -> Iterator[dict[str, Any]]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise TimeoutError(f"Chromium did not answer {method} within {self.timeout}s")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium exited (code {self._proc.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        yield json.loads(raw)

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        """A command for the page (the attached target) rather than the browser."""
        return self.call(method, session=self._session, **params)

    def record_requests(self) -> list[str]:
        """Turn on the page's network events; the returned list fills with every URL the page requests."""
        requested: list[str] = []

        def on_event(event: dict[str, Any]) -> None:
            if event.get("method") == "Network.requestWillBeSent":
                requested.append(event["params"]["request"]["url"])

        self.on_event = on_event
        self.page("Network.enable")
        return requested

    def evaluate(self, expression: str) -> Any:
        result = self.page("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def call_on_node(self, backend_node_id: int, function: str) -> Any:
        """Run `function` (JS source, `this` = the node) on a node found by `DOM.getDocument(pierce=True)`."""
        handle = self.page("DOM.resolveNode", backendNodeId=backend_node_id)["object"]["objectId"]
        result = self.page("Runtime.callFunctionOn", objectId=handle, functionDeclaration=function, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def shadow_svgs(self) -> list[int]:
        """Backend ids of the <svg> elements inside shadow roots (where Material puts each chart), in page order."""
        root = self.page("DOM.getDocument", depth=-1, pierce=True)["root"]
        found: list[int] = []
        stack: list[tuple[dict[str, Any], bool]] = [(root, False)]
        while stack:  # explicit stack, children pushed in reverse so the walk is in document order
            node, in_shadow = stack.pop()
            if in_shadow and node.get("localName") == "svg":
                found.append(node["backendNodeId"])
                continue
            nested = [(child, in_shadow) for child in node.get("children", [])]
            nested += [(child, True) for child in node.get("shadowRoots", [])]
            if node.get("contentDocument"):
                nested.append((node["contentDocument"], in_shadow))
            stack.extend(reversed(nested))
        return found

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self.call("Browser.close")
            except (OSError, RuntimeError, TimeoutError):
                pass
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _wire(to_child_r: int, from_child_w: int) -> None:
    # In the child, before exec: put the pipe ends where Chromium looks for them.
    read_end, write_end = os.dup(to_child_r), os.dup(from_child_w)
    os.dup2(read_end, 3)
    os.dup2(write_end, 4)
