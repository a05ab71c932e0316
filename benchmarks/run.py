"""Performance report: notebook times and memory, book build time, explainer and metric ratios.

    python -m benchmarks.run [--skip-book] [--only notebooks|sections|stages]

``--only`` measures one part again and keeps the other rows of the current report as they are.

Writes ``benchmarks/results.md``. Every ratio is measured side by side in one run on this
machine; budgets are checked here and reported, never asserted in tests.
"""

import argparse
import importlib
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.md"
SECTIONS = ("bench_explain", "bench_metrics", "bench_senn", "bench_widgets", "bench_assignments")
NOTEBOOK_BUDGET_S = 90
NOTEBOOK_BUDGET_GB = 3.0
BOOK_BUDGET_S = 12 * 60
STAGE_TIMES = ROOT / "benchmarks" / "artifacts" / "stage-times.tsv"  # written by `make test`
TEST_BUDGET_S = 20 * 60  # the goal for `make test` on two cores, every stack included
CI_LIMIT_S = 90 * 60


class PeakMemory:
    """Poll the resident memory of a process tree (the notebook kernel) in a thread."""

    def __init__(self, pid, interval=0.1):
        self.process, self.interval, self.peak = psutil.Process(pid), interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self):
        while not self._stop.is_set():
            try:
                procs = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.NoSuchProcess:
                return
            time.sleep(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.peak / 1e9


def run_notebook(path):
    """Execute one notebook in a fresh kernel; return (seconds, peak GB)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        monitor = PeakMemory(client.km.provisioner.process.pid)
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        peak = monitor.stop()
    return seconds, peak


def notebook_rows():
    rows = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        seconds, peak = run_notebook(path)
        ok = seconds <= NOTEBOOK_BUDGET_S and peak <= NOTEBOOK_BUDGET_GB
        rows.append(
            {
                "benchmark": f"notebook {path.stem}",
                "measure": "execution time / peak memory",
                "value": round(seconds, 1),
                "unit": f"s / {peak:.2f} GB",
                "budget": f"<= {NOTEBOOK_BUDGET_S} s, <= {NOTEBOOK_BUDGET_GB} GB",
                "ok": ok,
            }
        )
        print(rows[-1], flush=True)
    return rows


def book_row():
    """The book built from clean (``make book-clean``): every chapter executed, none taken from the cache."""
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    start = time.perf_counter()
    execute = [sys.executable, "scripts/execute_book.py", "--workers", "2"]  # as `make book`: 2 chapters at once
    build = [str(Path(sys.executable).parent / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]
    done = subprocess.run(execute, cwd=ROOT, capture_output=True, text=True)
    if done.returncode == 0:
        done = subprocess.run(build, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return {
        "benchmark": "make book-clean (warm environment, empty cache)",
        "measure": "build time" + ("" if done.returncode == 0 else " (BUILD FAILED)"),
        "value": round(seconds, 1),
        "unit": "s",
        "budget": f"<= {BOOK_BUDGET_S} s",
        "ok": done.returncode == 0 and seconds <= BOOK_BUDGET_S,
    }


def stage_rows(path=STAGE_TIMES):
    """The time of each stage of the last `make test` (read, not run: a full run takes tens of minutes)."""
    if not path.exists():
        print(f"no {path.relative_to(ROOT)}: run `make test` to time its stages", flush=True)
        return []
    lines = path.read_text().splitlines()[1:]
    stages = [(name, int(seconds)) for name, seconds in (ln.split("\t") for ln in lines if ln.strip())]
    # `total` is the run's own wall time (a background stage overlaps the others, so the stages do not add up to it).
    total = dict(stages).get("total")
    stages = [(name, seconds) for name, seconds in stages if name != "total"]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(path.stat().st_mtime))
    rows = [
        {
            "benchmark": f"make test stage {name}",
            "measure": f"wall time (run ending {when})",
            "value": seconds,
            "unit": "s",
            "budget": None,
            "ok": None,
        }
        for name, seconds in stages
    ]
    if total is None:  # written before make test recorded its total: no stage ran in the background
        total = sum(seconds for _, seconds in stages)
    rows.append(
        {
            "benchmark": "make test, every stage",
            "measure": f"wall time (run ending {when}); CI's limit is {CI_LIMIT_S} s",
            "value": total,
            "unit": "s",
            "budget": f"<= {TEST_BUDGET_S} s",
            "ok": total <= TEST_BUDGET_S,
        }
    )
    return rows


def section_rows():
    rows = []
    for name in SECTIONS:
        module = importlib.import_module(f"benchmarks.{name}")
        rows += module.run()
    return rows


def machine():
    import keras
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").exists():
        names = [
            ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln
        ]
        cpu = names[0] if names else cpu
    return (
        f"{cpu}; {os.cpu_count()} cores; {psutil.virtual_memory().total / 2**30:.0f} GiB memory; "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )


def table(rows):
    """Rows as markdown; a row without a budget (``ok`` None) is informative and says so."""
    lines = ["| benchmark | measure | value | unit | budget | within budget |", "|---|---|---|---|---|---|"]
    for r in rows:
        verdict = "informative" if r["ok"] is None else "yes" if r["ok"] else "**no**"
        lines.append(
            f"| {r['benchmark']} | {r['measure']} | {r['value']} | {r['unit']} | {r['budget'] or ''} | {verdict} |"
        )
    return "\n".join(lines)


XPLIQUE_SECTION = "## Side by side with Xplique"  #: written by hand from bench_xplique.py; kept by `make bench`


def kept_sections(path=RESULTS):
    """The Xplique section of the current report (run in its own venv, not by `make bench`), kept as it is."""
    text = path.read_text() if path.exists() else ""
    start = text.find(XPLIQUE_SECTION)
    return "" if start < 0 else "\n" + text[start:]


def part(benchmark):
    """Which part of the report (``--only``'s choices) a row's benchmark belongs to."""
    if benchmark.startswith("make test"):
        return "stages"
    if benchmark.startswith(("notebook ", "make book")):
        return "notebooks"
    return "sections"


def kept_rows(only, path=RESULTS):
    """The rows of the current report that a run of ``--only`` part does not measure again (kept as they are)."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().split("\n## ")[0].splitlines():
        raw = line.strip().strip("|").split("|")
        cells = [c.strip() for c in raw]
        if len(cells) < 6 or cells[0] in ("benchmark", "---") or part(cells[0]) == only:
            continue
        measure = "|".join(raw[1:-4]).strip()  # a measure may hold pipes, e.g. |saliency|
        ok = {"informative": None, "yes": True, "**no**": False}[cells[-1]]
        rows.append(
            dict(zip(("benchmark", "measure", "value", "unit", "budget", "ok"), [cells[0], measure, *cells[-4:-1], ok]))
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-book", action="store_true", help="do not time the book build")
    parser.add_argument("--only", choices=("notebooks", "sections", "stages"), help="run one part only")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    rows = []
    if args.only in (None, "stages"):
        rows += stage_rows()
    if args.only in (None, "sections"):
        rows += section_rows()
    if args.only in (None, "notebooks"):
        rows += notebook_rows()
        if not args.skip_book:
            rows.append(book_row())
    rows = kept_rows(args.only) + rows if args.only else rows
    missed = [f"{r['benchmark']}: {r['measure']}" for r in rows if r["ok"] is False]
    report = [
        "# Benchmark report",
        "",
        f"Machine: {machine()}.",
        f"Generated by `make bench{' --only ' + args.only if args.only else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f"{f' (the rows other than {args.only!r} are kept from the previous report)' if args.only else ''}. "
        "Times are wall-clock on a shared machine, so expect some noise; ratios are measured side by side.",
        "",
        table(rows),
        "",
        "Budgets missed: " + (", ".join(missed) if missed else "none") + ".",
        "",
    ]
    RESULTS.write_text("\n".join(report) + kept_sections())
    print("\n".join(report))


if __name__ == "__main__":
    main()
