"""Background models for static cameras.

Every model has one interface::

    model = spotdiff.background.create("consensus")   # or ConsensusModel(...)
    for frame in spotdiff.io.video.read_frames("camera.mp4"):
        fg = model.apply(frame)            # a Foreground
        fg.mask                            # bool (H, W), True = foreground
        fg.difference                      # float32 (H, W), 0 = background
        fg.shift, fg.gain, fg.relearnt     # what the shared stages did on this frame
        fg.regions()                       # the foreground's Regions
    model.background()                     # uint8, like the frames

Models: ``consensus`` (default: pixel-sample consensus on colour and
texture with feedback), ``reference`` (one clean frame), ``running``
(running average), and OpenCV's ``mog2``, ``knn``, ``gsoc``, ``cnt``.
"""

from __future__ import annotations

from spotdiff._lazy import lazy_names
from spotdiff.background._base import BackgroundModel, Foreground, Stages
from spotdiff.background.consensus import ConsensusModel
from spotdiff.background.opencv import CNTModel, GSOCModel, KNNModel, MOG2Model
from spotdiff.background.reference import ReferenceModel
from spotdiff.background.running import RunningAverageModel

#: Model names accepted by :func:`create` and ``spotdiff eval cdnet --method``.
MODELS: dict[str, type[BackgroundModel]] = {
    "consensus": ConsensusModel,
    "reference": ReferenceModel,
    "running": RunningAverageModel,
    "mog2": MOG2Model,
    "knn": KNNModel,
    "gsoc": GSOCModel,
    "cnt": CNTModel,
}

DEFAULT_MODEL = "consensus"

#: The CDnet evaluation lives in spotdiff.evalset.cdnet (with the labelled
#: pairs); its names are also found here, imported on first use.
_EVALUATION = ("Confusion", "Sequence", "SequenceResult", "confusion", "evaluate_sequence",
               "find_sequences", "mean_metrics")


def create(name: str = DEFAULT_MODEL, **options: object) -> BackgroundModel:
    """A new model by name (see :data:`MODELS`), with its keyword options."""
    from spotdiff.errors import InputError

    cls = MODELS.get(name)
    if cls is None:
        raise InputError("background model", expected="one of " + ", ".join(MODELS),
                         got=repr(name))
    try:
        return cls(**options)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:  # an unknown option or a value out of range
        raise InputError(f"options of the '{name}' model",
                         expected=f"keyword options of {cls.__name__} (see its docstring)",
                         got=str(exc), fix=f"help(spotdiff.background.{cls.__name__})") from None


__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "BackgroundModel",
    "CNTModel",
    "Confusion",
    "ConsensusModel",
    "Foreground",
    "GSOCModel",
    "KNNModel",
    "MOG2Model",
    "ReferenceModel",
    "RunningAverageModel",
    "Sequence",
    "SequenceResult",
    "Stages",
    "confusion",
    "create",
    "evaluate_sequence",
    "find_sequences",
    "mean_metrics",
]

__getattr__ = lazy_names(__name__, dict.fromkeys(_EVALUATION, "spotdiff.evalset.cdnet"),
                         set(__all__))[0]
