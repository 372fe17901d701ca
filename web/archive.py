"""The app's one Archive, as flaskr's `db.py` ties its database to the app.

`init_app(app)` reads the settings (`COMPLIANCE_*` variables of the environment, overridden by
`COMPLIANCE_*` keys of the app's config), opens the Archive and keeps it on the app; views reach
it with `get_archive()`. It is closed by `close_archive(app)`, when the app is garbage-collected,
or at interpreter exit, whichever comes first. One Archive per app, not per request: it holds the
passage index in memory and catches it up with the database every `index_refresh` seconds.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from flask import Flask, current_app

from compliance.errors import ConfigurationError
from compliance.pipeline import Archive
from compliance.settings import Settings

EXTENSION = "compliance"
PREFIX = "COMPLIANCE_"
_NAMES = {PREFIX + f.name.upper() for f in fields(Settings)}


@dataclass(frozen=True)
class _Opened:
    archive: Archive
    close: weakref.finalize


def settings_from_config(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, then the config's `COMPLIANCE_*` keys (strings parsed alike)."""
    ours = {key: value for key, value in config.items() if key.startswith(PREFIX)}
    unknown = sorted(key for key in ours if key not in _NAMES and not key.startswith(PREFIX + "TEST_"))
    if unknown:
        raise ConfigurationError(f"unknown setting {unknown[0]} in the app's config")
    given = {key: value for key, value in ours.items() if key in _NAMES}
    as_text = {key: value for key, value in given.items() if isinstance(value, str)}
    as_values = {
        key.removeprefix(PREFIX).lower(): value for key, value in given.items() if key not in as_text
    }
    base = os.environ if environ is None else environ
    return Settings.from_env({**base, **as_text}, **as_values)


def init_app(app: Flask) -> None:
    """Open the app's Archive on its settings; it is closed with the app."""
    archive = Archive(settings_from_config(app.config))
    app.extensions[EXTENSION] = _Opened(archive, weakref.finalize(app, archive.close))


def get_settings(app: Flask) -> Settings:
    """The settings of the app's Archive."""
    opened: _Opened = app.extensions[EXTENSION]
    return opened.archive.settings


def get_archive() -> Archive:
    """The current app's Archive."""
    opened: _Opened = current_app.extensions[EXTENSION]
    return opened.archive


def close_archive(app: Flask) -> None:
    """Close the app's Archive now (once; later calls do nothing)."""
    opened: _Opened | None = app.extensions.get(EXTENSION)
    if opened is not None:
        opened.close()
