"""`compliance serve`: the dashboard (and the API) on HOST:PORT, until interrupted.

The app comes from `web.create_app`; this module only runs it, with Werkzeug's threaded server
(for one machine and a small team). On a loopback address the session cookie goes without its
Secure flag, since browsers drop Secure cookies over plain http and nothing outside this machine
can reach the server; on any other address it stays Secure, for a TLS proxy in front. A
production deployment runs `web:create_app()` under a WSGI server instead.
"""

from __future__ import annotations

import ipaddress

import click

from compliance.cli.fingerprints import bring_up_to_date
from compliance.pipeline import Archive
from compliance.settings import Settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Serve the dashboard and the API."""
    click.echo(f"dashboard: http://{host}:{port}/  (Ctrl-C to stop)")
    run(host, port, Settings.from_env(), insecure_http=_loopback(host))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def run(host: str, port: int, settings: Settings, insecure_http: bool = False) -> None:
    """Serve the app on `settings` until interrupted; `insecure_http` for the local demo only."""
    from web import create_app  # Flask loads only for this command

    with Archive(settings) as archive:  # the app's own Archive opens after: it finds them done
        bring_up_to_date(archive)
    values = {f"COMPLIANCE_{name.upper()}": value for name, value in vars(settings).items()}
    app = create_app({**values, "INSECURE_HTTP": insecure_http})
    app.run(host=host, port=port, threaded=True, use_reloader=False)


COMMANDS: tuple[click.Command, ...] = (serve,)
