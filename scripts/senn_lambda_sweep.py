"""Precompute the SENN accuracy-versus-lambda sweep that the SENN chapter shows.

    python scripts/senn_lambda_sweep.py [--epochs 12] [--seed 0]

Trains one SENN per robustness weight lambda in 1e-4, 1e-3, 1e-2, 1e-1, 1 on the
embedded MNIST digits (same seed, same batches; only lambda changes), writes
``xai_teach/assets/models/senn_lambda_sweep.csv`` (columns ``lambda``,
``test_accuracy``, ``robustness_penalty``, ``training_seconds``) and records its
SHA-256 in the manifest. Read it back with ``xai_teach.senn.load_lambda_sweep()``.
About 10-15 minutes on two CPU cores with the default 12 epochs.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import xai_teach  # noqa: E402  (sets the TensorFlow environment before keras is imported)
from xai_teach import senn  # noqa: E402
from xai_teach.integrity import ASSETS, record  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=senn.training.EPOCHS, help="passes over the training digits")
    parser.add_argument("--seed", type=int, default=0, help="seed shared by every model")
    args = parser.parse_args(argv)
    table = senn.lambda_sweep(epochs=args.epochs, seed=args.seed, progress=True)
    table["epochs"], table["seed"], table["version"] = args.epochs, args.seed, xai_teach.__version__
    table.to_csv(ASSETS / senn.SWEEP_FILE, index=False)
    record(senn.SWEEP_FILE)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
