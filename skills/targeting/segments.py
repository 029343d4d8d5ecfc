"""The segment of a lead, as the copywriter's memory of approved drafts files it (``tools.memory.examples``).

A segment is the Targeting OS's sector id that the lead's sector (or company name) names, else
``general``: «العقارية» and "Real estate" are one segment. The memory only stores and filters by
it; the sector catalogue stays here, in the Targeting OS.
"""

from __future__ import annotations

from skills.targeting.enrich import sector_of
from tools.memory.examples import GENERAL_SEGMENT


def segment_of(*texts: str | None) -> str:
    """The sector id the first naming text names (sector, then company name), else ``general``."""
    found = sector_of(*texts)
    return found[0] if found else GENERAL_SEGMENT
