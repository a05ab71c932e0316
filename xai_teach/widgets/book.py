"""The book view: an explorer evaluated over a grid of settings at build time, switched in the browser.

``explorer.book(grid)`` runs the explorer's own ``compute`` once for every combination of the grid's
values and draws each state with its own ``draw`` (a small PNG, or HTML for the text explorers). The
result is one self-contained HTML block: real ``<input type="range">`` sliders and ``<select>`` menus
(keyboard-operable, labelled), the image, and a text readout in an ``aria-live`` region that screen
readers announce and tests read. A few lines of inline JavaScript swap the precomputed states; nothing
is fetched, so it works on a static page, offline, and in Jupyter. Sliders show only values that exist.

Each state also carries the numbers its readout quotes, and the block carries the explorer's recipe
(:func:`xai_teach.widgets.rebuild`), so that a browser test can compare what the page shows with a fresh computation.
"""

import base64
import hashlib
import html
import io
import itertools
import json

import ipywidgets as w
import numpy as np

from ._format import decimals, format_value

#: Bytes one book view may add to its page; a chapter's views together should stay near 3 MB.
BUDGET = 3_000_000

SLIDERS = (w.IntSlider, w.FloatSlider, w.SelectionSlider, w.FloatLogSlider)

_SCRIPT = """(function () {
  var root = document.getElementById("%(id)s");
  if (!root || root.getAttribute("data-ready")) return;
  root.setAttribute("data-ready", "1");
  var spec = JSON.parse(root.querySelector("script.xbv-data").textContent);
  var inputs = root.querySelectorAll("[data-control]");
  var img = root.querySelector("img.xbv-image"), box = root.querySelector(".xbv-html");
  var out = root.querySelector(".xbv-readout");
  function update() {
    var key = [];
    for (var i = 0; i < inputs.length; i++) {
      var k = parseInt(inputs[i].value, 10), label = spec.controls[i].labels[k];
      key.push(k);
      root.querySelector('[data-shows="' + i + '"]').textContent = label;
      if (inputs[i].type === "range") inputs[i].setAttribute("aria-valuetext", label);
    }
    var state = spec.states[key.join(",")];
    if (img) { img.src = "data:image/png;base64," + spec.payloads[state[0]]; img.alt = spec.alt + ": " + state[1]; }
    else { box.innerHTML = spec.payloads[state[0]]; }
    out.textContent = state[1];
    root.setAttribute("data-state", key.join(","));
    root.setAttribute("data-numbers", JSON.stringify(state[2]));
  }
  for (var j = 0; j < inputs.length; j++) {
    inputs[j].addEventListener("input", update);
    inputs[j].addEventListener("change", update);
  }
  update();
})();"""

_STYLE = "border:1px solid #ddd;border-radius:4px;padding:8px 10px;margin:10px 0;font-family:sans-serif;font-size:90%"


def grid_options(name, control, spec):
    """``[(label, value), ...]``: the values the book offers for one control, each labelled as the reader sees it.

    ``spec`` None takes every value of a menu or slider (a slider's values at its step); a list gives the
    values; a dict gives ``{label: value}`` (for a menu of prepared values, e.g. edits of a review).
    """
    digits = decimals(control)
    if isinstance(spec, dict):
        options = [(str(label), value) for label, value in spec.items()]
    elif spec is not None:
        if isinstance(spec, (str, bytes)) or not hasattr(spec, "__iter__"):
            raise TypeError(f"grid[{name!r}] must be a list of values or a dict label -> value, got {spec!r}.")
        options = [(format_value(v, digits), v) for v in spec]
    elif isinstance(control, (w.Dropdown, w.SelectionSlider, w.RadioButtons, w.ToggleButtons)):
        options = [(str(label), value) for label, value in zip(control._options_labels, control._options_values)]
    elif isinstance(control, w.IntSlider):
        options = [(str(v), v) for v in range(control.min, control.max + 1, control.step)]
    elif isinstance(control, w.FloatSlider):
        count = int(round((control.max - control.min) / control.step)) + 1
        values = control.min + control.step * np.arange(count)
        options = [(format_value(v, digits), round(float(v), digits)) for v in values]
    else:
        raise ValueError(
            f"the book cannot precompute every value of control {name!r} ({type(control).__name__}): "
            f"give grid[{name!r}] as a dict of prepared values, label -> value."
        )
    if not options:
        raise ValueError(f"grid[{name!r}] is empty; give at least one value.")
    return options


def _png(data):
    """The PNG re-encoded with a palette of at most 64 colours: under half the bytes, the same look."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _plain(value):
    """A number or str for JSON (numpy scalars become Python ones)."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    return value


def evaluate(explorer, grid=None, initial=None):
    """Every state of the grid, each computed once: ``(controls, states, payloads, start)``.

    ``controls``: ``[(name, [(label, value), ...]), ...]`` in the explorer's control order;
    ``states``: ``{"i,j,...": (payload_index, readout, numbers)}`` keyed by the value indices;
    ``payloads``: unique PNG bytes (image explorers) or HTML strings (text explorers);
    ``start``: the key of the state shown first.
    """
    grid = {name: None for name in explorer.controls} if grid is None else dict(grid)
    unknown = set(grid) - set(explorer.controls)
    if unknown:
        raise ValueError(
            f"grid names controls the explorer does not have: {sorted(unknown)}; "
            f"its controls are {list(explorer.controls)}."
        )
    base = {**explorer.settings(), **(initial or {})}  # controls outside the grid keep these values
    controls = [
        (name, grid_options(name, explorer.controls[name], grid[name])) for name in explorer.controls if name in grid
    ]
    start = [_nearest([v for _, v in options], base[name]) for name, options in controls]
    states, payloads, index = {}, [], {}
    for key in itertools.product(*[range(len(options)) for _, options in controls]):
        settings = dict(base)
        settings.update({name: options[k][1] for (name, options), k in zip(controls, key)})
        payload, text, result = explorer.render(settings)
        if isinstance(payload, bytes):
            payload = _png(payload)
        digest = hashlib.sha1(payload if isinstance(payload, bytes) else payload.encode()).hexdigest()
        if digest not in index:
            index[digest] = len(payloads)
            payloads.append(payload)
        numbers = {k: _plain(v) for k, v in explorer.numbers(result).items()}
        states[",".join(map(str, key))] = (index[digest], text, numbers)
    return controls, states, payloads, ",".join(map(str, start))


def _nearest(values, value):
    """The index of ``value`` among ``values``, or of the nearest number (the slider snaps)."""
    for i, v in enumerate(values):
        if v == value:
            return i
    numeric = [i for i, v in enumerate(values) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)]
    if numeric and isinstance(value, (int, float, np.number)):
        return min(numeric, key=lambda i: abs(values[i] - value))
    return 0


class BookView:
    """A book view's HTML (rendered by notebooks and the built book) and what it was built from.

    Attributes:
        source: the self-contained HTML block.
        controls, states, payloads: as returned by :func:`evaluate`.
        nbytes: the size of ``source`` in bytes (what the view adds to its page).
    """

    def __init__(self, source, controls, states, payloads):
        self.source, self.controls, self.states, self.payloads = source, controls, states, payloads
        self.nbytes = len(source.encode())

    def _repr_html_(self):
        return self.source

    def __repr__(self):
        return f"<BookView: {len(self.states)} states, {self.nbytes / 1e6:.2f} MB>"


def book_view(explorer, grid=None, initial=None, alt=None, budget=BUDGET):
    """The HTML book view of ``explorer`` (see :meth:`Explorer.book`)."""
    controls, states, payloads, start = evaluate(explorer, grid, initial)
    is_image = isinstance(payloads[0], bytes)
    encoded = [base64.b64encode(p).decode() if is_image else p for p in payloads]
    alt = alt or explorer.title
    spec = {
        "alt": alt,
        "controls": [
            {"name": name, "labels": [label for label, _ in options], "values": [_plain(v) for _, v in options]}
            for name, options in controls
        ],
        "settings": {name: _plain(v) for name, v in {**explorer.settings(), **(initial or {})}.items()},
        "states": {key: list(state) for key, state in states.items()},
        "payloads": encoded,
    }
    data = json.dumps(spec, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    uid = "xbv-" + hashlib.sha1(data.encode()).hexdigest()[:12]
    first = states[start]
    parts = [f'<div class="xai-book-view" id="{uid}" data-state="{start}" style="{_STYLE}"']
    parts.append(f" data-numbers='{html.escape(json.dumps(first[2]), quote=True)}'")
    if explorer.recipe is not None:
        parts.append(f" data-recipe='{html.escape(json.dumps(explorer.recipe), quote=True)}'")
    parts.append(f'><div style="font-weight:bold;margin-bottom:4px">{html.escape(explorer.title)}</div>')
    parts.append('<div class="xbv-controls" style="display:flex;flex-wrap:wrap;gap:6px 18px;margin-bottom:6px">')
    for i, (name, options) in enumerate(controls):
        k = int(start.split(",")[i])
        label = html.escape(_description(explorer.controls[name], name))
        cid = f"{uid}-{i}"
        slider = _is_slider(explorer.controls[name], grid or {}, name)
        style = "min-width:3em" if slider else "display:none"  # a menu shows its value itself
        shown = f'<output data-shows="{i}" for="{cid}" style="{style}">{html.escape(options[k][0])}</output>'
        if slider:
            control = (
                f'<input type="range" id="{cid}" data-control="{html.escape(name)}" min="0" max="{len(options) - 1}" '
                f'step="1" value="{k}" aria-valuetext="{html.escape(options[k][0])}" style="width:11em">'
            )
        else:
            items = "".join(
                f'<option value="{j}"{" selected" if j == k else ""}>{html.escape(lab)}</option>'
                for j, (lab, _) in enumerate(options)
            )
            control = f'<select id="{cid}" data-control="{html.escape(name)}">{items}</select>'
        parts.append(f'<span><label for="{cid}">{label}</label> {control} {shown}</span>')
    parts.append("</div>")
    if is_image:
        parts.append(
            f'<img class="xbv-image" src="data:image/png;base64,{encoded[first[0]]}" '
            f'alt="{html.escape(alt)}: {html.escape(first[1])}" style="max-width:100%">'
        )
    else:
        parts.append(f'<div class="xbv-html">{payloads[first[0]]}</div>')
    parts.append(
        f'<p class="xbv-readout" role="status" aria-live="polite" style="margin:4px 0;font-family:monospace">'
        f"{html.escape(first[1])}</p>"
    )
    if explorer.note:
        parts.append(f'<p style="margin:2px 0;color:#555">{html.escape(explorer.note)}</p>')
    parts.append(f'<script type="application/json" class="xbv-data">{data}</script>')
    parts.append(f"<script>{_SCRIPT % {'id': uid}}</script></div>")
    source = "".join(parts)
    view = BookView(source, controls, states, payloads)
    if view.nbytes > budget:
        raise ValueError(
            f"the book view of {explorer.title!r} takes {view.nbytes / 1e6:.1f} MB ({len(states)} states), over the "
            f"{budget / 1e6:.1f} MB budget: offer fewer values in grid."
        )
    return view


def _description(control, name):
    return getattr(control, "description", None) or name


def _is_slider(control, grid, name):
    """Sliders stay sliders (over the offered values); menus and prepared values become a <select>."""
    return isinstance(control, SLIDERS) and not isinstance(grid.get(name), dict)
