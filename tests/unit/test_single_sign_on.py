"""The single sign-on's rules that need no provider: the page to return to after signing in
is a page of this screen and nothing else, and its settings come whole or not at all."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.screen.return_to import local_page
from bulkreg.foundation.settings import Settings


@pytest.mark.parametrize(
    "wanted",
    ["/ui/", "/ui/jobs/123e4567-e89b-42d3-a456-426614174000", "/ui/?status=failed&cursor=x"],
)
def test_a_page_of_the_screen_is_returned_to(wanted: str) -> None:
    assert local_page(wanted) == wanted


@pytest.mark.parametrize(
    "wanted",
    [
        None,
        "",
        "https://evil.example.org/ui/",
        "//evil.example.org/ui/",
        "/ui//evil.example.org",
        "/ui/\\evil.example.org",
        "/ui/../v1/me",
        "/ui/jobs\r\nSet-Cookie: x=y",
        "/v1/bulk-registrations",
        "/ui/login?next=/ui/",
        "/ui/oidc/callback?state=x",
        "/ui/logout",
        "/ui/" + "a" * 3000,
        "javascript:alert(1)",
    ],
)
def test_anything_else_is_the_job_list(wanted: object) -> None:
    assert local_page(wanted) == "/ui/"


def test_single_sign_on_needs_the_issuer_and_the_client_together() -> None:
    with pytest.raises(ValidationError):
        Settings(oidc_issuer="https://id.example.org")
    with pytest.raises(ValidationError):
        Settings(oidc_client_id="bulkreg")
    assert not Settings().single_sign_on
    both = Settings(oidc_issuer="https://id.example.org", oidc_client_id="bulkreg")
    assert both.single_sign_on


def test_links_start_at_the_public_url_else_the_api() -> None:
    assert Settings(api_port=8123).links_base == "http://127.0.0.1:8123"
    assert Settings(public_url="https://bulkreg.example.org/").links_base == (
        "https://bulkreg.example.org"
    )
    with pytest.raises(ValidationError):
        Settings(public_url="ftp://bulkreg.example.org")
