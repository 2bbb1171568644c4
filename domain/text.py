"""What text a request may carry. Every text field is refused (422) when it holds a character
that cannot be seen but acts: NUL (PostgreSQL cannot store it), the other C0 and C1 control
characters (ESC and BEL reach coordinators' terminals; a line break splits a CSV row or a log
line), DEL, and the bidirectional controls that make text read otherwise than it is stored
(U+202E turns ``exe.gnp`` into ``png.exe``). Notes and reasons may hold tabs and line breaks;
a browser's CR LF is taken as a line break. Everything else of Unicode is welcome: names are
Norwegian, Sami, anything."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

# C0 but tab and line feed, DEL, C1; the bidirectional embeddings, overrides and isolates,
# and the marks that steer them (ALM, LRM, RLM).
_INVISIBLE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
MULTI_LINE_REFUSED = re.compile(f"[{_INVISIBLE}]")
ONE_LINE_REFUSED = re.compile(f"[{_INVISIBLE}\t\n]")


INVISIBLE = "invisible_character"  # the error's type; ``domain.explain`` words it


def _refuse(found: re.Match[str]) -> PydanticCustomError:
    code = f"U+{ord(found.group()):04X}"
    return PydanticCustomError(
        INVISIBLE,
        "must not contain control characters or invisible direction marks (found {character})",
        {"character": code},
    )


def one_line(value: str) -> str:
    if found := ONE_LINE_REFUSED.search(value):
        raise _refuse(found)
    return value


def multi_line(value: str) -> str:
    if found := MULTI_LINE_REFUSED.search(value):
        raise _refuse(found)
    return value


def _line_breaks(value: object) -> object:
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


# Apply after the field's own constraints: ``Annotated[str, StringConstraints(...), OneLine]``.
OneLine = AfterValidator(one_line)
MultiLine = (BeforeValidator(_line_breaks), AfterValidator(multi_line))
OneLineText = Annotated[str, OneLine]
