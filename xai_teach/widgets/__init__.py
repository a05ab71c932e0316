"""Interactive explorers: sliders that perturb an input or a method and redraw the result.

Each explorer is one pure ``compute(**settings)`` function (unit-tested), one ``draw`` function, and three
ways to show them, all drawing with the same code: ``explorer.widget()`` (live ipywidgets 7.7 or 8, in
Jupyter and Colab), ``explorer.book(grid)`` (sliders over states precomputed when the book is built, for the
rendered book, offline) and ``explorer.static(settings)`` (a grid of representative settings, the printed
fallback).
"""

from .book import BookView, rebuild
from .core import Explorer
from .image import method_explorer, noise_explorer, occlusion_explorer
from .text import HTMLExplorer, prepared_edits, review_explorer, word_removal_explorer

__all__ = [
    "BookView",
    "Explorer",
    "HTMLExplorer",
    "method_explorer",
    "noise_explorer",
    "occlusion_explorer",
    "prepared_edits",
    "rebuild",
    "review_explorer",
    "word_removal_explorer",
]
