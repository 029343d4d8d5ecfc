"""Find duplicate leads (the same person recorded twice), precision first, never all-pairs.

Candidates come only from blocks: the same email, the same phone, the same company email domain
with a similar name skeleton, the same city, name skeleton and start of the company name. Blocks larger than
``max_block`` (a switchboard number, a shared mailbox) are not compared pair by pair.

A pair is merged only on strong evidence, and each merge says which rule fired and why:

- ``same_email`` / ``same_mobile``: a shared personal identifier and names that agree (or one is
  missing; a weaker name match needs the same company as well). A shared identifier with clearly
  different names is two people sharing a mailbox or phone: not merged.
- ``domain_and_name``: the same company email domain and a matching name, across scripts too
  ("Ahmed Al-Harbi" and "أحمد الحربي"), unless their mobile numbers differ.
- ``company_city_and_name``: near-identical company and contact names in the same city, with no
  conflicting phone or email.

Merges never delete: the merged lead stays stored with ``merged_into`` and can be unmerged; an
unmerged pair is vetoed and never merged again. Company grouping (several people of one company)
is separate and softer; it never merges anyone.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz

from skills.targeting.bulk import paused_gc
from skills.targeting.catalog import Catalog, DedupePolicy, load_catalog
from skills.targeting.models import CompanyMember, Lead, MergeRecord, MergeRule
from skills.targeting.textkeys import has_arabic, skeleton

_RULE_RANK: dict[MergeRule, int] = {"same_identity": -1, "same_email": 0, "same_mobile": 1, "domain_and_name": 2,
                                    "company_city_and_name": 3}


@dataclass(frozen=True, slots=True)
class PairMatch:
    a: int
    b: int
    rule: MergeRule
    score: float
    evidence_ar: str
    evidence_en: str


@dataclass(slots=True)
class DedupeResult:
    merges: list[MergeRecord]
    pairs_compared: int
    blocks: int
    oversized_blocks: int
    clusters: list[list[str]] = field(default_factory=list)


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _blocks(leads: Sequence[Lead]) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, lead in enumerate(leads):
        if lead.email:
            blocks[f"e:{lead.email}"].append(i)
        if lead.phone is not None and lead.phone.kind == "mobile":
            blocks[f"p:{lead.phone.e164}"].append(i)
        skel = lead.contact_skeleton
        if skel:
            first = skel.split()[0][:3]
            if lead.email_domain:
                blocks[f"d:{lead.email_domain}:{first}"].append(i)
            if lead.city_id:  # the name-only rule also needs the company name: block on its start too
                blocks[f"n:{lead.city_id}:{skel}:{lead.company_key[:4]}"].append(i)
    return blocks


class _Matcher:
    def __init__(self, leads: Sequence[Lead], policy: DedupePolicy, catalog: Catalog) -> None:
        self.leads, self.policy, self.catalog = leads, policy, catalog
        self._company_skeleton: dict[int, str] = {}

    def name_score(self, a: Lead, b: Lead) -> tuple[float | None, bool]:
        """Similarity of the contact names (0-100), None if one is missing; and whether scripts differ."""
        if not a.contact_key or not b.contact_key:
            return None, False
        cross = has_arabic(a.contact_key) != has_arabic(b.contact_key)
        if cross:
            sa, sb = a.contact_skeleton or "", b.contact_skeleton or ""
            # One-word skeletons across scripts are too coarse to trust ("sd": Saad, Saeed, Said).
            if min(len(sa.split()), len(sb.split())) < 2 and sa != sb:
                return 0.0, True
            return float(fuzz.token_sort_ratio(sa, sb)), True
        return float(fuzz.token_sort_ratio(a.contact_key, b.contact_key)), False

    def company_score(self, i: int, j: int) -> float:
        a, b = self.leads[i], self.leads[j]
        if has_arabic(a.company_key) == has_arabic(b.company_key):
            return float(fuzz.token_sort_ratio(a.company_key, b.company_key))
        return float(fuzz.token_sort_ratio(self._cskel(i), self._cskel(j)))

    def _cskel(self, i: int) -> str:
        if i not in self._company_skeleton:
            self._company_skeleton[i] = skeleton(self.leads[i].company_key)
        return self._company_skeleton[i]

    def match(self, i: int, j: int) -> PairMatch | None:
        a, b = self.leads[i], self.leads[j]
        p = self.policy
        names, cross = self.name_score(a, b)
        same_domain = a.email_domain is not None and a.email_domain == b.email_domain
        identifiers: tuple[tuple[MergeRule, bool], ...] = (
            ("same_email", bool(a.email) and a.email == b.email),
            ("same_mobile", a.phone is not None and b.phone is not None and a.phone.kind == "mobile"
             and a.phone.e164 == b.phone.e164),
        )
        for rule, shared in identifiers:
            if not shared:
                continue
            if names is None:
                return self._pair(i, j, rule, 100.0, "names_missing", cross)
            if names >= p.name_match:
                return self._pair(i, j, rule, names, "names_match", cross)
            if names >= p.name_conflict and (same_domain or self.company_score(i, j) >= p.company_match):
                return self._pair(i, j, rule, names, "names_weak_same_company", cross)
            return None  # one mailbox or phone, two different people
        conflicting_mobile = (a.phone is not None and b.phone is not None and a.phone.kind == "mobile"
                              and b.phone.kind == "mobile" and a.phone.e164 != b.phone.e164)
        if names is None or conflicting_mobile:
            return None
        if same_domain and names >= p.name_match:
            return self._pair(i, j, "domain_and_name", names, "", cross)
        conflicting_email = a.email is not None and b.email is not None and a.email != b.email
        if (a.city_id is not None and a.city_id == b.city_id and not conflicting_email
                and names >= p.same_name_city and not cross):
            company = self.company_score(i, j)
            if company >= p.same_name_city:
                return self._pair(i, j, "company_city_and_name", min(names, company), "", cross,
                                  company_score=round(company))
        return None

    def _pair(self, i: int, j: int, rule: MergeRule, score: float, names_key: str, cross: bool,
              **extra: object) -> PairMatch:
        a = self.leads[i]
        params: dict[str, object] = {"name_score": round(score), **extra}
        if names_key:
            names = self.catalog.message("dedupe", names_key, name_score=round(score))
            params.update(names_ar=names.ar, names_en=names.en)
        cross_text = self.catalog.message("dedupe", "cross_script") if cross else None
        params.update(cross_ar=cross_text.ar if cross_text else "", cross_en=cross_text.en if cross_text else "",
                      email=a.email or "", phone=a.phone.e164 if a.phone else "", domain=a.email_domain or "")
        text = self.catalog.message("dedupe", rule, **params)
        return PairMatch(i, j, rule, round(score, 1), text.ar, text.en)


def merge_id_for(kept_id: str, merged_id: str) -> str:
    return "mg_" + hashlib.sha256(f"{kept_id}\x1f{merged_id}".encode()).hexdigest()[:16]


def _completeness(lead: Lead) -> int:
    return sum(v is not None for v in (lead.contact_name, lead.title, lead.phone, lead.email, lead.city_id,
                                       lead.notes, lead.website, lead.cr_number, lead.employees))


def find_duplicates(
    leads: Sequence[Lead],
    *,
    now: datetime,
    vetoes: Iterable[tuple[str, str]] = (),
    keep_first: Iterable[str] = (),
    catalog: Catalog | None = None,
) -> DedupeResult:
    """Merges among ``leads`` (the active ones). ``keep_first``: ids that stay kept if in a cluster."""
    with paused_gc():
        return _find(leads, now=now, vetoes=vetoes, keep_first=keep_first, catalog=catalog or load_catalog())


def _find(leads: Sequence[Lead], *, now: datetime, vetoes: Iterable[tuple[str, str]], keep_first: Iterable[str],
          catalog: Catalog) -> DedupeResult:
    policy = catalog.policy.dedupe
    leads = sorted(leads, key=lambda lead: lead.lead_id)
    vetoed = {tuple(sorted(v)) for v in vetoes}
    matcher = _Matcher(leads, policy, catalog)
    blocks = _blocks(leads)
    seen: set[tuple[int, int]] = set()
    matches: list[PairMatch] = []
    oversized = 0
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) > policy.max_block:
            oversized += 1
            continue
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                pair = (i, j) if i < j else (j, i)
                if pair in seen:
                    continue
                seen.add(pair)
                if (leads[pair[0]].lead_id, leads[pair[1]].lead_id) in vetoed:
                    continue
                found = matcher.match(*pair)
                if found is not None:
                    matches.append(found)

    matches.sort(key=lambda m: (_RULE_RANK[m.rule], -m.score, m.a, m.b))
    uf = _UnionFind(len(leads))
    best_edge: dict[int, PairMatch] = {}
    for m in matches:
        uf.union(m.a, m.b)
        best_edge.setdefault(m.a, m)
        best_edge.setdefault(m.b, m)

    clusters: dict[int, list[int]] = defaultdict(list)
    for i in best_edge:
        clusters[uf.find(i)].append(i)
    preferred = set(keep_first)
    merges: list[MergeRecord] = []
    id_clusters: list[list[str]] = []
    for members in clusters.values():
        kept = min(members, key=lambda i: (leads[i].lead_id not in preferred, -_completeness(leads[i]),
                                           leads[i].lead_id))
        id_clusters.append(sorted(leads[i].lead_id for i in members))
        for i in sorted(members):
            if i == kept:
                continue
            edge = best_edge[i]
            merges.append(MergeRecord(
                merge_id=merge_id_for(leads[kept].lead_id, leads[i].lead_id), kept_id=leads[kept].lead_id,
                merged_id=leads[i].lead_id, rule=edge.rule, score=edge.score, evidence_ar=edge.evidence_ar,
                evidence_en=edge.evidence_en, created_at=now,
            ))
    merges.sort(key=lambda m: m.merge_id)
    return DedupeResult(merges=merges, pairs_compared=len(seen), blocks=len(blocks), oversized_blocks=oversized,
                        clusters=sorted(id_clusters))


def company_groups(leads: Sequence[Lead | CompanyMember]) -> dict[str, str]:
    """lead_id -> company_id: people of one company (shared domain, phone line or company name).

    Softer than a merge and never destructive; used for the buying committee and company caps.
    Free mailboxes never group anyone: their ``email_domain`` is None.
    """
    ordered = sorted(leads, key=lambda lead: lead.lead_id)
    uf = _UnionFind(len(ordered))
    first: dict[str, int] = {}
    for i, lead in enumerate(ordered):
        keys = [f"k:{lead.company_key}"] if lead.company_key else []
        if lead.email_domain:
            keys.append(f"d:{lead.email_domain}")
        if lead.phone_e164:
            keys.append(f"p:{lead.phone_e164}")
        for key in keys:
            if key in first:
                uf.union(first[key], i)
            else:
                first[key] = i
    return {lead.lead_id: "co_" + ordered[uf.find(i)].lead_id[3:] for i, lead in enumerate(ordered)}
