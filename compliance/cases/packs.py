"""Evidence packs: one ZIP per case that a lawyer or a bailiff can check on a machine with no database.

    case ─► captures/ (the WARC of each sighting of each infringing page)
          ─► ours/    (the WARC of our article's own page, where we captured it)
          ─► case.json, notices/, audit.jsonl (the audit entries about the case)
          ─► report.html, report.pdf (side by side, timeline, audit entries)
          ─► manifest.json: every file's SHA-256 and size
    PACK.zip ─► verify_pack ─► PackCheck (each file against the manifest; the first bad one named)

The pack is written to a temporary file and renamed into place; its export is audited with the
manifest's SHA-256, so a pack whose manifest was rewritten no longer matches the audit log.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance import __version__, shapes
from compliance.capture.evidence_folder import verify
from compliance.cases.permissions import require
from compliance.cases.report import report_html, report_pdf
from compliance.errors import InputError, StorageError
from compliance.records import Action, Actor, Capture, EventKind, PackCheck

if TYPE_CHECKING:
    from compliance.pipeline import Archive

MANIFEST = "manifest.json"


def export_pack(archive: Archive, actor: Actor, case_id: int, out: Path | None = None) -> Path:
    """Gather the case's evidence into one ZIP with its manifest; the path written. Audited."""
    require(actor, Action.EXPORT_EVIDENCE)
    made_at = datetime.now(UTC)
    files = _files(archive, case_id, made_at)
    manifest = {
        "case": case_id,
        "made_at": made_at.isoformat(),
        "made_by": actor.name,
        "tool": f"compliance {__version__}",
        "files": [{"path": p, "sha256": _sha(data), "bytes": len(data)} for p, data in files.items()],
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    target = out or archive.settings.evidence_path / "packs" / f"case-{case_id}-{made_at:%Y%m%dT%H%M%SZ}.zip"
    _write_zip(target, {**files, MANIFEST: manifest_bytes})
    details = {"pack": target.name, "manifest_sha256": _sha(manifest_bytes), "files": len(files)}
    archive.cases.record(
        actor, Action.EXPORT_EVIDENCE, case_id, EventKind.EVIDENCE, f"evidence pack {target.name}", details
    )
    return target


def _files(archive: Archive, case_id: int, made_at: datetime) -> dict[str, bytes]:
    system = archive.store.workflow
    case, found, notices = system.case_facts(case_id)
    articles = archive.store.get_articles({f.article_id for f in found})
    ids = {i for f in found for i in (f.capture_id, *(s.capture_id for s in f.sightings)) if i}
    theirs = archive.store.list_captures(sorted(ids))
    ours = [c for article_id in sorted(articles) for c in system.article_captures(article_id)]
    entries = system.audit_about(f"case:{case_id}")
    files = {f"captures/{c.id}-{c.sha256[:16]}.warc.gz": _warc(archive, c) for c in theirs}
    files |= {f"ours/{c.id}-{c.sha256[:16]}.warc.gz": _warc(archive, c) for c in ours}
    document = {**shapes.case(case), "findings": [shapes.finding(f) for f in found]}
    document["notices"] = [shapes.notice(n) for n in notices]
    files["case.json"] = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    files |= {f"notices/{n.id}-{n.kind.value}.{n.language}.txt": n.body.encode("utf-8") for n in notices}
    files["audit.jsonl"] = "".join(json.dumps(shapes.audit_entry(e)) + "\n" for e in entries).encode()
    by_id = {c.id: c for c in theirs if c.id is not None}
    html = report_html(case, found, articles, by_id, notices, entries, made_at)
    files["report.html"] = html.encode("utf-8")
    files["report.pdf"] = report_pdf(html)
    return files


def _warc(archive: Archive, capture: Capture) -> bytes:
    """The capture's WARC bytes, once checked against the SHA-256 stored with it."""
    problem = verify(archive.settings.evidence_path, capture.warc_path, capture.sha256)
    if problem:
        raise StorageError(f"capture {capture.id} cannot go into a pack: {problem}")
    return (archive.settings.evidence_path / capture.warc_path).read_bytes()


def _write_zip(target: Path, files: dict[str, bytes]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w") as pack:
            for name, data in files.items():
                kind = zipfile.ZIP_STORED if name.endswith((".gz", ".pdf")) else zipfile.ZIP_DEFLATED
                pack.writestr(name, data, compress_type=kind)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def verify_pack(path: Path) -> PackCheck:
    """Every file of the pack against its manifest: missing, changed, damaged or unlisted files named."""
    try:
        with zipfile.ZipFile(path) as pack:
            listed = _manifest(pack)
            problems = [p for entry in listed if (p := _check(pack, entry))]
            known = {entry["path"] for entry in listed} | {MANIFEST}
            problems += [f"{name}: not in the manifest" for name in pack.namelist() if name not in known]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a readable ZIP ({exc})") from None
    return PackCheck(len(listed), tuple(problems))


def _manifest(pack: zipfile.ZipFile) -> list[dict[str, Any]]:
    try:
        files = json.loads(pack.read(MANIFEST))["files"]
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise InputError(f"{MANIFEST} is missing or unreadable ({exc})") from None
    return list(files)


def _check(pack: zipfile.ZipFile, entry: dict[str, Any]) -> str | None:
    name = entry["path"]
    try:
        data = pack.read(name)
    except KeyError:
        return f"{name}: missing"
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:  # a flipped byte breaks the ZIP's own CRC first
        return f"{name}: damaged ({exc})"
    if _sha(data) != entry["sha256"]:
        return f"{name}: SHA-256 differs from the manifest"
    return None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
