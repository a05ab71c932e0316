"""``@metric``: register a metric with its better direction, so that :func:`report` and ``Result`` agree.

A metric is a function ``fn(model, inputs, attribution, *, targets=None, ...)
-> Result``. Decorating it with ``@metric(better="lower")`` puts it in
:data:`METRICS` under its name, where :func:`xai_teach.metrics.report` finds
it, and fills in ``Result.better`` when the function leaves it None, so the
direction is written once. The decorator also keeps the old call shapes working
for now, each with a ``DeprecationWarning``: ``targets`` (and later parameters)
passed by position, ``seed=`` for ``random_state=``, ``output="logit"`` or
``"probability"``.
"""

import functools
import inspect
import warnings
from dataclasses import dataclass

from .. import forward as fwd
from .result import BETTER, Result

CORE = ("model", "inputs")


@dataclass(frozen=True)
class Spec:
    """A registered metric.

    Attributes:
        name: the metric's name (its function's name).
        fn: the metric function (decorated).
        better: ``"lower"`` or ``"higher"``, the default direction of its ``Result``.
        explainer: True when it re-explains perturbed inputs, so it needs an explainer, not an Attribution.
        random: True when it draws random numbers (``report`` passes its ``random_state``).
        progress: True when it takes ``progress=`` (``report`` turns its bar off).
    """

    name: str
    fn: object
    better: str
    explainer: bool = False
    random: bool = False
    progress: bool = False


METRICS = {}  #: name -> Spec, in registration order
ALIASES = {"lipschitz": "local_lipschitz"}  #: old report names, accepted with a DeprecationWarning


def metric(better, *, explainer=False):
    """Register a metric function (see the module docstring); returns the wrapped function.

    Args:
        better: ``"lower"`` or ``"higher"``: which direction of its score means a better explanation.
        explainer: the metric re-explains perturbed inputs (its third argument must be an explainer).
    """
    if better not in BETTER:
        raise ValueError(f"better must be 'lower' or 'higher', got {better!r}.")

    def decorate(fn):
        wrapper = call_shape(fn, better)
        sig = inspect.signature(fn)
        METRICS[fn.__name__] = Spec(
            fn.__name__, wrapper, better, explainer, "random_state" in sig.parameters, "progress" in sig.parameters
        )
        return wrapper

    return decorate


def call_shape(fn, better=None):
    """Wrap ``fn(model, inputs, attribution, *, ...)``: keep the old call shapes working (with a warning).

    :func:`metric` uses it for registered metrics; measures that return something
    other than a ``Result`` (a table) use it directly.
    """
    sig = inspect.signature(fn)
    names = list(sig.parameters)
    if len(names) < 3 or names[:2] != list(CORE):
        raise TypeError(f"a metric takes (model, inputs, attribution, *, ...); {fn.__name__} takes {names}.")
    later = names[3:]
    bad = [p for p in later if sig.parameters[p].kind is not inspect.Parameter.KEYWORD_ONLY]
    if bad:
        raise TypeError(f"{fn.__name__}: parameters after the attribution must be keyword-only, not {bad}.")

    @functools.wraps(fn)
    def wrapper(model, inputs, attribution, *args, **kwargs):
        if args:
            if len(args) > len(later):
                raise TypeError(f"{fn.__name__} takes at most {3 + len(later)} arguments, got {3 + len(args)}.")
            given = later[: len(args)]
            twice = [p for p in given if p in kwargs]
            if twice:
                raise TypeError(f"{fn.__name__} got {twice} both by position and by keyword.")
            warnings.warn(
                f"{fn.__name__}: pass {', '.join(given)} by keyword ({given[0]}=...); by position is the old call shape.",
                DeprecationWarning,
                stacklevel=2,
            )
            kwargs.update(zip(given, args))
        if "seed" in kwargs and "seed" not in sig.parameters and "random_state" in sig.parameters:
            if "random_state" in kwargs:
                raise TypeError(f"{fn.__name__} got both seed= and random_state=; pass random_state= only.")
            warnings.warn("seed= is the old name; use random_state=.", DeprecationWarning, stacklevel=2)
            kwargs["random_state"] = kwargs.pop("seed")
        if "output" in kwargs and "output" in sig.parameters:
            kwargs["output"] = fwd.check_output(kwargs["output"], stacklevel=3)
        result = fn(model, inputs, attribution, **kwargs)
        if better is not None and isinstance(result, Result) and result.better is None:
            result.better = better
        return result

    return wrapper


def spec(name):
    """The registered metric ``name`` (old names in :data:`ALIASES` warn), else a ValueError listing them."""
    if name in ALIASES and name not in METRICS:
        warnings.warn(f"metric {name!r} is the old name; use {ALIASES[name]!r}.", DeprecationWarning, stacklevel=3)
        name = ALIASES[name]
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; choose from {sorted(METRICS)}.")
    return METRICS[name]
