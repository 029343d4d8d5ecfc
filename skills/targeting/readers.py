"""Readers for lead files: CSV (any delimiter), XLSX and JSON, yielding rows as text, streamed.

Encodings: UTF-8, UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text", tab-separated) and
Windows-1256 (older Arabic Excel "CSV"). The choice is made from bytes, not guessed from a
sample: a BOM decides; otherwise the whole file is checked as strict UTF-8 in chunks (cheap), and
a file that is not UTF-8 is Windows-1256, the only single-byte Arabic code page Excel writes.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from skills.targeting.errors import UnreadableFile, UnsupportedFormat

FileFormat = Literal["csv", "xlsx", "json"]
Progress = Callable[[int, int], None]
"""Called with (done, total) in bytes for CSV/JSON and rows for XLSX."""

_CHUNK = 1 << 20
_DELIMITERS = (",", "\t", ";", "|")
_JSON_LIST_KEYS = ("leads", "data", "rows", "records", "items")
# A 20 MB workbook of real leads expands to far less; more is a zip bomb, refused before parsing.
MAX_XLSX_EXPANDED = 200 * 1024 * 1024
# Null bytes and the bidi overrides (text shown reversed: "gpj.exe" as "exe.jpg") never belong in a lead.
_STRIPPED = str.maketrans("", "", "\x00\u202d\u202e")
_HAS_STRIPPED = re.compile("[\x00\u202d\u202e]")


@dataclass(frozen=True, slots=True)
class RawRow:
    row_number: int
    cells: list[str | None]
    shape_error: tuple[int, int] | None = None
    """(cells found, columns expected) when the row does not fit the header."""
    not_an_object: bool = False


@dataclass(slots=True)
class Table:
    """An open table: its headers, how it was decoded, and its rows (iterate once)."""

    file_format: FileFormat
    encoding: str | None
    headers: list[str]
    rows: Iterator[RawRow]
    blank_rows: list[int] = field(default_factory=list)


def detect_format(path: Path) -> FileFormat:
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return "csv"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    if suffix in {".json", ".jsonl", ".ndjson"}:
        return "json"
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK"):
        return "xlsx"
    raise UnsupportedFormat()


def detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4096)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
            return "utf-16-le"
        if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
            return "utf-16-be"
        decoder = codecs.getincrementaldecoder("utf-8")()
        handle.seek(0)
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1256"
    return "utf-8"


def open_table(path: Path, progress: Progress | None = None) -> Table:
    """Open ``path`` as a table; raises :class:`UnreadableFile` or :class:`UnsupportedFormat`."""
    file_format = detect_format(path)
    try:
        if file_format == "csv":
            return _open_csv(path, progress)
        if file_format == "xlsx":
            return _open_xlsx(path, progress)
        return _open_json(path, progress)
    except (OSError, ValueError, KeyError, csv.Error, zipfile.BadZipFile) as exc:
        raise UnreadableFile(str(exc)) from exc


class _CountingReader(io.RawIOBase):
    """Counts bytes as the text layer pulls them, so progress is exact and cheap."""

    def __init__(self, raw: BinaryIO, total: int, progress: Progress | None) -> None:
        self._raw, self._total, self._progress, self.done = raw, total, progress, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.done += len(data)
        if self._progress is not None:
            self._progress(self.done, self._total)
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _text_stream(path: Path, encoding: str, progress: Progress | None) -> io.TextIOWrapper:
    counting = _CountingReader(path.open("rb"), path.stat().st_size, progress)
    return io.TextIOWrapper(io.BufferedReader(counting, _CHUNK), encoding=encoding, newline="")


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _open_csv(path: Path, progress: Progress | None) -> Table:
    encoding = detect_encoding(path)
    stream = _text_stream(path, encoding, progress)
    first = stream.readline()
    delimiter = _sniff_delimiter(first)
    header_reader = csv.reader([first], delimiter=delimiter)
    headers = [h.strip() for h in next(header_reader, [])]
    table = Table("csv", encoding, headers, iter(()))
    table.rows = _csv_rows(stream, delimiter, len(headers), table.blank_rows)
    return table


def _csv_rows(stream: io.TextIOWrapper, delimiter: str, width: int, blanks: list[int]) -> Iterator[RawRow]:
    with stream:
        for index, record in enumerate(csv.reader(stream, delimiter=delimiter), start=2):
            cells = [c.strip() or None for c in record]
            if not any(cells):
                blanks.append(index)
                continue
            # Cells are stripped already: only a row holding a character to drop needs another pass.
            yield _shaped(index, cells, width, clean=_HAS_STRIPPED.search("".join(record)) is None)


def _shaped(index: int, cells: list[str | None], width: int, *, clean: bool = False) -> RawRow:
    if not clean:
        cells = [(c.translate(_STRIPPED).strip() or None) if c else c for c in cells]
    if len(cells) > width and any(cells[width:]):
        return RawRow(index, cells[:width], shape_error=(len(cells), width))
    if len(cells) < width:
        return RawRow(index, cells + [None] * (width - len(cells)), shape_error=(len(cells), width))
    return RawRow(index, cells[:width])


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value).strip()
    return text or None


def _open_xlsx(path: Path, progress: Progress | None) -> Table:
    from openpyxl import load_workbook  # heavy import: only when an XLSX file is read

    with zipfile.ZipFile(path) as archive:  # sizes as declared: zipfile never reads past them
        if sum(item.file_size for item in archive.infolist()) > MAX_XLSX_EXPANDED:
            raise UnreadableFile(f"the workbook expands to more than {MAX_XLSX_EXPANDED // (1024 * 1024)} MB")
    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.active
    if sheet is None:
        raise UnreadableFile("the workbook has no sheet")
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, ())
    headers = [(_cell_text(v) or "") for v in header_row]
    total = max((sheet.max_row or 1) - 1, 1)
    table = Table("xlsx", None, headers, iter(()))

    def generate() -> Iterator[RawRow]:
        try:
            for index, values in enumerate(rows, start=2):
                cells = [_cell_text(v) for v in values]
                if progress is not None:
                    progress(index - 1, total)
                if not any(cells):
                    table.blank_rows.append(index)
                    continue
                yield _shaped(index, cells, len(headers))
        finally:
            workbook.close()

    table.rows = generate()
    return table


def _open_json(path: Path, progress: Progress | None) -> Table:
    encoding = detect_encoding(path)
    total = path.stat().st_size
    text = path.read_text(encoding=encoding)
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        items: list[Any] = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        loaded = json.loads(text)
        if isinstance(loaded, dict):
            key = next((k for k in _JSON_LIST_KEYS if isinstance(loaded.get(k), list)), None)
            if key is None:
                raise UnreadableFile("JSON must be a list of objects, or an object with a 'leads' list")
            loaded = loaded[key]
        if not isinstance(loaded, list):
            raise UnreadableFile("JSON must be a list of objects")
        items = loaded
    headers: list[str] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, dict):
            for key in item:
                if str(key) not in seen:
                    seen.add(str(key))
                    headers.append(str(key))
    table = Table("json", encoding, headers, iter(()))

    def generate() -> Iterator[RawRow]:
        for index, item in enumerate(items, start=1):
            if progress is not None:
                progress(total * index // max(len(items), 1), total)
            if not isinstance(item, dict):
                yield RawRow(index, [None] * len(headers), not_an_object=True)
                continue
            cells = [_cell_text(item.get(h)) for h in headers]
            if not any(cells):
                table.blank_rows.append(index)
                continue
            yield _shaped(index, cells, len(headers))

    table.rows = generate()
    return table
