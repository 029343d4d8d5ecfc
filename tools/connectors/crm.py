"""CRM file connectors: ``crm.export``, ``crm.update`` and ``crm.import``.

Dealix talks to a team's CRM through files the team already knows how to move: exports and
update sheets it imports into its CRM, and CSV exports it hands to Dealix. The CSVs written here
get the same formula-injection neutralisation and Excel-friendly encoding as ``sheets.export``
(one function, in :mod:`tools.connectors.sheets`).

What a CRM connector reports back in ``Delivery.detail`` is counts, record ids and column names,
never a name, phone number or email: the detail travels into the audit trail and the proof pack.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.connectors.arguments import ConnectorArgs, parse_args
from tools.connectors.base import Connector, ConnectorContext, Delivery, require, write_outbox
from tools.connectors.sheets import Cell, SheetsExportConnector, render_csv
from tools.errors import ConnectorError

__all__ = [
    "CrmExportConnector",
    "CrmImportConnector",
    "CrmImportSummary",
    "CrmUpdateArgs",
    "CrmUpdateConnector",
    "FieldUpdate",
]

UPDATE_COLUMNS = ("record_id", "field", "old", "new")
_DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_DELIMITERS = (",", ";", "\t")


class CrmExportConnector(SheetsExportConnector):
    """``crm.export``: records as a CSV in the outbox (the same table format as ``sheets.export``)."""

    action: ClassVar[str] = "crm.export"


class FieldUpdate(ConnectorArgs):
    record_id: str = Field(min_length=1, description="The CRM's id of the record.")
    field: str = Field(min_length=1, description="The CRM field to change.")
    old: Cell = Field(default=None, description="The value Dealix saw, so the team can spot a conflict.")
    new: Cell = Field(description="The proposed value; null empties the field.")


class CrmUpdateArgs(ConnectorArgs):
    updates: list[FieldUpdate] = Field(min_length=1)


class CrmUpdateConnector(Connector):
    """``crm.update``: proposed field changes as a CSV the team imports into its CRM."""

    action: ClassVar[str] = "crm.update"
    extension: ClassVar[str] = "csv"
    idempotent: ClassVar[bool] = True

    def _deliver(
        self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext
    ) -> Delivery:
        require(args, "updates")
        updates = parse_args(CrmUpdateArgs, args).updates
        rows = [[u.record_id, u.field, u.old, u.new] for u in updates]
        path = write_outbox(self.outbox_file(ctx, ledger_id), render_csv(UPDATE_COLUMNS, rows))
        return Delivery(
            outbox_path=str(path),
            transport="outbox",
            detail={
                "updates": len(updates),
                "record_ids": list(dict.fromkeys(u.record_id for u in updates)),
                "fields": sorted({u.field for u in updates}),
            },
        )


class CrmImportArgs(ConnectorArgs):
    path: str = Field(min_length=1, description="Path of a UTF-8 CSV export of the CRM.")


class CrmImportSummary(BaseModel):
    """The outbox record of an import: shape and fingerprint of the file, none of its contents."""

    model_config = ConfigDict(frozen=True)

    rows: int = Field(description="Data rows, blank lines excluded.")
    columns: list[str] = Field(description="Header names, in file order.")
    ragged_rows: int = Field(description="Rows whose cell count differs from the header's.")
    encoding: Literal["utf-8", "utf-8-sig"] = Field(description="utf-8-sig when the file starts with a BOM.")
    delimiter: str = Field(description="The field separator found in the header line.")
    size_bytes: int = Field(description="File size.")
    sha256: str = Field(description="Digest of the file, to prove later which file was read.")

    def detail(self) -> dict[str, Any]:
        return {"rows": self.rows, "columns": self.columns, "ragged_rows": self.ragged_rows, "sha256": self.sha256}


class CrmImportConnector(Connector):
    """``crm.import``: read a CRM CSV export and record its shape (the rows stay where they are).

    ``import_root``, when set, confines reads to that folder (symlinks resolved), so a tool call
    cannot point the connector at any other file on the machine.
    """

    action: ClassVar[str] = "crm.import"
    extension: ClassVar[str] = "json"
    idempotent: ClassVar[bool] = True

    def __init__(self, import_root: Path | None = None, *, max_bytes: int = _DEFAULT_MAX_BYTES) -> None:
        self._root = import_root.resolve() if import_root is not None else None
        self._max_bytes = max_bytes

    def _deliver(
        self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext
    ) -> Delivery:
        require(args, "path")
        source = parse_args(CrmImportArgs, args).path
        outbox = self.outbox_file(ctx, ledger_id)
        if outbox.exists():
            # A re-run reports what the first run read, even if the source has changed or gone since.
            summary = CrmImportSummary.model_validate_json(outbox.read_bytes())
        else:
            summary = summarise_csv(self._source(source).read_bytes())
            write_outbox(outbox, summary.model_dump_json(indent=2).encode("utf-8") + b"\n")
        return Delivery(outbox_path=str(outbox), transport="outbox", detail=summary.detail())

    def _source(self, raw: str) -> Path:
        try:
            path = Path(raw).resolve(strict=True)
        except (OSError, RuntimeError, ValueError) as exc:  # ValueError: a NUL byte in the path
            raise ConnectorError(
                "تعذّر العثور على ملف الاستيراد؛ نرجو التأكد من مساره.", "Import file not found.",
                code="import_not_found",
            ) from exc
        if self._root is not None and not path.is_relative_to(self._root):
            raise ConnectorError(
                "لا يمكن قراءة ملفات من خارج مجلد الاستيراد المخصص.", "The file is outside the import folder.",
                code="import_outside_root",
            )
        if not path.is_file() or path.suffix.lower() != ".csv":
            raise ConnectorError(
                "يقبل الاستيراد ملفات CSV فقط.", "Only .csv files can be imported.", code="import_not_csv"
            )
        if path.stat().st_size > self._max_bytes:
            raise ConnectorError(
                "ملف الاستيراد أكبر من الحجم المسموح؛ نرجو تقسيمه إلى ملفات أصغر.",
                f"The import file exceeds {self._max_bytes} bytes.",
                code="import_too_large",
            )
        return path


def summarise_csv(content: bytes) -> CrmImportSummary:
    """Shape of a UTF-8 (optionally BOM-prefixed) CSV: header, row counts, delimiter, digest."""
    encoding: Literal["utf-8", "utf-8-sig"] = "utf-8-sig" if content.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ConnectorError(
            "ترميز الملف ليس UTF-8؛ نرجو حفظه من Excel بصيغة «CSV UTF-8 (محدد بفواصل)» ثم إعادة المحاولة.",
            "The file is not UTF-8.",
            code="import_not_utf8",
        ) from exc
    first_line = text.split("\n", 1)[0]
    # The separator is the most frequent candidate in the header line; comma when none occurs.
    delimiter = max(_DELIMITERS, key=first_line.count) if any(d in first_line for d in _DELIMITERS) else ","
    try:
        records = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
                   if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ConnectorError(
            "تعذّرت قراءة ملف CSV لأنه تالف أو بصيغة غير صحيحة.", f"Malformed CSV: {exc}", code="import_malformed"
        ) from exc
    if not records:
        raise ConnectorError("ملف الاستيراد فارغ.", "The import file is empty.", code="import_empty")
    header, rows = [name.strip() for name in records[0]], records[1:]
    return CrmImportSummary(
        rows=len(rows),
        columns=header,
        ragged_rows=sum(1 for row in rows if len(row) != len(header)),
        encoding=encoding,
        delimiter=delimiter,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
