"""The book views in a real browser: every slider and menu on every page that has one, moved by keyboard
and by pointer; each state the page shows is checked against a fresh computation in Python.

Also: the page weight of every chapter (reported in ``_build/page_weight.json``, bounded), and alt text on
every image of the built book. Run after ``make book`` (``make check-book``); ``XAI_BOOK_HTML`` points the
tests at another built book (e.g. a scratch build of two chapters).
"""

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("XAI_BOOK_HTML", ROOT / "_build" / "html"))
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWS_BUDGET = 3_000_000  #: bytes the book views may add to one chapter
PAGE_BUDGET = 6_000_000  #: bytes of one chapter: its HTML and the images it loads

pytestmark = pytest.mark.book


def built_pages():
    """The toc's pages (``make book`` builds them all), or every page of the book ``XAI_BOOK_HTML`` points at."""
    if "XAI_BOOK_HTML" in os.environ and HTML.exists():
        found = [p.relative_to(HTML).with_suffix("").as_posix() for p in sorted(HTML.rglob("*.html"))]
        return [p for p in found if not p.startswith("_") and p not in ("index", "genindex", "search")]
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]


def pages_with_views():
    pages = [p for p in built_pages() if (HTML / f"{p}.html").exists()]
    return [p for p in pages if 'class="xai-book-view"' in (HTML / f"{p}.html").read_text(errors="replace")]


@pytest.fixture(scope="module")
def browser():
    if not HTML.exists():
        pytest.fail(f"{HTML} is missing: run `make book` first.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def open_page(browser, page):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())  # offline: only the book's own files
    tab = context.new_page()
    errors = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto((HTML / f"{page}.html").as_uri(), wait_until="load")
    return context, tab, errors


def shown(view):
    """What the view shows now: its state key, readout, numbers and image (or HTML)."""
    return view.evaluate(
        """v => ({state: v.getAttribute("data-state"),
                 readout: v.querySelector(".xbv-readout").textContent,
                 numbers: JSON.parse(v.getAttribute("data-numbers")),
                 picture: v.querySelector("img.xbv-image") ? v.querySelector("img.xbv-image").src
                          : v.querySelector(".xbv-html").innerHTML,
                 alt: v.querySelector("img.xbv-image") ? v.querySelector("img.xbv-image").alt : null})"""
    )


def move(view, index, how, spec):
    """Move control ``index`` of the view by keyboard or pointer; returns the new state key."""
    control = view.locator("[data-control]").nth(index)
    count = len(spec["controls"][index]["labels"])
    tag = control.evaluate("e => e.tagName")
    before = int(control.input_value())
    if how == "keyboard":
        control.focus()
        key = "ArrowLeft" if before == count - 1 else "ArrowRight"
        if tag == "SELECT":
            key = "ArrowUp" if before == count - 1 else "ArrowDown"
        control.press(key)
    elif tag == "SELECT":
        control.select_option(str((before + count // 2) % count or (before + 1) % count))
    else:
        target = 0 if before >= count / 2 else count - 1  # the far end of the track, by a click there
        box = control.bounding_box()
        control.click(position={"x": 2 if target == 0 else box["width"] - 2, "y": box["height"] / 2})
    after = int(control.input_value())
    assert after != before, f"{how} did not move control {spec['controls'][index]['name']!r}"
    return after


def settings_of(spec, key):
    settings = dict(spec["settings"])
    for control, k in zip(spec["controls"], key.split(",")):
        settings[control["name"]] = control["values"][int(k)]
    return settings


_REBUILT = {}


def fresh_readout(recipe_json, settings):
    """The readout and numbers a newly built explorer computes for ``settings``."""
    from xai_teach import widgets

    if recipe_json not in _REBUILT:
        _REBUILT[recipe_json] = widgets.rebuild(json.loads(recipe_json))
    explorer = _REBUILT[recipe_json]
    result = explorer.compute(**settings)
    return explorer.readout(result, settings), explorer.numbers(result)


@pytest.mark.parametrize("page", pages_with_views())
def test_every_control_moves_the_view_and_shows_what_python_computes(browser, page):
    context, tab, errors = open_page(browser, page)
    views = tab.locator(".xai-book-view")
    assert views.count() > 0
    checked = []
    for v in range(views.count()):
        view = views.nth(v)
        view.scroll_into_view_if_needed()
        assert view.get_attribute("data-ready") == "1", f"the script of book view {v} on {page} did not run"
        spec = json.loads(view.locator("script.xbv-data").text_content())
        recipe = view.get_attribute("data-recipe")
        for index, control in enumerate(spec["controls"]):
            if len(control["labels"]) < 2:
                continue
            for how in ("keyboard", "pointer", "keyboard"):
                before = shown(view)
                move(view, index, how, spec)
                now = shown(view)
                assert now["state"] != before["state"], f"{how} on {control['name']!r} left the state unchanged"
                assert now["picture"] != before["picture"], f"{how} on {control['name']!r}: the picture stayed"
                state = spec["states"][now["state"]]
                assert now["readout"] == state[1] and now["numbers"] == state[2]
                if now["alt"] is not None:
                    assert now["alt"].endswith(state[1])
                checked.append((recipe, now["state"], now["readout"], now["numbers"], spec))
    assert not errors, f"JavaScript errors on {page}: {errors}"
    context.close()
    for recipe, key, readout, numbers, spec in checked:
        assert recipe, f"a book view on {page} carries no recipe to check it against"
        settings = settings_of(spec, key)
        text, values = fresh_readout(recipe, settings)
        assert readout == text, f"{page}: the page shows {readout!r}, a fresh compute gives {text!r}"
        for name, value in values.items():
            assert numbers[name] == pytest.approx(value, abs=1e-4), f"{page}: {name} differs at {settings}"


def page_weight(tab, page):
    """(bytes of the page's HTML, of the images it loads from files, of its book views)."""
    html_bytes = (HTML / f"{page}.html").stat().st_size
    sources = tab.eval_on_selector_all("img", "imgs => imgs.map(i => i.src)")
    files = {Path(unquote(urlparse(s).path)) for s in sources if s.startswith("file:")}
    image_bytes = sum(f.stat().st_size for f in files if f.exists())
    views = tab.eval_on_selector_all(".xai-book-view", "vs => vs.map(v => v.outerHTML.length)")
    return html_bytes, image_bytes, int(np.sum(views)) if views else 0


def test_page_weight_is_reported_and_bounded(browser):
    report, over = {}, []
    for page in [p for p in built_pages() if p.startswith("notebooks/")]:
        context, tab, _ = open_page(browser, page)
        html_bytes, image_bytes, view_bytes = page_weight(tab, page)
        context.close()
        report[page] = {"html": html_bytes, "images": image_bytes, "book_views": view_bytes}
        if view_bytes > VIEWS_BUDGET or html_bytes + image_bytes > PAGE_BUDGET:
            over.append(page)
    (HTML.parent / "page_weight.json").write_text(json.dumps(report, indent=1))
    for page, r in report.items():
        print(
            f"{page}: {r['html'] / 1e6:.2f} MB HTML ({r['book_views'] / 1e6:.2f} MB book views), "
            f"{r['images'] / 1e6:.2f} MB images"
        )
    assert report, "no chapter was built"
    assert not over, f"pages over budget (book views <= 3 MB, page <= 6 MB): {over}"


@pytest.mark.parametrize("page", built_pages())
def test_every_image_has_alt_text(browser, page):
    """Alt text says what a figure shows: set it in the cell's metadata (mystnb.image.alt; scripts/alt_text.py)."""
    context, tab, _ = open_page(browser, page)
    images = tab.eval_on_selector_all(
        "main img, article img, .bd-article img",
        "imgs => imgs.map(i => ({alt: (i.getAttribute('alt') || '').trim(), src: i.getAttribute('src') || ''}))",
    )
    context.close()
    bad = [
        i["src"][:80]
        for i in images
        if not i["alt"] or re.fullmatch(r"[\w./-]+\.(png|jpe?g|svg|gif)", i["alt"]) or i["alt"] in i["src"]
    ]
    assert not bad, f"{page}: {len(bad)} image(s) without alt text saying what they show: {bad[:5]}"


LIVE = """from xai_teach import data, models, widgets
(_, _), (x_test, _) = data.load_mnist()
explorer = widgets.occlusion_explorer(models.load_pretrained("mnist_cnn"), x_test[8])
explorer.show()"""


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab on loopback, offline, serving one notebook with a live explorer; yields its URL."""
    import secrets
    import subprocess
    import sys
    import time
    import urllib.request

    import nbformat

    folder = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(LIVE)]
    nb.cells[0]["id"] = "live"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "live.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XAI_TEACH_PROGRESS": "0"}
    lab = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--ServerApp.port_retries=0", "--allow-root"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("JupyterLab did not start on loopback within 300 s")
        yield f"http://127.0.0.1:{port}/lab/tree/live.ipynb?token={token}"
    finally:
        lab.terminate()
        lab.wait(timeout=30)


def test_live_widget_in_jupyterlab_redraws_in_place(jupyterlab, browser):
    """The live path: run the notebook in JupyterLab, move a slider by keyboard; the image and the readout
    change in place (the same <img>, no new output) and no error appears."""
    # The module's browser: a second sync_playwright() inside the first one's event loop is refused.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(re.compile(r"^(?!(http://127\.0\.0\.1|ws://127\.0\.0\.1|blob:|data:)).*"), lambda r: r.abort())
    tab = context.new_page()
    tab.goto(jupyterlab, wait_until="load")
    tab.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=120_000)
    tab.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget; const k = w && w.sessionContext"
        " && w.sessionContext.session && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
        timeout=300_000,
    )
    tab.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    image = tab.locator(".jp-OutputArea-output img").first
    image.wait_for(timeout=300_000)
    tab.wait_for_function("() => document.querySelector('.jp-OutputArea-output img').src", timeout=60_000)
    before = image.get_attribute("src")
    status = tab.locator(".widget-html-content", has_text="hidden: p(").first
    text_before = status.inner_text()
    handle = tab.locator(".widget-slider .noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    tab.wait_for_function(
        "old => { const i = document.querySelector('.jp-OutputArea-output img'); return i && i.src !== old; }",
        arg=before,
        timeout=120_000,
    )
    tab.wait_for_function("() => !document.body.innerText.includes('computing…')", timeout=120_000)
    assert status.inner_text() != text_before and "(11, 10)" in status.inner_text()
    assert tab.locator(".jp-OutputArea-output img").count() == 1  # redrawn in place, not appended
    errors = tab.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert "Traceback" not in " ".join(errors.all_inner_texts())
    context.close()
