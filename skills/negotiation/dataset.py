"""The labelled negotiation dataset: every ``*.jsonl`` file in ``evals/datasets/negotiation/``.

``utterances.jsonl`` is the first set; the ``issue22_*`` files were written later, each held-out file
before the lexicon changes it measures (their provenance is in ``docs/negotiation.md``). One JSON
object per line: ``id``, ``text``, ``label`` (an objection class or ``unknown``), ``lang``
(msa, saudi, en, arabizi, mixed) and ``split`` (``tune`` or ``heldout``). The lexicon is tuned on
``tune`` only; ``heldout`` is what the reported accuracy is measured on.

The eval suite imports :func:`load_negotiation_dataset`.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from skills.negotiation.models import ObjectionClass, Split, UtteranceLang


class Utterance(BaseModel):
    """One labelled customer message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^neg-\d{3,}$", description="Stable id.")
    text: str = Field(min_length=1, description="The customer's message as written.")
    label: ObjectionClass = Field(description="The objection class, or 'unknown'.")
    lang: UtteranceLang = Field(description="msa, saudi, en, arabizi or mixed.")
    split: Split = Field(description="'tune' (lexicon tuning) or 'heldout' (reported accuracy only).")


def dataset_dir() -> Traversable:
    return resources.files("evals").joinpath("datasets").joinpath("negotiation")


def dataset_files(root: Path | Traversable | None = None) -> list[Path | Traversable]:
    """The dataset's files in name order: one file, or every ``*.jsonl`` file of a folder."""
    where: Path | Traversable = root if root is not None else dataset_dir()
    if where.is_file():
        return [where]
    return sorted((f for f in where.iterdir() if f.name.endswith(".jsonl")), key=lambda f: f.name)


def load_negotiation_dataset(split: Split | None = None, *, path: Path | Traversable | None = None
                             ) -> list[Utterance]:
    """Every utterance, or those of one split, file by file in line order.

    ``path`` is one file or a folder of ``*.jsonl`` files (default: the dataset's folder). Raises
    ``ValueError`` on a malformed line.
    """
    items: list[Utterance] = []
    for source in dataset_files(path):
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = Utterance.model_validate(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"{source}: line {number}: {exc}") from exc
            if split is None or item.split == split:
                items.append(item)
    return items
