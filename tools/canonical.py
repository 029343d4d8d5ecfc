"""Canonical forms: one spelling for an action id, one byte string for a set of arguments.

Approvals, the side-effect ledger and the audit chain all hash these forms, so two calls that
mean the same thing get the same digest, and a call that differs in any argument does not.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from typing import Any

from tools.errors import ArgumentsError

_ACTION_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_SEPARATORS = re.compile(r"[\s/:\\]+")


def canonical_action(raw: str) -> str:
    """Fold an action id to its canonical spelling.

    Hostile spellings must not dodge a block: ``"LinkedIn.Scrape"``, ``"linkedin.scrape\\u200b"``,
    ``" linkedin / scrape "`` and the full-width ``"ｌｉｎｋｅｄｉｎ.scrape"`` all fold to
    ``linkedin.scrape``. Format characters (zero-width, bidi controls) are dropped, NFKC folds
    compatibility forms, and separators become dots. A result that is still not a plain
    ``namespace.verb`` id is returned as is and treated as invalid by the policy.
    """
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.casefold().strip()
    text = _SEPARATORS.sub(".", text).replace("-", "_")
    return re.sub(r"\.+", ".", text).strip(".")


def is_valid_action(action: str) -> bool:
    return bool(_ACTION_ID.match(action))


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 text in NFC; refuses non-JSON values.

    NFC is applied to the serialised text as a whole: every string in it is delimited by an ASCII
    quote, which composes with nothing, so this equals normalising each string on its own, at a
    fraction of the cost of walking the value.
    """
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ArgumentsError(
            "معطيات الإجراء غير صالحة: يجب أن تكون نصوصاً وأرقاماً وقوائم فقط.",
            f"Tool arguments must be JSON values: {exc}",
        ) from exc
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def action_digest(
    *, tenant: str, skill: str, action: str, args: dict[str, Any], policy_version: str,
    contact_id: str | None,
) -> str:
    """The digest an approval is bound to: change any part and the approval no longer fits."""
    return sha256_hex(canonical_json({
        "tenant": tenant, "skill": skill, "action": action, "args": args,
        "policy_version": policy_version, "contact_id": contact_id,
    }))


def args_digest(args: dict[str, Any]) -> str:
    return sha256_hex(canonical_json(args))


def sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def verify_signature(key: bytes, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(key, message), signature)
