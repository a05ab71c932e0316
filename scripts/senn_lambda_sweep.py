"""Precompute the SENN accuracy-versus-lambda sweeps and the lambda variants that the SENN chapter shows.

    python scripts/senn_lambda_sweep.py [--epochs 12] [--seed 0]        # one seed, lambda 1e-4 ... 1
    python scripts/senn_lambda_sweep.py --variants                      # ship mnist_senn_lambda0 / _lambda1
    python scripts/senn_lambda_sweep.py --seeds 0 1 2 [--reuse-shipped] # lambda x seed sweep

Without options: trains one SENN per robustness weight lambda in 1e-4, 1e-3, 1e-2, 1e-1, 1 on the
embedded MNIST digits (same seed, same batches; only lambda changes), writes
``xai_teach/assets/models/senn_lambda_sweep.csv`` and records its SHA-256 in the manifest
(read it with ``xai_teach.senn.load_lambda_sweep()``). About 10-15 minutes on two CPU cores.

``--variants`` trains the SENNs that differ from the shipped ``mnist_senn`` (lambda = 1e-4) only in
lambda (0 and 1) and ships them with their model cards (``senn.experiments.load_variant``); their
rows also enter the lambda x seed table as seed 0.

``--seeds`` trains every lambda in ``senn.experiments.SWEEP_LAMBDAS`` for each seed and appends one
row per model to ``xai_teach/assets/models/senn_lambda_seeds.csv`` (test accuracy, robustness penalty,
reconstruction and sparsity terms, training seconds); rows already there are kept, so an interrupted
run resumes; ``--lambdas`` restricts a run to some of them, in the order given (the most needed
first). ``--reuse-shipped`` takes the row for (1e-4, seed 0) from the shipped ``mnist_senn`` instead of
retraining the same recipe. About 1.5-4 minutes per model on two CPU cores. Each ``--seeds`` run that
trains something also appends its measured wall time to ``xai_teach/assets/models/senn_lambda_seeds_runs.json``
(which the SENN benchmark reports).
"""

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

import xai_teach  # noqa: E402  (sets the TensorFlow environment before keras is imported)
from xai_teach import data, models, senn  # noqa: E402
from xai_teach.integrity import ASSETS, record  # noqa: E402
from xai_teach.senn import experiments  # noqa: E402


def _row(lam, seed, card, source):
    return {
        "lambda": float(lam),
        "seed": seed,
        "test_accuracy": card["test_accuracy"],
        "robustness_penalty": card["robustness_penalty_test"],
        "reconstruction": card["reconstruction_test"],
        "sparsity": card["sparsity_test"],
        "training_seconds": card["training_seconds"],
        "epochs": card["epochs"],
        "source": source,
        "version": xai_teach.__version__,
    }


def _append(row):
    path = ASSETS / experiments.SEEDS_FILE
    table = pd.read_csv(path) if path.exists() else pd.DataFrame()
    table = pd.concat([table, pd.DataFrame([row])], ignore_index=True).sort_values(["lambda", "seed"])
    table.to_csv(path, index=False)
    record(experiments.SEEDS_FILE)
    print(pd.DataFrame([row]).to_string(index=False), flush=True)


def _done(lam, seed):
    path = ASSETS / experiments.SEEDS_FILE
    if not path.exists():
        return False
    table = pd.read_csv(path)
    return bool(((table["lambda"] == float(lam)) & (table["seed"] == seed)).any())


def _record_run(seeds, lambdas, trained, seconds):
    """Append this run's wall time to the runs file next to the table (the benchmark reads it)."""
    path = ASSETS / experiments.RUNS_FILE
    runs = json.loads(path.read_text()) if path.exists() else []
    runs.append(
        {
            "finished_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seeds": list(seeds),
            "lambdas": [float(lam) for lam in lambdas],
            "models_trained": trained,
            "rows_after": len(pd.read_csv(ASSETS / experiments.SEEDS_FILE)),
            "wall_seconds": round(seconds, 1),
        }
    )
    path.write_text(json.dumps(runs, indent=1) + "\n")
    record(experiments.RUNS_FILE)


def _shipped_row(mnist):
    model, card = models.load_pretrained("mnist_senn"), models.model_card("mnist_senn")
    (_, _), (x_test, y_test) = mnist
    terms = experiments.loss_terms(model, x_test[:1000], y_test[:1000])
    card = {
        **card,
        "reconstruction_test": round(terms["reconstruction"], 4),
        "sparsity_test": round(terms["sparsity"], 4),
    }
    return _row(1e-4, 0, card, "shipped mnist_senn")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=senn.training.EPOCHS, help="passes over the training digits")
    parser.add_argument("--seed", type=int, default=0, help="seed shared by every model (one-seed sweep)")
    parser.add_argument("--variants", action="store_true", help="train and ship the lambda = 0 and 1 variants")
    parser.add_argument("--seeds", type=int, nargs="*", help="lambda x seed sweep over these seeds")
    parser.add_argument("--reuse-shipped", action="store_true", help="row (1e-4, 0) from the shipped mnist_senn")
    parser.add_argument(
        "--lambdas",
        type=float,
        nargs="*",
        help="with --seeds: only these of SWEEP_LAMBDAS (default: all), in this order",
    )
    args = parser.parse_args(argv)
    lambdas = experiments.SWEEP_LAMBDAS if args.lambdas is None else tuple(args.lambdas)
    unknown = sorted(set(lambdas) - set(experiments.SWEEP_LAMBDAS))
    if unknown:
        parser.error(f"--lambdas must be among {experiments.SWEEP_LAMBDAS}, got {unknown}")
    mnist = data.load_mnist()
    start = time.perf_counter()
    if args.variants:
        for name, lam in experiments.VARIANTS.items():
            if name == "mnist_senn":
                continue
            model, card, _ = experiments.train_variant(lam, seed=0, epochs=args.epochs, data=mnist)
            experiments.save_variant(name, model, card)
            print(f"{name}: accuracy {card['test_accuracy']}, {card['training_seconds']} s", flush=True)
            if not _done(lam, 0):
                _append(_row(lam, 0, card, name))
    if args.seeds is not None:
        trained = 0
        for seed in args.seeds:
            for lam in lambdas:
                if _done(lam, seed):
                    continue
                if args.reuse_shipped and (lam, seed) == (1e-4, 0):
                    _append(_shipped_row(mnist))
                    continue
                _, card, _ = experiments.train_variant(lam, seed=seed, epochs=args.epochs, data=mnist)
                _append(_row(lam, seed, card, "trained"))
                trained += 1
        if trained:
            _record_run(args.seeds, lambdas, trained, time.perf_counter() - start)
    if not args.variants and args.seeds is None:
        table = senn.lambda_sweep(epochs=args.epochs, seed=args.seed, progress=True)
        table["epochs"], table["seed"], table["version"] = args.epochs, args.seed, xai_teach.__version__
        table.to_csv(ASSETS / senn.SWEEP_FILE, index=False)
        record(senn.SWEEP_FILE)
        print(table.to_string(index=False))
    print(f"script run time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
