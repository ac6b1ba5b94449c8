"""Evaluate a parsed script as a generator of steps, on the simulated clock.

``Shell.run`` yields ``("out", text)``, ``("err", text)`` and ``("sleep", seconds)``
steps and returns the exit code; ``Shell.clock`` is the seconds the script has used. A
driver (``program.Run``) pulls steps only as far as the kubelet asks, so a loop that runs
for days costs nothing until someone looks. Nothing here starts a process or reads the host.
"""
from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from .fs import Fs, FsError
from .parse import AndOr, For, Group, If, Loop, Pipeline, Redirect, Sequence, ShellSyntaxError, Simple, parse

Steps = Generator[tuple[str, object], None, int]
#: commands run without the clock moving before the simulation makes a second pass (a
#: loop with no sleep would otherwise print forever in no time)
SPIN_COMMANDS = 10_000
SHELL_NAMES = {"sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash", "/usr/bin/sh", "/usr/bin/bash", "dash"}


class Network(Protocol):
    """What a container reaches over the network (``runtime.network`` is the cluster's)."""

    def lookup(self, name: str) -> tuple[str, list[str]] | None:
        """(canonical name, addresses) or None (NXDOMAIN)."""

    def http(self, host: str, port: int, path: str) -> tuple[int, str, str]:
        """(status, reason, body); raises ConnectionError(text) when nothing answers."""

    def connect(self, host: str, port: int) -> bool:
        """Whether something listens there."""

    @property
    def nameserver(self) -> str: ...


class NoNetwork:
    """A container that is not in a cluster (the interpreter's tests): only localhost."""

    nameserver = "10.96.0.10"

    def lookup(self, name: str) -> tuple[str, list[str]] | None:
        return (name, ["127.0.0.1"]) if name == "localhost" else None

    def http(self, host: str, port: int, path: str) -> tuple[int, str, str]:
        raise ConnectionError("Connection refused")

    def connect(self, host: str, port: int) -> bool:
        return False


@dataclass
class Context:
    """Where a command runs: the container's files, environment, name and network."""

    fs: Fs = field(default_factory=Fs)
    env: dict[str, str] = field(default_factory=dict)
    hostname: str = "localhost"
    network: Network = field(default_factory=NoNetwork)
    user: str = "root"
    started: datetime | None = None  # the wall-clock moment offset 0 stands for
    cwd: str = "/"
    #: the container was made with ``stdin: true``: a shell with nothing to run waits for input
    stdin_open: bool = False
    #: the image (``docker.io/library/busybox:1.28``): tools whose output changed between
    #: versions follow its tag
    image: str = ""


class ExitShell(Exception):
    def __init__(self, code: int):
        self.code = code


class _Return(Exception):
    """``break``/``continue`` leaving a loop."""

    def __init__(self, kind: str, levels: int = 1):
        self.kind = kind
        self.levels = levels


class Shell:
    """One shell process: its variables, working directory, clock and output sinks."""

    def __init__(self, ctx: Context, name: str = "sh", args: list[str] | None = None):
        self.ctx = ctx
        self.vars: dict[str, str] = dict(ctx.env)
        self.vars.setdefault("HOSTNAME", ctx.hostname)
        self.vars.setdefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        self.vars.setdefault("HOME", "/root" if ctx.user == "root" else f"/home/{ctx.user}")
        self.exported: set[str] = {*ctx.env, "HOSTNAME", "PATH", "HOME"}
        self.name = name
        self.args = list(args or [])
        self.status = 0
        self.clock = 0.0
        self.spin = 0
        self.serving: list[str] = []
        #: None: the container's own stdout/stderr; a list: captured (pipes, $(…), files)
        self.sinks: list[list[str] | None] = [None]
        self.err_sinks: list[list[str] | None] = [None]
        self.stdin: list[str] = [""]

    # ---- output -----------------------------------------------------------------------------

    def emit(self, text: str, err: bool = False) -> Generator[tuple[str, object], None, None]:
        if not text:
            return
        sink = (self.err_sinks if err else self.sinks)[-1]
        if sink is None:
            yield ("err" if err else "out", text)
        else:
            sink.append(text)

    def sleep(self, seconds: float) -> Generator[tuple[str, object], None, None]:
        self.spin = 0
        if seconds > 0:
            self.clock += seconds
            yield ("sleep", seconds)

    # ---- running ----------------------------------------------------------------------------

    def run_script(self, script: str) -> Steps:
        """Run a whole script; ``exit`` ends it with its code."""
        try:
            tree = parse(script)
        except ShellSyntaxError as e:
            yield from self.emit(f"{self.name}: {e}\n", err=True)
            return 2
        try:
            return (yield from self.run(tree))
        except ExitShell as e:
            return e.code

    def run(self, node: object) -> Steps:
        if isinstance(node, Sequence):
            for item in node.items:
                self.status = yield from self.run(item)
            return self.status
        if isinstance(node, AndOr):
            status = yield from self.run(node.first)
            for op, pipeline in node.rest:
                if (op == "&&") == (status == 0):
                    status = yield from self.run(pipeline)
            self.status = status
            return status
        if isinstance(node, Pipeline):
            status = yield from self._pipeline(node)
            self.status = (1 if status == 0 else 0) if node.negate else status
            return self.status
        if isinstance(node, Simple):
            return (yield from self._simple(node))
        return (yield from self._redirected(node, getattr(node, "redirects", [])))

    def _compound(self, node: object) -> Steps:
        if isinstance(node, Loop):
            return (yield from self._loop(node))
        if isinstance(node, For):
            return (yield from self._for(node))
        if isinstance(node, If):
            for cond, body in node.branches:
                if (yield from self.run(cond)) == 0:
                    return (yield from self.run(body))
            if node.otherwise is not None:
                return (yield from self.run(node.otherwise))
            return 0
        if isinstance(node, Group):
            if not node.subshell:
                return (yield from self.run(node.body))
            saved = (dict(self.vars), self.ctx.cwd)
            try:
                return (yield from self.run(node.body))
            except ExitShell as e:
                return e.code
            finally:
                self.vars, self.ctx.cwd = saved[0], saved[1]
        raise TypeError(node)

    def _loop(self, node: Loop) -> Steps:
        status = 0
        while True:
            cond = yield from self.run(node.cond)
            if (cond == 0) == node.until:
                return status
            try:
                status = yield from self.run(node.body)
            except _Return as r:
                if r.levels > 1:
                    raise _Return(r.kind, r.levels - 1) from None
                if r.kind == "break":
                    return 0
            yield from self._guard_spin()

    def _for(self, node: For) -> Steps:
        words = self.args if node.words is None else self.expand_all(node.words)
        status = 0
        for word in words:
            self.vars[node.name] = word
            try:
                status = yield from self.run(node.body)
            except _Return as r:
                if r.levels > 1:
                    raise _Return(r.kind, r.levels - 1) from None
                if r.kind == "break":
                    return 0
            yield from self._guard_spin()
        return status

    def _guard_spin(self) -> Generator[tuple[str, object], None, None]:
        self.spin += 1
        if self.spin >= SPIN_COMMANDS:
            yield from self.sleep(1.0)

    def _pipeline(self, node: Pipeline) -> Steps:
        if len(node.commands) == 1:
            return (yield from self.run(node.commands[0]))
        # Stages run one after another, each reading the previous one's whole output
        # (a simplification: a real pipe runs them side by side).
        data = self.stdin[-1]
        status = 0
        for i, command in enumerate(node.commands):
            last = i == len(node.commands) - 1
            self.stdin.append(data)
            buffer: list[str] = []
            if not last:
                self.sinks.append(buffer)
            try:
                status = yield from self.run(command)
            except ExitShell as e:
                status = e.code
            finally:
                self.stdin.pop()
                if not last:
                    self.sinks.pop()
            data = "".join(buffer)
        return status

    def _redirected(self, node: object, redirects: list[Redirect]) -> Steps:
        if not redirects:
            return (yield from self._compound(node))
        opened = yield from self._open(redirects)
        if opened is None:
            return 1
        try:
            return (yield from self._compound(node))
        finally:
            yield from self._close(opened)

    def _open(self, redirects: list[Redirect]) -> Generator[tuple[str, object], None, list | None]:
        """Push the sinks the redirections name; returns what to flush when done."""
        opened: list[tuple[str, list[str] | None, str | None, bool]] = []
        for r in redirects:
            if r.op == ">&":
                if r.fd == 2:
                    self.err_sinks.append(self.sinks[-1])
                    opened.append(("err", None, None, False))
                else:
                    self.sinks.append(self.err_sinks[-1])
                    opened.append(("out", None, None, False))
                continue
            target = self.expand_one(r.target)
            path = self.path(target)
            if r.op == "<":
                try:
                    self.stdin.append(self.ctx.fs.read(path))
                except FsError as e:
                    yield from self.emit(f"{self.name}: can't open '{target}': {e}\n", err=True)
                    yield from self._close(opened)
                    return None
                opened.append(("in", None, None, False))
                continue
            buffer: list[str] = []
            if path != "/dev/null":
                try:
                    self.ctx.fs.write(path, "", append=True)
                except FsError as e:
                    yield from self.emit(f"{self.name}: can't create {target}: {e}\n", err=True)
                    yield from self._close(opened)
                    return None
            for fd in ((1, 2) if r.fd == 3 else (r.fd,)):
                (self.err_sinks if fd == 2 else self.sinks).append(buffer)
                opened.append(("err" if fd == 2 else "out", buffer, path, r.op == ">>" or fd != (1 if r.fd == 3 else r.fd)))
        return opened

    def _close(self, opened: list) -> Generator[tuple[str, object], None, None]:
        for kind, buffer, path, append in reversed(opened):
            if kind == "in":
                self.stdin.pop()
                continue
            (self.err_sinks if kind == "err" else self.sinks).pop()
            if path is not None and path != "/dev/null" and buffer is not None:
                try:
                    self.ctx.fs.write(path, "".join(buffer), append=append)
                except FsError:
                    pass
        return
        yield

    def _simple(self, node: Simple) -> Steps:
        words = self.expand_all(node.words)
        if not words:
            for name, value in node.assigns:
                self.vars[name] = self.expand_one(value)
            self.status = self.status if any("$(" in v or "`" in v for _, v in node.assigns) else 0
            if node.redirects:
                opened = yield from self._open(node.redirects)
                if opened is not None:
                    yield from self._close(opened)
            return self.status
        saved = {name: self.vars.get(name) for name, _ in node.assigns}
        for name, value in node.assigns:
            self.vars[name] = self.expand_one(value)
        opened = yield from self._open(node.redirects) if node.redirects else _nothing()
        try:
            if opened is None:
                return 1
            self.spin += 1
            if self.spin >= SPIN_COMMANDS:
                yield from self.sleep(1.0)
            from .commands import run_command_words

            status = yield from run_command_words(self, words)
        finally:
            if opened:
                yield from self._close(opened)
            for name, old in saved.items():
                if old is None:
                    self.vars.pop(name, None)
                else:
                    self.vars[name] = old
        self.status = status
        return status

    # ---- paths ------------------------------------------------------------------------------

    def path(self, name: str) -> str:
        return posixpath.normpath(posixpath.join(self.ctx.cwd, name)) if name else self.ctx.cwd

    def capture(self, script: str) -> str:
        """``$(…)``: run a script in a subshell and return its output (time it takes
        passes on the clock; its steps are not yielded: it ends before the word is used)."""
        sub = Shell(self.ctx, self.name, self.args)
        sub.vars = dict(self.vars)
        sub.exported = set(self.exported)
        sub.clock = self.clock
        sub.sinks = [[]]
        sub.err_sinks = [self.err_sinks[-1] if self.err_sinks[-1] is not None else []]
        gen = sub.run_script(script)
        try:
            while True:
                next(gen)
        except StopIteration as stop:
            self.status = stop.value or 0
        self.clock = sub.clock
        return "".join(sub.sinks[0]).rstrip("\n")

    # ---- expansion --------------------------------------------------------------------------

    def expand_all(self, words: list[str]) -> list[str]:
        out: list[str] = []
        for word in words:
            if not _SPECIAL.search(word):
                out.append(word)
            else:
                out.extend(self._expand(word, split=True))
        return out

    def expand_one(self, word: str) -> str:
        if not _SPECIAL.search(word):
            return word
        return " ".join(self._expand(word, split=False))

    def _expand(self, word: str, split: bool) -> list[str]:
        """Quotes, ``$var``/``${…}``/``$(…)``/backticks/``$((…))``, field splitting of
        unquoted expansions and ``*`` globs."""
        fields: list[str] = []
        current: list[str] = []
        have = False  # a field exists even if empty ("" or '')
        glob = False
        i, n = 0, len(word)
        while i < n:
            ch = word[i]
            if ch == "'":
                end = word.index("'", i + 1)
                current.append(word[i + 1:end])
                have = True
                i = end + 1
            elif ch == '"':
                i, text = self._double(word, i + 1)
                current.append(text)
                have = True
            elif ch == "\\":
                current.append(word[i + 1:i + 2])
                have = True
                i += 2
            elif ch == "$" or ch == "`":
                i, value = self._dollar(word, i)
                if value is None:
                    current.append("$")
                    have = True
                    continue
                if split:
                    parts = value.split()
                    if value[:1].isspace() and (current or have):
                        fields.append("".join(current))
                        current, have = [], False
                    for j, part in enumerate(parts):
                        if j:
                            fields.append("".join(current))
                            current = []
                        current.append(part)
                        have = True
                    if value[-1:].isspace() and parts:
                        fields.append("".join(current))
                        current, have = [], False
                else:
                    current.append(value)
                    have = True
            else:
                if ch in "*?":
                    glob = True
                current.append(ch)
                have = True
                i += 1
        if current or have:
            fields.append("".join(current))
        if glob and split:
            return [m for f in fields for m in self._glob(f)]
        return fields

    def _glob(self, pattern: str) -> list[str]:
        if "*" not in pattern and "?" not in pattern:
            return [pattern]
        directory = posixpath.dirname(pattern) or "."
        base = self.path(directory)
        names = [n for n in self.ctx.fs.listdir(base) if fnmatch.fnmatchcase(n, posixpath.basename(pattern)) and not n.startswith(".")]
        if not names:
            return [pattern]
        prefix = "" if directory == "." and not pattern.startswith("./") else directory.rstrip("/") + "/"
        return [prefix + n for n in names]

    def _double(self, word: str, i: int) -> tuple[int, str]:
        out: list[str] = []
        while i < len(word) and word[i] != '"':
            ch = word[i]
            if ch == "\\" and word[i + 1:i + 2] in ('"', "\\", "$", "`"):
                out.append(word[i + 1])
                i += 2
            elif ch in "$`":
                i, value = self._dollar(word, i)
                out.append("$" if value is None else value)
            else:
                out.append(ch)
                i += 1
        return i + 1, "".join(out)

    def _dollar(self, word: str, i: int) -> tuple[int, str | None]:
        """The expansion starting at ``word[i]`` and where it ends; None: a literal ``$``."""
        if word[i] == "`":
            end = word.index("`", i + 1)
            return end + 1, self.capture(word[i + 1:end])
        nxt = word[i + 1:i + 2]
        if word.startswith("$((", i):
            depth, j = 2, i + 3
            while j < len(word) and depth:
                depth += {"(": 1, ")": -1}.get(word[j], 0)
                j += 1
            return j, str(self.arith(word[i + 3:j - 2]))
        if nxt == "(":
            depth, j = 1, i + 2
            while j < len(word) and depth:
                depth += {"(": 1, ")": -1}.get(word[j], 0)
                j += 1
            return j, self.capture(word[i + 2:j - 1])
        if nxt == "{":
            end = word.index("}", i)
            return end + 1, self._param(word[i + 2:end])
        if nxt and (nxt in "?$#@*!" or nxt.isdigit()):
            return i + 2, self._special(nxt)
        m = _NAME.match(word, i + 1)
        if not m:
            return i + 1, None
        return m.end(), self.vars.get(m.group(0), "")

    def _special(self, ch: str) -> str:
        if ch == "?":
            return str(self.status)
        if ch == "$":
            return "1"
        if ch == "!":
            return ""
        if ch == "#":
            return str(len(self.args))
        if ch in "@*":
            return " ".join(self.args)
        if ch == "0":
            return self.name
        index = int(ch)
        return self.args[index - 1] if index <= len(self.args) else ""

    def _param(self, body: str) -> str:
        if body.startswith("#"):
            return str(len(self.vars.get(body[1:], "")))
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*|[0-9?#@*$])(:?[-=+?])?(.*)$", body)
        if not m:
            return ""
        name, op, rest = m.groups()
        value = self._special(name) if not _NAME.fullmatch(name) else self.vars.get(name)
        unset = value is None or (op is not None and op.startswith(":") and value == "")
        if op and op.endswith("-"):
            return self.expand_one(rest) if unset else value or ""
        if op and op.endswith("="):
            if unset:
                self.vars[name] = self.expand_one(rest)
            return self.vars.get(name, "")
        if op and op.endswith("+"):
            return "" if unset else self.expand_one(rest)
        return value or ""

    def arith(self, expr: str) -> int:
        """``$((…))``: integers, + - * / % and comparisons; names are variables."""
        text = re.sub(r"\$?\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: str(_int(self.vars.get(m.group(1), "0"))), expr)
        text = text.replace("&&", " and ").replace("||", " or ")
        if not re.fullmatch(r"[0-9+\-*/%()<>=! andor]*", text):
            return 0
        text = re.sub(r"(?<![<>=!])!(?!=)", " not ", text).replace("/", "//")
        try:
            return int(eval(text, {"__builtins__": {}}, {}))  # noqa: S307 - digits and operators only (checked above)
        except (SyntaxError, ZeroDivisionError, ValueError, TypeError):
            return 0


def _nothing() -> Generator[tuple[str, object], None, list]:
    return []
    yield


def _int(text: str) -> int:
    try:
        return int(text.strip() or 0)
    except ValueError:
        return 0


_SPECIAL = re.compile(r"[$`'\"\\*?]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
