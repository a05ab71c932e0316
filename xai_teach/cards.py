"""Model cards: the one way the package writes and reads the JSON card that ships next to each model.

A card says what a model is (architecture, parameters), how it was trained (data, epochs, batch,
learning rate, seed), how well it does and with which library versions. :func:`card` builds it,
:func:`save` writes it into ``assets/models`` and records it (and the model's files) in the
manifest, :func:`read` loads a shipped card after its checksum is verified.
"""

import json
import platform

import keras
import numpy as np
import tensorflow as tf

from .integrity import ASSETS, asset_path, record


def model_summary(model):
    """One line per layer: its name and class."""
    return [f"{layer.name}: {type(layer).__name__}" for layer in model.layers]


def versions():
    """The versions of Python and of the libraries a trained model depends on."""
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }


def card(name, model, facts, architecture=None):
    """A model card: ``name``, ``architecture`` (default: :func:`model_summary`), ``parameters``, then ``facts``
    (a dict, in its order: data, epochs, seed, test accuracy, ...) and ``versions``.

    ``architecture=False`` leaves the entry out (the SENN lambda variants, whose cards name their
    recipe in ``notes`` instead).
    """
    architecture = model_summary(model) if architecture is None else architecture
    head = {"name": name} if architecture is False else {"name": name, "architecture": architecture}
    return {
        **head,
        "parameters": int(model.count_params()),
        **facts,
        "versions": versions(),
    }


def save(name, card, written=()):
    """Write ``assets/models/<name>.json`` and record the model's files ``written`` and the card in the manifest."""
    path = ASSETS / "models" / f"{name}.json"
    path.write_text(json.dumps(card, indent=1))
    for file in (*written, path):
        record(f"models/{file.name}")
    return path


def read(name):
    """The shipped card ``models/<name>.json``, checksum-verified."""
    return json.loads(asset_path(f"models/{name}.json").read_text())
