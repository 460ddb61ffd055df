"""Colours, line styles and markers, chosen to survive colour blindness and a projector.

Runs take the Okabe-Ito palette (colour-blind safe) without its green, which is the start marker's.
A colour belongs to an optimizer (``paint``): SGD is blue, momentum orange and Adam pink in every
picture and in the player, and an optimizer's several runs (starts, swept values) differ by line
style; with a single optimizer the colours tell its runs apart. Up to CROWD (12) runs all differ
(a test checks 12 under simulated colour blindness); more keep their optimizer's colour, and the
legend names the groups. Every run line has a dark halo, so
yellow stays visible on white and the light colours on the grey surface. A run's end marker is a
cross in its own colour; the start is a green circle: shape tells them apart without colour.
"""

# Black last: an optimizer's place (OPTIMIZER_SLOTS, 0 to 5) is never the ink's colour.
RUN_COLORS = ("#0072B2", "#E69F00", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
RUN_LINESTYLES = ("-", (0, (5, 2)), (0, (1.2, 1.6)), (0, (6, 2, 1.2, 2)))  # solid, dashed,
# dotted, dash-dot
# The palette place each built-in optimizer takes when it is free (the player's palettes begin with
# the same hues: blue, orange or vermillion, pink), so the documents' optimizers keep their colours
# from figure to figure: the ones shown together most (SGD, momentum, Adam, RMSProp, Nesterov)
# differ. Any other optimizer,
# or one whose place is taken, takes the first free place.
OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2, "rmsprop": 3, "nesterov": 4,
                   "adagrad": 5, "adamw": 4, "adamax": 3, "nadam": 5, "radam": 3, "qhadam": 5,
                   "lion": 4, "adadelta": 5, "rprop": 4}
# What a built-in optimizer looks like when it is free to take its place (tests, the docs).
OPTIMIZER_COLORS = {name: RUN_COLORS[slot] for name, slot in OPTIMIZER_SLOTS.items()}
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
# Not from black: greys near black are hard to tell apart, and the hump's low valleys vanished.
DARK_BACKGROUND_RANGE = (0.1, 0.55)
DARK_HALO = "#e8e8e8"
# The player's runs: six colours per theme, each at least 3:1 against the page and the halo drawn
# under every path (WCAG AA for graphics), pairwise Delta E >= 15 with any colour vision
# (tests/test_player_page.py); with four dash patterns, 24 runs all differ.
# None is close to the ink, so a run never looks like the downhill arrows (drawn in ink).
PLAYER_COLORS_LIGHT = ("#0072B2", "#D55E00", "#AA3377", "#9900FF", "#AA8866", "#335522")
PLAYER_COLORS_DARK = ("#56B4E9", "#E69F00", "#CC79A7", "#8844FF", "#CC0033", "#2266BB")
PLAYER_DASHES = ((), (9, 5), (2, 4), (10, 4, 2, 4))  # solid, dashed, dotted, dash-dot
# More runs than this are told apart by group (optimizer), in the legend and by colour: ``paint``.
CROWD = 12
MARKERS_UP_TO = 60  # draw a dot at every step when a run has at most this many steps


# Text a user wrote (titles, surface descriptions, labels) is drawn as it is: a '$' is a dollar
# sign, not the start of mathtext that may not parse. Math is drawn only when asked for.
LITERAL = {"parse_math": False}


def literal_legend(legend):
    """A legend whose labels are drawn as they are (see ``LITERAL``)."""
    for text in legend.get_texts():
        text.set_parse_math(False)
    return legend


def paint(optimizers, colours: int = len(RUN_COLORS),
          dashes: int = len(RUN_LINESTYLES)) -> list[tuple[int, int]]:
    """(colour, dash) places for runs of ``optimizers`` (one name per run, in order): one colour
    per optimizer (``OPTIMIZER_SLOTS``), its runs told apart by dash; with one optimizer, one
    colour per run. No two runs share both while ``colours * dashes`` places last. The player's
    ``Model.paint`` is this function in JavaScript (a test runs both on the same runs).

    More runs than ``CROWD`` are told apart by group, not one by one (the legend has an entry
    per optimizer): each keeps its optimizer's colour, its dash cycling, so a picture of 400
    runs reads as four colours, not a colour per run spilled over the palette."""
    order = list(dict.fromkeys(optimizers))
    slots: dict[str, int] = {}
    for name in order:
        want = OPTIMIZER_SLOTS.get(name, -1)
        if not 0 <= want < colours or want in slots.values():
            free = [c for c in range(colours) if c not in slots.values()]
            want = free[0] if free else len(slots) % colours
        slots[name] = want
    taken: set[tuple[int, int]] = set()
    places = []
    crowded, used = len(optimizers) > CROWD, [0] * colours
    for i, name in enumerate(optimizers):
        wanted = (slots[name] + i) % colours if len(order) == 1 else slots[name]
        if crowded:
            places.append((wanted, used[wanted] % dashes))
            used[wanted] += 1
            continue
        for j in range(colours * dashes):
            place = ((wanted + j // dashes) % colours, j % dashes)
            if place not in taken or j == colours * dashes - 1:
                break
        taken.add(place)
        places.append(place)
    return places


def check_color(text) -> str:
    """A colour a user named (``'crimson'``, ``'#0072B2'``, matplotlib's ``'C0'``) as a hex
    code, which the pictures and the player both draw; ``InputError`` for anything else."""
    from matplotlib.colors import to_hex, to_rgba

    from ..core.errors import InputError

    try:
        if isinstance(text, str) and to_rgba(text)[3] > 0:
            return to_hex(text)
    except ValueError:
        pass
    raise InputError(f"Unknown colour {text!r}: use a name such as 'crimson', a hex code such "
                     f"as '#0072B2', or 'C0' to 'C9'.")


def run_styles(runs) -> list[tuple[str, object]]:
    """(colour, line style) of each run: its own colour when it was given one (``Run.color``),
    else its optimizer's (``paint``)."""
    places = paint([run.optimizer for run in runs])
    return [(run.color or RUN_COLORS[c], RUN_LINESTYLES[d])
            for run, (c, d) in zip(runs, places, strict=True)]


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


def edge() -> str:
    """The thin edge around arrows and markers: dark, or light on a dark look."""
    return DARK_HALO if dark() else HALO["color"]


def contour_line() -> str:
    """The colour of the contour lines: dark lines on a light surface, light on a dark one."""
    return "#ffffff" if dark() else "#000000"


def overlay_color(color: str | None) -> str | None:
    """An overlay's colour in the current look: on a dark look black and white swap, so the
    downhill arrow stays the ink and the momentum arrow its opposite (None: the run's)."""
    if color is None or not dark():
        return color
    return {"#000000": DARK_HALO, "#ffffff": "#000000"}.get(color.lower(), color)


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
