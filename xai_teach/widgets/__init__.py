"""Interactive explorers: sliders that perturb an input or a method and redraw the result.

Each explorer is one pure ``compute(**settings)`` function (unit-tested), one ``draw`` function, and three
ways to show them, all drawing with the same code: ``explorer.widget()`` (live ipywidgets 7.7 or 8, in
Jupyter and Colab), ``explorer.book(grid)`` (sliders over states precomputed when the book is built, for the
rendered book, offline) and ``explorer.static(settings)`` (a grid of representative settings, the printed
fallback).
"""

from . import image, text
from .book import BookView
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


def rebuild(recipe):
    """A fresh explorer from the recipe a book view carries (``data-recipe``): same model, input and target.

    Tests use it to check what a built page shows against a new computation.
    """
    from .. import explain, models

    if not isinstance(recipe, dict) or "explorer" not in recipe:
        raise TypeError(f"recipe must be the dict a book view carries, got {recipe!r}.")
    model = models.load_pretrained(recipe["model"])
    kind = recipe["explorer"]
    if kind == "occlusion":
        pixels = image.image_from_code(recipe["image"])
        return image.occlusion_explorer(model, pixels, target=recipe["target"], fill=recipe["fill"])
    if kind == "noise":
        return image.noise_explorer(model, image.image_from_code(recipe["image"]), target=recipe["target"])
    if kind == "method":
        method = getattr(explain, recipe["method"])
        return image.method_explorer(model, image.image_from_code(recipe["image"]), method, {}, recipe["target"])
    if kind == "review":
        return text.review_explorer(model, recipe["review"], methods=recipe["methods"], target=recipe["target"])
    if kind == "removal":
        return text.word_removal_explorer(
            model, recipe["review"], recipe["target"], methods=recipe["methods"], k_max=recipe["k_max"]
        )
    raise ValueError(f"unknown explorer {kind!r} in recipe; expected occlusion, noise, method, review or removal.")
