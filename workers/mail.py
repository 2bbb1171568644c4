"""The relay's mail sender: one outbox message, rendered and handed to the mail server.

Each attempt opens its own connection (``aiosmtplib``), protected as ``BULKREG_SMTP_URL``
says (``bulkreg.foundation.mailserver``: implicit TLS, required STARTTLS, or none for a
loopback catcher), and all of it — connecting, the TLS handshake, the dialogue, the message —
is bounded by one deadline: a server that answers a byte now and then cannot hold a sender.
A message is sent at least once: the outcome is recorded after the server has answered, so a
relay that dies in between sends it again, with the same ``Message-ID``.
"""

from __future__ import annotations

import asyncio
import logging

import aiosmtplib
import jinja2

from bulkreg.foundation.mailserver import MailServer
from bulkreg.mail.render import render
from domain.ports.mail import OutgoingEmail

log = logging.getLogger("bulkreg.relay")


async def send_email(
    email: OutgoingEmail,
    *,
    server: MailServer,
    mail_from: str,
    links_base: str,
    deadline: float,
) -> str | None:
    """One attempt; None when the server took the message, else why not — the server's code,
    never its text, which may quote the recipient's address (``emails.last_error`` holds
    nothing about a person: the address is in ``to_address`` alone)."""
    try:
        message = render(email, links_base=links_base, mail_from=mail_from)
    except (jinja2.TemplateError, KeyError, ValueError) as error:
        return f"cannot write the message: {type(error).__name__}: {error}"[:500]
    try:
        async with asyncio.timeout(deadline):
            await aiosmtplib.send(
                message,
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.security == "implicit_tls",
                start_tls=server.security == "starttls",
                timeout=deadline,
            )
    except TimeoutError:
        return "timed out"
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = sorted({refused.code for refused in error.recipients})
        return f"the mail server refused the recipient ({', '.join(map(str, codes))})"
    except aiosmtplib.SMTPResponseException as error:
        return f"the mail server answered {error.code} ({type(error).__name__})"
    except (aiosmtplib.SMTPException, OSError) as error:
        return f"{type(error).__name__}: {error}"[:500]
    return None
