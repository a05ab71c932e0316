"""The book view: every grid state computed once by the explorer's own compute, deterministic, valid HTML/JSON."""

import matplotlib

matplotlib.use("Agg")

import base64  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

import ipywidgets as w  # noqa: E402
import pytest  # noqa: E402

from xai_teach import explain, widgets  # noqa: E402
from xai_teach.widgets import book, core  # noqa: E402

REVIEW = "A wonderful film with superb acting, although the ending was a bit dull and the music awful."


def spec_of(view):
    """The JSON the page's script reads."""
    match = re.search(r'<script type="application/json" class="xbv-data">(.*?)</script>', view.source, re.S)
    return json.loads(match.group(1))


class Checker(HTMLParser):
    """Collects tags and fails on a close tag that does not match the open one."""

    VOID = {"img", "input", "br", "meta", "link"}

    def __init__(self):
        super().__init__()
        self.stack, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()


def parse(view):
    checker = Checker()
    checker.feed(view.source)
    checker.close()
    assert not checker.stack, f"unclosed tags: {checker.stack}"
    return checker.tags


@pytest.fixture(scope="module")
def occlusion(zoo, digits):
    return widgets.occlusion_explorer(zoo("mnist_linear"), digits[0][4])


def test_every_state_is_computed_once_with_the_explorers_compute(occlusion):
    seen = []
    original = occlusion.compute
    occlusion.compute = lambda **s: seen.append(tuple(sorted(s.items()))) or original(**s)
    try:
        view = occlusion.book({"row": [0, 10, 20], "col": [4, 12], "size": [4, 8]})
    finally:
        occlusion.compute = original
    assert len(seen) == len(set(seen)) == 3 * 2 * 2 == len(view.states)
    spec = spec_of(view)
    for key, (payload, text, numbers) in spec["states"].items():
        r, c, s = (int(k) for k in key.split(","))
        settings = {"row": [0, 10, 20][r], "col": [4, 12][c], "size": [4, 8][s]}
        fresh = original(**settings)
        assert text == occlusion.readout(fresh, settings)
        target = occlusion.recipe["target"]
        assert numbers["p_target"] == pytest.approx(float(fresh["probs"][target]), abs=1e-6)
        assert numbers["predicted"] == int(fresh["probs"].argmax())
        assert 0 <= payload < len(spec["payloads"])


def test_the_view_is_deterministic_and_valid_html_with_labelled_keyboard_controls(occlusion):
    grid = {"row": [0, 14], "col": [8], "size": [4, 8, 12]}
    first, second = occlusion.book(grid), occlusion.book(grid)
    assert first.source == second.source
    tags = parse(first)
    ranges = [a for t, a in tags if t == "input"]
    assert [a["type"] for a in ranges] == ["range", "range", "range"]
    labels = {a["for"] for t, a in tags if t == "label"}
    assert {a["id"] for a in ranges} <= labels
    assert [int(a["max"]) for a in ranges] == [1, 0, 2]
    readout = [a for t, a in tags if t == "p" and a.get("aria-live")]
    assert readout and readout[0]["role"] == "status"
    images = [a for t, a in tags if t == "img"]
    assert len(images) == 1 and images[0]["alt"].startswith(occlusion.title)
    assert base64.b64decode(images[0]["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    spec = spec_of(first)
    assert spec["controls"][2]["values"] == [4, 8, 12] and spec["controls"][2]["labels"] == ["4", "8", "12"]
    assert 'src="http' not in first.source and "<script src" not in first.source  # nothing fetched


def test_the_view_opens_at_the_initial_settings_snapped_to_the_grid(occlusion):
    view = occlusion.book({"row": [0, 10, 20], "size": [4, 8]}, initial={"row": 11, "size": 8})
    assert 'data-state="1,1"' in view.source
    assert "8×8 at (10, 10)" in view.states["1,1"][1]


def test_float_values_are_labelled_to_the_sliders_precision(zoo, digits):
    controls = {"noise": w.FloatSlider(value=0.2, min=0.0, max=0.3, step=0.05, description="noise")}
    explorer = widgets.method_explorer(zoo("mnist_linear"), digits[0][1], explain.saliency, controls)
    options = book.grid_options("noise", controls["noise"], None)
    assert [label for label, _ in options] == ["0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30"]
    assert explorer.describe({"noise": 0.1 + 0.15}) == "noise=0.25"
    assert core.format_value(0.25000000000000006, 2) == "0.25" and core.format_value(7) == "7"


def test_free_text_needs_prepared_values_and_a_menu_offers_them(zoo):
    bow = zoo("imdb_bow")
    editor = widgets.review_explorer(bow, REVIEW)
    with pytest.raises(ValueError, match="prepared values"):
        editor.book({"text": None})
    edits = widgets.prepared_edits(bow, REVIEW)
    assert list(edits.values())[0] == " ".join(explain.tokenize(bow, REVIEW)[0])
    assert any("superb" not in t for t in edits.values()) and any(" not " in t for t in edits.values())
    view = editor.book({"text": edits})
    tags = parse(view)
    options = [a for t, a in tags if t == "option"]
    assert len(options) == len(edits) and len(view.states) == len(edits)
    assert not [a for t, a in tags if t == "img"] and "xbv-html" in view.source
    spec = spec_of(view)
    for key, (payload, text, numbers) in spec["states"].items():
        settings = {"text": list(edits.values())[int(key)], "method": "gradient_x_input"}
        fresh = editor.compute(**settings)
        assert text == editor.readout(fresh, settings)
        assert numbers["p_positive"] == pytest.approx(float(fresh["probs"][1]), abs=1e-6)
        assert spec["payloads"][payload] == editor.draw(fresh, settings)


def test_attention_has_its_own_scale_and_says_it_is_not_evidence(zoo):
    editor = widgets.review_explorer(zoo("imdb_transformer"), REVIEW)
    page, _, _ = editor.render({"text": REVIEW, "method": "attention"})
    assert "not evidence for or against a class" in page and "red for, blue against" not in page
    assert "rgba(128,60,170," in page and "rgba(220,40,40" not in page
    page, _, _ = editor.render({"text": REVIEW, "method": "gradient_x_input"})
    assert "red for, blue against" in page


def test_a_view_over_its_budget_says_to_offer_fewer_values(occlusion):
    with pytest.raises(ValueError, match="fewer values"):
        book.book_view(occlusion, {"row": [0, 10], "size": [4, 8]}, budget=1000)
    with pytest.raises(ValueError, match="controls the explorer does not have"):
        occlusion.book({"colour": [1]})
    with pytest.raises(TypeError, match="list of values"):
        occlusion.book({"row": 3})


def test_rebuild_gives_an_explorer_that_computes_the_same_states(occlusion, zoo, digits):
    view = occlusion.book({"row": [0, 12], "size": [6]})
    recipe = json.loads(html.unescape(re.search(r"data-recipe='([^']*)'", view.source).group(1)))
    fresh = widgets.rebuild(recipe)
    for key, (_, text, _) in view.states.items():
        settings = {"row": [0, 12][int(key.split(",")[0])], "col": 10, "size": 6}
        assert fresh.readout(fresh.compute(**settings), settings) == text
    with pytest.raises(ValueError, match="unknown explorer"):
        widgets.rebuild({**recipe, "explorer": "nothing"})


def test_slow_explorers_update_on_release_and_show_a_busy_state(zoo, digits):
    controls = {"num_samples": w.SelectionSlider(options=[100, 300], value=100, description="samples")}
    lime = widgets.method_explorer(zoo("mnist_linear"), digits[0][7], explain.lime_image, controls)
    assert lime.slow and controls["num_samples"].continuous_update is False
    assert "equal-height steps" in lime.note
    fast = widgets.method_explorer(zoo("mnist_linear"), digits[0][7], explain.saliency, {})
    assert not fast.slow
    box = lime.widget()
    status, image = box.children[2], box.children[3]
    shown = []
    status.observe(lambda change: shown.append(change["new"]), names="value")
    before = image.value
    controls["num_samples"].value = 300
    assert shown[0] == f"<i>{core.BUSY}</i>" and "num_samples=300" in shown[-1]
    assert image.value != before and image.value[:4] == b"\x89PNG"
    titles = [c.value for c in box.children if isinstance(c, w.HTML) and c.value.startswith("<b>")]
    assert len(titles) == 1


def test_the_alt_text_check_lists_figure_cells_without_alt_text(tmp_path):
    import importlib.util
    from pathlib import Path

    import nbformat

    path = Path(__file__).resolve().parents[1] / "scripts" / "alt_text.py"
    spec = importlib.util.spec_from_file_location("alt_text", path)
    alt_text = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(alt_text)
    nb = nbformat.v4.new_notebook()
    cells = [
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nplt.show()"),
        nbformat.v4.new_code_cell("plt.plot([1, 2])\nplt.show()"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("explorer.show()"),
    ]
    cells[1].metadata["mystnb"] = {"image": {"alt": "A rising line."}}
    cells[3].metadata["tags"] = ["remove-output"]
    for i, cell in enumerate(cells):
        cell["id"] = f"c{i}"
    nb.cells = cells
    notebook = tmp_path / "ch.ipynb"
    nbformat.write(nb, notebook)
    assert [cell_id for cell_id, _ in alt_text.missing(notebook)] == ["c0"]
    assert alt_text.main(["--check", str(notebook)]) == 1
    cells[0].metadata["mystnb"] = {"image": {"alt": "An empty plot."}}
    nbformat.write(nb, notebook)
    assert alt_text.main(["--check", str(notebook)]) == 0


def test_without_a_grid_every_value_of_every_control_is_offered(zoo, digits):
    controls = {"samples": w.SelectionSlider(options=[2, 4], value=2, description="samples")}
    explorer = widgets.method_explorer(zoo("mnist_linear"), digits[0][2], explain.smoothgrad, controls)
    view = explorer.book()
    assert sorted(view.states) == ["0", "1"] and 'max="1"' in view.source
    assert "samples=4" in view.states["1"][1]


def test_initial_settings_outside_the_grid_are_the_ones_computed(occlusion):
    view = occlusion.book({"row": [0, 20]}, initial={"size": 3, "col": 5})
    assert all("3×3 at" in text and ", 5)" in text for _, text, _ in view.states.values())
    assert spec_of(view)["settings"]["size"] == 3 and spec_of(view)["settings"]["col"] == 5
