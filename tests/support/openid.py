"""A real, certified OpenID provider for the single sign-on tests: panva's ``oidc-provider``
(``tests/oidc/provider.mjs``, installed by ``tools/ensure-test-tools.sh``), run by Node.js
on a loopback port of its own and stopped when the block ends.

Its issuer is ``http://localhost:PORT`` while the stack under test is reached at
``http://127.0.0.1:…``: two sites, as a real provider and bulkreg are, so the browser treats
the provider's redirect back as the cross-site navigation it is in production. Any login
name signs in as the subject of that name; the provider's own pages ask for it and for
consent (``sign_in_at_provider``).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from tests.support.net import free_port

PROVIDER = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "bulkreg-screen"
CLIENT_SECRET = "a-client-secret-of-the-test-provider-only"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str | None


@contextmanager
def openid_provider(
    redirect_uri: str, client_secret: str | None = CLIENT_SECRET
) -> Iterator[Provider]:
    node = shutil.which("node")
    assert node, "make test installs Node.js (tools/ensure-test-tools.sh)"
    assert (PROVIDER / "node_modules" / "oidc-provider").is_dir(), (
        "make test installs the provider (tools/ensure-test-tools.sh)"
    )
    port = free_port()
    args = [node, "provider.mjs", str(port), redirect_uri, CLIENT_ID]
    process = subprocess.Popen(
        [*args, *([client_secret] if client_secret else [])],
        cwd=PROVIDER,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    ready = threading.Event()
    said: list[str] = []

    def read() -> None:  # keeps reading to the end, so that the pipe never fills
        assert process.stdout is not None
        for line in process.stdout:
            said.append(line)
            if line.startswith("ready "):
                ready.set()

    threading.Thread(target=read, name="openid-provider-output", daemon=True).start()
    try:
        assert ready.wait(30), f"the OpenID provider did not start: {''.join(said)}"
        yield Provider(f"http://localhost:{port}", CLIENT_ID, client_secret)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def sign_in_at_provider(page: Page, subject: str) -> None:
    """On the provider's pages: log in as ``subject`` (any password), then consent."""
    page.wait_for_url("http://localhost:*/interaction/*")
    page.fill("input[name=login]", subject)
    page.fill("input[name=password]", "any password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    if page.locator("input[name=prompt][value=consent]").count():
        with page.expect_navigation():
            page.click("button[type=submit]")
