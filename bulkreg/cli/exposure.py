"""``bulkreg audit exposure``: what was written in a window, by whom, in what role — the
report an incident responder starts from (docs/api.md, "Audit log"). Exit 0 when nothing looks
misattributed, 3 when something does."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import asdict, fields
from datetime import UTC, datetime

from sqlalchemy import Engine

from bulkreg.foundation.settings import Settings
from persistence import exposure, provisioning
from persistence.provisioning import ProvisioningError

MARKED = 3


def moment(value: str) -> datetime:
    """An RFC 3339 time with its offset (a date alone is midnight UTC)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        if "T" in value or " " in value:
            raise argparse.ArgumentTypeError(f"'{value}' has no time zone offset")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def run(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    if args.to <= args.since:
        raise ProvisioningError("--to must be after --from")
    org_id = provisioning.find_org(engine, args.org)
    found = exposure.report(engine, org_id, args.since, args.to, args.registered_by)
    rows = [asdict(e) for e in found]
    if args.format == "json":
        json.dump({"org_id": str(org_id), "activities": rows}, sys.stdout, default=str)
        print()
    else:
        writer = csv.DictWriter(sys.stdout, [f.name for f in fields(exposure.Exposed)])
        writer.writeheader()
        writer.writerows(rows)
    marked = [e.activity_id for e in found if e.misattributed]
    print(
        f"{len(found)} activities in the window, {len(marked)} look misattributed",
        file=sys.stderr,
    )
    if marked and args.open_anomalies:
        filed = exposure.file_anomalies(engine, org_id, marked)
        print(f"filed as misattributed_records anomalies ({filed})", file=sys.stderr)
    return MARKED if marked else 0
