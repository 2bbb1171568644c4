"""The page to return to after signing in: a signed-out visit to a page of the screen lands
on the sign-in page with it, and every way of signing in goes there afterwards.

It comes from the address bar, so it is taken only as a path of this screen: anything else
(another site, ``//host``, a backslash, a scheme, the sign-in pages themselves) is the job
list. Otherwise a link to our sign-in page could send a person on to a site of its choosing.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import Request

HOME = "/ui/"
MAX_LENGTH = 2000
NOT_AFTER_SIGN_IN = ("/ui/login", "/ui/logout", "/ui/sign-in", "/ui/oidc/")


def local_page(wanted: object) -> str:
    """``wanted`` when it is a path of the screen to return to, else the job list."""
    if not isinstance(wanted, str) or not wanted.startswith(HOME) or len(wanted) > MAX_LENGTH:
        return HOME
    if any(c in wanted for c in "\\\r\n\t") or not wanted.isprintable() or "//" in wanted:
        return HOME
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or parts.fragment or ".." in parts.path.split("/"):
        return HOME
    if parts.path.startswith(NOT_AFTER_SIGN_IN):
        return HOME
    return wanted


def login_url(request: Request) -> str:
    """The sign-in page, carrying the page asked for when it was one worth coming back to."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    wanted = local_page(here) if request.method == "GET" else HOME
    return "/ui/login" if wanted == HOME else f"/ui/login?next={quote(wanted, safe='/')}"
