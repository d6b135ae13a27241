"""What every reader shares: the warning sink, decoding bytes, and text helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...models import ReadWarning

_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.S)
# "New York CNN —": a place and an outlet before a dash says where, not what.
_DATELINE = re.compile(r"^[\w .,()'’]{0,60}\s[—–-]$")
# A title longer than this is not a title; cut it at a word boundary.
MAX_TITLE_CHARS = 200


@dataclass
class Sink:
    """Collects the warnings of one read, in order."""

    warnings: list[ReadWarning] = field(default_factory=list)

    def warn(self, path: str, message: str, line: int | None = None) -> None:
        """Record a problem in `path` (at `line`, when known)."""
        self.warnings.append(ReadWarning(path=path, line=line, message=message))


def decode(data: bytes, path: str, sink: Sink, line: int | None = None) -> str:
    """UTF-8 text of `data` (BOM dropped); bad bytes become U+FFFD with a warning."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        sink.warn(path, f"not valid UTF-8 (byte {exc.start}); decoded with replacement characters", line)
        return data.decode("utf-8-sig", errors="replace")


def looks_binary(data: bytes) -> bool:
    """True when the first bytes hold NULs, as binary files do and text files don't."""
    return b"\x00" in data[:8192]


def clean_text(text: str) -> str:
    """Normalise line ends and spaces, drop NULs and control characters, keep paragraph breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    paragraphs = [re.sub(r"[ \t\u00a0]+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def fallback_title(text: str) -> str:
    """A title for an untitled record: its first line, or its first sentence when that line is long or a dateline."""
    lines = [ln.strip() for ln in text.strip().split("\n") if ln.strip()]
    first = lines[0] if lines else ""
    if _DATELINE.match(first) and len(lines) > 1:
        first = lines[1]
    if len(first) > MAX_TITLE_CHARS:
        m = _SENTENCE.match(first)
        first = m.group(1) if m else first
    if len(first) > MAX_TITLE_CHARS:
        first = first[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    return first
