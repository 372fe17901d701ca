"""The exceptions the core raises; the CLI and the web layer turn each into one clear message.

ComplianceError
 ├── ConfigurationError   a setting is missing or out of range
 ├── InputError           a file, a record or a request the user gave us is unusable
 │    └── RecordError     one record of a batch (file + line), the batch goes on
 ├── FetchError           a URL could not be fetched, or was refused (unsafe, too large…)
 ├── ExtractionError      a page or file was fetched but no text could be taken from it
 └── StorageError         the database or the index could not be read or written
"""

from __future__ import annotations


class ComplianceError(Exception):
    """Base of every error the core raises on purpose."""


class ConfigurationError(ComplianceError, ValueError):
    """A setting is missing, malformed or out of range."""


class InputError(ComplianceError, ValueError):
    """Input given by a user (file, record, request) cannot be used."""


class RecordError(InputError):
    """One record of a batch is unusable; `source` and `line` say where it is."""

    def __init__(self, reason: str, source: str = "", line: int | None = None) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        where = source + (f":{line}" if line is not None else "")
        super().__init__(f"{where}: {reason}" if where else reason)


class FetchError(ComplianceError):
    """A URL was refused or could not be fetched."""


class ExtractionError(ComplianceError):
    """No usable text could be extracted from a page or a file."""


class StorageError(ComplianceError):
    """The database or the index could not be read or written."""
