"""Signing out of the screen ends the session: the same cookie opens nothing afterwards, and
it never was a bearer token for the API."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.http import screen_session
from tests.support.stack import Stack


def test_the_cookie_opens_nothing_after_sign_out_and_never_the_api(
    stack: Stack, first_org: dict[str, Any]
) -> None:
    cookie = screen_session(stack.api, first_org["coordinators"][0]["token"])
    with httpx.Client(base_url=stack.api, follow_redirects=False) as browser:
        browser.cookies.set("bulkreg_session", cookie)
        page = browser.get("/ui/")
        assert page.status_code == 200
        assert (
            browser.get("/v1/me", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401
        )
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        out = browser.post("/ui/logout", data={"csrf": csrf.group(1)})
        assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    with httpx.Client(base_url=stack.api, follow_redirects=False) as kept:
        kept.cookies.set("bulkreg_session", cookie)  # as if the browser had kept it
        again = kept.get("/ui/")
        assert again.status_code == 303 and again.headers["location"] == "/ui/login"
