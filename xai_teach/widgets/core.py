"""The explorer behind every widget: one pure compute function, one draw function, two views.

- ``explorer.widget()``: live ipywidgets controls (works with ipywidgets 7.7, what Colab ships, and 8);
- ``explorer.static(settings)``: a grid of representative settings for the rendered book, where no
  Python runs behind the sliders. Both draw with the same code.
"""

import ipywidgets as w
import matplotlib.pyplot as plt
from IPython.display import display


class Explorer:
    """Controls + a pure compute function + a draw function.

    Args:
        compute: ``compute(**settings) -> dict`` of everything the drawing needs.
        draw: ``draw(axes, result, settings)`` fills one row of axes.
        controls: name -> ipywidgets control; their values are the settings.
        panels: how many axes one setting needs.
        title: a line above the live view and the static grid.
    """

    def __init__(self, compute, draw, controls, panels, title):
        self.compute, self.draw, self.controls, self.panels, self.title = compute, draw, controls, panels, title

    def settings(self):
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    def _figure(self, rows):
        fig, axes = plt.subplots(len(rows), self.panels, figsize=(2.6 * self.panels, 2.4 * len(rows)), squeeze=False)
        for ax_row, settings in zip(axes, rows):
            self.draw(ax_row, self.compute(**settings), settings)
        fig.suptitle(self.title, fontsize=10)
        fig.tight_layout()
        return fig

    def static(self, rows):
        """A grid with one row per dict of settings (missing keys take the controls' values)."""
        return self._figure([{**self.settings(), **row} for row in rows])

    def widget(self):
        """Live controls; every change recomputes and redraws."""

        def redraw(**settings):
            self._figure([settings])
            plt.show()

        out = w.interactive_output(redraw, self.controls)
        return w.VBox([w.HTML(f"<b>{self.title}</b>"), w.HBox(list(self.controls.values())), out])

    def show(self):
        """Display the live widget (in Jupyter or Colab)."""
        display(self.widget())


def probability_bars(ax, probs, highlight, labels=None):
    labels = [str(i) for i in range(len(probs))] if labels is None else labels
    colours = ["#c44e52" if i == highlight else "#4c72b0" for i in range(len(probs))]
    ax.bar(labels, probs, color=colours)
    ax.set_ylim(0, 1)
    ax.set_title(f"p({labels[highlight]}) = {probs[highlight]:.2f}", fontsize=9)
