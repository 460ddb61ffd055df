"""The torch reference data (tests/data/torch/, written by scripts/make_torch_reference.py),
loaded once for every test module that checks against it."""

import json

from conftest import REPO

FOLDER = REPO / "tests" / "data" / "torch"
FILES = {p.stem: json.loads(p.read_text()) for p in sorted(FOLDER.glob("*.json"))}
CASES = [c for data in FILES.values() for c in data.get("cases", [])]
LONG = [c for data in FILES.values() for c in data.get("long", [])]
DERIVATIVES = FILES["derivatives"]["derivatives"]
FUNCTIONS = FILES["derivatives"].get("functions", [])  # each grammar function alone, f(x) * y
