"""Interactive explorers: sliders that perturb an input or a method and redraw the result.

Each explorer is one pure ``compute(**settings)`` function (unit-tested), one ``draw`` function, and two
ways to show them, both drawing with the same code: ``explorer.widget()`` (live ipywidgets 7.7 or 8)
and ``explorer.static(settings)`` (a grid of representative settings for the rendered book).
"""

from .core import Explorer
from .image import method_explorer, noise_explorer, occlusion_explorer
from .text import HTMLExplorer, review_explorer, word_removal_explorer

__all__ = [
    "Explorer",
    "HTMLExplorer",
    "method_explorer",
    "noise_explorer",
    "occlusion_explorer",
    "review_explorer",
    "word_removal_explorer",
]
