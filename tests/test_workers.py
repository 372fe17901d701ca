"""Celery workers under faults, on the real services: a worker SIGKILLed, Redis restarted,
PostgreSQL backends terminated, each in the middle of a scan. After each, the scan completes with
every page visited once: one outcome per page, one finding per copy, one sighting per finding.

Everything here is real and local: our own redis-server on a free port (it keeps nothing on disk,
as in production here, so a restart loses the queue), our own PostgreSQL database, `compliance
worker` processes, and a copy site served on 127.0.0.1. The tests run when
COMPLIANCE_TEST_REDIS_URL is set (and always under CI) and need COMPLIANCE_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import redis_problem
from databases import query
from factories import fixture_bodies
from watched import OWN_WORDS, WatchedSite, copy_page, serve_watched

from compliance.cli import main
from compliance.errors import ConfigurationError
from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import Site
from compliance.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COPIES = range(1, 13)  # fixture articles copied whole, one page each
FILLERS = 12  # pages of the site's own words
DELAY = 0.2  # seconds between two requests to the site: the scan lasts long enough to be hurt
TIME_LIMIT = 8  # seconds: a killed task's claim lapses this long (and 5 s more) after it was taken
DEADLINE = 90.0  # seconds a scan has to complete after the fault


@dataclass
class RedisServer:
    """Our own redis-server on a free port, with nothing on disk: stopped, it forgets its queue."""

    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.port = self.port or free_port()
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.folder)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        until(lambda: redis_problem(self.url, 0.5) is None, 10, "redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@dataclass
class Fleet:
    """The scan's world: a database, a broker, a copy site, and the worker processes started."""

    database: str
    redis: RedisServer
    site: WatchedSite
    folder: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        values = {
            "COMPLIANCE_DATABASE_URL": self.database,
            "COMPLIANCE_BROKER_URL": self.redis.url,
            "COMPLIANCE_INDEX_DIR": str(self.folder / "index"),
            "COMPLIANCE_EVIDENCE_DIR": str(self.folder / "evidence"),
            "COMPLIANCE_FETCH_ALLOW_HOSTS": f"127.0.0.1:{self.site.port}",
            "COMPLIANCE_TASK_TIME_LIMIT": str(TIME_LIMIT),
            "COMPLIANCE_VISIBILITY_TIMEOUT": "30",
        }
        kept = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
        return {**kept, **values}

    def start_worker(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "compliance", "worker"]
        with (self.folder / f"worker-{len(self.workers)}.log").open("wb") as log:  # the child keeps its own
            worker = subprocess.Popen(command, env=self.env(), stdout=log, stderr=log, start_new_session=True)
        self.workers.append(worker)
        return worker

    def run(self, *args: str) -> str:
        command = [sys.executable, "-m", "compliance", *args]
        done = subprocess.run(command, env=self.env(), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.folder.glob("*.log")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def until(condition: Callable[[], bool], seconds: float, failure: str | Callable[[], str]) -> None:
    """Wait for `condition`; AssertionError with `failure` (a message, or what makes it) after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure() if callable(failure) else failure)
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Signal the process's whole group (a worker and its children), then make sure it is gone."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_database(postgres_url: str) -> Iterator[str]:
    """Our own PostgreSQL database for this module (its backends are the ones we terminate)."""
    name = f"test_workers_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database(own_database: str) -> Iterator[str]:
    """A fresh schema of our database for one test (creating a database costs a checkpoint)."""
    schema = f"scan_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(own_database, pool_pre_ping=True)  # the test may terminate its connection
    with admin.begin() as connection:
        connection.execute(sa.schema.CreateSchema(schema))
    try:
        url = sa.make_url(own_database).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()


@pytest.fixture
def fleet(redis_url: str, database: str, tmp_path: Path) -> Iterator[Fleet]:
    """A copy site, our own Redis, the fixture archive ingested, the site watched; no worker yet."""
    redis = RedisServer(tmp_path)
    redis.start()
    with serve_watched() as site:
        world = Fleet(database, redis, site, tmp_path)
        copy_site(site)
        settings = Settings.from_env(world.env())
        with Archive(settings) as archive:
            assert archive.ingest(read_paths([ROOT / "fixtures" / "archive"], settings)).failed == 0
            archive.add_site(Site("copies", (site.url + "/",), depth=1, delay=DELAY))
        try:
            yield world
        finally:
            for worker in world.workers:
                stop(worker)
            redis.kill()


def copy_site(site: WatchedSite) -> None:
    """A home page linking to copies of our fixture articles and to pages of the site's own words."""
    bodies = fixture_bodies()
    links = []
    for i in COPIES:
        site.page(f"/copie/{i}.html", copy_page(f"Copie {i}", bodies[i]))
        links.append(f"/copie/{i}.html")
    for i in range(FILLERS):
        site.page(f"/rubrique/{i}.html", copy_page(f"Rubrique {i}", f"{OWN_WORDS} Numéro {i}."))
        links.append(f"/rubrique/{i}.html")
    site.page("/", copy_page("Accueil", OWN_WORDS, tuple(links)))


# --- reading the outcome from the database ------------------------------------------------------------


def pages_stored(database: str) -> int:
    return int(query(database, "SELECT COUNT(*) FROM scan_pages")[0][0])


def scan_state(database: str) -> str | None:
    rows = query(database, "SELECT state FROM scans ORDER BY id DESC LIMIT 1")
    return str(rows[0][0]) if rows else None


def wait_for_pages(fleet: Fleet, count: int) -> None:
    failure = lambda: f"fewer than {count} pages stored:\n{fleet.logs()}"  # noqa: E731
    until(lambda: pages_stored(fleet.database) >= count, 60, failure)


def wait_complete(fleet: Fleet) -> None:
    until(lambda: scan_state(fleet.database) == "complete", DEADLINE, lambda: f"running:\n{fleet.logs()}")


def assert_whole_scan(fleet: Fleet) -> None:
    """Every page visited once, every copy found once, nothing left open."""
    database, pages = fleet.database, len(COPIES) + FILLERS
    [(scans,)] = query(database, "SELECT COUNT(*) FROM scans")
    assert scans == 1
    leads = dict(query(database, "SELECT state, COUNT(*) FROM scan_leads GROUP BY state"))
    assert leads == {"done": pages}
    outcomes = query(database, "SELECT url, status FROM scan_pages")
    assert len(outcomes) == pages and len({url for url, _ in outcomes}) == pages  # none lost, none twice
    assert {status for _, status in outcomes} == {"fetched"}
    sightings = query(
        database, "SELECT f.article_id, COUNT(s.id) FROM findings f JOIN sightings s ON s.finding_id = f.id"
        " GROUP BY f.id, f.article_id",
    )  # fmt: skip
    assert len(sightings) == len(COPIES)  # one finding per copy...
    assert all(count == 1 for _, count in sightings)  # ...seen once: no page checked twice
    [(discovered,)] = query(database, "SELECT discovered FROM scans")
    assert discovered == pages


# --- the faults -----------------------------------------------------------------------------------------


def test_a_worker_killed_mid_scan_loses_nothing_once_a_worker_starts_again(fleet: Fleet) -> None:
    slow, body = "/copie/5.html", fleet.site.pages["/copie/5.html"][0]

    def answer_slowly(handler: object) -> None:
        time.sleep(2.0)  # the worker waits for this page when it is killed
        handler.answer(200, body)  # type: ignore[attr-defined]

    fleet.site.routes[slow] = answer_slowly
    first = fleet.start_worker()
    fleet.run("scan", "--site", "copies", "--no-wait")
    until(lambda: bool(fleet.site.requested(slow)), 60, lambda: f"{slow} never requested:\n{fleet.logs()}")
    stop(first, signal.SIGKILL)  # the worker and its child process, in the middle of a page
    assert first.returncode == -signal.SIGKILL
    assert 0 < pages_stored(fleet.database) < len(COPIES) + FILLERS  # killed halfway
    assert scan_state(fleet.database) == "running"
    url = fleet.site.url + slow
    [(state,)] = query(fleet.database, f"SELECT state FROM scan_leads WHERE url = '{url}'")
    assert state == "claimed"  # by the dead worker: its claim must lapse before another takes it

    fleet.start_worker()  # on start it sends again what the database says remains
    wait_complete(fleet)
    assert_whole_scan(fleet)


def test_a_waiting_scan_without_a_worker_says_it_is_queued_and_a_worker_started_later_runs_it(
    fleet: Fleet,
) -> None:
    command = [sys.executable, "-m", "compliance", "scan", "--site", "copies"]
    env = {**fleet.env(), "COMPLIANCE_WORKER_GRACE": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "copies: running (queued: no worker answered in 1s; run `compliance worker`)" in done.stdout
    assert pages_stored(fleet.database) == 0
    fleet.start_worker()  # the queued scan is taken up
    wait_complete(fleet)
    assert_whole_scan(fleet)
    assert fleet.run("scan", "--site", "copies").startswith("copies: complete")  # a worker answers: waited


def test_a_booking_delayed_by_the_row_lock_still_starts_at_its_slot(database: str, tmp_path: Path) -> None:
    """The wait for a booked start is counted once the booking has committed: a worker that waited
    for another's row lock must not come late by that long, or its request lands closer than the
    delay to the next one booked."""
    settings = Settings(database_url=database, index_dir=str(tmp_path / "ix"))
    host = "127.0.0.1:1"
    with Archive(settings) as archive:
        store = archive.store
        assert store.book_host(host, 1.0) == 0.0  # the first request: now; the next one a second later
        booked_first = time.time()
        result: list[tuple[float, float]] = []

        def book() -> None:
            result.append((store.book_host(host, 1.0), time.time()))

        other = sa.create_engine(database)
        with other.begin() as connection:
            lock = "SELECT next_at FROM host_paces WHERE host = :h FOR UPDATE"
            connection.execute(sa.text(lock), {"h": host})
            booking = threading.Thread(target=book)
            booking.start()
            time.sleep(0.5)  # the booking waits for the row lock meanwhile
        booking.join(10)
        other.dispose()
    [(wait, returned)] = result
    assert returned > booked_first + 0.4  # it did wait for the lock
    assert returned + wait <= booked_first + 1.0 + 0.05  # and still starts at its slot, not 0.5 s late


def test_a_worker_grace_must_be_a_positive_number_of_seconds() -> None:
    with pytest.raises(ConfigurationError, match="worker_grace must be a positive number of seconds"):
        Settings(worker_grace=float("inf"))


def test_a_restarted_redis_loses_its_queue_and_the_scan_resumes_from_the_database(fleet: Fleet) -> None:
    worker = fleet.start_worker()
    fleet.run("scan", "--site", "copies", "--no-wait")
    wait_for_pages(fleet, 4)
    fleet.redis.kill()
    stored = pages_stored(fleet.database)
    fleet.redis.start()  # same port, empty: every queued task is gone
    assert stored < len(COPIES) + FILLERS
    resumed = fleet.run("scan", "--resume", "--json")
    assert '"tasks"' in resumed
    wait_complete(fleet)
    assert worker.poll() is None  # the worker reconnected to the new broker by itself
    assert_whole_scan(fleet)


def test_terminated_postgresql_backends_are_reconnected_and_the_scan_finishes(fleet: Fleet) -> None:
    worker = fleet.start_worker()
    fleet.run("scan", "--site", "copies", "--no-wait")
    wait_for_pages(fleet, 3)
    name = sa.make_url(fleet.database).database
    admin = sa.create_engine(fleet.database, isolation_level="AUTOCOMMIT")
    terminated = 0
    try:
        for _ in range(4):  # the worker's pooled connections, and whatever it is doing at the time
            with admin.connect() as connection:
                terminated += len(
                    connection.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": name},
                    ).all()
                )
            time.sleep(0.4)
    finally:
        admin.dispose()
    assert terminated >= 1
    wait_complete(fleet)
    assert worker.poll() is None
    assert_whole_scan(fleet)


def test_two_workers_keep_one_pace_per_host(fleet: Fleet) -> None:
    """The site's delay holds between any two requests, whichever worker process sends them."""
    fleet.start_worker()
    fleet.start_worker()
    fleet.run("scan", "--site", "copies", "--no-wait")
    wait_complete(fleet)
    assert_whole_scan(fleet)
    busy = [log.read_text().count("fetched'") for log in sorted(fleet.folder.glob("worker-*.log"))]
    assert len(busy) == 2 and all(busy), busy  # both workers visited pages
    hits = sorted(fleet.site.log, key=lambda hit: hit.at)
    gaps = [(b.at - a.at, a.path, b.path) for a, b in itertools.pairwise(hits)]
    # Arrival times carry the scheduler's jitter on a loaded machine; two unpaced workers send
    # requests milliseconds apart, far below this bound.
    close = [gap for gap in gaps if gap[0] < DELAY - 0.05]
    assert len(gaps) >= len(COPIES) + FILLERS and not close, (close, fleet.logs())


# --- without a broker ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broker", "message"),
    [
        pytest.param("", "no broker: set COMPLIANCE_BROKER_URL", id="unset"),
        pytest.param(
            "http://127.0.0.1:6379", "broker_url must be a redis:// or amqp:// URL", id="wrong-scheme"
        ),
    ],
)
def test_a_worker_without_a_usable_broker_is_a_one_line_error(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, broker: str, message: str
) -> None:
    monkeypatch.setenv("COMPLIANCE_BROKER_URL", broker)
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2
    assert result.output.startswith(f"compliance: error: {message}") and result.output.count("\n") == 1


def test_scan_resume_without_a_broker_finishes_the_running_scan_here(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve_watched() as site:
        copy_site(site)
        monkeypatch.setenv("COMPLIANCE_FETCH_ALLOW_HOSTS", f"127.0.0.1:{site.port}")
        with Archive(Settings.from_env()) as archive:
            assert archive.ingest(read_paths([ROOT / "fixtures" / "archive"], archive.settings)).failed == 0
            stored = archive.add_site(Site("copies", (site.url + "/",), delay=0))
            assert stored.id is not None
            scan, _ = archive.store.open_scan(stored.id)  # as a killed process leaves it: running
        runner = CliRunner()
        result = runner.invoke(main, ["scan", "--resume", "--json"])
    assert result.exit_code == 0, result.output
    [done] = json.loads(result.output)["sites"]
    assert done["scan"] == scan.id and done["resumed"] is True and done["state"] == "complete"
    assert done["counts"]["fetched"] == len(COPIES) + FILLERS and done["counts"]["matched"] == len(COPIES)
    again = runner.invoke(main, ["scan", "--resume"])
    assert again.exit_code == 0 and again.output == "no scan left running\n"


def test_a_sweep_is_fanned_out_to_the_workers_one_part_a_task(fleet: Fleet) -> None:
    """`compliance sweep` with a broker sends one task a part; two workers check every page once."""
    from test_sweep import findings_by_page, write_warc

    warc = fleet.folder / "crawl.warc.gz"
    planted = write_warc(warc, {1: 1, 4: 2, 7: 3, 11: 4}, clean=10)
    fleet.start_worker()
    fleet.start_worker()
    record = json.loads(fleet.run("sweep", str(warc), "--part-records", "3", "--json"))
    assert record["state"] == "complete" and record["jobs"] == 0, fleet.logs()
    assert record["records"] == record["done"] == record["checked_now"] == 14
    assert record["counts"] == {"checked": 10, "matched": 4, "failed": 0}
    assert set(findings_by_page(fleet.database)) == set(planted)
    assert query(fleet.database, "SELECT COUNT(*) FROM sweep_records") == [(14,)]
    assert query(fleet.database, "SELECT DISTINCT state FROM sweep_parts") == [("done",)]
