"""The development mail catcher, ``python -m bulkreg.devstack.mailcatcher DIR PORT``: a real
SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it is given as an ``.eml`` file
in ``DIR`` (``$BULKREG_DATA_DIR/mail/``), so ``bulkreg up`` sends email without a relay of
its own and a developer opens what was sent in any mail program.

It listens on loopback only and takes any sender and recipient: it delivers nothing. Each
file is written whole under a temporary name and then renamed, so a reader never sees half a
message; the directory is the user's alone (mode 0700), as the messages hold sign-in links.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"


class Keeper:
    """aiosmtpd's handler: one ``.eml`` file per message."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        await asyncio.to_thread(_write, path, content)
        print(f"mail: kept a message for {', '.join(envelope.rcpt_tos)} in {path}", flush=True)
        return "250 Message accepted for delivery"


def _write(path: Path, content: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    partial.rename(path)


async def serve(directory: Path, port: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    keeper = Keeper(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(keeper, hostname="bulkreg-dev"), HOST, port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mail: catching email on {HOST}:{port}, kept in {directory}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main() -> None:
    directory, port = Path(sys.argv[1]), int(sys.argv[2])
    asyncio.run(serve(directory, port))


if __name__ == "__main__":
    main()
