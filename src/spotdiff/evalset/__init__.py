"""Evaluation: labelled pairs of real photos, and CDnet-style sequences.

Labelled pairs (:mod:`spotdiff.evalset.pairs`, ``spotdiff eval pairs``):
The photos are the ones bundled with scikit-image whose licences allow any
use (astronaut and rocket: public domain; coffee and chelsea: CC0); the set
is generated at run time, nothing is stored. See :func:`make_pairs`,
:func:`score_case` and :data:`RECIPES` (spotdiff and the two seed recipes). Inspection pairs
(:mod:`spotdiff.evalset.inspection`): binarised boards and documents,
shifted by a fraction of a pixel and saved as JPEG, with one small defect.

Sequences (:mod:`spotdiff.evalset.cdnet`, ``spotdiff eval cdnet``): a
background model run over CDnet 2014 or Wallflower sequences and scored
against their ground truth (:func:`~spotdiff.evalset.cdnet.evaluate_sequence`).
"""

from spotdiff.evalset.inspection import make_inspection_pairs
from spotdiff.evalset.pairs import Case, make_pairs
from spotdiff.evalset.recipes import NO_OPTIONS, REAL_WORLD, RECIPES, SPOTDIFF
from spotdiff.evalset.score import Score, score_case, summarise

__all__ = [
    "NO_OPTIONS", "REAL_WORLD", "RECIPES", "SPOTDIFF", "Case", "Score", "make_inspection_pairs",
    "make_pairs", "score_case", "summarise",
]
