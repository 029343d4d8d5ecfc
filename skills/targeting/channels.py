"""Channel recommender: email, WhatsApp (opt-in only), phone, partner introduction or event.

A warm path beats a direct one: a partner or referral lead is best reached through the person
who introduced it, an event contact by following up on that event. Direct channels are only
ever recommended when contactability says ``safe`` for them; WhatsApp is therefore never cold.
"""

from __future__ import annotations

from skills.targeting.catalog import Catalog, load_catalog
from skills.targeting.models import (
    ChannelRecommendation,
    CommitteeRole,
    Contactability,
    ContactChannel,
    Lead,
    RecommendedChannel,
)

_DIRECT: tuple[ContactChannel, ...] = ("whatsapp", "email", "phone")
_WARM: dict[str, RecommendedChannel] = {"partner_intro": "partner_intro", "referral": "partner_intro",
                                        "event_with_consent": "event"}


def recommend_channel(lead: Lead, contactability: Contactability, role: CommitteeRole | None,
                      catalog: Catalog | None = None) -> ChannelRecommendation:
    return ChannelAdvisor(catalog or load_catalog()).recommend(lead, contactability, role)


class ChannelAdvisor:
    """Recommends channels over one run; one shared (frozen) recommendation per distinct input.

    A recommendation depends only on the lead's source, the status of each direct channel and the
    role, so a 100k ranking has a few dozen distinct ones.
    """

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._made: dict[tuple[object, ...], ChannelRecommendation] = {}

    def recommend(self, lead: Lead, contactability: Contactability,
                  role: CommitteeRole | None) -> ChannelRecommendation:
        status = {v.channel: v.status for v in contactability.channels}
        key = (lead.source.source_id, *[status.get(c) for c in _DIRECT], role)
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = _recommend(lead, contactability, role, self._catalog)
        return found


def _recommend(lead: Lead, contactability: Contactability, role: CommitteeRole | None,
               catalog: Catalog) -> ChannelRecommendation:
    safe: list[RecommendedChannel] = [c for c in _DIRECT if contactability.channel(c).status == "safe"]
    warm = _WARM.get(lead.source.source_id)
    if warm is not None and safe:
        text = catalog.message("channel", warm)
        return ChannelRecommendation(channel=warm, reason_ar=text.ar, reason_en=text.en, alternatives=safe)
    if not safe:
        text = catalog.message("channel", "none")
        return ChannelRecommendation(channel=None, reason_ar=text.ar, reason_en=text.en)
    chosen = safe[0]
    role_key = role or "user"
    text = catalog.message("channel", chosen, role=role_key, role_ar=catalog.name_ar("role", role_key))
    return ChannelRecommendation(channel=chosen, reason_ar=text.ar, reason_en=text.en, alternatives=safe[1:])
