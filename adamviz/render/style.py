"""Colours and markers, chosen to survive colour blindness and a projector.

Run colours are the Okabe-Ito palette without its green and vermillion, which are reserved for the
start (green circle) and end (red cross) markers as in Figure 3 of "Mr. Adam Who Are You?"; start
and end also differ in shape, so they read without colour.
"""

RUN_COLORS = ("#0072B2", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
START = {"marker": "o", "color": "#009E73", "edgecolor": "black", "size": 90}
END = {"marker": "X", "color": "#D55E00", "edgecolor": "black", "size": 120}
GLOBAL_MIN = {"marker": "*", "color": "white", "edgecolor": "black", "size": 420}
LOCAL_MIN = {"marker": "D", "color": "none", "edgecolor": "black", "size": 200}
# Background: grey, darker where the loss is low, kept light enough that every run colour and
# the white global-minimum star stand out; (low, high) is the slice of the colour map used.
BACKGROUND_CMAP = "Greys_r"
BACKGROUND_RANGE = (0.42, 1.0)
MARKERS_UP_TO = 60  # draw a dot at every step when a run has at most this many steps


# Text a user wrote (titles, surface descriptions, labels) is drawn as it is: a '$' is a dollar
# sign, not the start of mathtext that may not parse. Math is drawn only when asked for.
LITERAL = {"parse_math": False}


def literal_legend(legend):
    """A legend whose labels are drawn as they are (see ``LITERAL``)."""
    for text in legend.get_texts():
        text.set_parse_math(False)
    return legend


def run_color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


def key_colors() -> list[tuple[int, int, int]]:
    """RGB of every colour the style uses on its own (runs, start, end, black, white)."""
    hexes = [*RUN_COLORS, START["color"], END["color"], "#000000", "#FFFFFF"]
    return [tuple(int(h[i: i + 2], 16) for i in (1, 3, 5)) for h in hexes]
