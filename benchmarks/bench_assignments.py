"""Coursework benchmark: the time Otter takes to grade one submission, per chapter, without Docker.

    python -m benchmarks.bench_assignments

For each of three chapters (one MNIST, one IMDB, SENN) the assignment is built (`otter assign`, which
also runs the solutions against the tests), then its solutions notebook is graded as a submission by
Otter's non-containerised grader, once on its own. Side by side, the same chapter notebook is executed
plainly (nbclient), so the ratio says what grading adds to running the notebook. Informative rows: the
time depends on the machine and on what else runs on it. The CPU time of grading (this process and the
kernels it started) is reported too: on a machine shared with other work it is the steadier number.
"""

import resource
import tempfile
import time
from pathlib import Path

from xai_teach import assignments, course

CHAPTERS = ("01", "06", "10")


def _execute(path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def _cpu():
    """CPU seconds used so far by this process and its finished children (the kernels)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for number in CHAPTERS:
            path = next(p for p in sorted(course.NOTEBOOKS.glob("*.ipynb")) if p.name.startswith(number))
            start = time.perf_counter()
            folder = assignments.build(tmp / "assignments", [path])[f"ch{number}"]
            assign_s = time.perf_counter() - start
            submissions = tmp / f"submissions{number}"
            submissions.mkdir()
            solved = folder / "dist" / "autograder" / f"ch{number}.ipynb"
            (submissions / "solved.ipynb").write_text(solved.read_text())
            start, cpu = time.perf_counter(), _cpu()
            frame = assignments.grade(assignments.autograder_zip(folder), submissions, tmp / f"grades{number}.csv")
            grade_s, grade_cpu = time.perf_counter() - start, _cpu() - cpu
            if frame["grading_status"].iloc[-1] != "Completed" or frame["percent_correct"].iloc[-1] != 1:
                raise RuntimeError(f"ch{number}: the solutions did not get full marks:\n{frame}")
            plain_s = _execute(path)
            name = f"coursework ch{number}"
            rows += [
                dict(benchmark=name, measure="otter assign (incl. its solution tests)", value=f"{assign_s:.1f}",
                     unit="s", budget=None, ok=None),
                dict(benchmark=name, measure="grading one submission without Docker", value=f"{grade_s:.1f}",
                     unit="s", budget=None, ok=None),
                dict(benchmark=name, measure="CPU time of grading one submission", value=f"{grade_cpu:.1f}",
                     unit="s", budget=None, ok=None),
                dict(benchmark=name, measure="grading / plain execution of the chapter",
                     value=f"{grade_s / plain_s:.2f}", unit="x", budget=None, ok=None),
            ]  # fmt: skip
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['benchmark']} | {row['measure']} | {row['value']} {row['unit']}")
