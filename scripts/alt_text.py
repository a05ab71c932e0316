"""Alt text for the book's figures: list the notebook cells that draw a figure without one.

myst-nb writes the alt text of a cell's images from the cell's metadata::

    {"mystnb": {"image": {"alt": "What the figure shows, in one or two sentences."}}}

(in a notebook opened as JSON; in Jupyter: the cell's metadata editor). A book view
(``explorer.book(...)``) writes its own alt text and needs none.

    python scripts/alt_text.py --check [notebooks/03_*.ipynb ...]   # exit 1 if a figure cell has no alt text
    python scripts/alt_text.py --check --executed DIR                # judge by the executed copies' image outputs

Without ``--executed``, a code cell counts as drawing a figure when its source shows one (``plt.show()``,
``.static(``, ``.plot(`` or a final ``fig``); with it, when its executed copy in DIR has an image output.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOWS = re.compile(r"plt\.show\(\)|\.static\(|\.plot\(|^fig\s*$|display\(fig", re.M)


def alt_text(cell):
    return ((cell.get("metadata", {}).get("mystnb") or {}).get("image") or {}).get("alt", "").strip()


def draws(cell, executed=None):
    if executed is not None:
        return any(
            key.startswith("image/")
            for output in executed.get("outputs", [])
            for key in output.get("data", {})
            if output.get("output_type") in ("display_data", "execute_result")
        )
    return bool(SHOWS.search("".join(cell.get("source", ""))))


def missing(path, executed_dir=None):
    """``[(cell id, first line), ...]`` of the cells of one notebook that draw a figure without alt text."""
    cells = json.loads(Path(path).read_text())["cells"]
    ran = None
    if executed_dir is not None:
        copy = Path(executed_dir) / Path(path).name
        ran = {c.get("id"): c for c in json.loads(copy.read_text())["cells"]} if copy.exists() else None
    found = []
    for cell in cells:
        if cell["cell_type"] != "code" or "remove-output" in cell.get("metadata", {}).get("tags", []):
            continue
        executed = None if ran is None else ran.get(cell.get("id"), {})
        if draws(cell, executed) and not alt_text(cell):
            first = "".join(cell["source"]).strip().splitlines()[0] if cell["source"] else ""
            found.append((cell.get("id"), first[:70]))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument("--check", action="store_true", help="exit with status 1 if a figure has no alt text")
    parser.add_argument("--executed", help="folder of executed copies of the notebooks (same file names)")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    total = 0
    for path in paths:
        for cell_id, first in missing(path, args.executed):
            total += 1
            print(f"{path.name}  {cell_id}  {first}")
    print(f"{total} figure cell(s) without alt text (metadata mystnb.image.alt).")
    return 1 if args.check and total else 0


if __name__ == "__main__":
    sys.exit(main())
