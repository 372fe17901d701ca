"""Tests of compliance.capture.evidence and evidence_folder: WARC captures, content-addressed, verified."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import stat
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sites import COPY_SENTENCE, FIXTURES, HUGE_BYTES, SiteServer
from warcio.archiveiterator import ArchiveIterator

from compliance import __version__
from compliance.capture.documents import page_from_fetch
from compliance.capture.evidence import (
    capture_from_fetch,
    capture_from_file,
    file_uri,
    write_capture,
    write_file_capture,
)
from compliance.capture.evidence_folder import ORPHAN_GRACE, OrphanKind, clean, orphans, verify
from compliance.capture.fetch import FetchResult, fetch
from compliance.errors import StorageError
from compliance.settings import Settings


@pytest.fixture
def allowed(site: SiteServer) -> Settings:
    return Settings(fetch_allow_hosts=(f"127.0.0.1:{site.port}",), read_timeout=2.0)


@pytest.fixture
def fetched(site: SiteServer, allowed: Settings) -> FetchResult:
    """/redirect/1 → /redirect/2 → /copy.html."""
    return fetch(f"{site.url}/redirect/1", allowed)


def records(path: Path) -> list[dict[str, Any]]:
    """Every record of a WARC file, with its digests checked (a mismatch raises)."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            found.append(
                {
                    "type": record.rec_type,
                    "warc": dict(record.rec_headers.headers),
                    "http": record.http_headers,
                    "content": record.content_stream().read(),
                }
            )
    return found


def test_capture_of_a_fetch_reads_back_with_warcio(fetched: FetchResult, tmp_path: Path) -> None:
    text, metadata = page_from_fetch(fetched)
    capture = capture_from_fetch(fetched, text, metadata, tmp_path, "9.9.9-test")
    warc = records(tmp_path / capture.warc_path)
    assert [r["type"] for r in warc] == ["warcinfo"] + ["request", "response"] * 3
    info = warc[0]
    assert b"software: compliance/9.9.9-test\r\n" in info["content"]
    assert f"final-url: {fetched.final_url}".encode() in info["content"]
    request, response = warc[-2:]
    assert response["warc"]["WARC-Target-URI"] == fetched.final_url
    assert response["warc"]["WARC-IP-Address"] == "127.0.0.1"
    stamp = fetched.fetched_at.replace(tzinfo=None).isoformat() + "Z"
    assert response["warc"]["WARC-Date"] == request["warc"]["WARC-Date"] == stamp
    assert response["warc"]["WARC-Payload-Digest"].startswith("sha256:")
    assert response["warc"]["WARC-Warcinfo-ID"] == info["warc"]["WARC-Record-ID"]
    assert request["warc"]["WARC-Concurrent-To"] == response["warc"]["WARC-Record-ID"]
    assert response["http"].protocol == "HTTP/1.1"
    assert response["http"].get_statuscode() == "200"
    assert response["http"].get_header("Content-Type") == "text/html; charset=utf-8"
    assert response["content"] == fetched.body == (FIXTURES / "copy.html").read_bytes()
    assert request["http"].protocol == "GET"
    assert request["http"].statusline == "/copy.html HTTP/1.1"
    assert request["http"].get_header("User-Agent") == Settings().user_agent
    assert request["http"].get_header("Host") == fetched.final_url.split("/")[2]


def test_redirect_hops_are_in_the_warc(fetched: FetchResult, tmp_path: Path) -> None:
    _, path = write_capture(fetched, tmp_path, "1")
    responses = [r for r in records(tmp_path / path) if r["type"] == "response"]
    assert [r["warc"]["WARC-Target-URI"] for r in responses] == [fetched.requested_url, *fetched.redirects]
    assert [r["http"].get_statuscode() for r in responses] == ["302", "301", "200"]
    assert responses[0]["http"].get_header("Location") == "/redirect/2"


def test_capture_record_describes_the_fetch(fetched: FetchResult, tmp_path: Path) -> None:
    text, metadata = page_from_fetch(fetched)
    capture = capture_from_fetch(fetched, text, metadata, tmp_path)
    data = (tmp_path / capture.warc_path).read_bytes()
    assert capture.sha256 == hashlib.sha256(data).hexdigest()
    assert capture.warc_path == f"{capture.sha256[:2]}/{capture.sha256}.warc.gz"
    assert (capture.kind, capture.status, capture.server_ip) == ("url", 200, "127.0.0.1")
    assert (capture.requested_url, capture.final_url) == (fetched.requested_url, fetched.final_url)
    assert capture.redirects == fetched.redirects and len(capture.redirects) == 2
    assert capture.fetched_at == fetched.fetched_at and capture.fetched_at.utcoffset() == timedelta(0)
    assert capture.tool_version == __version__
    assert capture.content_type == "text/html"
    assert capture.headers["Content-Type"] == "text/html; charset=utf-8"
    assert COPY_SENTENCE in capture.text and capture.metadata["site_name"] == "Le Relais Info"
    assert capture.id is None and capture.article_id is None


def test_evidence_file_is_read_only_and_verifies(fetched: FetchResult, tmp_path: Path) -> None:
    digest, path = write_capture(fetched, tmp_path, "1")
    assert stat.S_IMODE((tmp_path / path).stat().st_mode) == 0o444
    assert verify(tmp_path, path, digest) is None
    assert verify(tmp_path, path, digest.upper()) is None
    assert sorted(p.name for p in (tmp_path / digest[:2]).iterdir()) == [f"{digest}.warc.gz"]


def test_a_flipped_byte_is_named(fetched: FetchResult, tmp_path: Path) -> None:
    digest, path = write_capture(fetched, tmp_path, "1")
    stored = tmp_path / path
    stored.chmod(0o644)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))
    changed = f"changed: expected {digest}, got {hashlib.sha256(data).hexdigest()}"
    assert verify(tmp_path, path, digest) == f"writable: {path} has mode 0644, not read-only; {changed}"
    stored.chmod(0o444)  # the mode put back: the bytes still say it
    assert verify(tmp_path, path, digest) == changed


def test_a_missing_file_or_a_bad_path_is_named(fetched: FetchResult, tmp_path: Path) -> None:
    digest, path = write_capture(fetched, tmp_path, "1")
    (tmp_path / path).unlink()
    assert verify(tmp_path, path, digest) == f"missing: {path}"
    assert verify(tmp_path, "../outside.warc.gz", digest).startswith("invalid path")
    assert verify(tmp_path, "/etc/passwd", digest).startswith("invalid path")


# --- write-once: a regular, read-only file inside the evidence folder ------------------------------


def test_a_file_made_writable_again_is_not_write_once(fetched: FetchResult, tmp_path: Path) -> None:
    digest, path = write_capture(fetched, tmp_path, "1")
    (tmp_path / path).chmod(0o644)  # the bytes are intact: the hash alone says "ok"
    assert verify(tmp_path, path, digest) == f"writable: {path} has mode 0644, not read-only"


def test_a_symlink_to_an_identical_copy_is_not_evidence(fetched: FetchResult, tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    digest, path = write_capture(fetched, folder, "1")
    copy = shutil.copy2(folder / path, tmp_path / "copy.warc.gz")
    (folder / path).unlink()
    (folder / path).symlink_to(copy)
    assert verify(folder, path, digest) == f"not a regular file: {path} is a symbolic link"
    with pytest.raises(StorageError, match="is not the write-once copy"):
        write_capture(fetched, folder, "1")
    assert (folder / path).is_symlink()  # left untouched


def test_a_shard_folder_leading_outside_is_named(fetched: FetchResult, tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    digest, path = write_capture(fetched, folder, "1")
    shard = folder / path.split("/")[0]
    outside = shutil.move(shard, tmp_path / "outside")
    shard.symlink_to(outside, target_is_directory=True)
    reason = verify(folder, path, digest)
    assert (
        reason == f"outside the evidence folder: {path} leads to {Path(outside).resolve() / Path(path).name}"
    )


def test_what_is_not_a_regular_file_is_named_without_waiting(tmp_path: Path) -> None:
    (tmp_path / "ab").mkdir()
    os.mkfifo(tmp_path / "ab" / "fifo.warc.gz")  # opening it for reading would wait for a writer
    (tmp_path / "ab" / "folder.warc.gz").mkdir()
    for name in ("fifo", "folder"):
        reason = verify(tmp_path, f"ab/{name}.warc.gz", "0" * 64)
        assert reason is not None and reason.startswith(f"not a regular file: ab/{name}.warc.gz")


# --- orphans: what a killed check leaves behind ---------------------------------------------------


def test_orphans_are_stale_temporaries_and_unrecorded_warcs(fetched: FetchResult, tmp_path: Path) -> None:
    _, recorded = write_capture(fetched, tmp_path, "1")
    _, unrecorded = write_capture(fetched, tmp_path, "2")
    temporary = f"{recorded[:2]}/.tmpkilled.tmp"
    (tmp_path / temporary).write_bytes(b"half a WARC")
    (tmp_path / "notes.txt").write_text("not evidence: ignored")
    assert orphans(tmp_path, {recorded}) == []  # fresh: maybe a check still running
    later = time.time() + ORPHAN_GRACE + 60
    found = sorted((o.path, o.kind) for o in orphans(tmp_path, {recorded}, now=later))
    assert found == sorted([(unrecorded, OrphanKind.UNRECORDED), (temporary, OrphanKind.TEMPORARY)])


def test_clean_deletes_temporaries_and_quarantines_unrecorded_warcs(
    fetched: FetchResult, tmp_path: Path
) -> None:
    digest, recorded = write_capture(fetched, tmp_path, "1")
    _, unrecorded = write_capture(fetched, tmp_path, "2")
    temporary = f"{recorded[:2]}/.tmpkilled.tmp"
    (tmp_path / temporary).write_bytes(b"half a WARC")
    kept = (tmp_path / unrecorded).read_bytes()
    later = time.time() + ORPHAN_GRACE + 60
    done = {orphan.path: target for orphan, target in clean(tmp_path, {recorded}, now=later)}
    name = unrecorded.split("/")[1]
    assert done == {temporary: "", unrecorded: f"quarantine/{name}"}
    assert not (tmp_path / temporary).exists() and not (tmp_path / unrecorded).exists()
    assert (tmp_path / "quarantine" / name).read_bytes() == kept
    assert stat.S_IMODE((tmp_path / "quarantine" / name).stat().st_mode) == 0o444
    assert verify(tmp_path, recorded, digest) is None
    assert orphans(tmp_path, {recorded}, now=later) == [] and clean(tmp_path, {recorded}, now=later) == []


def test_the_same_capture_is_written_once(fetched: FetchResult, tmp_path: Path) -> None:
    first = write_capture(fetched, tmp_path, "1")
    stored = tmp_path / first[1]
    before = stored.stat()
    assert write_capture(fetched, tmp_path, "1") == first
    after = stored.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no temporary left


def test_a_different_fetch_is_a_different_file(
    site: SiteServer, allowed: Settings, fetched: FetchResult, tmp_path: Path
) -> None:
    again = fetch(f"{site.url}/redirect/1", allowed)  # same page, another time
    assert write_capture(fetched, tmp_path, "1") != write_capture(again, tmp_path, "1")
    assert write_capture(fetched, tmp_path, "1") != write_capture(fetched, tmp_path, "2")
    assert len(list(tmp_path.glob("*/*.warc.gz"))) == 3


def test_a_tampered_file_under_the_right_name_is_not_overwritten(
    fetched: FetchResult, tmp_path: Path
) -> None:
    _, path = write_capture(fetched, tmp_path, "1")
    stored = tmp_path / path
    stored.chmod(0o644)
    stored.write_bytes(b"not the capture")
    with pytest.raises(StorageError, match="exists but is not the write-once copy of these bytes"):
        write_capture(fetched, tmp_path, "1")
    assert stored.read_bytes() == b"not the capture"


def test_header_bytes_are_kept_exactly(site: SiteServer, allowed: Settings, tmp_path: Path) -> None:
    """A Latin-1 header value is stored as its bytes, not %-encoded as warcio would."""
    result = fetch(f"{site.url}/latin1-header", allowed)
    _, path = write_capture(result, tmp_path, "1")
    raw = gzip.decompress((tmp_path / path).read_bytes())
    assert "X-Titre: Sécheresse à Sétif\r\n".encode("latin-1") in raw
    assert records(tmp_path / path)[-1]["content"] == "<p>en-tête</p>".encode()


def test_chunked_and_gzip_bodies_read_back(site: SiteServer, allowed: Settings, tmp_path: Path) -> None:
    big = allowed.replace(max_bytes=HUGE_BYTES + 1)
    chunked = fetch(f"{site.url}/huge-chunked", big)
    _, path = write_capture(chunked, tmp_path, "1")
    response = records(tmp_path / path)[-1]
    assert response["http"].get_header("Transfer-Encoding") == "chunked"
    assert response["content"] == chunked.body and len(chunked.body) == HUGE_BYTES
    zipped = fetch(f"{site.url}/gzip.html", allowed)
    _, path = write_capture(zipped, tmp_path, "1")
    response = records(tmp_path / path)[-1]
    assert response["http"].get_header("Content-Encoding") == "gzip"
    assert response["content"] == zipped.body  # warcio decodes the content coding on reading


# --- submitted files ------------------------------------------------------------------------------


RECEIVED = datetime(2024, 3, 12, 11, 15, 30, 250000, tzinfo=timezone(timedelta(hours=1)))


def test_file_capture_is_a_resource_record(tmp_path: Path) -> None:
    data = "Faute de pluie depuis la mi-janvier…\n".encode()
    capture = capture_from_file(
        data,
        "/home/juriste/dossier secret/copie été.txt",
        "text/plain",
        data.decode(),
        {"title": None},
        tmp_path,
        "9.9.9-test",
        received_at=RECEIVED,
    )
    warc = records(tmp_path / capture.warc_path)
    assert [r["type"] for r in warc] == ["warcinfo", "resource"]
    resource = warc[1]
    assert resource["warc"]["WARC-Target-URI"] == "file:///copie%20%C3%A9t%C3%A9.txt"
    assert resource["warc"]["Content-Type"] == "text/plain"
    assert resource["warc"]["WARC-Date"] == "2024-03-12T10:15:30.250000Z"
    assert resource["content"] == data
    assert b"dossier secret" not in gzip.decompress((tmp_path / capture.warc_path).read_bytes())
    assert (capture.kind, capture.status, capture.server_ip, capture.redirects) == ("file", None, None, ())
    assert capture.requested_url == capture.final_url == "file:///copie%20%C3%A9t%C3%A9.txt"
    assert capture.fetched_at == RECEIVED and capture.fetched_at.tzinfo == UTC
    assert verify(tmp_path, capture.warc_path, capture.sha256) is None


def test_the_same_file_is_written_once(tmp_path: Path) -> None:
    first = write_file_capture(
        b"%PDF-1.4 ...", "doc.pdf", "application/pdf", tmp_path, "1", received_at=RECEIVED
    )
    mtime = (tmp_path / first[1]).stat().st_mtime_ns
    assert (
        write_file_capture(b"%PDF-1.4 ...", "doc.pdf", "application/pdf", tmp_path, "1", received_at=RECEIVED)
        == first
    )
    assert (tmp_path / first[1]).stat().st_mtime_ns == mtime
    other = write_file_capture(
        b"%PDF-1.4 ....", "doc.pdf", "application/pdf", tmp_path, "1", received_at=RECEIVED
    )
    assert other[0] != first[0]


def test_naive_times_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        write_file_capture(b"x", "a.txt", "text/plain", tmp_path, "1", received_at=datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("name", "uri"),
    [
        ("a.txt", "file:///a.txt"),
        ("C:\\Users\\x\\copie.html", "file:///copie.html"),
        ("", "file:///unnamed"),
        ("l'été #1?.eml", "file:///l%27%C3%A9t%C3%A9%20%231%3F.eml"),
    ],
)
def test_file_uri(name: str, uri: str) -> None:
    assert file_uri(name) == uri


def test_an_unusable_folder_is_a_storage_error(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-folder"
    folder.write_bytes(b"")
    with pytest.raises(StorageError, match="cannot write evidence file"):
        write_file_capture(b"x", "a.txt", "text/plain", folder, "1", received_at=RECEIVED)
