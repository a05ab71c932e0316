"""Execute the book's chapters into its jupyter-cache, several at a time, before ``jupyter-book build`` reads them.

Jupyter Book 1.x executes one notebook after another; on 2 cores a chapter leaves one of them idle for much of its
run (kernel start, imports, Python loops). This runs jupyter-cache's own execution worker (what ``jcache project
execute --executor local-parallel`` runs) on ``--workers`` processes, over the chapters of ``_toc.yml`` that have no
cached outputs yet; the build then finds every chapter in the cache and executes nothing. Settings come from
``_config.yml`` (the cell timeout, allow_errors), so a chapter runs here exactly as the build would run it: in its own
folder, on the notebook's kernel.

    python scripts/execute_book.py [--book .] [--workers 2]     # into BOOK/_build/.jupyter_cache

Exits 1 with each failing chapter's traceback (a failed claim names itself there); the build is not started.
"""

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

ROOT = Path(__file__).resolve().parents[1]


def toc_notebooks(book):
    """The ``.ipynb`` files of the book's ``_toc.yml`` (with or without parts), in book order."""
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    chapters = toc.get("chapters", []) + [c for part in toc.get("parts", []) for c in part.get("chapters", [])]
    files = [toc["root"]] + [c["file"] for c in chapters]
    return [book / f"{f}.ipynb" for f in files if (book / f"{f}.ipynb").exists()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=ROOT, help="the book's folder, with _config.yml and _toc.yml")
    parser.add_argument("--workers", type=int, default=2, help="chapters executed at once (default 2)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers: expected a positive number of processes, got {args.workers}")
    execute = yaml.safe_load((args.book / "_config.yml").read_text())["execute"]
    if execute["execute_notebooks"] != "cache":
        parser.error(f"_config.yml: expected execute_notebooks: cache, got {execute['execute_notebooks']!r}")

    cache = get_cache(str(args.book / "_build" / ".jupyter_cache"))  # where jupyter-book keeps it
    todo = []
    for path in toc_notebooks(args.book):
        try:  # as myst-nb matches it at build time
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:  # no outputs cached for this version of the chapter
            todo.append(cache.add_nb_to_project(str(path)))
    if not todo:
        print("execute_book: every chapter's outputs are cached.")
        return 0
    # The last chapters are the longest (benchmarks/results.md): started first, none of them is left to run alone.
    todo.reverse()
    print(f"execute_book: executing {len(todo)} chapter(s) on {args.workers} worker(s)", flush=True)
    jobs = [ProcessData(r.pk, r.uri, cache, execute["timeout"], execute["allow_errors"]) for r in todo]
    start = time.perf_counter()
    with multiprocessing.Pool(args.workers) as pool:  # forked, as jupyter-cache's own parallel executor does
        results = pool.map(ExecutionWorkerLocalMProc(), jobs, chunksize=1)
    failed = [uri for code, uri in results if code != 0]
    for uri in failed:
        record = cache.get_project_record(uri)
        print(f"\nexecute_book: {Path(uri).name} failed:\n{record.traceback or '(no traceback recorded)'}")
    print(f"execute_book: {len(todo) - len(failed)} of {len(todo)} executed in {time.perf_counter() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
