"""Fail if an installed package's version differs from its pin in a requirements file.

    python scripts/check_pins.py requirements/colab.txt

`make test-colab` runs it after installing xai_teach into Colab's versions: a plain `pip install` of
xai_teach must replace none of Colab's packages (in Colab that would restart the runtime or break it).
"""

import importlib.metadata
import re
import sys
from pathlib import Path

from packaging.utils import canonicalize_name


def pins(path):
    """``{name: version}`` of every ``name==version`` line of a requirements file."""
    found = {}
    for line in Path(path).read_text().splitlines():
        match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(\S+)", line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def main(argv):
    if len(argv) != 1:
        print("usage: python scripts/check_pins.py REQUIREMENTS_FILE", file=sys.stderr)
        return 2
    expected = pins(argv[0])
    if not expected:
        print(f"check_pins: {argv[0]} pins nothing (expected lines name==version).", file=sys.stderr)
        return 2
    wrong = []
    for name, version in sorted(expected.items()):
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            wrong.append(f"{name}: pinned {version}, installed {installed}")
    if wrong:
        print(f"check_pins: {len(wrong)} of {len(expected)} packages differ from {argv[0]}:", file=sys.stderr)
        print("\n".join("  " + w for w in wrong), file=sys.stderr)
        return 1
    print(f"check_pins: all {len(expected)} packages of {argv[0]} are at their pinned versions.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
