"""Bad input, every kind: each case runs the real CLI in a fresh folder and must give exit code 2,
one line on stderr that names what is wrong, no traceback, and leave the folder as it was."""

import os

import pytest
from click.testing import CliRunner

from adamviz.cli import cli

S = 'name = "s"\nexpr = "x**2 + y**2"\nxlim = [-1, 1]\nylim = [-1, 1]\n'


def surface(**changes) -> str:
    """The base surface file with keys replaced (None drops a key) or added (raw TOML)."""
    lines = {"name": '"s"', "expr": '"x**2 + y**2"', "xlim": "[-1, 1]", "ylim": "[-1, 1]"}
    extra = []
    for key, value in changes.items():
        if key.startswith("raw"):
            extra.append(value)
        elif value is None:
            lines.pop(key)
        else:
            lines[key] = value
    return "".join(f"{k} = {v}\n" for k, v in lines.items()) + "".join(extra)


def expr(formula: str) -> str:
    return surface(expr='"' + formula.replace("\\", "\\\\").replace('"', '\\"') + '"')


def _balanced(depth: int) -> str:
    return "x" if depth == 0 else f"({_balanced(depth - 1)} + {_balanced(depth - 1)})"


BALANCED = _balanced(8)  # 256 leaves, 511 nodes, depth 9: refused for its size alone
MIN = '\n[[minima]]\nat = {at}\nkind = "{kind}"\n'
FORMULAS = [
    ("__import__('os').system('true')", "function"), ("x.real", "attribute"),
    ("x[0]", "subscripts"), ("(lambda: 1)()", "function"), ("x if y else 1", "if/else"),
    ("x < y", "comparisons"), ("x and y", "and/or"), ("x ^ 2", "'^' is not a power"),
    ("x // 2", "'//'"), ("x % 2", "'%'"), ("x @ y", "'@'"), ("foo(x)", "unknown function"),
    ("exp", "must be called"), ("exp(x, y)", "exp takes 1 argument"),
    ("arctan2(x)", "arctan2 takes 2 arguments"), ("z + x", "unknown name"),
    ("'a' + x", "only numbers"), ("True + x", "only numbers"), ("x**100", "exponent too large"),
    ("1e101 * x", "constant too large"), ("log(0) + x", "undefined"),
    ("sqrt(-1) + x", "undefined"), ("x/0", "division by zero"), ("y/(2 - 2)", "division by zero"),
    ("", "empty"), ("   ", "empty"), ("x +", "not a valid formula"),
    ("(x", "not a valid formula"), ("2x", "not a valid formula"),
    ("exp(x, k=1)", "positional"), ("exp(*x)", "positional"),
    ("x" + " + x" * 300, "nested too deeply"), ("-" * 120 + "x", "nested too deeply"),
    (BALANCED, "too large"), ("10**200 + x", "too large"),
    ("1/0 + x", "division by zero"), ("x**(1/0)", "division by zero"),
    ("[x for x in y]", "not allowed"), ("{x: y}", "not allowed"), ("x; y", "not a valid"),
    ("f'{x}'", "not allowed"), ("x.__class__", "attribute"), ("print(x)", "unknown function"),
    ("e.real", "attribute"), ("pi(x)", "unknown function"), ("-", "not a valid formula"),
]
SURFACE_FILES = [
    (surface(name=None), "missing required key 'name'"),
    (surface(expr=None), "missing required key 'expr'"),
    (surface(xlim=None), "missing required key 'xlim'"),
    (surface(ylim=None), "the formula uses y, so 'ylim' is required"),
    (surface(exp='"x"'), "unknown key 'exp'; did you mean 'expr'?"),
    (surface(name="5"), "name must be a string"), (surface(name='"a b"'), "may use only letters"),
    (surface(description="5"), "description must be a string"),
    (surface(expr="5"), "must be a string"), (surface(xlim="[1]"), "xlim must be [low, high]"),
    (surface(xlim="[1, 2, 3]"), "xlim must be [low, high]"),
    (surface(xlim="[2, 1]"), "low < high"), (surface(xlim='["a", 1]'), "xlim must be"),
    (surface(xlim="[true, 2]"), "xlim must be"), (surface(xlim="[nan, 1]"), "xlim must be"),
    (surface(xlim="[-inf, 1]"), "xlim must be"), (surface(xlim="5"), "xlim must be"),
    (surface(ylim="[-1e308, 1e308]"), "reaches beyond"),
    (surface(xlim="[1e15, 1.0000000000000002e15]"), "reaches beyond"),
    (surface(xlim="[1.0, 1.0000000000001]"), "too narrow"),
    (surface(start="[0, 0, 0]"), "start must be a point [x, y]"),
    (surface(start='["a", 0]'), "start must be a point"), (surface(start="5"), "start must be"),
    (surface(steps="0"), "steps must be a whole number >= 1"),
    (surface(steps="-1"), "steps must be"), (surface(steps="1.5"), "steps must be"),
    (surface(steps='"a"'), "steps must be"), (surface(steps="true"), "steps must be"),
    (surface(lr="5"), "lr must be a table"), (surface(lr="{ sgd = -1 }"), "lr.sgd must be"),
    (surface(lr="{ sgd = 0 }"), "lr.sgd must be"), (surface(lr='{ sgd = "a" }'), "lr.sgd must"),
    (surface(lr="{ adma = 0.1 }"), "lr.adma: unknown optimizer; did you mean 'adam'?"),
    (surface(levels='"cubic"'), "levels must be one of"), (surface(minima="5"), "must be a list"),
    (surface(raw=MIN.format(at="[0.5, 0]", kind="global")),
     "is not a minimum: the gradient there is (1, 0)"),
    (surface(raw=MIN.format(at="[3, 0]", kind="global")), "lies outside the box"),
    (surface(raw=MIN.format(at="[0, 0]", kind="best")), "kind must be 'global' or 'local'"),
    (surface(raw="\n[[minima]]\nkind = 'global'\n"), "must be a table with at = [x, y]"),
    (surface(raw="\n[[minima]]\nat = [0, 0]\nwhere = 1\n"), "must be a table with at"),
    (surface(raw=MIN.format(at="[0]", kind="global")), "must be a point [x, y]"),
    (expr("x**2 - y**2") + MIN.format(at="[0, 0]", kind="global"),
     "curves down there (Hessian eigenvalue -2); the nearest stationary point is a saddle"),
    (expr("-(x**2) - y**2") + MIN.format(at="[0, 0]", kind="global"), "is a maximum at (0, 0)"),
    (expr("(x**2 - 1)**2 + y**2") + MIN.format(at="[0.999999, 0]", kind="global")
     + MIN.format(at="[0.5, 0]", kind="local"), "is not a minimum"),
    (expr("(x**2 - 1)**2 - 0.4*x + y**2").replace("[-1, 1]", "[-2, 2]", 1)
     + MIN.format(at="[1.0466805318046022, 0]", kind="local")
     + MIN.format(at="[-0.9456492739235914, 0]", kind="global"), "lower than the global"),
    (expr("log(-1 - x**2 - y**2)"), "is not finite anywhere in the box"),
    (expr("sqrt(-x**2 - 1) + y"), "is not finite anywhere in the box"),
    (expr("exp(1000 + x) + y"), "is not finite anywhere in the box"),
    ("name = \n", "not valid TOML"), ("a = [" * 5000 + "]" * 5000 + "\n", "not valid TOML"),
    ("", "missing required key 'name'"), ("x = 1\n" * 5, "not valid TOML"),
    ("[[experiment]]\n", "unknown key 'experiment'"),
]


def case(args, message, files=None, make=None):
    return {"args": args, "message": message, "files": files or {}, "make": make}


def run_cases():
    out = []
    for text, message in FORMULAS:
        out.append(case(["run", "-s", "s.toml", "--no-plot"], message, {"s.toml": expr(text)}))
    for text, message in SURFACE_FILES:
        out.append(case(["run", "-s", "s.toml", "--no-plot"], message, {"s.toml": text}))
    out += [
        case(["run", "-s", "bin.toml"], "not a text file", {"bin.toml": b"\x89PNG\x00\xff"}),
        case(["run", "-s", "big.toml"], "larger than 1024 KiB",
             {"big.toml": "# " + "x" * (1 << 20) + "\n" + S}),
        case(["run", "-s", "nope.toml"], "does not exist"),
        case(["run", "-s", "dir.toml"], "is a folder", make=lambda: os.mkdir("dir.toml")),
        case(["run", "-s", "humpp"], "Unknown surface 'humpp'; did you mean 'hump'?"),
        case(["run", "-s", "s", "--surfaces-dir", "d"], "name 't' does not match the file "
             "name 's'", make=lambda: (os.mkdir("d"), open("d/s.toml", "w").write(
                 S.replace('"s"', '"t"')))),
        case(["run", "--surfaces-dir", "nope"], "does not exist or is not a folder"),
    ]
    return out


OPT_SPECS = [
    ("", "Empty optimizer spec"), ("adma", "Unknown optimizer 'adma'; did you mean 'adam'"),
    ("adam:", "nothing after ':'"), ("adam:lr", "'lr' is not key=value"),
    ("adam:lr=", "is not key=value"), ("adam:lr=abc", "'abc' is not a number"),
    ("adam:lr=nan", "not a finite number"), ("adam:lr=inf", "not a finite number"),
    ("adam:lr=-1", "Invalid learning rate: -1"), ("adam:bta1=0.9", "did you mean 'beta1'"),
    ("adam:lr=1,lr=2", "'lr' is given twice"), ("adam:amsgrad=2", "must be true or false"),
    ("sgd:nesterov=true", "Nesterov momentum requires"), ("rmsprop:alpha=2", "Invalid alpha"),
    ("adam:beta1=1", "Invalid beta1 value: 1.0"), ("adam:beta2=-0.1", "Invalid beta2"),
    ("adam:eps=0", "Invalid epsilon"), ("adamw:weight_decay=-1", "Invalid weight_decay"),
    ("momentum:momentum=-1", "Invalid momentum"), ("adagrad:lr_decay=-1", "Invalid lr_decay"),
    ("nadam:momentum_decay=-1", "Invalid momentum_decay"), ("sgd:lr=true", "must be a number"),
    ("Adam!", "is not an optimizer name"), ("adam:lr=0.1:beta1=0.9", "not a number"),
    ("adagrad:initial_accumulator_value=-1", "Invalid initial_accumulator_value"),
]
FLAGS = [
    (["--start", "a,b"], "'a' is not a number"), (["--start", "1"], "expected X,Y"),
    (["--start", "1,2,3"], "expected X,Y"), (["--start", "nan,1"], "not a finite number"),
    (["--start", "1e300,0"], "is far outside hump's box"), (["--start", ""], "expected X,Y"),
    (["--steps", "0"], "Invalid steps: 0"), (["--steps", "-5"], "Invalid steps: -5"),
    (["--steps", "10000000000"], "more than the 10,000,000"), (["--steps", "1e3"], "not a valid"),
    (["--lr", "0"], "Invalid learning rate: 0"), (["--lr", "-1"], "Invalid learning rate"),
    (["--lr", "nan"], "Invalid learning rate"), (["--lr", "inf"], "Invalid learning rate"),
    (["--noise", "-1"], "Invalid noise"), (["--noise", "nan"], "Invalid noise"),
    (["--noise", "1", "--seed", "-1"], "Invalid seed: -1"), (["--tol", "-1"], "Invalid tol"),
    (["--tol", "nan"], "Invalid tol"), (["--tol", "inf"], "Invalid tol"),
    (["--patience", "0"], "Invalid patience: 0"), (["--patience", "-1"], "Invalid patience"),
    (["--view", ""], "No view given"), (["--view", "contuor"], "did you mean 'contour'"),
    (["--view", "loss,loss"], "listed twice"), (["--fps", "0", "-o", "a.gif"], "fps"),
    (["--fps", "60", "-o", "a.gif"], "at most 50 fps"), (["--fps", "nan", "-o", "a.gif"], "fps"),
    (["--fps", "1000", "-o", "a.mp4"], "Invalid --fps for .mp4"),
    (["--frames", "0", "-o", "a.gif"], "Invalid frames: 0"),
    (["--frames", "100000", "-o", "a.gif"], "more than 3,000"),
    (["--hold", "-1", "-o", "a.gif"], "Invalid hold"),
    (["--hold", "1000", "-o", "a.gif"], "Invalid hold"), (["--dpi", "5"], "--dpi"),
    (["--dpi", "5000"], "--dpi"), (["--dpi", "1200", "--view", "contour,3d,loss"],
                                   "larger than 50 megapixels"),
    (["-o", "x.txt"], "Unknown output format '.txt'"), (["-o", "x"], "Unknown output format"),
    (["--export", "x.txt"], "Unknown export format '.txt'"),
    (["-o", "a.png", "--no-plot"], "contradict"), (["--colour", "red"], "No such option"),
    (["--surface", "nope"], "Unknown surface 'nope'"),
    (["--tune", "lr", "--tune-grid", "1:0.1:5"], "Bad tuning grid"),
    (["--tune", "lr", "--tune-grid", "abc"], "Bad tuning grid"),
    (["--criterion", "fast"], "Invalid value for '--criterion'"),
    (["--tune", "lr", "--criterion", "distance", "-s", "s.toml"], "needs a global minimum"),
    (["extra"], "Got unexpected extra argument"),
]
COMMANDS = [
    (["basins", "--grid", "0"], "Invalid --grid: 0"), (["basins", "--grid", "-1"], "--grid"),
    (["basins", "--grid", "100000"], "too large"), (["basins", "--steps", "0"], "Invalid steps"),
    (["basins", "--steps", "-1"], "Invalid steps"), (["basins", "--tol", "nan"], "Invalid tol"),
    (["basins", "--tol", "-1"], "Invalid tol"), (["basins", "--tol", "inf"], "Invalid tol"),
    (["basins", "-o", "b.gif"], "Unknown output format '.gif'"),
    (["basins", "--opt", "adma"], "Unknown optimizer"), (["basins", "--lr", "-2"], "Invalid"),
    (["basins", "-s", "lecture"], "needs a surface in x and y"),
    (["sweep", "--param", "lr"], "Bad --param 'lr'"), (["sweep", "--param", "=1"], "Bad --param"),
    (["sweep", "--param", "lr=a"], "'a' is not a number"),
    (["sweep", "--param", "lr=1,2", "--param", "lr=3"], "--param lr is given twice"),
    (["sweep", "--param", "bta1=0.9"], "did you mean 'beta1'"),
    (["sweep", "--param", "lr=" + ",".join(str(i / 100) for i in range(1, 11)),
      "--param", "beta1=" + ",".join(str(i / 100) for i in range(50, 60))], "at most 64"),
    (["sweep", "--param", "lr=0.1", "--export", "x.txt"], "Unknown export format"),
    (["sweep"], "Nothing to sweep"), (["sweep", "--param", "lr=-1"], "Invalid learning rate"),
    (["sweep", "--param", "lr=0.1", "-o", "s.mp4"], "Unknown output format"),
    (["trace", "--example", "nope"], "Invalid value for '--example'"),
    (["trace", "--format", "yaml"], "Invalid value for '--format'"),
    (["trace", "--steps", "0"], "Invalid steps"), (["trace", "--opt", "adma"], "Unknown"),
    (["trace", "--start", "1"], "expected X,Y"), (["trace", "-s", "nope"], "Unknown surface"),
    (["figures", "--only", "fig9"], "Unknown figure 'fig9'"),
    (["figures", "--only", "missing.toml"], "does not exist"),
    (["figures", "--format", "gif"], "Invalid value for '--format'"),
    (["figures", "--dpi", "0"], "--dpi"), (["optimizers", "extra"], "unexpected extra"),
    (["surfaces", "--surfaces-dir", "nope"], "does not exist or is not a folder"),
    (["nope"], "No such command 'nope'"), (["batch"], "Missing argument 'FILE'"),
    (["batch", "nope.toml"], "Batch file 'nope.toml' does not exist"),
    (["batch", "dir"], "is a directory", None, lambda: os.mkdir("dir")),
    (["batch", "b.toml", "--jobs", "0"], "--jobs"),
]


def flag_cases():
    out = [case(["run", "--opt", spec, "--no-plot"], message) for spec, message in OPT_SPECS]
    out += [case(["run", *args], message, {"s.toml": S}) for args, message in FLAGS]
    for item in COMMANDS:
        args, message, *rest = item
        out.append(case(args, message, *rest))
    return out


EXP = '[[experiment]]\nname = "a"\nsurface = "hump"\noptimizers = ["sgd"]\n'
LECTURE = EXP.replace('"hump"', '"lecture"')
BATCHES = [
    ("title = 'x'\n", "unknown top-level key 'title'"), ("", "no [[experiment]] tables"),
    ("experiment = 5\n", "no [[experiment]] tables"),
    ("experiment = [5]\n", "an experiment is a table"),
    (EXP + "optimzers = ['sgd']\n", "unknown key; did you mean 'optimizers'?"),
    (EXP.replace('name = "a"\n', ""), "missing required key 'name'"),
    (EXP.replace('surface = "hump"\n', ""), "missing required key 'surface'"),
    (EXP.replace('optimizers = ["sgd"]\n', ""), "missing required key 'optimizers'"),
    (EXP.replace('"a"', '"a b"'), "the experiment's folder name: letters, digits"),
    (EXP.replace('"a"', "5"), ".name:"),
    (EXP.replace('"hump"', "5"), ".surface: a surface name"),
    (EXP.replace('"hump"', '"humpp"'), "did you mean 'hump'"),
    (EXP.replace('["sgd"]', "[]"), ".optimizers: a non-empty list"),
    (EXP.replace('["sgd"]', '"sgd"'), ".optimizers: a non-empty list"),
    (EXP.replace('["sgd"]', '["adma"]'), "Unknown optimizer 'adma'"),
    (EXP.replace('["sgd"]', '[{ name = "adam", bta1 = 0.9 }]'), "did you mean 'beta1'"),
    (EXP.replace('["sgd"]', '[{ name = "adam", lr = -1 }]'), "Invalid learning rate"),
    (EXP.replace('["sgd"]', "[5]"), "An optimizer is a spec such as"),
    (EXP + "sweep = 5\n", ".sweep: a table of lists"),
    (EXP + "sweep = { lr = [] }\n", ".sweep.lr: a non-empty list"),
    (EXP + "sweep = { lr = 0.1 }\n", ".sweep.lr: a non-empty list"),
    (EXP + "sweep = { bta1 = [0.9] }\n", "Unknown hyperparameter 'bta1' for sgd"),
    (EXP + 'starts = [["a", "b"]]\n', ".starts: a list of points"),
    (EXP + "starts = [[true, false]]\n", ".starts: a list of points"),
    (EXP + "starts = [[1, 2, 3]]\n", ".starts: a list of points"),
    (EXP + "starts = [[nan, 0]]\n", ".starts: a list of points"),
    (EXP + "starts = [[inf, 0]]\n", ".starts: a list of points"),
    (EXP + "starts = []\n", ".starts: a list of points"), (EXP + "starts = 5\n", ".starts"),
    (EXP + "starts = [[1e300, 0]]\n", "is far outside hump's box"),
    (EXP + "starts = { x = [-1, 1, 3] }\n", "a grid is { x = [a, b, n], y = [c, d, n] }"),
    (EXP + "starts = { x = [-1, 1, 0], y = [-1, 1, 3] }\n", "whole count >= 1"),
    (EXP + "starts = { x = [-1, 1, 2.5], y = [-1, 1, 3] }\n", "whole count >= 1"),
    (EXP + "starts = { x = [-1, 1, 40000], y = [-1, 1, 40000] }\n", "GiB"),
    (EXP + "outputs = 5\n", ".outputs: a list of names"),
    (EXP + "outputs = [5]\n", ".outputs: a list of names"),
    (EXP + 'outputs = ["gird"]\n', "unknown output 'gird'; did you mean 'grid'?"),
    (EXP + 'starts = { x = [-1, 1, 30], y = [-1, 1, 30] }\noutputs = ["contour"]\n',
     "draws every step of every run, for at most 400 runs"),
    (EXP + "tune = 5\n", ".tune: a table with param"),
    (EXP + 'tune = { param = "beta1" }\n', ".tune.param: only lr can be tuned"),
    (EXP + "tune = { grid = 5 }\n", "Bad tuning grid"),
    (EXP + 'tune = { grid = "1:0:5" }\n', "Bad tuning grid"),
    (EXP + 'tune = { criterion = "fast" }\n', ".tune.criterion: one of"),
    (EXP + "tune = { speed = 1 }\n", ".tune: a table with param"),
    (EXP + "steps = 0\n", "Invalid steps: 0"), (EXP + 'steps = "a"\n', "Invalid steps"),
    (EXP + "steps = 1.5\n", "Invalid steps"), (EXP + "steps = true\n", "Invalid steps"),
    (EXP + "steps = 100000000\n", "more than the 10,000,000"),
    (EXP + "noise = -1\n", "Invalid noise"), (EXP + 'noise = "a"\n', "Invalid noise"),
    (EXP + 'seed = "abc"\n', "Invalid seed"), (EXP + "seed = [1]\n", "Invalid seed"),
    (EXP + "seed = -1\n", "Invalid seed"), (EXP + "seed = 1.5\n", "Invalid seed"),
    (EXP + "tol = -1\n", "Invalid tol"),
    (LECTURE + 'outputs = ["3d"]\n', "3d needs a surface in x and y"),
    (LECTURE + 'outputs = ["basins"]\n', "basins needs a surface in x"),
    (EXP + 'tol = "a"\n', "Invalid tol"),
    (EXP + "patience = 0\n", "Invalid patience"), (EXP + EXP, "the name 'a' is used twice"),
    ("[[experiment]\nname = 1", "not valid TOML: "),
]


def batch_cases():
    return [case(["batch", "b.toml", "-o", "out"], message, {"b.toml": text})
            for text, message in BATCHES]


def same_file_cases():
    link = lambda: os.symlink("s.toml", "link.png")  # noqa: E731
    hard = lambda: os.link("s.toml", "hard.json")  # noqa: E731
    return [
        case(["trace", "-s", "s.toml", "-o", "s.toml"], "is an input of this command",
             {"s.toml": S}),
        case(["run", "-s", "./s.svg", "-o", "s.svg"], "is an input", {"s.svg": S}),
        case(["run", "-s", "s.toml", "-o", "link.png"], "(it is", {"s.toml": S}, link),
        case(["run", "-s", "s.toml", "--export", "hard.json", "--no-plot"], "is an input",
             {"s.toml": S}, hard),
        case(["batch", "o/summary.csv", "-o", "o"], "is an input",
             {"o/summary.csv": EXP}),
        case(["batch", "b.toml", "-o", "."], "is an input", {"b.toml": EXP,
                                                             "summary.md": "keep\n"},
             lambda: os.symlink("b.toml", "summary.csv")),
        case(["figures", "--only", "r.toml", "-o", "."], "is an input",
             {"r.toml": "name = 'r'\ntitle = 't'\ncaption = 'c'\nsurface = 'hump'\n"
                        "runs = ['adam']\n"},
             lambda: os.symlink("r.toml", "index.md")),
    ]


RECIPE = "name = 'r'\ntitle = 't'\ncaption = 'c'\nsurface = 'hump'\nruns = ['adam']\n"
MORE = [
    case(["run", "-o", ""], "Unknown output format"),
    case(["run", *[a for i in range(401) for a in ("--start", f"{i / 1000},0")]],
         "401 runs are more than the 400 one picture can show"),
    case(["run", "-o", "a" * 300 + ".png"], "is too long for its folder"),
    case(["run", "-o", "fifo.png"], "is not a regular file", make=lambda: os.mkfifo("fifo.png")),
    case(["run", "-s", "s.toml"], "more than the 10,000,000",
         {"s.toml": S + "steps = 10000000000\n"}),
    case(["figures", "--only", "r.toml", "-o", "f"], "views: Unknown view 'contuor'",
         {"r.toml": RECIPE + "views = ['contuor']\n"}),
    case(["figures", "--only", "r.toml", "-o", "f"], "marks[0].run must name a run",
         {"r.toml": RECIPE + "[[marks]]\nrun = 5\nat = 3\n"}),
    case(["figures", "--only", "r.toml", "-o", "f"], "marks[0].at must be a step",
         {"r.toml": RECIPE + "[[marks]]\nrun = 1\nat = 'top'\n"}),
    case(["figures", "--only", "r.toml", "-o", "f"], "title must be a string",
         {"r.toml": RECIPE.replace("'t'", "5")}),
    case(["figures", "--only", "r.toml", "-o", "f"], "runs must be a list",
         {"r.toml": RECIPE.replace("['adam']", "'adam'")}),
    case(["figures", "--only", "r.toml", "-o", "f"], "unknown check",
         {"r.toml": RECIPE + "[[claims]]\ncheck = 'nope'\n"}),
    case(["figures", "--only", "r.toml", "-o", "f"], "Invalid steps",
         {"r.toml": RECIPE + "steps = -1\n"}),
    case(["run", "-s", "s.toml", "--no-plot"], "start [9.0, 9.0] lies outside the box",
         {"s.toml": S + "start = [9, 9]\n"}),
    case(["run", "-s", "s.toml", "-o", "p.png"], "Start (0, 0) is where s's loss is not defined",
         {"s.toml": expr("(tan(pi / x) - pi)**4")}),
    case(["run", "-s", "s.toml", "--start", "0.5,0"], "Start (0.5, 0) is where s's loss is not",
         {"s.toml": expr("abs(pi / y**2) + x")}),
]

CASES = run_cases() + flag_cases() + batch_cases() + same_file_cases() + MORE


def snapshot(folder):
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            regular = os.path.isfile(path)  # a FIFO would block a read
            out[os.path.relpath(path, folder)] = (os.path.islink(path),
                                                  open(path, "rb").read() if regular else b"")
    return out


def test_the_corpus_is_large():
    assert len(CASES) >= 200, len(CASES)


@pytest.mark.parametrize("item", CASES, ids=[f"{i}-{' '.join(c['args'])[:50]}"
                                             for i, c in enumerate(CASES)])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(item, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, content in item["files"].items():
        os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
        with open(name, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode())
    if item["make"]:
        item["make"]()
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, item["args"])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.output)
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert item["message"] in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


def test_a_batch_checks_every_file_it_will_write_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.toml").write_text(EXP + 'outputs = ["contour", "summary"]\n')
    os.makedirs("out/a")
    os.symlink("../../b.toml", "out/a/summary.csv")
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, ["batch", "b.toml", "-o", "out"])
    assert result.exit_code == 2 and "is an input" in result.stderr
    assert snapshot(tmp_path) == before


def test_a_broken_user_surface_does_not_hide_the_others(tmp_path):
    (tmp_path / "good.toml").write_text(S.replace('"s"', '"good"'))
    (tmp_path / "bad.toml").write_text('name = "bad"\nexpr = "x^2"\nxlim = [-1, 1]\n')
    result = CliRunner().invoke(cli, ["surfaces", "--surfaces-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert "bad: cannot be used:" in result.stdout and "'^' is not a power" in result.stdout
    assert "good: x**2 + y**2" in result.stdout and "hump:" in result.stdout
