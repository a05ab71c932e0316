"""Shared fixtures: the embedded data and the shipped models, loaded once per session."""

import numpy as np
import pytest

import xai_teach  # noqa: F401  (sets the TensorFlow environment before keras is imported)
from xai_teach import data, models


@pytest.fixture(scope="session")
def mnist():
    return data.load_mnist()


@pytest.fixture(scope="session")
def imdb():
    return data.load_imdb()


@pytest.fixture(scope="session")
def digits(mnist):
    """Ten test digits, one per class (the first of each in the test set)."""
    (_, _), (x_test, y_test) = mnist
    idx = [int(np.flatnonzero(y_test == c)[0]) for c in range(10)]
    return x_test[idx], y_test[idx]


@pytest.fixture(scope="session")
def zoo():
    """Shipped models by name, each loaded at most once per session."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = models.load_pretrained(name)
        return cache[name]

    return get
