"""``sheets.export``: a table as a CSV file that Excel and Google Sheets open safely.

Two things make an export safe to open:

- Encoding: UTF-8 with a byte-order mark. Without the BOM, Excel on Windows reads the file in
  the legacy code page and Arabic turns into mojibake.
- Formula injection (CSV injection): a cell that a spreadsheet would read as a formula runs when
  the file is opened, and lead data is attacker-controlled (``=HYPERLINK(...)`` phishing,
  ``+cmd|' /C calc'!A0`` DDE). Following OWASP's guidance, a text cell that begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return (or with the full-width ``＝ ＋ － ＠``, which some
  spreadsheet locales fold to ASCII), also after leading spaces or invisible format characters
  such as the right-to-left mark common in Arabic text, gets a leading apostrophe: the
  spreadsheet then shows the text as typed and evaluates nothing.

Numbers given as JSON numbers are written as numbers: ``-5`` is data, not a formula.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from tools.connectors.arguments import ConnectorArgs, parse_args
from tools.connectors.base import Connector, ConnectorContext, Delivery, require, write_outbox
from tools.errors import ConnectorError

__all__ = ["Cell", "SheetsExportConnector", "TableArgs", "neutralise_cell", "render_csv"]

Cell = str | int | float | bool | None

_FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
_BOM = "\ufeff"


def neutralise_cell(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would evaluate as a formula."""
    if text[:1] in _FORMULA_TRIGGERS or _visible_start(text)[:1] in _FORMULA_TRIGGERS:
        return "'" + text
    return text


def _visible_start(text: str) -> str:
    index = 0
    while index < len(text) and (text[index].isspace() or unicodedata.category(text[index]) == "Cf"):
        index += 1
    return text[index:]


def cell_text(value: Cell) -> str:
    """How one cell is written: text neutralised, numbers as numbers, booleans as Excel spells them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    return neutralise_cell(value)


def render_csv(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The CSV bytes: BOM, a neutralised header row, then one line per row (CRLF, RFC 4180)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise_cell(column) for column in columns])
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
    return (_BOM + buffer.getvalue()).encode("utf-8")


class TableArgs(ConnectorArgs):
    """A table: column names and rows, each row a list in column order or a dict by column name."""

    columns: list[str] = Field(min_length=1, description="Column names, in order.")
    rows: list[dict[str, Cell] | list[Cell]] = Field(min_length=1, description="The rows.")

    @field_validator("columns")
    @classmethod
    def _distinct_columns(cls, value: list[str]) -> list[str]:
        if any(not name.strip() for name in value) or len(set(value)) != len(value):
            raise ConnectorError(
                "أسماء الأعمدة يجب أن تكون غير فارغة وغير مكررة.",
                "Column names must be non-empty and distinct.",
                code="table_columns_invalid",
            )
        return value

    @model_validator(mode="after")
    def _rows_fit_columns(self) -> TableArgs:
        known = set(self.columns)
        for number, row in enumerate(self.rows, start=1):
            fits = set(row) <= known if isinstance(row, dict) else len(row) == len(self.columns)
            if not fits:
                raise ConnectorError(
                    f"الصف رقم {number} لا يطابق الأعمدة المحددة؛ نرجو مراجعة عدد الخانات أو أسمائها.",
                    f"Row {number} does not match the columns.",
                    code="table_row_mismatch",
                )
        return self

    def table(self) -> list[list[Cell]]:
        """Rows in column order; a dict row's missing columns are empty cells."""
        return [
            [row.get(column) for column in self.columns] if isinstance(row, dict) else list(row)
            for row in self.rows
        ]


class SheetsExportConnector(Connector):
    """``sheets.export``: the table as a CSV in the outbox, ready to open or upload to Sheets."""

    action: ClassVar[str] = "sheets.export"
    extension: ClassVar[str] = "csv"
    idempotent: ClassVar[bool] = True

    def _deliver(
        self, args: dict[str, Any], *, ledger_id: str, live: bool, ctx: ConnectorContext
    ) -> Delivery:
        require(args, "columns", "rows")
        table = parse_args(TableArgs, args)
        path = write_outbox(self.outbox_file(ctx, ledger_id), render_csv(table.columns, table.table()))
        return Delivery(
            outbox_path=str(path), transport="outbox", detail={"rows": len(table.rows), "columns": table.columns}
        )
