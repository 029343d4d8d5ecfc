"""Keyword search in normalised text, shared by sector, committee-role and signal detection.

Latin keywords match whole words ("bid" does not fire on "bidding"); Arabic keywords match inside
words too, because Arabic attaches prefixes (و، ب، ل، ال) to the word they belong to. Each set is
one compiled regular expression, so a search costs one pass over the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from skills.targeting.textkeys import match_key


@dataclass(frozen=True, slots=True)
class KeywordSet:
    """Keywords in match-key form, each mapped back to the keyword as written."""

    keys: tuple[tuple[str, str], ...]  # (match key, keyword as written)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _written: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = [rf"(?<!\w){re.escape(k)}(?!\w)" if k.isascii() else re.escape(k)
                 for k, _ in sorted(self.keys, key=lambda kw: -len(kw[0]))]
        object.__setattr__(self, "_pattern", re.compile("|".join(parts)) if parts else None)
        written: dict[str, str] = {}
        for key, word in self.keys:
            written.setdefault(key, word)
        object.__setattr__(self, "_written", written)

    @classmethod
    def of(cls, words: Iterable[str]) -> KeywordSet:
        return cls(tuple((match_key(w), w) for w in words if match_key(w)))

    def first_hit(self, text_key: str) -> str | None:
        """The keyword (as written) found first in ``text_key`` (already a match key), if any."""
        if not text_key or self._pattern is None:
            return None
        found = self._pattern.search(text_key)
        return self._written[found.group(0)] if found else None
