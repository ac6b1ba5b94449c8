"""Parse the ``sh -c`` subset container commands use into a small syntax tree.

Words keep their quoting (expansion in ``interp`` needs to know what was quoted). The
grammar is POSIX sh's, cut down: lists (``;``, newline, ``&``), ``&&``/``||``, pipes,
``!``, ``while``/``until``, ``for``, ``if``/``elif``/``else``, ``{ …; }``, ``( … )``,
assignments and redirections (``>``, ``>>``, ``<``, ``2>``, ``2>&1``, ``&>``).
No functions, ``case`` or here-documents: they parse as an error, as a shell without
them would fail.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache


class ShellSyntaxError(Exception):
    """What ``sh`` prints for a script it cannot parse (exit code 2)."""


@dataclass(frozen=True)
class Redirect:
    fd: int  # 1 stdout, 2 stderr, 0 stdin
    op: str  # ">", ">>", "<", ">&"
    target: str  # a word, or the fd number for ">&"


@dataclass
class Simple:
    assigns: list[tuple[str, str]] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list[object]
    negate: bool = False


@dataclass
class AndOr:
    first: object
    rest: list[tuple[str, object]]  # ("&&" | "||", pipeline)


@dataclass
class Sequence:
    items: list[object]


@dataclass
class Loop:
    cond: Sequence
    body: Sequence
    until: bool = False
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class For:
    name: str
    words: list[str] | None  # None: "$@"
    body: Sequence
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class If:
    branches: list[tuple[Sequence, Sequence]]
    otherwise: Sequence | None
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Group:
    body: Sequence
    subshell: bool = False
    redirects: list[Redirect] = field(default_factory=list)


_OPERATORS = ("&&", "||", ";;", "&>", ">>", "2>&1", "1>&2", ">&2", "2>>", "2>", ";", "|", "&", "(", ")", ">", "<", "\n")
_KEYWORDS = {"while", "until", "for", "if", "then", "elif", "else", "fi", "do", "done", "{", "}", "!", "in", "case", "esac"}
_ENDS = {"then", "elif", "else", "fi", "do", "done", "}", ")", "esac"}


def _scan_until_close(text: str, i: int, open_: str, close: str) -> int:
    """Index just past the bracket closing the one before ``i`` (quotes respected)."""
    depth = 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ShellSyntaxError("unterminated quoted string")
            i = end + 1
            continue
        if text.startswith(open_, i):
            depth += 1
            i += len(open_)
            continue
        if ch == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ShellSyntaxError(f"missing '{close}'")


def tokenize(text: str) -> list[tuple[str, str]]:
    """``("word", raw)`` and ``("op", operator)`` tokens; comments dropped."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r":
            i += 1
            continue
        if ch == "\\" and text.startswith("\\\n", i):
            i += 2
            continue
        if ch == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is not None and not (op[0] in "12" and tokens and tokens[-1][0] == "word" and text[i - 1] not in " \t"):
            tokens.append(("op", op))
            i += len(op)
            continue
        start = i
        while i < n:
            ch = text[i]
            if ch in " \t\r\n;|&()<>":
                break
            if ch == "\\":
                i += 2
            elif ch == "'":
                end = text.find("'", i + 1)
                if end < 0:
                    raise ShellSyntaxError("unterminated quoted string")
                i = end + 1
            elif ch == '"':
                j = i + 1
                while j < n and text[j] != '"':
                    if text[j] == "\\":
                        j += 1
                    elif text.startswith("$(", j):
                        j = _scan_until_close(text, j + 2, "(", ")") - 1
                    j += 1
                if j >= n:
                    raise ShellSyntaxError("unterminated quoted string")
                i = j + 1
            elif text.startswith("$(", i):
                i = _scan_until_close(text, i + 2, "(", ")")
            elif text.startswith("${", i):
                i = _scan_until_close(text, i + 2, "{", "}")
            elif ch == "`":
                end = text.find("`", i + 1)
                if end < 0:
                    raise ShellSyntaxError("unterminated quoted string")
                i = end + 1
            else:
                i += 1
        tokens.append(("word", text[start:i]))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at_word(self, *words: str) -> bool:
        t = self.peek()
        return t is not None and t[0] == "word" and t[1] in words

    def at_op(self, *ops: str) -> bool:
        t = self.peek()
        return t is not None and t[0] == "op" and t[1] in ops

    def expect_word(self, word: str) -> None:
        if not self.at_word(word):
            t = self.peek()
            raise ShellSyntaxError(f"syntax error: unexpected {_describe(t)} (expecting \"{word}\")")
        self.take()

    def skip_newlines(self) -> None:
        while self.at_op("\n", ";"):
            self.take()

    def sequence(self, stop: set[str]) -> Sequence:
        items: list[object] = []
        while True:
            while self.at_op("\n", ";", "&"):
                self.take()
            t = self.peek()
            if t is None or (t[0] == "word" and t[1] in stop) or (t[0] == "op" and t[1] == ")" and ")" in stop):
                return Sequence(items)
            items.append(self.and_or())

    def and_or(self) -> AndOr:
        first = self.pipeline()
        rest: list[tuple[str, object]] = []
        while self.at_op("&&", "||"):
            op = self.take()[1]
            while self.at_op("\n"):
                self.take()
            rest.append((op, self.pipeline()))
        return AndOr(first, rest)

    def pipeline(self) -> Pipeline:
        negate = False
        if self.at_word("!"):
            self.take()
            negate = True
        commands = [self.command()]
        while self.at_op("|"):
            self.take()
            while self.at_op("\n"):
                self.take()
            commands.append(self.command())
        return Pipeline(commands, negate)

    def redirects(self) -> list[Redirect]:
        out = []
        while True:
            r = self.redirect()
            if r is None:
                return out
            out.append(r)

    def redirect(self) -> Redirect | None:
        t = self.peek()
        if t is None or t[0] != "op":
            return None
        op = t[1]
        if op == "2>&1":
            self.take()
            return Redirect(2, ">&", "1")
        if op in ("1>&2", ">&2"):
            self.take()
            return Redirect(1, ">&", "2")
        if op in (">", ">>", "<", "2>", "2>>", "&>"):
            self.take()
            target = self.peek()
            if target is None or target[0] != "word":
                raise ShellSyntaxError(f"syntax error: unexpected {_describe(target)}")
            self.take()
            fd = 2 if op.startswith("2") else 0 if op == "<" else 3 if op == "&>" else 1
            return Redirect(fd, ">>" if op.endswith(">>") else op[-1], target[1])
        return None

    def command(self) -> object:
        t = self.peek()
        if t is None:
            raise ShellSyntaxError("syntax error: unexpected end of file")
        if t == ("op", "("):
            self.take()
            body = self.sequence({")"})
            if not self.at_op(")"):
                raise ShellSyntaxError("syntax error: unexpected end of file (expecting \")\")")
            self.take()
            return Group(body, True, self.redirects())
        if t[0] == "word" and t[1] in _KEYWORDS:
            return self.compound(t[1])
        node = Simple()
        while True:
            r = self.redirect()
            if r is not None:
                node.redirects.append(r)
                continue
            t = self.peek()
            if t is None or t[0] != "word":
                break
            if not node.words and t[1] in _ENDS:
                break
            word = self.take()[1]
            name, eq, value = word.partition("=")
            if not node.words and eq and name.isidentifier():
                node.assigns.append((name, value))
            else:
                node.words.append(word)
        if not node.words and not node.assigns and not node.redirects:
            raise ShellSyntaxError(f"syntax error: unexpected {_describe(self.peek())}")
        return node

    def _condition(self, stop: set[str]) -> Sequence:
        """A loop's or if's condition: at least one command."""
        cond = self.sequence(stop)
        if not cond.items:
            raise ShellSyntaxError(f"syntax error: unexpected {_describe(self.peek())}")
        return cond

    def compound(self, word: str) -> object:
        if word in ("while", "until"):
            self.take()
            cond = self._condition({"do"})
            self.expect_word("do")
            body = self.sequence({"done"})
            self.expect_word("done")
            return Loop(cond, body, word == "until", self.redirects())
        if word == "for":
            self.take()
            name = self.take()[1]
            words: list[str] | None = None
            while self.at_op("\n"):
                self.take()
            if self.at_word("in"):
                self.take()
                words = []
                while self.peek() is not None and self.peek()[0] == "word":  # type: ignore[index]
                    words.append(self.take()[1])
            self.skip_newlines()
            self.expect_word("do")
            body = self.sequence({"done"})
            self.expect_word("done")
            return For(name, words, body, self.redirects())
        if word == "if":
            self.take()
            branches = []
            cond = self._condition({"then"})
            self.expect_word("then")
            branches.append((cond, self.sequence({"elif", "else", "fi"})))
            otherwise = None
            while True:
                if self.at_word("elif"):
                    self.take()
                    cond = self.sequence({"then"})
                    self.expect_word("then")
                    branches.append((cond, self.sequence({"elif", "else", "fi"})))
                elif self.at_word("else"):
                    self.take()
                    otherwise = self.sequence({"fi"})
                else:
                    break
            self.expect_word("fi")
            return If(branches, otherwise, self.redirects())
        if word == "{":
            self.take()
            body = self.sequence({"}"})
            self.expect_word("}")
            return Group(body, False, self.redirects())
        if word == "!":
            return self.pipeline()
        raise ShellSyntaxError(f"syntax error: unexpected \"{word}\"")


def _describe(token: tuple[str, str] | None) -> str:
    if token is None:
        return "end of file"
    if token[1] == "\n":
        return "newline"
    return f'"{token[1]}"'


@lru_cache(maxsize=2048)
def parse(text: str) -> Sequence:
    """The script's syntax tree (cached: every replica runs the same script)."""
    parser = _Parser(tokenize(text))
    tree = parser.sequence(set())
    if parser.peek() is not None:
        raise ShellSyntaxError(f"syntax error: unexpected {_describe(parser.peek())}")
    return tree
