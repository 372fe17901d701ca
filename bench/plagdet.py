"""PAN's text-alignment measures: character precision, recall, granularity and plagdet.

Written from the definition in Potthast, Stein, Barrón-Cedeño and Rosso, "An Evaluation Framework
for Plagiarism Detection" (COLING 2010). A plagiarism case s and a detection r are both a pair of
character ranges, one in the suspicious document and one in the source document; as sets of
characters, |s| counts the characters of both ranges.

* r *detects* s when they concern the same two documents and overlap in BOTH of them;
  s ⊓ r is then s ∩ r (both documents' characters), otherwise ∅.
* recall    = 1/|S| Σ_s |∪_r (s ⊓ r)| / |s|    (macro-averaged over the true cases)
* precision = 1/|R| Σ_r |∪_s (s ⊓ r)| / |r|    (macro-averaged over the detections)
* granularity = 1/|S_R| Σ_{s ∈ S_R} |R_s|, S_R the detected cases, R_s the detections of s
  (1 when nothing is detected)
* plagdet = F1(precision, recall) / log2(1 + granularity)

Conventions where the formulas divide by zero (as in PAN's own evaluation script): with no case
and no detection, precision = recall = 1; with no detection (or no case) only, both are 0.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

Range = tuple[int, int]  # characters [start, end)


@dataclass(frozen=True, slots=True)
class Annotation:
    """A plagiarism case or a detection: a range of the suspicious document and one of the source."""

    susp: str
    src: str
    this_offset: int
    this_length: int
    source_offset: int
    source_length: int

    @property
    def this(self) -> Range:
        return (self.this_offset, self.this_offset + self.this_length)

    @property
    def source(self) -> Range:
        return (self.source_offset, self.source_offset + self.source_length)

    @property
    def size(self) -> int:
        return self.this_length + self.source_length


@dataclass(frozen=True, slots=True)
class Measures:
    precision: float
    recall: float
    granularity: float
    cases: int
    detections: int

    @property
    def plagdet(self) -> float:
        f1 = _f1(self.precision, self.recall)
        return f1 / math.log2(1.0 + self.granularity) if f1 else 0.0


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def _overlaps(a: Range, b: Range) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def detects(detection: Annotation, case: Annotation) -> bool:
    """Whether `detection` detects `case`: same documents, overlapping in both of them."""
    return (
        detection.susp == case.susp
        and detection.src == case.src
        and _overlaps(detection.this, case.this)
        and _overlaps(detection.source, case.source)
    )


def _covered(target: Range, ranges: Iterable[Range]) -> int:
    """How many characters of `target` lie in the union of `ranges`."""
    clipped = sorted((max(a, target[0]), min(b, target[1])) for a, b in ranges)
    total, reach = 0, target[0]
    for start, end in clipped:
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def _shared(target: Annotation, others: list[Annotation]) -> int:
    """|target ∩ ∪ others|, counting characters of both documents."""
    return _covered(target.this, (o.this for o in others)) + _covered(
        target.source, (o.source for o in others)
    )


def evaluate(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> Measures:
    """Precision, recall and granularity of `detections` against the true `cases`."""
    case_list, detection_list = list(cases), list(detections)
    by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, detection in enumerate(detection_list):
        by_pair[(detection.susp, detection.src)].append(index)
    recall_sum, found, detected_cases = 0.0, 0, 0
    detected_by: dict[int, list[Annotation]] = defaultdict(list)  # detection index → its cases
    for case in case_list:
        hits = [i for i in by_pair.get((case.susp, case.src), []) if detects(detection_list[i], case)]
        for i in hits:
            detected_by[i].append(case)
        if hits:
            recall_sum += _shared(case, [detection_list[i] for i in hits]) / case.size if case.size else 0
            found += len(hits)
            detected_cases += 1
    precision_sum = sum(
        _shared(detection_list[i], detected) / detection_list[i].size
        for i, detected in detected_by.items()
        if detection_list[i].size
    )
    if not case_list and not detection_list:
        return Measures(1.0, 1.0, 1.0, 0, 0)
    if not case_list or not detection_list:
        return Measures(0.0, 0.0, 1.0, len(case_list), len(detection_list))
    return Measures(
        precision=precision_sum / len(detection_list),
        recall=recall_sum / len(case_list),
        granularity=found / detected_cases if detected_cases else 1.0,
        cases=len(case_list),
        detections=len(detection_list),
    )


def read_annotations(path: Path, name: str) -> list[Annotation]:
    """The features called `name` ("plagiarism", "detected-plagiarism") of one PAN XML file."""
    root = ET.parse(path).getroot()
    susp = root.get("reference", "")
    return [
        Annotation(
            susp,
            feature.get("source_reference", ""),
            int(feature.get("this_offset", 0)),
            int(feature.get("this_length", 0)),
            int(feature.get("source_offset", 0)),
            int(feature.get("source_length", 0)),
        )
        for feature in root.iter("feature")
        if feature.get("name") == name
    ]


def write_detections(path: Path, susp: str, detections: Iterable[Annotation]) -> None:
    """One PAN detection file: `<document reference=susp>` with a feature per detection."""
    root = ET.Element("document", reference=susp)
    for d in detections:
        ET.SubElement(
            root,
            "feature",
            {
                "name": "detected-plagiarism",
                "this_offset": str(d.this_offset),
                "this_length": str(d.this_length),
                "source_reference": d.src,
                "source_offset": str(d.source_offset),
                "source_length": str(d.source_length),
            },
        )
    ET.indent(root)
    path.write_text(ET.tostring(root, encoding="unicode") + "\n", encoding="utf-8")
