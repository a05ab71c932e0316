"""SHA-256 checks for every file shipped in ``xai_teach/assets``.

``assets/manifest.json`` maps each asset path (relative to ``assets/``) to its
SHA-256. Loading code calls :func:`asset_path`, which refuses a missing or
altered file with a message that says how to repair it.
"""

import hashlib
import json
from pathlib import Path

ASSETS = Path(__file__).parent / "assets"
MANIFEST = ASSETS / "manifest.json"

# How to rebuild an asset: by its exact path first, else by its folder.
REPAIR = {
    "models/senn_lambda_sweep.csv": "regenerate it with `python scripts/senn_lambda_sweep.py` or reinstall xai_teach",
    "models/senn_lambda_seeds.csv": "regenerate it with `python scripts/senn_lambda_sweep.py --variants --seeds 0 1 2` "
    "or reinstall xai_teach",
    "models/mnist_senn_lambda0.keras": "retrain it with `python scripts/senn_lambda_sweep.py --variants`",
    "models/mnist_senn_lambda0.json": "retrain it with `python scripts/senn_lambda_sweep.py --variants`",
    "models/mnist_senn_lambda1.keras": "retrain it with `python scripts/senn_lambda_sweep.py --variants`",
    "models/mnist_senn_lambda1.json": "retrain it with `python scripts/senn_lambda_sweep.py --variants`",
    "data": "rebuild it with `python scripts/build_data.py` or reinstall xai_teach",
    "models": "retrain it with `python -m xai_teach.models --all` or reinstall xai_teach",
}


class IntegrityError(ValueError):
    """A shipped file is missing or does not match its recorded SHA-256."""


def sha256(path):
    """Return the hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


MANIFEST_REPAIR = "reinstall xai_teach, or restore it with `git checkout -- xai_teach/assets/manifest.json`"


def read_manifest(missing_ok=False):
    """Return the manifest as a dict ``{relative path: sha256}``.

    A missing (unless ``missing_ok``), empty, truncated or malformed manifest raises
    :class:`IntegrityError` naming the file and how to repair it.
    """
    if not MANIFEST.exists():
        if missing_ok:
            return {}
        raise IntegrityError(f"The asset manifest {MANIFEST} is missing; {MANIFEST_REPAIR}.")
    try:
        manifest = json.loads(MANIFEST.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise IntegrityError(f"The asset manifest {MANIFEST} is not valid JSON ({err}); {MANIFEST_REPAIR}.") from err
    if not isinstance(manifest, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) == 64 for k, v in manifest.items()
    ):
        raise IntegrityError(
            f"The asset manifest {MANIFEST} must map asset paths to SHA-256 hex digests; it does not; "
            f"{MANIFEST_REPAIR}."
        )
    if not manifest:
        raise IntegrityError(f"The asset manifest {MANIFEST} is empty; {MANIFEST_REPAIR}.")
    return manifest


def record(relpath):
    """Store the SHA-256 of ``assets/relpath`` in the manifest (used by the build scripts)."""
    manifest = read_manifest(missing_ok=True)
    manifest[relpath] = sha256(ASSETS / relpath)
    MANIFEST.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")


def asset_path(relpath):
    """Return the path of a shipped asset after checking it against the manifest."""
    if not isinstance(relpath, str):
        raise TypeError(f"relpath must be a str such as 'data/mnist.npz', got {type(relpath).__name__}.")
    manifest = read_manifest()
    if relpath not in manifest:
        raise IntegrityError(f"{relpath!r} is not a shipped asset; the manifest {MANIFEST} lists {sorted(manifest)}.")
    path = ASSETS / relpath
    fix = REPAIR.get(relpath) or REPAIR[relpath.split("/")[0]]
    expected = manifest[relpath]
    if not path.exists():
        raise IntegrityError(f"Shipped file {path} is missing; {fix}.")
    actual = sha256(path)
    if actual != expected:
        raise IntegrityError(
            f"Shipped file {path} is corrupted: SHA-256 {actual[:12]}... does not match "
            f"the manifest's {expected[:12]}...; {fix}."
        )
    return path
