"""The action policy: loaded from one versioned, hashed data file, evaluated by a pure function.

``evaluate`` takes a tool call and the facts the gateway gathered (skill rights, consent, counts)
and returns a :class:`Verdict`; it does no I/O, which is what lets the property tests throw
thousands of hostile combinations at it. The gateway adds what needs I/O (approvals, the audit
record, execution).

Order of rules (first match wins, each fails closed):
  1. an action id that is not a plain ``namespace.verb`` ......................... blocked
  2. blocked families (``linkedin.*``, ``*.scrape``, ``*.charge`` ...), then blocked ids .. blocked
  3. an unknown skill, or a skill that did not declare the action .................. blocked
  4. an opt-out by the contact on the action's channel (or all channels) ........... blocked
  5. consent the action needs (opt-in for WhatsApp, transcript consent) missing .... blocked
  6. an outreach whose recipient the lead directory blocks (not the lead's address,
     scraped source, do-not-contact, cool-down, caps ...), or that would be the
     contact's second outreach today, or that another thread already has pending ... blocked
  7. the action's mode, tightened (never loosened) by the tenant overlay; a recipient
     that needs review makes it at least approval_required
  8. a rate limit reached for a call that would proceed ............................ blocked
"""

from __future__ import annotations

import fnmatch
import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tools.canonical import is_valid_action
from tools.consent import ConsentState
from tools.errors import PolicyError
from tools.models import MODE_STRICTNESS, Channel, Mode, Role, RWUType
from tools.recipients import RecipientCheck
from tools.saudi_time import BusinessHours

DefaultMode = Literal["suggest_only", "draft_only", "approval_required", "blocked"]
LiveFlag = Literal["whatsapp", "calendar"]


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reason_ar: str = Field(min_length=1)
    reason_en: str = Field(min_length=1)
    reason_code: str | None = None


class ActionRule(BaseModel):
    """One action's row in the policy file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: DefaultMode
    label_ar: str | None = Field(default=None, description="Short Arabic name of the action for people.")
    reason_ar: str = Field(min_length=1)
    reason_en: str = Field(min_length=1)
    reason_code: str | None = None
    proof_impact: RWUType | None = None
    external: bool = False
    channel: Channel | None = None
    requires_opt_in: bool = False
    requires_consent_channel: Channel | None = None
    live_flag: LiveFlag | None = None
    respect_quiet_hours: bool = False
    approver_roles: tuple[Role, ...] = ()
    without_consent: Message | None = None
    outreach: bool = Field(
        default=False, description="A message to a person: its recipients are checked against the lead directory "
                                   "(contactability, one outreach a day) and a touch is recorded when it is delivered.")

    @model_validator(mode="after")
    def _approvable(self) -> ActionRule:
        if self.mode == "approval_required" and not self.approver_roles:
            raise ValueError("an approval_required action must name the roles that may approve it")
        if self.outreach and (self.channel is None or not self.approver_roles):
            raise ValueError("an outreach action must name its channel and who may approve a recipient under review")
        if self.requires_consent_channel and self.without_consent is None:
            raise ValueError("an action that needs consent must say why it is refused without it")
        return self


class BlockedPattern(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str
    reason_code: str
    reason_ar: str
    reason_en: str


class Cap(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    limit: int = Field(ge=0)
    days: int = Field(gt=0)


class RateLimit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    limit: int = Field(ge=0)
    per_seconds: int = Field(gt=0)


RULE_MESSAGES = (
    "unknown_skill", "skill_not_allowed", "opt_out", "no_opt_in", "no_contact", "quiet_hours",
    "frequency_cap", "rate_limited", "live_flag_off", "tenant_overlay", "approval_missing",
    "approval_invalid", "approval_mismatch", "approval_expired", "approval_used",
    "approval_not_granted", "role_not_allowed", "no_connector", "approved",
    "touched_today", "outreach_pending", "recipient_review",
)


class PolicyDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    unknown_action: ActionRule


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    hash: str = Field(default="", description="sha256 of the policy file's bytes.")
    defaults: PolicyDefaults
    blocked_patterns: tuple[BlockedPattern, ...] = ()
    actions: dict[str, ActionRule]
    rules: dict[str, Message]
    quiet_hours: BusinessHours = Field(default_factory=BusinessHours)
    frequency_caps: dict[Channel, Cap] = Field(default_factory=dict)
    rate_limits: dict[str, RateLimit] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> Policy:
        missing = [name for name in RULE_MESSAGES if name not in self.rules]
        if missing:
            raise ValueError(f"policy rules lack messages for: {', '.join(missing)}")
        bad = [action for action in self.actions if not is_valid_action(action)]
        if bad:
            raise ValueError(f"policy action ids must be 'namespace.verb': {bad}")
        if "default" not in self.rate_limits:
            raise ValueError("policy rate_limits needs a 'default' entry")
        return self

    def rule(self, action: str) -> ActionRule:
        return self.actions.get(action, self.defaults.unknown_action)

    def is_known(self, action: str) -> bool:
        return action in self.actions

    def blocked_pattern(self, action: str) -> BlockedPattern | None:
        for entry in self.blocked_patterns:
            if fnmatch.fnmatchcase(action, entry.pattern):
                return entry
        return None

    def rate_limit(self, action: str) -> RateLimit:
        return self.rate_limits.get(action, self.rate_limits["default"])

    def message(self, name: str) -> Message:
        return self.rules[name]

    def outreach_actions(self) -> tuple[str, ...]:
        """Actions marked ``outreach`` (messages to a person), sorted."""
        return tuple(sorted(action for action, rule in self.actions.items() if rule.outreach))


def parse_policy(raw: bytes, *, source: str = "policy.yaml") -> Policy:
    try:
        data = yaml.load(raw, Loader=yaml.CSafeLoader)  # safe, in libyaml: ~4x the pure-Python speed
        if not isinstance(data, dict):
            raise ValueError("the policy file must be a mapping")
        data["hash"] = hashlib.sha256(raw).hexdigest()
        return Policy.model_validate(data)
    except (yaml.YAMLError, ValueError, ValidationError) as exc:
        raise PolicyError(
            f"ملف السياسة غير صالح ({source})؛ لن يعمل أي إجراء حتى يُصحَّح.",
            f"Invalid policy file {source}: {exc}",
        ) from exc


@lru_cache(maxsize=8)
def _load_cached(path: str | None, mtime_ns: int) -> Policy:
    if path is None:
        raw = resources.files("tools").joinpath("data/policy.yaml").read_bytes()
        return parse_policy(raw, source="tools/data/policy.yaml")
    return parse_policy(Path(path).read_bytes(), source=path)


def load_policy(path: Path | None = None) -> Policy:
    """The bundled policy, or the file at ``path``; re-read when the file changes."""
    if path is None:
        return _load_cached(None, 0)
    return _load_cached(str(path), Path(path).stat().st_mtime_ns)


class TenantOverlay(BaseModel):
    """A tenant's tightening of the policy. It can make an action stricter, never looser."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str
    modes: dict[str, DefaultMode] = Field(
        default_factory=dict, description="Action id -> the stricter mode this tenant wants."
    )

    def apply(self, action: str, mode: Mode) -> tuple[Mode, bool]:
        """The stricter of the policy's mode and the overlay's; and whether the overlay tightened it."""
        wanted = self.modes.get(action)
        if wanted is None:
            return mode, False
        wanted_mode = Mode(wanted)
        if MODE_STRICTNESS[wanted_mode] > MODE_STRICTNESS[mode]:
            return wanted_mode, True
        return mode, False


_SEVERITY = {"safe": 0, "needs_review": 1, "blocked": 2}


class RecipientFacts(BaseModel):
    """What the gateway learnt about an outreach's recipients (only when a lead directory is wired)."""

    model_config = ConfigDict(frozen=True)

    checks: tuple[RecipientCheck, ...] = Field(default=(), description="One per recipient the directory knows.")
    touched_today: bool = Field(default=False, description="The contact (or anyone with the address) got an "
                                                           "outreach today, Asia/Riyadh day.")
    pending_elsewhere: bool = Field(default=False, description="An outreach approval to the contact is pending "
                                                               "in another thread.")

    @property
    def deciding(self) -> RecipientCheck | None:
        """The strictest check (blocked before needs_review before safe); the first of equals."""
        if not self.checks:
            return None
        return max(self.checks, key=lambda c: _SEVERITY[c.status])


class Facts(BaseModel):
    """What the gateway knows about a call that the pure evaluation needs."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    skill_known: bool
    skill_actions: frozenset[str] = frozenset()
    contact_id: str | None = None
    consent: ConsentState | None = Field(default=None, description="Consent on the action's channel.")
    transcript_consent: ConsentState | None = None
    recipient_matches: bool = Field(
        default=False, description="The call's recipient is the address the contact opted in with."
    )
    rate_count: int = Field(default=0, description="Proceeding calls already counted in this window.")
    overlay: TenantOverlay | None = None
    recipient: RecipientFacts | None = Field(default=None, description="Set for outreach when a directory is wired.")


class Verdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    mode: Mode
    reason_code: str
    reason_ar: str
    reason_en: str
    proof_impact: RWUType | None
    approver_roles: tuple[Role, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.mode != Mode.blocked


def _blocked(msg: Message | BlockedPattern | ActionRule, code: str, impact: RWUType = RWUType.risk_blocked) -> Verdict:
    return Verdict(mode=Mode.blocked, reason_code=getattr(msg, "reason_code", None) or code,
                   reason_ar=msg.reason_ar, reason_en=msg.reason_en, proof_impact=impact)


_INVALID_ACTION = Message(
    reason_ar="اسم الإجراء غير صالح؛ لا يُنفَّذ أي إجراء باسم غير معرّف بدقة في السياسة.",
    reason_en="Invalid action id: only plain 'namespace.verb' ids are accepted.",
)


def evaluate(policy: Policy, action: str, facts: Facts) -> Verdict:
    """Decide one canonical action id. Pure: same inputs, same verdict."""
    if not is_valid_action(action):
        return _blocked(_INVALID_ACTION, "invalid_action")
    pattern = policy.blocked_pattern(action)
    if pattern is not None:  # a blocked family wins over any exact row: no exceptions by name
        return _blocked(pattern, pattern.reason_code)
    rule = policy.rule(action)
    if rule.mode == "blocked":
        return _blocked(rule, "blocked_by_policy")

    if not facts.skill_known:
        return _blocked(policy.message("unknown_skill"), "unknown_skill")
    if action not in facts.skill_actions:
        return _blocked(policy.message("skill_not_allowed"), "skill_not_allowed")

    if facts.consent is not None and facts.consent.opted_out:
        return _blocked(policy.message("opt_out"), "opt_out", RWUType.contact_blocked)
    if rule.requires_consent_channel is not None:
        granted = facts.transcript_consent is not None and facts.transcript_consent.opted_in
        if not granted:
            assert rule.without_consent is not None  # guaranteed by ActionRule validation
            return _blocked(rule.without_consent, "consent_missing", RWUType.contact_blocked)
    if rule.requires_opt_in:
        if facts.contact_id is None:
            return _blocked(policy.message("no_contact"), "no_contact")
        if facts.consent is None or not facts.consent.opted_in:
            return _blocked(policy.message("no_opt_in"), "no_opt_in", RWUType.contact_blocked)
        if not facts.recipient_matches:
            return _blocked(policy.message("no_opt_in"), "recipient_not_opted_in", RWUType.contact_blocked)

    review: RecipientCheck | None = None
    if rule.outreach and facts.recipient is not None:
        deciding = facts.recipient.deciding
        if deciding is not None and deciding.status == "blocked":
            return Verdict(mode=Mode.blocked, reason_code=deciding.reason_code, reason_ar=deciding.reason_ar,
                           reason_en=deciding.reason_en, proof_impact=RWUType.contact_blocked)
        if facts.recipient.touched_today:
            return _blocked(policy.message("touched_today"), "touched_today", RWUType.contact_blocked)
        if facts.recipient.pending_elsewhere:
            return _blocked(policy.message("outreach_pending"), "outreach_pending", RWUType.contact_blocked)
        if deciding is not None and deciding.status == "needs_review":
            review = deciding

    mode = Mode(rule.mode)
    code = rule.reason_code or ("unknown_action" if not policy.is_known(action) else f"policy_{rule.mode}")
    reason_ar, reason_en = rule.reason_ar, rule.reason_en
    if facts.overlay is not None:
        mode, tightened = facts.overlay.apply(action, mode)
        if tightened:
            code = "tenant_overlay"
            overlay_msg = policy.message("tenant_overlay")
            reason_ar, reason_en = overlay_msg.reason_ar, overlay_msg.reason_en
            if mode == Mode.blocked:
                return _blocked(overlay_msg, "tenant_overlay")
    if review is not None:
        # A person looks at a recipient under review first, whatever the action's own mode allows.
        if MODE_STRICTNESS[mode] < MODE_STRICTNESS[Mode.approval_required]:
            mode = Mode.approval_required
        msg = policy.message("recipient_review")
        code = review.reason_code
        reason_ar, reason_en = f"{msg.reason_ar} {review.reason_ar}", f"{msg.reason_en} {review.reason_en}"

    if facts.rate_count >= policy.rate_limit(action).limit:
        return _blocked(policy.message("rate_limited"), "rate_limited")

    roles = rule.approver_roles or policy.defaults.unknown_action.approver_roles
    impact = None if mode == Mode.approval_required else rule.proof_impact
    return Verdict(mode=mode, reason_code=code, reason_ar=reason_ar, reason_en=reason_en,
                   proof_impact=impact, approver_roles=roles)
