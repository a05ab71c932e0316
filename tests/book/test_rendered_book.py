"""The built book in a real browser: every page of the table of contents, as a reader sees it.

Run after ``make book`` (``make check-book``). Needs Chromium (Debian's ``chromium``); the pages are
opened from ``file://`` with every non-file request blocked, so the book must work offline.
"""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
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
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [c["file"] for c in part["chapters"]]
    return pages


@pytest.fixture(scope="module")
def browser():
    if not HTML.exists():
        pytest.fail("_build/html is missing: run `make book` first.")
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
