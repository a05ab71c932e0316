"""Progress bars: shown in a terminal or a live notebook, never in built pages or test logs.

``XAI_TEACH_PROGRESS=0`` (or ``1``) overrides the detection; builds that execute
notebooks (jupyter-book, CI) set it to 0 so that no bar ends up in a rendered page.
"""

import os
import sys

from tqdm.auto import tqdm


def interactive():
    """True in a terminal or a live Jupyter kernel; ``XAI_TEACH_PROGRESS=0``/``1`` overrides."""
    env = os.environ.get("XAI_TEACH_PROGRESS")
    if env is not None:
        return env.strip().lower() not in ("", "0", "false", "no", "off")
    stream = sys.stderr
    if stream is not None and hasattr(stream, "isatty") and stream.isatty():
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def bar(iterable=None, total=None, desc=None, show=None):
    """Wrap ``iterable`` in a ``tqdm.auto`` bar, drawn only when ``show`` (None: :func:`interactive`)."""
    visible = interactive() if show is None else bool(show)
    return tqdm(iterable, total=total, desc=desc, disable=not visible, leave=False)
