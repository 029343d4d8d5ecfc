"""What a message with no clear objection asks about, so the reply's one question can follow it.

The topics and their cues are data (``data/playbook.yaml``, ``clarify``), matched on folded text:
Arabic cues anywhere inside the text, Latin cues as whole words. The first topic (in file order)
with a cue wins; no cue gives ``None`` and the reply asks the general question.
"""

from __future__ import annotations

import re

from skills.negotiation.catalog import load_playbook
from skills.negotiation.utterance import clean, fold


def clarify_topic(text: str) -> str | None:
    folded = fold(clean(text))
    padded = f" {folded} "
    for topic, entry in load_playbook().clarify.topics.items():
        for cue in entry.cues:
            key = fold(cue)
            if key and (re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", padded) if key.isascii()
                        else key in folded):
                return topic
    return None
