"""Drive a container's program on the simulated clock, and run one-off commands.

``Run`` pulls the interpreter's steps only as far as it is asked ("what has happened by
offset T?"): lines with their offsets, the filesystem journal, the exit. ``run_command``
runs a command to its end (exec probes; ``kubectl exec`` later), ``Session`` keeps a
shell between commands (an interactive ``sh``).
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from .commands import run_command_words
from .interp import SHELL_NAMES, Context, ExitShell, Shell
from .parse import ShellSyntaxError, parse

#: a program's output is simulated for at most this many lines (a runaway loop is cut)
MAX_LINES = 100_000
#: ``Run.ending`` gives up looking for the exit after this many steps (the program runs
#: until stopped, as far as anyone can tell)
FATE_STEPS = 20_000
#: ``Run.ending`` looks again only once the program's clock is less than this far ahead of
#: the moment asked about (a loop is not interpreted further and further into the future)
AHEAD_SECONDS = 30.0
#: containerd splits a line longer than this (16 KiB) into partial lines in the log
MAX_LINE_CHARS = 16 * 1024
FOREVER = float("inf")


def _main(sh: Shell, argv: list[str]) -> Generator[tuple[str, object], None, int]:
    if len(argv) >= 3 and argv[0] in SHELL_NAMES and argv[1] in ("-c", "-ec", "-xc", "-ex", "-euc"):
        sh.name = argv[3] if len(argv) > 3 else argv[0].rsplit("/", 1)[-1]
        sh.args = argv[4:]
        return (yield from sh.run_script(argv[2]))
    try:
        return (yield from run_command_words(sh, argv))
    except ExitShell as e:
        return e.code


@dataclass
class Line:
    offset: float
    text: str
    stream: str = "stdout"


class Run:
    """A container's process: ``advance(offset)`` runs it up to that many seconds after
    it started; ``lines``, ``journal`` and ``exit`` say what it did so far."""

    def __init__(self, ctx: Context, argv: list[str], keep_lines: bool = True):
        self.ctx = ctx
        self.keep_lines = keep_lines
        self.shell = Shell(ctx, argv[0].rsplit("/", 1)[-1] if argv else "sh")
        self.shell.name = "sh"
        self.base = ctx.fs.copy()  # the files before the program ran (probes replay the journal on it)
        ctx.fs.clock = lambda: self.shell.clock
        self.lines: list[Line] = []
        self.printed = 0
        self._last_offset = -1.0
        self.exit: tuple[float, int] | None = None  # (offset, code)
        self._partial = {"stdout": "", "stderr": ""}
        self._steps = _main(self.shell, argv) if argv else iter(())
        self._paused_until = 0.0  # the clock at the step last pulled
        self._looked = False  # ``ending`` has looked ahead once

    @property
    def journal(self) -> list[tuple[float, str, str | None]]:
        return self.ctx.fs.journal

    @property
    def serving(self) -> list[str]:
        return self.shell.serving

    def _take(self, stream: str, text: str) -> None:
        if not self.keep_lines:
            return
        text = self._partial[stream] + text
        *complete, rest = text.split("\n")
        while len(rest) >= MAX_LINE_CHARS:  # `wget -q -O-` of a body without a newline, in a loop
            complete.append(rest[:MAX_LINE_CHARS])
            rest = rest[MAX_LINE_CHARS:]
        self._partial[stream] = rest
        offset = self.shell.clock
        for line in complete:
            if self.printed >= MAX_LINES:
                return
            if offset <= self._last_offset:
                offset = self._last_offset + 0.000001
            self.lines.append(Line(offset, line, stream))
            self.printed += 1
            self._last_offset = offset

    def take_lines(self) -> list[Line]:
        """The lines printed since the last call (a reader that keeps its own copy takes
        them, so a program that runs for days does not keep all it printed)."""
        taken, self.lines = self.lines, []
        return taken

    def _step(self) -> bool:
        """Pull one step; False once the program has ended or waits forever."""
        if self.exit is not None or self._paused_until == FOREVER:
            return False
        try:
            kind, value = next(self._steps)  # type: ignore[call-overload]
        except StopIteration as stop:
            for stream, rest in self._partial.items():
                if rest:
                    self._take(stream, "\n")
            self.exit = (self.shell.clock, int(stop.value or 0))
            return False
        if kind != "sleep":
            self._take("stdout" if kind == "out" else "stderr", str(value))
        self._paused_until = self.shell.clock
        return True

    def advance(self, offset: float) -> None:
        """Run until the program's clock passes ``offset`` (or it ends)."""
        while self._paused_until <= offset and self._step():
            pass

    def ending_within(self, offset: float, steps: int) -> None:
        """Run at most ``steps`` steps past ``offset`` until the program prints a line there."""
        while steps > 0 and self._last_offset <= offset and self._step():
            steps -= 1

    def ending(self, offset: float | None = None) -> tuple[float, int] | None:
        """When and how the program ends, looking at most ``FATE_STEPS`` steps ahead;
        None: it runs until stopped. Asked again at ``offset`` (seconds since it started),
        it looks only as far as ``AHEAD_SECONDS`` past that, so a loop costs what its own
        time costs, a little at every look, not ``FATE_STEPS`` at every look."""
        if self.exit is None and offset is not None and self._looked:
            # Step by step with the clock: at most AHEAD_SECONDS ahead of ``offset``.
            steps = 0
            while steps < FATE_STEPS and self._paused_until <= offset + AHEAD_SECONDS and self._step():
                steps += 1
            return self.exit
        self._looked = True
        steps = 0
        while steps < FATE_STEPS and self._step():
            steps += 1
        return self.exit

    def look_again_at(self) -> float | None:
        """The offset from which ``ending`` would look further (None: it has ended or waits
        forever), for whoever must be there to see a later exit."""
        if not self._looked or self.exit is not None or self._paused_until == FOREVER:
            return None
        return self._paused_until - AHEAD_SECONDS


def run_command(ctx: Context, argv: list[str], stdin: str = "") -> tuple[str, str, int]:
    """Run ``argv`` in the container to its end: (stdout, stderr, exit code). Sleeps pass
    at once (the caller decides what time it is); a command that never ends (a server,
    ``sleep infinity``) is cut where it would wait forever."""
    sh = Shell(ctx)
    out: list[str] = []
    err: list[str] = []
    sh.sinks, sh.err_sinks, sh.stdin = [out], [err], [stdin]
    steps = _main(sh, argv)
    code = 0
    try:
        while True:
            next(steps)
            if sh.clock == FOREVER:
                code = 137  # still running when the caller stopped waiting
                break
    except StopIteration as stop:
        code = int(stop.value or 0)
    return "".join(out), "".join(err), code


class Session:
    """An interactive shell (``kubectl exec -it … -- sh``): variables and the working
    directory persist between lines; ``exit`` ends it."""

    def __init__(self, ctx: Context):
        self.shell = Shell(ctx)
        self.exited: int | None = None

    def feed(self, line: str) -> tuple[str, str, int]:
        """Run one line of input: (stdout, stderr, exit code)."""
        out: list[str] = []
        err: list[str] = []
        sh = self.shell
        sh.sinks, sh.err_sinks, sh.stdin = [out], [err], [""]
        code = 0
        try:
            steps = sh.run(parse(line))
            while True:
                next(steps)
                if sh.clock == FOREVER:
                    break
        except StopIteration as stop:
            code = int(stop.value or 0)
        except ExitShell as e:
            code = self.exited = e.code
        except ShellSyntaxError as e:  # the shell says so and reads the next line
            err.append(f"sh: {e}\n")
            code = 2
        return "".join(out), "".join(err), code
