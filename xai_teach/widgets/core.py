"""The explorer behind every widget: one pure compute function, one draw function, three views.

- ``explorer.widget()``: live ipywidgets controls (works with ipywidgets 7.7, what Colab ships, and 8); the
  image is redrawn in place, and a status line says "computing…" while a slow method runs;
- ``explorer.book(grid)``: the explorer evaluated over a grid of control values when the book is built,
  as one self-contained HTML block with real sliders and menus that switch between the precomputed
  states in the browser (no kernel, no network; see :mod:`xai_teach.widgets.book`);
- ``explorer.static(settings)``: a grid of representative settings, the printed fallback.

All three compute with ``compute`` and draw with ``draw``: no explorer is implemented twice.
"""

import io

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ._format import decimals, format_value  # noqa: F401  (image and text import them from here)

BUSY = "computing…"


class Explorer:
    """Controls + a pure compute function + a draw function.

    Args:
        compute: ``compute(**settings) -> dict`` of everything the drawing needs.
        draw: ``draw(axes, result, settings)`` fills one row of axes.
        controls: name -> ipywidgets control; their values are the settings.
        panels: how many axes one setting needs.
        title: a line above each view (shown once: the figures carry no second title).
        readout: ``readout(result, settings) -> str``, one line of text that says what the view shows
            (the live status line, the book view's screen-reader readout and image alt text).
            Default: the settings.
        numbers: ``numbers(result) -> dict`` of the few numbers the readout quotes (the book view embeds
            them, so that a test can compare them with a fresh computation). Default: none.
        slow: True when one update can take over ~200 ms: sliders then update on release only
            (``continuous_update=False``), so that dragging does not queue recomputations.
        note: a sentence shown under every view (e.g. how to read a chart).
        recipe: how to rebuild this explorer from scratch (see :func:`xai_teach.widgets.rebuild`).
    """

    def __init__(
        self, compute, draw, controls, panels, title, readout=None, numbers=None, slow=False, note=None, recipe=None
    ):
        self.compute, self.draw, self.controls, self.panels, self.title = compute, draw, controls, panels, title
        self._readout, self._numbers = readout, numbers
        self.slow, self.note, self.recipe = slow, note, recipe
        self._canvas = None
        if slow:
            for control in controls.values():
                if hasattr(control, "continuous_update") and not isinstance(control, (w.Textarea, w.Text)):
                    control.continuous_update = False

    def settings(self):
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    def describe(self, settings):
        """The settings as text, each value to its control's precision."""
        return ", ".join(f"{name}={format_value(v, decimals(self.controls.get(name)))}" for name, v in settings.items())

    def readout(self, result, settings):
        """One line saying what the view shows for ``settings`` (given their ``result``)."""
        return self._readout(result, settings) if self._readout else self.describe(settings)

    def numbers(self, result):
        """The numbers the readout quotes, as plain floats/ints/str (for the book view and its tests)."""
        return self._numbers(result) if self._numbers else {}

    def _figure(self, rows, title=None):
        fig, axes = plt.subplots(len(rows), self.panels, figsize=(2.6 * self.panels, 2.4 * len(rows)), squeeze=False)
        for ax_row, settings in zip(axes, rows):
            self.draw(ax_row, self.compute(**settings), settings)
        if title:
            fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        return fig

    def static(self, rows):
        """A grid with one row per dict of settings (missing keys take the controls' values)."""
        return self._figure([{**self.settings(), **row} for row in rows], title=self.title)

    def render(self, settings, dpi=80):
        """``(png_bytes, readout, result)`` of one setting: what the live view and the book view show.

        One figure, outside pyplot (so that no notebook cell shows it by accident), is cleared and redrawn
        for every setting: no new figure per slider move.
        """
        result = self.compute(**settings)
        if getattr(self, "_canvas", None) is None:
            figure = Figure(figsize=(2.6 * self.panels, 2.4), dpi=dpi)
            FigureCanvasAgg(figure)
            self._canvas = (figure, [figure.add_subplot(1, self.panels, i + 1) for i in range(self.panels)], [False])
        figure, axes, laid_out = self._canvas
        for ax in axes:
            ax.clear()
            ax.axis("on")
        self.draw(axes, result, settings)
        if not laid_out[0]:
            figure.tight_layout()  # once: the panels keep their place while the sliders move
            laid_out[0] = True
        if figure.get_dpi() != dpi:
            figure.set_dpi(dpi)
        figure.canvas.draw()  # one draw, encoded by PIL: half the time of savefig, which draws twice
        pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3]
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG", compress_level=6)
        return buffer.getvalue(), self.readout(result, settings), result

    def widget(self):
        """Live controls; every change recomputes and redraws the image in place (ipywidgets 7.7 and 8)."""
        image = w.Image(format="png")
        status = w.HTML()

        def redraw(_change=None):
            status.value = f"<i>{BUSY}</i>"
            png, text, _ = self.render(self.settings(), dpi=90)
            image.value = png
            status.value = _escape(text)

        redraw()
        for control in self.controls.values():
            control.observe(redraw, names="value")
        parts = [w.HTML(f"<b>{_escape(self.title)}</b>"), w.HBox(list(self.controls.values())), status, image]
        if self.note:
            parts.append(w.HTML(f"<small>{_escape(self.note)}</small>"))
        return w.VBox(parts)

    def show(self):
        """Display the live widget (in Jupyter or Colab)."""
        display(self.widget())

    def book(self, grid=None, initial=None, alt=None):
        """The book view: sliders and menus over precomputed states, as self-contained HTML.

        Args:
            grid: control name -> the values the book offers (a list, or a dict label -> value for a menu);
                names left out keep the control's current value (no control is shown for them). Default:
                every value of every control (free text has none: give it prepared values).
            initial: settings the view opens with (default: the controls' values, snapped to the grid).
            alt: the image's alt text before the readout is appended (default: the title).
        """
        from .book import book_view

        return book_view(self, grid, initial, alt)


def _escape(text):
    import html

    return html.escape(str(text))


def probability_bars(ax, probs, highlight, labels=None):
    labels = [str(i) for i in range(len(probs))] if labels is None else labels
    colours = ["#c44e52" if i == highlight else "#4c72b0" for i in range(len(probs))]
    ax.bar(labels, probs, color=colours)
    ax.set_ylim(0, 1)
    ax.set_title(f"p({labels[highlight]}) = {probs[highlight]:.2f}", fontsize=9)
