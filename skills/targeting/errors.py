"""Errors of the Targeting OS.

    TargetingError              base: a stable ``code``, ``message_ar`` for the operator, ``message_en``
    ├── UnsupportedFormat       not CSV, XLSX or JSON
    ├── UnreadableFile          the file is damaged or not what its name says
    ├── MissingCompanyColumn    no header maps to the company name
    ├── FileTooLarge            over the upload limit (raised by the API layer)
    └── MergeNotFound           unmerge of a merge that does not exist or was already undone

The API maps these to HTTP 4xx in one place; the CLI prints ``message_ar`` and exits non-zero.
Messages come from ``data/messages.yaml``.
"""

from __future__ import annotations

from skills.targeting.catalog import load_catalog


class TargetingError(Exception):
    code: str = "targeting_error"

    def __init__(self, message_ar: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_ar = message_ar
        self.message_en = message_en


class UnsupportedFormat(TargetingError):
    code = "unsupported_format"

    def __init__(self) -> None:
        text = load_catalog().message("import", "unsupported_format")
        super().__init__(text.ar, text.en)


class UnreadableFile(TargetingError):
    code = "unreadable_file"

    def __init__(self, detail: str) -> None:
        text = load_catalog().message("import", "unreadable_file", detail=detail)
        super().__init__(text.ar, text.en)


class MissingCompanyColumn(TargetingError):
    code = "missing_company_column"

    def __init__(self, headers: list[str]) -> None:
        text = load_catalog().message("import", "no_company_column", headers="، ".join(headers) or "-")
        super().__init__(text.ar, text.en)


class FileTooLarge(TargetingError):
    code = "file_too_large"

    def __init__(self, limit_mb: int) -> None:
        text = load_catalog().message("import", "file_too_large", limit_mb=limit_mb)
        super().__init__(text.ar, text.en)


class MergeNotFound(TargetingError):
    code = "merge_not_found"

    def __init__(self, merge_id: str) -> None:
        text = load_catalog().message("import", "merge_not_found", merge_id=merge_id)
        super().__init__(text.ar, text.en)
