"""The built book in a real browser: every page of the table of contents, as a reader sees it.

Run after ``make book`` (``make check-book``), or on the student book after ``make book-student`` with
``BOOK_HTML=_student/_build/html`` (``make check-book-student``). Needs Chromium (Debian's ``chromium``); the
pages are opened from ``file://`` with every non-file request blocked, so the book must work offline.
"""

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / os.environ.get("BOOK_HTML", "_build/html")
SOURCE = HTML.parents[1]  # the folder with the built book's _toc.yml: ROOT, or ROOT/_student
STUDENT = SOURCE.resolve() != ROOT.resolve()
SHOTS = HTML.parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Start-up noise and progress output that must never reach a reader.
NOISE = [
    "All log messages before absl::InitializeLog()",
    "cpu_feature_guard",
    "oneDNN custom operations",
    "Could not find cuda drivers",
    "━━━━",
    "DeprecationWarning",
    "FutureWarning",
    "UserWarning",
    "RuntimeWarning",
]

pytestmark = pytest.mark.book


def toc_pages():
    toc = yaml.safe_load((SOURCE / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [c["file"] for c in part["chapters"]]
    return pages


@pytest.fixture(scope="module")
def browser():
    if not HTML.exists():
        pytest.fail(f"{HTML} is missing: run `make {'book-student' if STUDENT else 'book'}` first.")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"No Chromium at {CHROMIUM}: install it with `sudo apt-get install chromium` or set CHROMIUM=...")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def test_every_built_page_is_in_the_toc():
    built = {p.relative_to(HTML).with_suffix("").as_posix() for p in HTML.rglob("*.html")}
    built = {p for p in built if not p.startswith("_")} - {"index", "genindex", "search"}
    assert built == set(toc_pages())


@pytest.mark.parametrize("page", toc_pages())
def test_page_renders_cleanly(browser, page):
    path = HTML / f"{page}.html"
    assert path.exists(), f"{page} is in _toc.yml but was not built"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    tab = context.new_page()
    errors = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(path.as_uri(), wait_until="load")
    tab.wait_for_timeout(300)
    assert not errors, f"JavaScript errors on {page}: {errors}"

    broken = tab.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    assert not broken, f"missing images on {page}: {broken}"

    for href in tab.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
        url = urlparse(href)
        if url.scheme == "file":
            assert Path(unquote(url.path)).exists(), f"broken internal link on {page}: {href}"

    outputs = "\n".join(tab.eval_on_selector_all(".cell_output", "els => els.map(e => e.innerText)"))
    assert "Traceback" not in outputs and "Error:" not in outputs, f"an executed cell failed on {page}"
    noise = [n for n in NOISE if n in outputs]
    assert not noise, f"log noise in the outputs of {page}: {noise}"

    if page.startswith("notebooks/"):
        colab = tab.eval_on_selector_all("a[href*='colab.research.google.com']", "as => as.map(a => a.href)")
        assert any(page in link for link in colab), f"{page} has no Colab launch button"
    context.close()


@pytest.mark.parametrize("chapter", ["mnist", "imdb"])
def test_screenshot(browser, chapter):
    """Save a full-page screenshot of the first MNIST and the first IMDB chapter (CI artifacts)."""
    pages = [p for p in toc_pages() if p.startswith("notebooks/")]
    text_pages = [p for p in pages if "imdb" in p or "review" in p or "text" in p]
    if chapter == "imdb" and not text_pages:
        pytest.skip("no IMDB chapter in the book yet")
    page = text_pages[0] if chapter == "imdb" else pages[0]
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    tab = context.new_page()
    tab.goto((HTML / f"{page}.html").as_uri(), wait_until="load")
    target = SHOTS / f"{chapter}.png"
    tab.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    context.close()


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _solution_lines(chapter):
    """(code, text): lines only a solution shows, from ``solution`` cells and from ``{solution}`` blocks."""
    code, text, elsewhere = [], [], set()
    for cell in _cells(ROOT / "notebooks" / f"{chapter}.ipynb"):
        source = _source(cell)
        if cell["cell_type"] == "code" and "solution" in cell["metadata"].get("tags", []):
            code += [ln.strip() for ln in source.splitlines() if "exercises.check_" not in ln]
            continue
        if cell["cell_type"] == "markdown":
            for _, body in re.findall(r"(`{3,})\{solution\}[^\n]*\n(.*?)\n\1", source, re.DOTALL):
                text += [ln.strip() for ln in body.splitlines() if not ln.startswith(":")]
            source = re.sub(r"(`{3,})\{solution\}.*?\n\1", "", source, flags=re.DOTALL)
        elsewhere.update(ln.strip() for ln in source.splitlines())

    # Short or generic lines (``plt.show()``, a bare name), and lines the chapter also shows outside its
    # solutions (the pattern an exercise asks to reuse), say nothing about a leak.
    def distinctive(lines):
        return [ln for ln in lines if len(ln) >= 30 and not ln.startswith("#") and ln not in elsewhere]

    return distinctive(code), distinctive(text)


CHAPTERS = [p.removeprefix("notebooks/") for p in toc_pages() if p.startswith("notebooks/")]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solutions_only_in_the_instructors_book(browser, chapter):
    """The main book shows every solution (folded); the student book has none in its HTML, only the stubs."""
    context = browser.new_context()
    context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    tab = context.new_page()
    tab.goto((HTML / "notebooks" / f"{chapter}.html").as_uri(), wait_until="load")
    html_text = tab.evaluate("document.body.textContent")  # hidden (folded) text included
    shown = tab.evaluate("document.body.innerText")
    solution_blocks = tab.eval_on_selector_all(".solution", "els => els.length")
    code, text = _solution_lines(chapter)
    assert code, f"{chapter}: no solution code to look for; the check would be empty"
    if STUDENT:
        leaked = [ln for ln in code + text if ln in html_text]
        assert not leaked and not solution_blocks, f"{chapter}: solution text in the student book: {leaked[:3]}"
        stubs = [_source(c) for c in _cells(SOURCE / "notebooks" / f"{chapter}.ipynb")]
        stubs = [s for s in stubs if "raise NotImplementedError(" in s]
        assert stubs, f"{chapter}: the student notebook has no exercise stub"
        for stub in stubs:
            for line in stub.splitlines():
                if line.startswith("raise ") or "exercises.check_" in line:
                    assert line.strip() in shown, f"{chapter}: the stub line {line!r} is not shown"
    else:
        assert solution_blocks > 0, f"{chapter}: no folded solution in the book"
        missing = [ln for ln in code if ln not in html_text]  # markdown is rendered: only code reads verbatim
        assert not missing, f"{chapter}: solution lines missing from the book: {missing[:3]}"
    context.close()


def test_instructors_guide_only_in_the_instructors_book():
    assert (HTML / "book" / "instructors.html").exists() != STUDENT
    assert (HTML / "book" / "how_to_use.html").exists()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapters_show_their_figures(browser, chapter):
    """A chapter that draws with matplotlib shows its figures (a kernel under MPLBACKEND=Agg draws none)."""
    hidden = {"remove-cell", "remove-output", "remove-input-output"}
    drawing = [
        c
        for c in _cells(SOURCE / "notebooks" / f"{chapter}.ipynb")  # the student book's notebooks have no solutions
        if "plt.show()" in _source(c) and not hidden & set(c["metadata"].get("tags", []))
    ]
    if not drawing:
        pytest.skip(f"{chapter} draws no matplotlib figure")
    context = browser.new_context()
    context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    tab = context.new_page()
    tab.goto((HTML / "notebooks" / f"{chapter}.html").as_uri(), wait_until="load")
    figures = tab.eval_on_selector_all(".cell_output img", "imgs => imgs.length")
    assert figures >= len(drawing), f"{chapter}: {figures} figures shown for {len(drawing)} cells that draw one"
    context.close()
