"""Explanation methods, all with one call shape.

``explain.<method>(model, inputs, targets=None, **params) -> Attribution``

``targets=None`` explains the predicted class; an int or one int per input
picks classes. A single image or a single string is a batch of one.
"""

from .attribution import Attribution

__all__ = ["Attribution"]
