"""The `compliance` command: a thin caller of `compliance.pipeline.Archive`.

Exit status: 0 success (matches or not), 2 bad usage or bad input (one line on stderr),
1 anything else. `--json` prints one JSON document on stdout and nothing else.

One module per command group, each listing its commands in `COMMANDS`; `main` registers them.
A new group (say `sites`) is a module `compliance/cli/sites.py` with its own `COMMANDS`, added to
`GROUPS` below. Commands raise the core's errors as they come: `main` turns each into one line on
stderr and the exit status the error carries (see `output.reported_errors`). Commands reach the
core only through `compliance.pipeline`, and plain values, settings, errors and shapes.
"""

from __future__ import annotations

import logging

import click

from compliance import __version__
from compliance.cli import (
    apikeys,
    audit,
    cases,
    check,
    demo,
    evidence,
    findings,
    fingerprints,
    index,
    ingest,
    notices,
    output,
    partners,
    scan,
    serve,
    sites,
    sweep,
    users,
)

GROUPS = (
    ingest,
    check,
    evidence,
    findings,
    partners,
    sites,
    scan,
    sweep,
    cases,
    notices,
    users,
    audit,
    apikeys,
    demo,
    serve,
    fingerprints,
    index,
)


@click.group(cls=output.ReportingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compliance")
@click.option("-v", "--verbose", is_flag=True, help="Log what is done, on stderr.")
def main(verbose: bool) -> None:
    """Find reproductions of our articles and keep the evidence.

    The archive lives in COMPLIANCE_DATABASE_URL (default: a SQLite file in ./var).
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


for _group in GROUPS:
    for _command in _group.COMMANDS:
        main.add_command(_command)
