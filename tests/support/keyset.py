"""An identity provider's JSON Web Key Set, served from a local HTTP server with keys the
tests generate (RSA for RS256, P-256 for ES256), and tokens signed with them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://idp.test.invalid/realms/bulkreg"
AUDIENCE = "bulkreg-api"


@dataclass
class SigningKey:
    kid: str
    algorithm: str
    private: Any

    @classmethod
    def generate(cls, kid: str, algorithm: str) -> SigningKey:
        if algorithm == "RS256":
            return cls(
                kid, algorithm, rsa.generate_private_key(public_exponent=65537, key_size=2048)
            )
        return cls(kid, algorithm, ec.generate_private_key(ec.SECP256R1()))

    def public_jwk(self) -> dict[str, Any]:
        family = RSAAlgorithm if self.algorithm == "RS256" else ECAlgorithm
        jwk = json.loads(family.to_jwk(self.private.public_key()))
        return jwk | {"kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def token(self, subject: str, ttl: int = 300, **claims: Any) -> str:
        now = int(time.time())
        body = {"sub": subject, "iat": now, "exp": now + ttl, "iss": ISSUER, "aud": AUDIENCE}
        return jwt.encode(
            body | claims, self.private, algorithm=self.algorithm, headers={"kid": self.kid}
        )


@dataclass
class KeySet:
    """What the server publishes, how often it was asked, and whether it answers. While
    ``held`` is set, a fetch is answered only when it is cleared: the server hangs, as a
    hostile or broken one does, and ``asked`` is set when a fetch has arrived."""

    keys: list[SigningKey] = field(default_factory=list)
    fetches: int = 0
    failing: bool = False
    url: str = ""
    held: threading.Event = field(default_factory=threading.Event)
    asked: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def hanging(self) -> Iterator[None]:
        self.asked.clear()
        self.held.set()
        try:
            yield
        finally:
            self.held.clear()

    def document(self) -> bytes:
        return json.dumps({"keys": [k.public_jwk() for k in self.keys]}).encode()


@contextmanager
def serve_key_set(key_set: KeySet) -> Iterator[KeySet]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            key_set.fetches += 1
            key_set.asked.set()
            while key_set.held.is_set():
                time.sleep(0.05)
            if key_set.failing or self.path != "/jwks.json":
                self.send_error(503 if key_set.failing else 404)
                return
            body = key_set.document()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    key_set.url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield key_set
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
