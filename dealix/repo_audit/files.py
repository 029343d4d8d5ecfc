"""The repository's files as the audit sees them: what is tracked, what is Python, what is text.

In a git checkout "tracked" means what git knows (committed or staged, plus untracked files that
are not ignored): an ignored ``.env`` on a developer's disk is not a committed one. Outside git
(a copy, a fixture) every file counts.
"""

from __future__ import annotations

import ast
import io
import subprocess
import tokenize
from functools import cached_property
from pathlib import Path

from dealix.repo_audit.models import Rules


class RepoFiles:
    def __init__(self, root: Path, rules: Rules) -> None:
        self.root = root
        self._skip_dirs = set(rules.text_skip_dirs)
        self._skip_suffixes = tuple(rules.text_skip_suffixes)
        self._code_roots = rules.code_roots
        self._trees: dict[str, ast.Module | None] = {}

    @cached_property
    def tracked(self) -> list[str]:
        if (self.root / ".git").exists():
            try:
                out = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                    ["git", "-C", str(self.root), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
                    check=True, capture_output=True, timeout=60).stdout
                return sorted(p for p in out.decode().split("\0") if p and (self.root / p).is_file())
            except (OSError, subprocess.SubprocessError):
                pass
        return sorted(self._walk())

    def _walk(self) -> list[str]:
        found = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root)
            if any(part in self._skip_dirs or part.endswith(".egg-info") for part in rel.parts[:-1]):
                continue
            if path.is_file():
                found.append(rel.as_posix())
        return found

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def text_files(self) -> list[str]:
        return [p for p in self.tracked if not p.endswith(self._skip_suffixes)
                and not any(part in self._skip_dirs for part in Path(p).parts[:-1])]

    def code_files(self) -> list[str]:
        """Product Python files (the code roots), tests excluded."""
        return [p for p in self.tracked if p.endswith(".py") and p.split("/", 1)[0] in self._code_roots]

    def read(self, rel: str) -> str | None:
        try:
            return (self.root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def tree(self, rel: str) -> ast.Module | None:
        if rel not in self._trees:
            source = self.read(rel)
            try:
                self._trees[rel] = ast.parse(source, filename=rel) if source is not None else None
            except SyntaxError:
                self._trees[rel] = None
        return self._trees[rel]


# Python 3.12+ tokenises f-strings into parts; their literal text is FSTRING_MIDDLE.
_BLANKED = {tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def code_only(source: str) -> str:
    """The source with strings and comments blanked out, lines kept (for code regexes)."""
    lines = source.splitlines(keepends=True)
    out = [list(line) for line in lines]
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in _BLANKED:
                (srow, scol), (erow, ecol) = token.start, token.end
                for row in range(srow, erow + 1):
                    line = out[row - 1]
                    start = scol if row == srow else 0
                    end = ecol if row == erow else len(line)
                    for i in range(start, min(end, len(line))):
                        if line[i] != "\n":
                            line[i] = " "
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    return "".join("".join(line) for line in out)
