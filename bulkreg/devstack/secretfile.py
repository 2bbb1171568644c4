"""Secrets generated once into a file only the owner can read (mode 0600).

Several processes may ask at once (the CLI while ``bulkreg up`` starts): the first writer
wins and everyone reads its values, so the stack and the CLI always agree.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path


def generated(path: Path, names: Iterable[str]) -> dict[str, str]:
    """The secrets named, from ``path``; those missing are generated and added."""
    wanted = list(names)
    values = _read(path)
    if all(name in values for name in wanted):
        return values
    fresh = values | {n: secrets.token_urlsafe(32) for n in wanted if n not in values}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(fresh, out)
    try:
        if values:
            os.replace(tmp, path)  # adding to a file we read: ours is a superset
        else:
            os.link(tmp, path)  # first writer wins; a concurrent process reads its values
    except FileExistsError:
        fresh = _read(path)
    finally:
        tmp.unlink(missing_ok=True)
    return fresh


def _read(path: Path) -> dict[str, str]:
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        return {}
