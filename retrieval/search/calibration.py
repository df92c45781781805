"""The no-answer threshold of one collection, calibrated when its index is first
searched, and saved beside it.

A cosine similarity means different things on different collections: on three news
articles an unrelated question reaches 0.1 to 0.3, on a software manual every
technical question, answerable or not, reaches 0.3 to 0.65. So the threshold is
measured on the collection itself. A shipped set of questions from many domains
(``probe_questions.txt``: everyday life, science, history, other programming
languages, databases and tools) is searched against it; the probes that plainly are
not about the collection (they share little of their weight with any passage and name
nothing it lacks) show how high an unrelated question scores here, and the threshold
is the 0.6 quantile of their best similarities, never below the hand-set fallback
(0.28, calibrated on news, where it separates the dev set's questions perfectly).
Probes the collection does cover (a news archive answers "Who won the World Cup?")
are left out, so a broad collection is not made to refuse what it knows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: The file beside the index generation that holds its calibration.
CALIBRATION_FILE = "calibration.json"
#: The threshold when nothing better is known (and its floor).
FALLBACK = 0.28
#: Which quantile of the unrelated probes' best similarities is the threshold. The
#: upper decile (0.9) refused answerable questions on a broad collection: on seeds +
#: 2,225 BBC articles it came to 0.40 and refused "What did Lei Jun say about 2019?"
#: (0.31), where the 0.6 quantile (0.29) keeps it. On git's manual pages the two differ
#: by nothing that changes an answer (0.31 and 0.28): what refuses near-domain
#: questions there is the unknown-name rule.
QUANTILE = 0.6
#: A probe holding at least this share of its weight in one passage is (partly) about
#: the collection: it says nothing of what unrelated questions score.
COVERED = 0.4
#: Fewer unrelated probes than this make no reliable quantile: the fallback is used.
MIN_PROBES = 20
#: Above the threshold, a question is answered on its similarity alone only from the
#: upper decile of the unrelated probes plus this margin; below that (the band where
#: near-domain questions land on a software manual: "… in Redis?", "… in Java?", 0.33
#: to 0.47 on sqlite's pages) its best passage must also hold ``BAND_COVERAGE`` of its
#: weight in words. On news the upper decile is far below the threshold (seeds: 0.16):
#: no band.
CONFIDENT_QUANTILE = 0.9
CONFIDENT_MARGIN = 0.1
#: See ``CONFIDENT_MARGIN``. Questions about news name rare things but share a third
#: or less of their weight with the answer ("What did Lei Jun say about 2019?": 0.31,
#: on seeds/), so the bar is low; near-domain questions on a manual hold less.
BAND_COVERAGE = 0.3


@dataclass(frozen=True)
class Calibration:
    """A collection's no-answer threshold and the figures it was chosen from.

    Attributes:
        min_similarity: the threshold: a question whose best passage is less similar
            (and that no passage covers in words) gets no answer.
        confident_similarity: from here up, similarity alone answers; between the
            threshold and here the best passage must also hold ``BAND_COVERAGE`` of
            the question's weight in words.
        probe_similarity: the ``quantile`` of the unrelated probes' best similarity.
        probes: how many probes were unrelated to the collection (of ``asked``).
        asked: how many probes were searched.
        quantile: the quantile used.
        fallback: the floor of the threshold.
    """

    min_similarity: float
    confident_similarity: float
    probe_similarity: float
    probes: int
    asked: int
    quantile: float = QUANTILE
    fallback: float = FALLBACK

    def describe(self) -> str:
        """One line for people: the threshold and where it came from."""
        return (
            f"no-answer threshold {self.min_similarity:.3f}: the upper "
            f"{100 - 100 * self.quantile:.0f}% of {self.probes} unrelated probe questions "
            f"(of {self.asked}) score above {self.probe_similarity:.3f}; "
            f"floor {self.fallback:.2f}; answered on similarity alone from "
            f"{self.confident_similarity:.3f}"
        )

    def save(self, folder: Path) -> None:
        """Writes it into ``folder`` atomically (readers see all of it or nothing)."""
        path = folder / CALIBRATION_FILE
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        partial.replace(path)

    @classmethod
    def load(cls, folder: Path) -> Calibration | None:
        """The calibration saved in ``folder``, or None (missing or unreadable)."""
        try:
            data = json.loads((folder / CALIBRATION_FILE).read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None

    @classmethod
    def of(cls, best: list[float], related: list[bool]) -> Calibration:
        """The calibration from the probes' best similarities and whether each is
        related to the collection (covered in words, or naming what it lacks)."""
        unrelated = np.array([b for b, r in zip(best, related, strict=True) if not r])
        if len(unrelated) < MIN_PROBES:
            return cls(FALLBACK, FALLBACK, FALLBACK, len(unrelated), len(best))
        value = float(np.quantile(unrelated, QUANTILE))
        threshold = max(FALLBACK, value)
        confident = float(np.quantile(unrelated, CONFIDENT_QUANTILE)) + CONFIDENT_MARGIN
        return cls(
            round(threshold, 4),
            round(max(threshold, confident), 4),
            round(value, 4),
            len(unrelated),
            len(best),
        )


def probe_questions() -> list[str]:
    """The shipped probe questions."""
    text = resources.files(__package__).joinpath("probe_questions.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]
