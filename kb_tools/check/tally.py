"""What a check's findings add up to: errors, warnings, and whether they fail it (``Report`` and ``Outcome``)."""

from __future__ import annotations

from ..core.model import Finding


class Tally:
    """Errors and warnings among ``findings`` (those on draft pages never count), and whether they fail."""

    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)
