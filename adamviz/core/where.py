"""A small filter language for ``adamviz results --where``, turned into SQL with bound values.

The text is parsed here, never handed to SQLite: every column must be one of the known columns
(quoted as an identifier), every value becomes a ``?`` parameter, and only the operators below
can appear, so no input can change what the query does beyond filtering rows.

    expr    := term ("or" term)*
    term    := factor ("and" factor)*
    factor  := "not" factor | "(" expr ")" | test
    test    := COLUMN op VALUE | COLUMN "is" ["not"] "null"
             | COLUMN ["not"] "in" "(" VALUE ("," VALUE)* ")"
             | COLUMN ["not"] "like" STRING | COLUMN "between" VALUE "and" VALUE
    op      := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    VALUE   := NUMBER | 'text' (a quote doubled inside) | true | false

Keywords are case-insensitive; columns are as listed. ``true``/``false`` are 1/0, as SQLite
stores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InputError
from .names import suggest

MAX_LENGTH = 2000  # characters: a filter, not a program
MAX_DEPTH = 50  # nested parentheses and "not"s

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<op><=|>=|<>|!=|==|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""", re.VERBOSE)
KEYWORDS = {"and", "or", "not", "is", "null", "in", "like", "between", "true", "false"}
OPERATORS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">",
             ">=": ">="}


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, op, punct, word, end
    text: str
    at: int  # character offset, for messages


def tokens(text: str) -> list[Token]:
    out, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if not match:
            rest = text[at:].lstrip()
            what = "an unclosed quote" if rest.startswith("'") else f"{rest[:1]!r}"
            raise InputError(f"--where: cannot read {what} at character "
                             f"{len(text) - len(rest) + 1} of {text!r}.")
        kind = match.lastgroup
        out.append(Token(kind, match.group(kind), match.start(kind)))
        at = match.end()
    out.append(Token("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str, columns, kinds=None):
        self.text, self.columns = text, list(columns)
        self.kinds = kinds or {}  # column -> "text" or "number", where known
        self.tokens, self.i, self.params, self.depth = tokens(text), 0, [], 0
        self.compared: list[tuple[str, str, str]] = []  # (column, kind, value as typed)

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def word(self, *words) -> bool:
        return self.token.kind == "word" and self.token.text.lower() in words

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, expected: str):
        got = "the end" if self.token.kind == "end" else repr(self.token.text)
        raise InputError(f"--where: expected {expected} but found {got} in {self.text!r}; e.g. "
                         f"\"optimizer = 'adam' and final_loss < 0.01\".")

    def expect(self, kind: str, text: str | None = None, what: str = ""):
        token = self.token
        if token.kind != kind or (text is not None and token.text.lower() != text):
            self.fail(what or repr(text))
        return self.take()

    def expr(self) -> str:
        return self._chain("or", self.term)

    def term(self) -> str:
        return self._chain("and", self.factor)

    def _chain(self, word: str, part) -> str:
        """``part (word part)*`` as SQL: and binds tighter than or, as in SQL itself."""
        parts = [part()]
        while self.word(word):
            self.take()
            parts.append(part())
        return parts[0] if len(parts) == 1 else "(" + f" {word.upper()} ".join(parts) + ")"

    def factor(self) -> str:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise InputError(f"--where: nested more than {MAX_DEPTH} deep.")
        try:
            if self.word("not"):
                self.take()
                return f"(NOT {self.factor()})"
            if self.token.kind == "punct" and self.token.text == "(":
                self.take()
                inner = self.expr()
                self.expect("punct", ")", "')'")
                return inner
            return self.test()
        finally:
            self.depth -= 1

    def column(self) -> str:
        token = self.token
        if token.kind != "word" or token.text.lower() in KEYWORDS:
            self.fail("a column name")
        if token.text not in self.columns:
            raise InputError(f"--where: unknown column {token.text!r}"
                             f"{suggest(token.text, self.columns)}")
        self.take()
        return '"' + token.text + '"'  # known names only: letters, digits and '_'

    def value(self, column: str = "") -> str:
        token = self.take()
        kind = "text" if token.kind == "string" else "number"
        if column and (token.kind in ("string", "number")
                       or token.text.lower() in ("true", "false")):
            self._check_kind(column.strip('"'), kind, token)
        if token.kind == "string":
            self.params.append(token.text[1:-1].replace("''", "'"))
        elif token.kind == "number":
            number = float(token.text)
            self.params.append(int(number) if re.fullmatch(r"[-+]?\d+", token.text)
                               and abs(number) < 2**63 else number)
        elif token.kind == "word" and token.text.lower() in ("true", "false"):
            self.params.append(1 if token.text.lower() == "true" else 0)
        else:
            self.i -= 1
            self.fail("a value ('text', a number, true or false)")
        return "?"

    def _check_kind(self, column: str, kind: str, token: Token) -> None:
        """SQLite compares a number with text without a word (every number is less than every
        text), so ``lr < '0.01'`` would match every row: a value of the other kind is refused
        where the column's kind is known, and noted for the caller to check otherwise."""
        have = self.kinds.get(column)
        if have is None:
            self.compared.append((column, kind, token.text))
        elif have != kind:
            raise mismatch(column, have, token.text)

    def test(self) -> str:
        column = self.column()
        if self.word("is"):
            self.take()
            negated = self.word("not") and self.take()
            self.expect("word", "null", "null")
            return f"{column} IS {'NOT ' if negated else ''}NULL"
        negated = self.word("not") and bool(self.take())
        if self.word("in"):
            self.take()
            self.expect("punct", "(", "'('")
            values = [self.value(column)]
            while self.token.kind == "punct" and self.token.text == ",":
                self.take()
                values.append(self.value(column))
            self.expect("punct", ")", "')'")
            return f"{column} {'NOT ' if negated else ''}IN ({', '.join(values)})"
        if self.word("like"):
            self.take()
            if self.token.kind != "string":
                self.fail("a quoted pattern such as 'adam%'")
            return f"{column} {'NOT ' if negated else ''}LIKE {self.value()}"
        if negated:
            self.fail("'in' or 'like' after 'not'")
        if self.word("between"):
            self.take()
            low = self.value(column)
            self.expect("word", "and", "'and'")
            return f"{column} BETWEEN {low} AND {self.value(column)}"
        if self.token.kind != "op":
            self.fail("an operator (=, !=, <, <=, >, >=, is, in, like, between)")
        return f"{column} {OPERATORS[self.take().text]} {self.value(column)}"


def mismatch(column: str, kind: str, text: str) -> InputError:
    """The refusal of a value of the wrong kind for ``column``, with the right way to write it."""
    if kind == "number":
        bare = text.strip("'")
        bare = bare.lower() if bare.lower() in ("true", "false") else bare
        return InputError(f"--where: {column} holds numbers, and {text} is text; write "
                          f"{bare} without quotes (true and false for switches).")
    return InputError(f"--where: {column} holds text, and {text} is not; quote it: "
                      f"{column} = '{text}'.")


def parse_where(text: str, columns, kinds=None) -> tuple[str, list, list]:
    """``text`` as an SQL condition over ``columns`` with ``?`` for every value, the values,
    and the (column, kind of value, value) of each comparison whose column's kind (``kinds``:
    "text" or "number") was not known, for the caller to check against the data. Anything else
    raises ``InputError`` with one line saying what was wrong."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("--where: an empty filter; e.g. \"optimizer = 'adam'\".")
    if len(text) > MAX_LENGTH:
        raise InputError(f"--where: at most {MAX_LENGTH} characters.")
    parser = _Parser(text, columns, kinds)
    sql = parser.expr()
    if parser.token.kind != "end":
        parser.fail("'and', 'or' or the end")
    return sql, parser.params, parser.compared
