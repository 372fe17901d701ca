"""Findings, end to end: pages served on 127.0.0.1 under several host names, checked by URL, judged
by the policy and kept as findings with their sightings, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import SiteServer, local_server, running

from compliance.cli import main
from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import NoticeStatus, Partner, SightingStatus, Verdict
from compliance.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HOSTS = (
    "www.revue-partenaire.example",
    "www.ancien-partenaire.example",
    "blog.example",
    "copies.example",
    "agregateur.example",
    "amp.gazette-littoral.example",
)
ARTICLES = {
    json.loads(line)["url"].rsplit("/", 1)[1]: json.loads(line)
    for path in (FIXTURES / "archive" / "articles.jsonl", FIXTURES / "policy" / "articles.jsonl")
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
}
DESSALEMENT = ARTICLES["dessalement-kef-erramel-bouclage-financier"]
TERMINAL = ARTICLES["port-azour-nouveau-terminal-conteneurs"]
OWN_WORDS = (
    "Je tiens ce carnet depuis que j’ai quitté la ville pour la côte, et j’y note ce qui change "
    "autour de moi : les chantiers, les prix du marché, les horaires des bateaux et les conversations "
    "du café du port. Cette semaine, tout le monde parlait de l’eau."
)


@dataclass
class Pages:
    """A server on 127.0.0.1 answering for several host names: `pages[(host, path)]` is the HTML."""

    port: int = 0
    pages: dict[tuple[str, str], str] = field(default_factory=dict)

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def put(self, host: str, path: str, body: str) -> str:
        self.pages[(host, path)] = body
        return self.url(host, path)


@pytest.fixture
def pages() -> Iterator[Pages]:
    served = Pages()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            body = served.pages.get((host, self.path))
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "<html><body><p>Page introuvable</p></body></html>").encode())

        def log_message(self, *args: object) -> None:
            pass

    with running(local_server(Handler)) as server:
        served.port = server.server_address[1]
        yield served


@pytest.fixture
def archive(database_url: str, tmp_path: Path, pages: Pages) -> Iterator[Archive]:
    settings = Settings(
        database_url=database_url,
        index_dir=str(tmp_path / "index"),
        evidence_dir=str(tmp_path / "evidence"),
        fetch_allow_hosts=tuple(f"{host}:{pages.port}" for host in HOSTS),
    )
    with Archive(settings) as opened:
        report = opened.ingest(read_paths([FIXTURES / "archive", FIXTURES / "policy"], settings))
        assert report.failed == 0, report.errors
        yield opened


def loopback(host: str, port: int) -> list[str]:
    """Every fixture host name is this machine (no DNS: the network guard would refuse it)."""
    return ["127.0.0.1"]


def page(title: str, paragraphs: list[str], extra: str = "") -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body>"
        "<header><nav><a href='/'>Accueil</a> · <a href='/contact'>Contact</a></nav></header>"
        f"<article><h1>{html.escape(title)}</h1>{body}{extra}</article>"
        "<footer><p>Tous les contenus de ce site sont publiés par leurs auteurs.</p></footer></body></html>"
    )


def paragraphs(article: dict) -> list[str]:
    return [p for p in article["body"].split("\n\n") if p.strip()]


def words(text: str, start: int, count: int) -> str:
    return " ".join(text.split()[start : start + count])


def full_copy(article: dict, extra: str = "") -> str:
    return page(article["title"], paragraphs(article), extra)


QUOTE = words(paragraphs(DESSALEMENT)[1], 0, 40)
LINK = f"<p>Source : <a href='{DESSALEMENT['url']}'>La Gazette du Littoral</a></p>"
CASES = {
    "partner within scope": ("www.revue-partenaire.example", full_copy(DESSALEMENT), Verdict.LICENSED),
    "partner past its licence end": (
        "www.ancien-partenaire.example",
        full_copy(DESSALEMENT),
        Verdict.LICENCE_BREACH,
    ),
    "attributed 40-word quotation": (
        "blog.example",
        page(
            "Carnet de la côte",
            [OWN_WORDS, f"Selon La Gazette du Littoral, « {QUOTE} »."],
            f"<p>À lire sur <a href='{DESSALEMENT['url']}'>le site de la Gazette</a>.</p>",
        ),
        Verdict.SHORT_QUOTATION,
    ),
    "full copy, credited and linked": (
        "copies.example",
        full_copy(DESSALEMENT, LINK),
        Verdict.FULL_REPRODUCTION,
    ),
    "only our wire-copy paragraph": (
        "agregateur.example",
        page("Le fil de l’actualité", [OWN_WORDS, paragraphs(TERMINAL)[1]]),
        Verdict.THIRD_PARTY,
    ),
    "our AMP host": ("amp.gazette-littoral.example", full_copy(DESSALEMENT), Verdict.OWN_SITE),
}
PARTNERS = (
    Partner("Revue partenaire", ("revue-partenaire.example",), valid_until=date(2099, 12, 31)),
    Partner("Ancien partenaire", ("ancien-partenaire.example",), valid_until=date(2023, 12, 31)),
)


@pytest.mark.parametrize("case", list(CASES))
def test_each_kind_of_page_gets_the_verdict_a_lawyer_expects(
    case: str, archive: Archive, pages: Pages
) -> None:
    host, body, verdict = CASES[case]
    for partner in PARTNERS:
        archive.store.add_partner(partner)
    report = archive.record_url(pages.put(host, "/article", body), resolver=loopback)
    [recorded] = [
        r for r in report.recorded if r.judged.match.article.url in (DESSALEMENT["url"], TERMINAL["url"])
    ]
    decision = recorded.judged.decision
    assert decision.verdict == verdict, decision.reasons
    finding = archive.finding(recorded.finding_id)
    assert finding is not None and finding.verdict == verdict and finding.reasons == decision.reasons
    if case == "partner past its licence end":
        assert decision.reasons == ("licence of Ancien partenaire expired on 2023-12-31",)
    if case == "full copy, credited and linked":
        assert finding.attribution.credited and finding.attribution.linked
        assert finding.attribution.links_to_article and "La Gazette du Littoral" in (
            finding.attribution.credit or ""
        )
        assert finding.notice == NoticeStatus.STRIPPED
    if case in ("our AMP host", "only our wire-copy paragraph", "partner within scope"):
        assert finding.severity.score == 0


def test_checking_a_url_twice_gives_one_finding_with_two_sightings(archive: Archive, pages: Pages) -> None:
    url = pages.put("copies.example", "/copie", full_copy(DESSALEMENT))
    first = archive.record_url(url, resolver=loopback)
    second = archive.record_url(url, resolver=loopback)
    [one], [two] = first.recorded, second.recorded
    assert one.new and not two.new and one.finding_id == two.finding_id
    assert (one.status, two.status) == (SightingStatus.NEW, SightingStatus.STILL_THERE)
    finding = archive.finding(one.finding_id)
    assert finding is not None and [s.status for s in finding.sightings] == ["new", "still_there"]
    assert [s.capture_id for s in finding.sightings] == [first.capture.id, second.capture.id]  # type: ignore[union-attr]
    assert finding.page.domain == "copies.example" and finding.page.url == url


def test_a_copy_that_shrinks_then_goes_then_comes_back_keeps_its_history(
    archive: Archive, pages: Pages
) -> None:
    url = pages.put("copies.example", "/copie", full_copy(DESSALEMENT))
    [new] = archive.record_url(url, resolver=loopback).recorded
    pages.put("copies.example", "/copie", page("Extrait", [OWN_WORDS, *paragraphs(DESSALEMENT)[:2]]))
    [changed] = archive.record_url(url, resolver=loopback).recorded
    pages.put("copies.example", "/copie", page("Autre chose", [OWN_WORDS]))
    gone = archive.record_url(url, resolver=loopback)
    pages.put("copies.example", "/copie", full_copy(DESSALEMENT))
    [back] = archive.record_url(url, resolver=loopback).recorded
    assert changed.status == SightingStatus.CHANGED and gone.recorded == () and gone.gone == (new.finding_id,)
    assert back.status == SightingStatus.BACK and back.finding_id == new.finding_id
    finding = archive.finding(new.finding_id)
    assert finding is not None and finding.present
    history = [(s.status, s.reproduced_words) for s in finding.sightings]
    assert [status for status, _ in history] == ["new", "changed", "gone", "back"]
    assert history[1][1] < history[0][1] and history[2][1] is None  # the shrunk copy, then nothing
    assert len(finding.sightings[0].passages) >= 1 and finding.sightings[2].passages == ()


def test_a_verdict_is_explained_by_the_rules_in_force_when_it_was_made(
    archive: Archive, pages: Pages
) -> None:
    url = pages.put("copies.example", "/copie", full_copy(DESSALEMENT))
    [recorded] = archive.record_url(url, resolver=loopback).recorded
    stricter = archive.settings.replace(full_coverage=0.99, quotation_max_words=30)
    with Archive(stricter) as later:
        finding = later.finding(recorded.finding_id)
    assert finding is not None
    assert finding.rules["thresholds"]["full_coverage"] == 0.8
    assert finding.rules["policy"]["quotation_max_words"] == 60


def test_a_text_checked_twice_is_one_page(archive: Archive) -> None:
    text = "\n\n".join([OWN_WORDS, *paragraphs(DESSALEMENT)])
    first, second = archive.record_text(text, name="copie.txt"), archive.record_text(text, name="copie.txt")
    assert first.page.id == second.page.id and first.page.key.startswith("sha256:")
    assert [r.finding_id for r in first.recorded] == [r.finding_id for r in second.recorded]
    assert [r.new for r in second.recorded] == [False]
    assert archive.store.page_text(first.page.id or 0) == text


def test_a_site_copying_many_articles_is_a_repeat_offender(archive: Archive, pages: Pages) -> None:
    urls = [u for u in (a["url"] for a in ARTICLES.values()) if "policy" not in u][:3]
    bodies = [next(a for a in ARTICLES.values() if a["url"] == u) for u in urls]
    parts = []
    for i, article in enumerate(bodies):
        [recorded] = archive.record_url(
            pages.put("copies.example", f"/{i}", full_copy(article)), resolver=loopback
        ).recorded
        parts.append(recorded.judged.decision.severity.parts["repeat_offender"])
    assert parts == [0, 0, 10]


# --- The command line: `check --json` says what was kept ---------------------------------------


@pytest.fixture
def cli_env(
    env: dict[str, str], runner: CliRunner, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> dict:
    assert runner.invoke(main, ["ingest", str(FIXTURES / "archive")]).exit_code == 0
    monkeypatch.setenv("COMPLIANCE_FETCH_ALLOW_HOSTS", f"127.0.0.1:{site.port}")
    return env


def test_check_json_shows_the_finding_and_why(cli_env: dict, runner: CliRunner, site: SiteServer) -> None:
    url = f"{site.url}/article-copy.html"
    first = json.loads(runner.invoke(main, ["check", "--url", url, "--json"]).output)
    second = json.loads(runner.invoke(main, ["check", "--url", url, "--json"]).output)
    [one], [two] = first["matches"], second["matches"]
    assert one["finding"] == two["finding"] and (one["new"], two["new"]) == (True, False)
    assert (one["sighting"], two["sighting"]) == ("new", "still_there")
    assert one["verdict"] == "full_reproduction" and one["notice"] in ("kept", "stripped")
    assert set(one["severity"]) == {"level", "score", "parts"} and one["severity"]["level"] == "critical"
    assert set(one["attribution"]) == {"credited", "credit", "linked", "link", "links_to_article"}
    assert one["rules"]["thresholds"]["full_coverage"] == 0.8 and one["reasons"]
    assert first["page"]["domain"] == "127.0.0.1" and first["gone"] == []
    shown = json.loads(runner.invoke(main, ["findings", "show", str(one["finding"]), "--json"]).output)
    assert [s["status"] for s in shown["sightings"]] == ["new", "still_there"]


def test_check_text_keeps_a_finding_per_file(cli_env: dict, runner: CliRunner) -> None:
    page = FIXTURES / "suspects" / "short_quotation.txt"
    first = json.loads(runner.invoke(main, ["check", "--text", str(page), "--json"]).output)
    [match] = first["matches"]
    assert match["verdict"] == "short_quotation" and match["attribution"]["credited"]
    assert "La Gazette du Littoral" in match["attribution"]["credit"]
    assert first["page"]["kind"] == "text" and first["page"]["name"] == "short_quotation.txt"


UNTIL_2026 = ("--valid-until", "2026-01-01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["partners", "add", "P", "--domain", "not a domain"], "not a domain name"),
        (["partners", "add", "P", "--domain", "p.example", "--valid-until", "2026-02-30"], "not a date"),
        (["partners", "add", "P", "--domain", "p.example", "--max-share", "1.5"], "max_share"),
        (
            [
                "partners",
                "add",
                "P",
                "--domain",
                "p.example",
                "--valid-from",
                "2027-01-01",
                "--valid-until",
                "2026-01-01",
            ],
            "after",
        ),
        (["partners", "edit", "Nobody", "--max-words", "10"], "no partner called"),
        (["partners", "remove", "Nobody"], "no partner called"),
        (["findings", "show", "12345"], "no finding"),
    ],
)
def test_bad_partner_input_is_one_line_and_changes_nothing(
    cli_env: dict, runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert runner.invoke(main, ["partners", "list", "--json"]).output == ""


def test_overlapping_partners_are_refused(cli_env: dict, runner: CliRunner) -> None:
    assert runner.invoke(main, ["partners", "add", "A", "--domain", "a.example"]).exit_code == 0
    result = runner.invoke(main, ["partners", "add", "B", "--domain", "www.a.example"])
    assert result.exit_code == 2 and "overlaps a.example of partner 'A'" in result.stderr
    [only] = [
        json.loads(line) for line in runner.invoke(main, ["partners", "list", "--json"]).output.splitlines()
    ]
    assert only["name"] == "A"


def test_partner_edit_changes_the_verdict_of_the_next_check(
    cli_env: dict, runner: CliRunner, site: SiteServer
) -> None:
    url = f"{site.url}/article-copy.html"
    assert runner.invoke(main, ["partners", "add", "Local", "--domain", "127.0.0.1"]).exit_code == 0
    [licensed] = json.loads(runner.invoke(main, ["check", "--url", url, "--json"]).output)["matches"]
    assert licensed["verdict"] == "licensed" and licensed["rules"]["partner"]["name"] == "Local"
    assert runner.invoke(main, ["partners", "edit", "Local", "--valid-until", "2020-01-01"]).exit_code == 0
    [breach] = json.loads(runner.invoke(main, ["check", "--url", url, "--json"]).output)["matches"]
    assert breach["verdict"] == "licence_breach" and "expired on 2020-01-01" in breach["reasons"][0]
    assert breach["finding"] == licensed["finding"]


def test_articles_without_notice(cli_env: dict, runner: CliRunner, tmp_path: Path) -> None:
    bare = tmp_path / "bare.jsonl"
    bare.write_text(
        json.dumps({"url": "https://www.gazette-littoral.example/x/sans-mention", "body": OWN_WORDS}) + "\n"
    )
    assert runner.invoke(main, ["ingest", str(bare)]).exit_code == 0
    listed = runner.invoke(main, ["articles", "without-notice", "--json"]).output.splitlines()
    assert [json.loads(line)["url"] for line in listed] == [
        "https://www.gazette-littoral.example/x/sans-mention"
    ]
