"""Frozen models built from values that are already valid: the internal records of a bulk run.

Pydantic validates at the boundaries: a file row becomes a :class:`Lead` in ``normalize.py``, the
API and the data files are models. Inside one run over 100k leads the same models are then built
again and again from values the code has just computed (verdicts, scores, targets) or that the
repository stored after validating them (a lead read back). Validating those again cost about a
fifth of the ranking, and every instance carried its own set of field names (2 KB for a lead).

:func:`trusted` does what ``BaseModel.model_construct`` does for a model given every field, without
its per-field loop, and all instances of a class share one set of field names (a frozen model never
adds to it; ``model_copy`` copies it before an update). Use it only for values that were validated
or computed by code whose types mypy checks; tests/targeting/test_targeting_records.py keeps the
result equal to what validation builds.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import from_json

from skills.targeting.models import ConsentEvidence, Lead, Phone, SourceDecision

M = TypeVar("M", bound=BaseModel)

_set_attr = object.__setattr__
_FIELDS: dict[type[BaseModel], tuple[tuple[str, ...], set[str]]] = {}


def _fields(cls: type[BaseModel]) -> tuple[tuple[str, ...], set[str]]:
    """Field names of ``cls`` in order and as the shared set; refuses a model ``trusted`` cannot build."""
    known = _FIELDS.get(cls)
    if known is None:
        fields = cls.model_fields
        if (cls.model_config.get("extra") == "allow" or cls.__private_attributes__ or cls.__pydantic_root_model__
                or any(f.alias is not None or f.validation_alias is not None for f in fields.values())
                or cls.model_post_init is not BaseModel.model_post_init):
            raise TypeError(f"{cls.__name__} needs model_construct or validation, not trusted()")
        known = _FIELDS[cls] = (tuple(fields), set(fields))
    return known


def trusted(cls: type[M], /, **values: Any) -> M:
    """An instance of ``cls`` holding ``values`` (every field given), not validated again."""
    return _build(cls, values)


def _build(cls: type[M], values: dict[str, Any]) -> M:
    """:func:`trusted` on a dict the caller hands over (it becomes the instance's ``__dict__``)."""
    order, names = _fields(cls)
    if tuple(values) != order:
        if values.keys() != names:
            return cls.model_construct(**values)  # defaults to fill, or a mistake model_construct ignores
        values = {name: values[name] for name in order}  # serialisation follows the dict's order
    model = cls.__new__(cls)
    _set_attr(model, "__dict__", values)
    _set_attr(model, "__pydantic_fields_set__", names)
    _set_attr(model, "__pydantic_extra__", None)
    _set_attr(model, "__pydantic_private__", None)
    return model


class LeadReader:
    """Leads read back from the JSON the repository stored when it validated them.

    Equal to ``Lead.model_validate_json`` (tests/targeting/test_targeting_records.py), faster and in
    about half the memory: pydantic-core's JSON parser shares repeated strings (keys, a company,
    a city, a title), the source decision (a few kinds per file) is one shared object per
    distinct decision, and the field-name sets are shared. Build one per read.
    """

    def __init__(self) -> None:
        self._sources: dict[tuple[object, ...], SourceDecision] = {}

    def read(self, stored: list[str]) -> list[Lead]:
        """Every lead of ``stored`` (JSON texts), in order; ``stored`` is emptied as it is read."""
        stored.reverse()  # pop from the end: each text is freed once read, so both lists never peak together
        leads: list[Lead] = []
        while stored:
            leads.append(self(stored.pop()))
        return leads

    def __call__(self, stored: str | bytes) -> Lead:
        data = from_json(stored, cache_strings="all")
        phone = data.get("phone")
        if phone is not None:
            data["phone"] = _build(Phone, phone)
        evidence = data.get("consent_evidence")
        if evidence is not None:
            data["consent_evidence"] = _build(ConsentEvidence, evidence)
        elif "consent_evidence" not in data:
            data["consent_evidence"] = None  # stored before the field existed
        source = data.get("source")
        if isinstance(source, dict):
            key = tuple(source.items())
            shared = self._sources.get(key)
            if shared is None:
                shared = self._sources[key] = _build(SourceDecision, source)
            data["source"] = shared
        return _build(Lead, data)
