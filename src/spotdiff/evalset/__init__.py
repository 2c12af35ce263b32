"""A labelled evaluation set of real photos with known changes, and scoring.

The photos are the ones bundled with scikit-image whose licences allow any
use (astronaut and rocket: public domain; coffee and chelsea: CC0); the set
is generated at run time, nothing is stored. See :func:`make_pairs`,
:func:`score_case` and :data:`RECIPES` (spotdiff and the two seed recipes).
"""

from spotdiff.evalset.pairs import Case, make_pairs
from spotdiff.evalset.recipes import REAL_WORLD, RECIPES, SPOTDIFF
from spotdiff.evalset.score import Score, score_case, summarise

__all__ = [
    "REAL_WORLD", "RECIPES", "SPOTDIFF", "Case", "Score", "make_pairs", "score_case", "summarise",
]
