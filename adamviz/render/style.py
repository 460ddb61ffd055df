"""Colours, line styles and markers, chosen to survive colour blindness and a projector.

Runs take the Okabe-Ito palette (colour-blind safe) without its green, which is the start marker's,
and cycle through three line styles once the seven colours are used, so the first 21 runs all
differ (a test checks 12 under simulated colour blindness). Every run line has a dark halo, so
yellow stays visible on white and the light colours on the grey surface. A run's end marker is a
cross in its own colour; the start is a green circle: shape tells them apart without colour.
"""

RUN_COLORS = ("#0072B2", "#E69F00", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
RUN_LINESTYLES = ("-", (0, (5, 2)), (0, (1.2, 1.6)))  # solid, dashed, dotted
HALO = {"color": "#1a1a1a", "extra": 1.6, "alpha": 0.75}  # a dark edge under every run line
START = {"marker": "o", "color": "#009E73", "edgecolor": "black", "size": 90}
END = {"marker": "X", "edgecolor": "black", "size": 120}  # face: the run's own colour
GLOBAL_MIN = {"marker": "*", "color": "white", "edgecolor": "black", "size": 420}
LOCAL_MIN = {"marker": "D", "color": "none", "edgecolor": "black", "size": 200}
# Background: grey, darker where the loss is low, kept light enough that every run colour and
# the white global-minimum star stand out; (low, high) is the slice of the colour map used.
BACKGROUND_CMAP = "Greys_r"
BACKGROUND_RANGE = (0.42, 1.0)
# On a dark slide the surface is dark too (low loss darkest) and the halos are light.
DARK_BACKGROUND_RANGE = (0.0, 0.5)
DARK_HALO = "#e8e8e8"
# The player's runs: six colours per theme, each at least 3:1 against the page and the halo drawn
# under every path (WCAG AA for graphics), pairwise Delta E >= 15 with any colour vision
# (tests/test_player_page.py); with four dash patterns, 24 runs all differ.
# None is close to the ink, so a run never looks like the downhill arrows (drawn in ink).
PLAYER_COLORS_LIGHT = ("#0072B2", "#D55E00", "#AA3377", "#9900FF", "#AA8866", "#335522")
PLAYER_COLORS_DARK = ("#56B4E9", "#E69F00", "#CC79A7", "#8844FF", "#CC0033", "#2266BB")
PLAYER_DASHES = ((), (9, 5), (2, 4), (10, 4, 2, 4))  # solid, dashed, dotted, dash-dot
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


def run_linestyle(i: int):
    return RUN_LINESTYLES[(i // len(RUN_COLORS)) % len(RUN_LINESTYLES)]


def dark() -> bool:
    """Whether the current look (``looks.py``) draws on a dark background."""
    from matplotlib import rcParams
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(rcParams["axes.facecolor"])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5


def ink() -> str:
    """The colour of text and outlines in the current look (black, or light on dark)."""
    from matplotlib import rcParams

    return rcParams["text.color"] if dark() else "black"


def lw(width: float) -> float:
    """A line width of the paper look, scaled for the current look."""
    from matplotlib import rcParams

    return width * rcParams["lines.linewidth"] / 1.5


def background_range() -> tuple[float, float]:
    return DARK_BACKGROUND_RANGE if dark() else BACKGROUND_RANGE


def halo(linewidth: float) -> list:
    """Path effects that draw an edge under a line of ``linewidth``: dark, or light on a dark
    look."""
    from matplotlib import patheffects

    color = DARK_HALO if dark() else HALO["color"]
    return [patheffects.Stroke(linewidth=linewidth + HALO["extra"], foreground=color,
                               alpha=HALO["alpha"]), patheffects.Normal()]


def key_colors() -> list[tuple[int, int, int]]:
    """RGB of every colour the style uses on its own (runs, start, end, black, white)."""
    hexes = [*RUN_COLORS, START["color"], HALO["color"], "#000000", "#FFFFFF"]
    return [tuple(int(h[i: i + 2], 16) for i in (1, 3, 5)) for h in hexes]
