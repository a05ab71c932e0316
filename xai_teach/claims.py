"""Checks that keep the book's sentences true.

Every sentence of a chapter that states something about a computed result (a comparison, a
ranking, a direction, a quoted number) is followed by a code cell tagged ``claim`` (and
``remove-cell``, so the rendered book hides it) that calls :func:`check`::

    claims.check(auc["integrated_gradients"] < auc["saliency"],
                 "IG deletes the evidence faster than saliency",
                 ig=auc["integrated_gradients"], saliency=auc["saliency"])

If the condition stops holding (a model was retrained, a library changed a default), the cell
raises :class:`ClaimFailed` with the sentence and the numbers, and ``make book`` and nbmake fail
there. In Jupyter and Colab the cells are visible: the book tests its own sentences.
"""

import numbers
import os

import numpy as np

__all__ = ["ClaimFailed", "check", "glue"]


class ClaimFailed(AssertionError):
    """A sentence of the book no longer matches what the code computes."""


def _chapter():
    # Jupyter servers name the notebook of a kernel in JPY_SESSION_NAME; builds may set XAI_TEACH_CHAPTER.
    name = os.environ.get("XAI_TEACH_CHAPTER") or os.environ.get("JPY_SESSION_NAME") or ""
    return os.path.splitext(os.path.basename(name))[0]


def _show(value):
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return f"{float(value):.4g}"
    return repr(value)


def check(condition, claim, **values):
    """Raise :class:`ClaimFailed` naming ``claim`` unless ``condition`` is true.

    ``condition`` must be a single truth value (a Python or numpy bool, or a bool array of one
    element); an array of several, or a number, raises ``TypeError`` rather than guessing.
    ``values`` are the numbers behind the claim, shown in the message when it fails.
    Returns None and prints one line, so a reader of the notebook sees which sentence was checked.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise TypeError(f"claim must be the sentence being checked (a non-empty str), got {claim!r}.")
    arr = np.asarray(condition)
    if arr.size != 1 or arr.dtype.kind != "b":
        raise TypeError(
            f"condition must be one truth value (bool), got {type(condition).__name__} "
            f"of shape {arr.shape} and dtype {arr.dtype}; use np.all(...) or np.any(...) to say which."
        )
    if not bool(arr.reshape(())):
        where = _chapter()
        numbers_ = ", ".join(f"{k} = {_show(v)}" for k, v in values.items())
        raise ClaimFailed(
            f"{'[' + where + '] ' if where else ''}claim no longer holds: {claim}"
            + (f" ({numbers_})" if numbers_ else "")
        )
    print(f"checked: {claim}")


def glue(name, value, display=True):
    """Name a computed value so that the text can quote it (``{glue:text}`name```) instead of typing it.

    In the book build this is myst-nb's ``glue``. Where myst-nb is not installed (Google Colab, a
    plain ``pip install xai_teach``) there is no text to fill in, so the value is only shown
    (when ``display`` is true), as myst-nb shows it in Jupyter.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f"name must be a str usable as a glue key (letters, digits, _), got {name!r}.")
    if isinstance(value, np.generic):  # a numpy scalar's repr ("np.float64(0.25)") is no number to format
        value = value.item()
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)
