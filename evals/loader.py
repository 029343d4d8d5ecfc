"""The one loader of eval datasets: files under ``evals/datasets/<suite>/``, validated by pydantic.

A suite's folder holds YAML files (a mapping with ``suite``, ``version`` and the suite's own
sections, validated by the suite's *file model*) and/or JSONL files (one case per line, validated
by the suite's *case model*). Every problem in every file is collected and reported together,
each with its file and location (line for JSONL, the YAML path otherwise), so a broken dataset
is fixed in one pass. Case ids must be unique across the suite's files; each row expands into
its concrete cases (perturbed variants) after validation.

The dataset is hashed (sha256 over every file's name and bytes, in name order), and the hash is
recorded in every report so two runs can be compared only when they ran on the same data.
"""

from __future__ import annotations

import hashlib
import json
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.models import CaseModel

C = TypeVar("C", bound=CaseModel)


class DatasetFile(BaseModel):
    """A suite's YAML file: its suite and version, plus the suite's own sections (in subclasses)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    suite: str = Field(description="Must equal the folder the file lives in.")
    version: str = Field(min_length=1, description="Bumped on every change of the cases.")
    description: str = ""

    @abstractmethod
    def expand(self) -> Sequence[CaseModel]:
        """Every concrete case this file stands for (a case may expand into several variants)."""


class CasesFile(DatasetFile, Generic[C]):
    """The common shape: a list of cases, each expanding into its concrete variants."""

    cases: list[C] = Field(min_length=1)

    def expand(self) -> Sequence[CaseModel]:
        return [variant for case in self.cases for variant in case.expand()]


@dataclass(frozen=True)
class DatasetProblem:
    file: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.location}: {self.message}"


class DatasetError(Exception):
    """A dataset that does not validate; ``problems`` lists every one found."""

    def __init__(self, suite: str, problems: Sequence[DatasetProblem]) -> None:
        self.suite = suite
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"dataset '{suite}' is invalid ({len(self.problems)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class Dataset(Generic[C]):
    suite: str
    version: str
    sha256: str
    files: tuple[str, ...]
    cases: tuple[C, ...]

    def ids(self) -> list[str]:
        return [c.id for c in self.cases]


def default_root() -> Traversable:
    return resources.files("evals").joinpath("datasets")


def _entries(folder: Traversable) -> list[Traversable]:
    if not folder.is_dir():
        return []
    return sorted((e for e in folder.iterdir() if e.name.endswith((".yaml", ".yml", ".jsonl"))),
                  key=lambda e: e.name)


def _errors(exc: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        found.append((f"{prefix}{where}" if where else prefix.rstrip(".") or "-", err["msg"]))
    return found


def load_dataset(suite: str, file_model: type[DatasetFile], case_model: type[C], *,
                 root: Path | Traversable | None = None) -> Dataset[C]:
    """Load and validate every file of ``suite``; raise :class:`DatasetError` listing all problems."""
    base = root if root is not None else default_root()
    folder = base.joinpath(suite)
    entries = _entries(folder)
    problems: list[DatasetProblem] = []
    if not entries:
        raise DatasetError(suite, [DatasetProblem(f"{suite}/", "-", "no dataset files (.yaml, .yml, .jsonl)")])
    digest = hashlib.sha256()
    versions: set[str] = set()
    cases: list[C] = []
    origin: dict[str, str] = {}
    for entry in entries:
        name = f"{suite}/{entry.name}"
        raw = entry.read_bytes()
        digest.update(entry.name.encode() + b"\0" + raw + b"\0")
        loaded = (_load_jsonl(raw, name, case_model, problems) if entry.name.endswith(".jsonl")
                  else _load_yaml(raw, name, suite, file_model, problems, versions))
        for case in loaded:
            if case.id in origin:
                problems.append(DatasetProblem(name, case.id, f"duplicate case id (also in {origin[case.id]})"))
                continue
            origin[case.id] = name
            cases.append(cast(C, case))
    if problems:
        raise DatasetError(suite, problems)
    if not cases:
        raise DatasetError(suite, [DatasetProblem(f"{suite}/", "-", "the dataset has no cases")])
    return Dataset(suite=suite, version=",".join(sorted(versions)) or "jsonl", sha256=digest.hexdigest(),
                   files=tuple(f"{suite}/{e.name}" for e in entries), cases=tuple(cases))


def _load_yaml(raw: bytes, name: str, suite: str, file_model: type[DatasetFile], problems: list[DatasetProblem],
               versions: set[str]) -> list[Any]:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "-"
        problems.append(DatasetProblem(name, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return []
    if not isinstance(data, dict):
        problems.append(DatasetProblem(name, "-", "a dataset file must be a mapping with 'suite' and 'version'"))
        return []
    # Top-level keys starting with "x-" hold YAML anchors (shared lists) and are not part of the schema.
    data = {k: v for k, v in data.items() if not str(k).startswith("x-")}
    if data.get("suite") != suite:
        problems.append(DatasetProblem(name, "suite", f"says suite {data.get('suite')!r}, but lives in '{suite}/'"))
        return []
    try:
        model = file_model.model_validate(data)
    except ValidationError as exc:
        problems.extend(DatasetProblem(name, where, msg) for where, msg in _errors(exc))
        return []
    versions.add(model.version)
    try:
        expanded = list(model.expand())
    except ValueError as exc:
        problems.append(DatasetProblem(name, "-", str(exc)))
        return []
    return expanded


def _load_jsonl(raw: bytes, name: str, case_model: type[C], problems: list[DatasetProblem]) -> list[C]:
    cases: list[C] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(DatasetProblem(name, "-", f"not UTF-8: {exc}"))
        return []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(DatasetProblem(name, f"line {number}", f"not valid JSON: {exc.msg}"))
            continue
        try:
            case = case_model.model_validate(row)
        except ValidationError as exc:
            problems.extend(DatasetProblem(name, f"line {number}", f"{where}: {msg}")
                            for where, msg in _errors(exc))
            continue
        try:
            cases.extend(case.expand())
        except ValueError as exc:
            problems.append(DatasetProblem(name, f"line {number}", str(exc)))
    return cases
