"""The commands the simulated shell knows, with busybox's messages and exit codes.

Each is a generator taking ``(shell, args)`` (stdin is ``shell.stdin[-1]``) that yields
the shell's steps and returns the exit code. Servers (``nginx``, ``redis-server``, …)
sleep until stopped and note what they serve in ``shell.serving``.
"""
from __future__ import annotations

import io
import posixpath
import re
import tarfile
from collections.abc import Callable, Generator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from .fs import FsError
from .interp import SHELL_NAMES, ExitShell, Shell, Steps, _int, _Return

Command = Callable[[Shell, list[str]], Steps]
COMMANDS: dict[str, Command] = {}
FOREVER = float("inf")


def command(*names: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        for name in names:
            COMMANDS[name] = fn
        return fn
    return register


def run_command_words(sh: Shell, words: list[str]) -> Steps:
    """Find and run ``words[0]``: a builtin or known program, by name or path."""
    name = words[0]
    fn = COMMANDS.get(name) or COMMANDS.get(posixpath.basename(name))
    if fn is None:
        yield from sh.emit(f"{sh.name}: {name}: not found\n", err=True)
        return 127
    return (yield from fn(sh, words[1:]))


def _out(sh: Shell, text: str) -> Generator[tuple[str, object], None, None]:
    yield from sh.emit(text)


def _err(sh: Shell, text: str) -> Generator[tuple[str, object], None, None]:
    yield from sh.emit(text + "\n", err=True)


def _flags(args: list[str], with_value: str = "") -> tuple[set[str], dict[str, str], list[str]]:
    """Short options (``-la``), options taking a value (``-n 5``/``-n5``), the rest."""
    flags: set[str] = set()
    values: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest += args[i + 1:]
            break
        if a.startswith("-") and len(a) > 1 and not a[1:].isdigit():
            j = 1
            while j < len(a):
                if a[j] in with_value:
                    if j + 1 < len(a):
                        values[a[j]] = a[j + 1:]
                    elif i + 1 < len(args):
                        i += 1
                        values[a[j]] = args[i]
                    break
                flags.add(a[j])
                j += 1
        else:
            rest.append(a)
        i += 1
    return flags, values, rest


# ---- the shell's own -------------------------------------------------------------------------


@command("true", ":")
def _true(sh: Shell, args: list[str]) -> Steps:
    return 0
    yield


@command("false")
def _false(sh: Shell, args: list[str]) -> Steps:
    return 1
    yield


@command("exit")
def _exit(sh: Shell, args: list[str]) -> Steps:
    raise ExitShell(_int(args[0]) & 255 if args else sh.status)
    yield


@command("break")
def _break(sh: Shell, args: list[str]) -> Steps:
    raise _Return("break", _int(args[0]) if args else 1)
    yield


@command("continue")
def _continue(sh: Shell, args: list[str]) -> Steps:
    raise _Return("continue", _int(args[0]) if args else 1)
    yield


@command("export", "readonly", "local")
def _export(sh: Shell, args: list[str]) -> Steps:
    for a in args:
        name, eq, value = a.partition("=")
        if eq:
            sh.vars[name] = value
        sh.exported.add(name)
    return 0
    yield


@command("unset")
def _unset(sh: Shell, args: list[str]) -> Steps:
    for a in args:
        sh.vars.pop(a, None)
    return 0
    yield


@command("set", "trap", "wait", "ulimit", "umask", "shopt", "kill", "sync")
def _ignored(sh: Shell, args: list[str]) -> Steps:
    """Accepted and without effect here (there are no signals or other processes)."""
    return 0
    yield


@command("cd")
def _cd(sh: Shell, args: list[str]) -> Steps:
    target = sh.path(args[0] if args else sh.vars.get("HOME", "/"))
    if not sh.ctx.fs.is_dir(target):
        yield from _err(sh, f"{sh.name}: cd: can't cd to {args[0] if args else target}: No such file or directory")
        return 2
    sh.ctx.cwd = target
    return 0


@command("pwd")
def _pwd(sh: Shell, args: list[str]) -> Steps:
    yield from _out(sh, sh.ctx.cwd + "\n")
    return 0


@command("exec")
def _exec(sh: Shell, args: list[str]) -> Steps:
    if not args:
        return 0
    code = yield from run_command_words(sh, args)
    raise ExitShell(code)


@command("sleep", "usleep")
def _sleep(sh: Shell, args: list[str]) -> Steps:
    if not args:
        yield from _err(sh, "sleep: missing operand" if sh.name != "usleep" else "usleep: missing operand")
        return 1
    total = 0.0
    for a in args:
        if a in ("infinity", "inf"):
            total = FOREVER
            break
        m = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)", a)
        if not m:
            yield from _err(sh, f"sleep: invalid number '{a}'")
            return 1
        total += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    yield from sh.sleep(total)
    return 0


def _usleep(sh: Shell, args: list[str]) -> Steps:
    yield from sh.sleep(_int(args[0]) / 1_000_000 if args else 0)
    return 0


COMMANDS["usleep"] = _usleep


@command("sh", "bash", "ash", "dash")
def _sh(sh: Shell, args: list[str]) -> Steps:
    """``sh -c 'script' [name args…]``, ``sh file``, or an interactive shell reading stdin
    (none in a container without ``stdin: true``: it exits at once, as busybox's does)."""
    flags, _, rest = _flags([a for a in args if a not in ("-e", "-x", "-eu", "-ex", "-o", "pipefail")], "")
    sub = Shell(sh.ctx, rest[1] if "c" in flags and len(rest) > 1 else sh.name, [])
    sub.vars = dict(sh.vars)
    sub.exported = set(sh.exported)
    sub.clock, sub.sinks, sub.err_sinks, sub.stdin = sh.clock, sh.sinks, sh.err_sinks, sh.stdin
    sub.serving = sh.serving
    if "c" in flags:
        if not rest:
            yield from _err(sh, f"{sh.name}: -c requires an argument")
            return 2
        sub.args = rest[2:]
        script = rest[0]
    elif rest:
        try:
            script = sh.ctx.fs.read(sh.path(rest[0]))
        except FsError:
            yield from _err(sh, f"{sh.name}: can't open '{rest[0]}': No such file or directory")
            return 2
        sub.args = rest[1:]
    elif sh.ctx.stdin_open and not sh.stdin[-1]:
        # ``stdin: true`` (kubectl run -i): the shell waits for a line that only an attach
        # brings; the attached session runs what is typed (kubeapi/streams.py).
        yield from sh.sleep(FOREVER)
        return 0
    else:
        script = sh.stdin[-1]
    code = yield from sub.run_script(script)
    sh.clock = sub.clock
    return code


for _name in SHELL_NAMES:
    COMMANDS[_name] = _sh


# ---- text ----------------------------------------------------------------------------------


def _escapes(text: str) -> tuple[str, bool]:
    """Backslash escapes of ``echo -e``/``printf``; True when ``\\c`` stops output."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "c":
                return "".join(out), True
            out.append({"n": "\n", "t": "\t", "\\": "\\", "r": "\r", "a": "\a", "0": "", "e": "\x1b"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out), False


@command("echo")
def _echo(sh: Shell, args: list[str]) -> Steps:
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline = newline and "n" not in args[0]
        escapes = "e" in args[0]
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, stop = _escapes(text)
        newline = newline and not stop
    yield from _out(sh, text + ("\n" if newline else ""))
    return 0


@command("printf")
def _printf(sh: Shell, args: list[str]) -> Steps:
    if not args:
        yield from _err(sh, "printf: usage: printf FORMAT [ARGUMENT...]")
        return 1
    fmt, values = args[0], args[1:]
    out: list[str] = []
    while True:
        used = 0

        def one(m: re.Match[str], values: list[str] = values) -> str:
            nonlocal used
            spec = m.group(0)
            if spec == "%%":
                return "%"
            value = values[used] if used < len(values) else ""
            used += 1
            conv = spec[-1]
            width = spec[1:-1]
            if conv in "di":
                return ("%" + width + "d") % _int(value)
            if conv == "f":
                try:
                    return ("%" + width + "f") % float(value or 0)
                except ValueError:
                    return "0"
            if conv == "b":
                return _escapes(value)[0]
            return ("%" + width + "s") % value

        text = re.sub(r"%%|%[-0-9.]*[sdifbc]", one, fmt)
        out.append(_escapes(text)[0])
        if used == 0 or used >= len(values):
            break
        values = values[used:]
    yield from _out(sh, "".join(out))
    return 0


def _inputs(sh: Shell, files: list[str], tool: str) -> Generator[tuple[str, object], None, tuple[list[tuple[str, str]], int]]:
    """The named files' contents (or stdin), with busybox's error for each missing one."""
    if not files or files == ["-"]:
        return [("", sh.stdin[-1])], 0
    found, status = [], 0
    for name in files:
        try:
            found.append((name, sh.ctx.fs.read(sh.path(name))))
        except FsError as e:
            if str(e) == "Is a directory":
                yield from _err(sh, f"{tool}: read error: Is a directory")
            else:
                yield from _err(sh, f"{tool}: can't open '{name}': {e}")
            status = 1
    return found, status


@command("cat")
def _cat(sh: Shell, args: list[str]) -> Steps:
    _, _, files = _flags(args)
    found, status = yield from _inputs(sh, files, "cat")
    yield from _out(sh, "".join(text for _, text in found))
    return status


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _ends(sh: Shell, args: list[str], tool: str) -> Steps:
    args = [f"-n{a[1:]}" if re.fullmatch(r"-\d+", a) else a for a in args]
    flags, values, files = _flags(args, "nc")
    count = values.get("n", "10")
    found, status = yield from _inputs(sh, files, tool)
    for name, text in found:
        if len(found) > 1:
            yield from _out(sh, f"==> {name} <==\n")
        lines = _lines(text)
        if tool == "head":
            chosen = lines[:_int(count)]
        elif count.startswith("+"):
            chosen = lines[_int(count[1:]) - 1:]
        else:
            chosen = lines[-_int(count):] if _int(count) else []
        yield from _out(sh, "".join(chosen))
    if tool == "tail" and "f" in flags:
        yield from sh.sleep(FOREVER)
    return status


def _tail(sh: Shell, args: list[str]) -> Steps:
    return (yield from _ends(sh, args, "tail"))


def _head(sh: Shell, args: list[str]) -> Steps:
    return (yield from _ends(sh, args, "head"))


COMMANDS["tail"], COMMANDS["head"] = _tail, _head


@command("wc")
def _wc(sh: Shell, args: list[str]) -> Steps:
    flags, _, files = _flags(args)
    found, status = yield from _inputs(sh, files, "wc")
    chosen = [f for f in "lwc" if f in flags] or ["l", "w", "c"]
    for name, text in found:
        counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
        numbers = [str(counts[f]) for f in chosen]
        if len(numbers) == 1 and not name:
            yield from _out(sh, numbers[0] + "\n")
        else:
            yield from _out(sh, " ".join(n.rjust(7 if len(numbers) > 1 else 0) for n in numbers) + (f" {name}" if name else "") + "\n")
    return status


@command("grep", "egrep", "fgrep")
def _grep(sh: Shell, args: list[str]) -> Steps:
    flags, values, rest = _flags(args, "e")
    pattern = values.get("e")
    if pattern is None:
        if not rest:
            yield from _err(sh, "BusyBox v1.36.1 multi-call binary.\n\nUsage: grep [-HhnlLoqvsrRiwFE] PATTERN/-e PATTERN.../-f FILE [FILE]...")
            return 2
        pattern, rest = rest[0], rest[1:]
    text = re.escape(pattern) if "F" in flags else pattern if "E" in flags else _basic_regex(pattern)
    if "w" in flags:
        text = rf"\b(?:{text})\b"
    try:
        regex = re.compile(text, re.IGNORECASE if "i" in flags else 0)
    except re.error:
        yield from _err(sh, f"grep: bad regex '{pattern}'")
        return 2
    found, status = yield from _inputs(sh, rest, "grep")
    matched = 0
    for name, content in found:
        for number, line in enumerate(content.splitlines(), start=1):
            if bool(regex.search(line)) != ("v" in flags):
                matched += 1
                if "q" in flags:
                    return 0
                if "c" not in flags and "l" not in flags:
                    prefix = (f"{name}:" if len(found) > 1 else "") + (f"{number}:" if "n" in flags else "")
                    yield from _out(sh, prefix + (regex.search(line).group(0) if "o" in flags and regex.search(line) else line) + "\n")
        if "l" in flags and matched:
            yield from _out(sh, name + "\n")
    if "c" in flags:
        yield from _out(sh, f"{matched}\n")
    return status if status else (0 if matched else 1)


def _basic_regex(pattern: str) -> str:
    """POSIX basic regular expressions: ``\\(``, ``\\|`` are groups; ``(``, ``|``, ``+`` literal."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(nxt if nxt in "(){}|+?" else "\\" + nxt)
            i += 2
            continue
        out.append("\\" + ch if ch in "(){}|+?" else ch)
        i += 1
    return "".join(out)


@command("sort")
def _sort(sh: Shell, args: list[str]) -> Steps:
    flags, _, files = _flags(args)
    found, status = yield from _inputs(sh, files, "sort")
    lines = [line for _, text in found for line in text.splitlines()]
    lines.sort(key=(lambda s: _int(s.split()[0]) if s.split() else 0) if "n" in flags else None, reverse="r" in flags)
    if "u" in flags:
        lines = list(dict.fromkeys(lines))
    yield from _out(sh, "".join(line + "\n" for line in lines))
    return status


@command("tee")
def _tee(sh: Shell, args: list[str]) -> Steps:
    flags, _, files = _flags(args)
    data = sh.stdin[-1]
    status = 0
    for name in files:
        try:
            sh.ctx.fs.write(sh.path(name), data, append="a" in flags)
        except FsError as e:
            yield from _err(sh, f"tee: {name}: {e}")
            status = 1
    yield from _out(sh, data)
    return status


@command("seq")
def _seq(sh: Shell, args: list[str]) -> Steps:
    numbers = [_int(a) for a in args]
    first, step, last = (1, 1, numbers[0]) if len(numbers) == 1 else (numbers[0], 1, numbers[1]) if len(numbers) == 2 else tuple(numbers[:3])
    if step == 0:
        return 1
    values = range(first, last + (1 if step > 0 else -1), step)
    yield from _out(sh, "".join(f"{v}\n" for v in values[:100_000]))
    return 0


@command("expr")
def _expr(sh: Shell, args: list[str]) -> Steps:
    value = sh.arith(" ".join(a.replace("\\*", "*") for a in args))
    yield from _out(sh, f"{value}\n")
    return 0 if value else 1


@command("basename", "dirname")
def _basename(sh: Shell, args: list[str]) -> Steps:
    if not args:
        return 1
    yield from _out(sh, posixpath.basename(args[0].rstrip("/")) + "\n")
    return 0


def _dirname(sh: Shell, args: list[str]) -> Steps:
    if not args:
        return 1
    yield from _out(sh, (posixpath.dirname(args[0].rstrip("/")) or ".") + "\n")
    return 0


COMMANDS["dirname"] = _dirname


@command("read")
def _read(sh: Shell, args: list[str]) -> Steps:
    _, _, names = _flags(args, "p")
    data = sh.stdin[-1]
    if not data:
        return 1
    line, _, rest = data.partition("\n")
    sh.stdin[-1] = rest
    names = names or ["REPLY"]
    parts = line.split(None, len(names) - 1)
    for i, name in enumerate(names):
        sh.vars[name] = parts[i] if i < len(parts) else ""
    return 0
    yield


@command("test", "[", "[[")
def _test(sh: Shell, args: list[str]) -> Steps:
    if args and args[-1] in ("]", "]]"):
        args = args[:-1]
    return 0 if _truth(sh, args) else 1
    yield


def _truth(sh: Shell, args: list[str]) -> bool:
    if not args:
        return False
    if args[0] == "!":
        return not _truth(sh, args[1:])
    for joiner in ("-o", "||", "-a", "&&"):
        if joiner in args:
            i = args.index(joiner)
            left, right = _truth(sh, args[:i]), _truth(sh, args[i + 1:])
            return (left or right) if joiner in ("-o", "||") else (left and right)
    if len(args) == 1:
        return args[0] != ""
    if len(args) == 2:
        op, value = args
        path = sh.path(value)
        fs = sh.ctx.fs
        return {
            "-z": value == "", "-n": value != "", "-e": fs.exists(path), "-f": path in fs.files, "-d": fs.is_dir(path),
            "-s": bool(fs.files.get(path)), "-r": fs.exists(path), "-w": fs.exists(path), "-x": fs.exists(path),
        }.get(op, False)
    left, op, right = args[0], args[1], args[2]
    if op in ("=", "=="):
        return left == right
    if op == "!=":
        return left != right
    numbers = {"-eq": int.__eq__, "-ne": int.__ne__, "-lt": int.__lt__, "-le": int.__le__, "-gt": int.__gt__, "-ge": int.__ge__}
    if op in numbers:
        return bool(numbers[op](_int(left), _int(right)))
    return False


# ---- files -----------------------------------------------------------------------------------


@command("touch")
def _touch(sh: Shell, args: list[str]) -> Steps:
    _, _, files = _flags(args)
    status = 0
    for name in files:
        path = sh.path(name)
        try:
            sh.ctx.fs.write(path, sh.ctx.fs.files.get(path, ""))
        except FsError as e:
            yield from _err(sh, f"touch: {name}: {e}")
            status = 1
    return status


@command("rm")
def _rm(sh: Shell, args: list[str]) -> Steps:
    flags, _, files = _flags(args)
    status = 0
    for name in files:
        path = sh.path(name)
        try:
            if sh.ctx.fs.is_dir(path) and ("r" in flags or "R" in flags):
                sh.ctx.fs.remove_tree(path)
            else:
                sh.ctx.fs.remove(path)
        except FsError as e:
            if "f" in flags and str(e) == "No such file or directory":
                continue
            yield from _err(sh, f"rm: can't remove '{name}': {e}")
            status = 1
    return status


@command("mkdir")
def _mkdir(sh: Shell, args: list[str]) -> Steps:
    flags, _, dirs = _flags(args, "m")
    status = 0
    for name in dirs:
        try:
            sh.ctx.fs.mkdir(sh.path(name), parents="p" in flags)
        except FsError as e:
            yield from _err(sh, f"mkdir: can't create directory '{name}': {e}")
            status = 1
    return status


@command("cp", "mv")
def _cp(sh: Shell, args: list[str]) -> Steps:
    return (yield from _copy(sh, args, move=False))


def _mv(sh: Shell, args: list[str]) -> Steps:
    return (yield from _copy(sh, args, move=True))


COMMANDS["mv"] = _mv


def _copy(sh: Shell, args: list[str], move: bool) -> Steps:
    tool = "mv" if move else "cp"
    _, _, names = _flags(args)
    if len(names) < 2:
        yield from _err(sh, f"{tool}: missing destination file operand")
        return 1
    *sources, target = names
    fs = sh.ctx.fs
    status = 0
    for name in sources:
        src = sh.path(name)
        dst = sh.path(target)
        if fs.is_dir(dst):
            dst = posixpath.join(dst, posixpath.basename(src))
        try:
            fs.write(dst, fs.read(src))
            if move:
                fs.remove(src)
        except FsError as e:
            yield from _err(sh, f"{tool}: can't stat '{name}': {e}" if not fs.exists(src) else f"{tool}: {e}")
            status = 1
    return status


@command("ls")
def _ls(sh: Shell, args: list[str]) -> Steps:
    flags, _, names = _flags(args)
    fs = sh.ctx.fs
    status = 0
    listing: list[str] = []
    for i, name in enumerate(names or ["."]):
        path = sh.path(name)
        if not fs.exists(path):
            yield from _err(sh, f"ls: {name}: No such file or directory")
            status = 1
            continue
        if not fs.is_dir(path) or "d" in flags:
            listing.append(_ls_entry(fs, path, name, "l" in flags))
            continue
        entries = [e for e in fs.listdir(path) if "a" in flags or not e.startswith(".")]
        if len(names) > 1:
            listing.append(("\n" if i else "") + f"{name}:")
        listing += [_ls_entry(fs, posixpath.join(path, e), e, "l" in flags) for e in entries]
    yield from _out(sh, "".join(line + "\n" for line in listing))
    return status


def _ls_entry(fs: object, path: str, shown: str, long: bool) -> str:
    if not long:
        return shown
    is_dir = fs.is_dir(path)  # type: ignore[attr-defined]
    size = 4096 if is_dir else len(fs.files.get(path, "").encode())  # type: ignore[attr-defined]
    mode = "drwxr-xr-x" if is_dir else "-rw-r--r--"
    return f"{mode}    1 root     root     {size:>8} Jan  1 00:00 {shown}"


# ---- the system ------------------------------------------------------------------------------


@command("env")
def _env(sh: Shell, args: list[str]) -> Steps:
    assigns = [a for a in args if "=" in a]
    rest = args[len(assigns):]
    env = _exported(sh)
    env.update(dict(a.split("=", 1) for a in assigns))
    if rest:
        saved = dict(sh.vars)
        sh.vars.update(env)
        try:
            return (yield from run_command_words(sh, rest))
        finally:
            sh.vars = saved
    yield from _out(sh, "".join(f"{k}={v}\n" for k, v in env.items()))
    return 0


def _printenv(sh: Shell, args: list[str]) -> Steps:
    env = _exported(sh)
    if not args:
        yield from _out(sh, "".join(f"{k}={v}\n" for k, v in env.items()))
        return 0
    for name in args:
        if name in env:
            yield from _out(sh, env[name] + "\n")
    return 0 if all(a in env for a in args) else 1


COMMANDS["printenv"] = _printenv


def _exported(sh: Shell) -> dict[str, str]:
    """The environment a child sees: the container's variables as the shell holds them now."""
    return {n: sh.vars[n] for n in sorted(sh.exported) if n in sh.vars}


@command("hostname")
def _hostname(sh: Shell, args: list[str]) -> Steps:
    yield from _out(sh, sh.ctx.hostname + "\n")
    return 0


@command("whoami")
def _whoami(sh: Shell, args: list[str]) -> Steps:
    yield from _out(sh, sh.ctx.user + "\n")
    return 0


@command("id")
def _id(sh: Shell, args: list[str]) -> Steps:
    uid = 0 if sh.ctx.user == "root" else 1000
    if "-u" in args:
        yield from _out(sh, f"{uid}\n")
        return 0
    yield from _out(sh, f"uid={uid}({sh.ctx.user}) gid={uid}({sh.ctx.user}) groups={uid}({sh.ctx.user})\n")
    return 0


@command("uname")
def _uname(sh: Shell, args: list[str]) -> Steps:
    full = f"Linux {sh.ctx.hostname} 6.8.0-kubeviz #1 SMP x86_64 GNU/Linux"
    yield from _out(sh, (full if "-a" in args else "Linux") + "\n")
    return 0


def now(sh: Shell) -> datetime:
    base = sh.ctx.started or datetime(2026, 1, 1, tzinfo=UTC)
    return base + timedelta(seconds=sh.clock)


@command("date")
def _date(sh: Shell, args: list[str]) -> Steps:
    moment = now(sh)
    fmt = next((a[1:] for a in args if a.startswith("+")), None)
    if fmt is None:
        text = f"{moment:%a %b} {moment.day:2d} {moment:%H:%M:%S} UTC {moment.year}"
    else:
        text = moment.strftime(fmt.replace("%N", f"{moment.microsecond * 1000:09d}"))
    yield from _out(sh, text + "\n")
    return 0


# ---- interpreters ----------------------------------------------------------------------------


def pi_digits(digits: int) -> str:
    """π to ``digits`` significant digits (Machin's formula on integers), as bignum's bpi."""
    guard = 10
    scale = 10 ** (digits + guard)

    def arctan_inv(x: int) -> int:
        total = term = scale // x
        n, sign, x2 = 1, -1, x * x
        while term:
            term //= x2
            n += 2
            total += sign * (term // n)
            sign = -sign
        return total

    value = 4 * (4 * arctan_inv(5) - arctan_inv(239))
    text = str(value)[:digits]
    return text[0] + "." + text[1:]


@command("perl")
def _perl(sh: Shell, args: list[str]) -> Steps:
    """Only what examples run: ``perl -Mbignum=bpi -wle 'print bpi(N)'`` (the Job computing
    π) and ``print "text"``; anything else says this simulation cannot run it."""
    script = next((args[i + 1] for i, a in enumerate(args) if re.fullmatch(r"-\w*e", a) and i + 1 < len(args)), "")
    m = re.fullmatch(r"\s*print\s+bpi\((\d+)\)\s*;?\s*", script)
    if m:
        digits = min(int(m.group(1)), 20_000)
        yield from sh.sleep(max(1.0, digits / 400))  # it takes a few seconds, as the docs' Job does
        yield from _out(sh, pi_digits(digits) + "\n")
        return 0
    m = re.fullmatch(r'\s*print\s+"([^"]*)"\s*;?\s*', script)
    if m:
        text, _ = _escapes(m.group(1))
        yield from _out(sh, text + ("\n" if "l" in "".join(a for a in args if a.startswith("-")) else ""))
        return 0
    yield from _err(sh, "perl: kubeviz's simulated perl runs only `print bpi(N)` and `print \"text\"`")
    return 2


# ---- the network -----------------------------------------------------------------------------


def _old_busybox(image: str) -> bool:
    """busybox:1.28 and before (nslookup was rewritten in 1.29)."""
    m = re.fullmatch(r".*busybox:1\.(\d+)(\..*)?", image)
    return bool(m) and int(m.group(1)) <= 28


@command("nslookup")
def _nslookup(sh: Shell, args: list[str]) -> Steps:
    _, _, names = _flags(args)
    if not names:
        yield from _err(sh, "BusyBox v1.36.1 multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]")
        return 1
    server = sh.ctx.network.nameserver
    try:
        found = sh.ctx.network.lookup(names[0])
    except TimeoutError:
        yield from sh.sleep(DNS_TIMEOUT)
        yield from _out(sh, ";; connection timed out; no servers could be reached\n\n")
        return 1
    if _old_busybox(sh.ctx.image):
        # BusyBox up to 1.28 (the kubernetes.io tutorials' busybox:1.28) printed another format.
        yield from _out(sh, f"Server:    {server}\nAddress 1: {server} kube-dns.kube-system.svc.cluster.local\n\n")
        if found is None:
            yield from _err(sh, f"nslookup: can't resolve '{names[0]}'")
            return 1
        lines = "".join(f"Address {i}: {a}\n" for i, a in enumerate(found[1], start=1))
        yield from _out(sh, f"Name:      {names[0]}\n{lines}\n")
        return 0
    yield from _out(sh, f"Server:\t\t{server}\nAddress:\t{server}:53\n\n")
    if found is None:
        yield from _out(sh, f"** server can't find {names[0]}: NXDOMAIN\n\n")
        return 1
    canonical, addresses = found
    yield from _out(sh, "".join(f"Name:\t{canonical}\nAddress: {a}\n" for a in addresses) + "\n")
    return 0


def _url(text: str) -> tuple[str, int, str]:
    parts = urlsplit(text if "://" in text else "http://" + text)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80), (parts.path or "/") + (
        "?" + parts.query if parts.query else "")


#: how long a resolver waits when no DNS answer comes (resolv.conf's timeout 5 × attempts 2)
DNS_TIMEOUT = 10.0


def _fetch(sh: Shell, url: str) -> tuple[str, str, int, str, str] | tuple[str, str]:
    """(host, address, status, reason, body), or (error kind, message) on failure: kind
    ``resolve`` (no such name, or DNS unreachable), ``connect`` (refused) or ``timeout``
    (the packets were dropped, as a NetworkPolicy drops them: nothing answers at all)."""
    host, port, path = _url(url)
    try:
        found = sh.ctx.network.lookup(host)
    except TimeoutError:
        return ("resolve-timeout", host)
    if found is None or not found[1]:
        return ("resolve", host)
    address = found[1][0]
    try:
        status, reason, body = sh.ctx.network.http(address, port, path)
    except TimeoutError:
        return ("timeout", f"{address}:{port}")
    except ConnectionError as e:
        return ("connect", f"{address}:{port}:{e}")
    return (host, f"{address}:{port}", status, reason, body)


def _seconds(text: str | None, default: float) -> float:
    try:
        return float(text) if text else default
    except ValueError:
        return default


@command("wget")
def _wget(sh: Shell, args: list[str]) -> Steps:
    flags, values, rest = _flags([a for a in args if a not in ("--spider",)], "OTtU")
    spider = "--spider" in args
    if not rest:
        yield from _err(sh, "BusyBox v1.36.1 multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] URL...")
        return 1
    url = rest[0]
    result = _fetch(sh, url)
    quiet = "q" in flags
    if len(result) == 2:
        kind, detail = result
        if kind == "resolve-timeout":
            yield from sh.sleep(DNS_TIMEOUT)
        if kind.startswith("resolve"):
            yield from _err(sh, f"wget: bad address '{detail}'")
        elif kind == "timeout":
            yield from sh.sleep(_seconds(values.get("T"), 900.0))
            yield from _err(sh, "wget: download timed out")
        else:
            address, _, reason = detail.rpartition(":")
            yield from _err(sh, f"wget: can't connect to remote host ({address.rsplit(':', 1)[0]}): {reason}")
        return 1
    host, address, status, reason, body = result  # type: ignore[misc]
    if not quiet:
        yield from _err(sh, f"Connecting to {host} ({address})")
    if status >= 400:
        yield from _err(sh, f"wget: server returned error: HTTP/1.1 {status} {reason}")
        return 1
    if spider:
        if not quiet:
            yield from _err(sh, "remote file exists")
        return 0
    target = values.get("O") or (posixpath.basename(_url(url)[2].split("?")[0]) or "index.html")
    if target == "-":
        if not quiet:
            yield from _err(sh, "writing to stdout")
        yield from _out(sh, body)
        if not quiet:
            yield from _err(sh, "written to stdout")
        return 0
    try:
        sh.ctx.fs.write(sh.path(target), body)
    except FsError as e:
        yield from _err(sh, f"wget: can't open '{target}': {e}")
        return 1
    if not quiet:
        yield from _err(sh, f"saving to '{target}'\n{target:<20} 100% |********************************| {len(body):>5}  0:00:00 ETA\n'{target}' saved")
    return 0


@command("curl")
def _curl(sh: Shell, args: list[str]) -> Steps:
    timeouts = {a: args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--connect-timeout", "--max-time", "-m")}
    args = [a for i, a in enumerate(args) if a not in timeouts and (i == 0 or args[i - 1] not in timeouts)]
    flags, values, rest = _flags([a for a in args if not a.startswith("--")], "omXHdAw")
    long = {a for a in args if a.startswith("--")}
    silent = "s" in flags and "S" not in flags or "--silent" in long
    fail = "f" in flags or "--fail" in long
    if not rest:
        yield from _err(sh, "curl: try 'curl --help' or 'curl --manual' for more information")
        return 2
    url = rest[0]
    result = _fetch(sh, url)
    if len(result) == 2:
        kind, detail = result
        if kind.startswith("resolve"):
            if kind == "resolve-timeout":
                yield from sh.sleep(DNS_TIMEOUT)
            if not silent:
                yield from _err(sh, f"curl: (6) Could not resolve host: {detail}")
            return 6
        host, port, _ = _url(url)
        if kind == "timeout":
            # The kernel gives up on an unanswered SYN after about 130 s (tcp_syn_retries 6).
            waited = min(_seconds(timeouts.get("--connect-timeout"), 130.0), _seconds(timeouts.get("--max-time") or timeouts.get("-m"), 130.0))
            yield from sh.sleep(waited)
            if not silent:
                yield from _err(sh, f"curl: (28) Failed to connect to {host} port {port} after {int(waited * 1000)} ms: Timeout was reached")
            return 28
        if not silent:
            yield from _err(sh, f"curl: (7) Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
        return 7
    _, _, status, reason, body = result  # type: ignore[misc]
    if fail and status >= 400:
        if not silent:
            yield from _err(sh, f"curl: (22) The requested URL returned error: {status}")
        return 22
    if "I" in flags or "--head" in long:
        body = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n\r\n"
    elif "i" in flags or "--include" in long:
        body = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n\r\n" + body
    target = values.get("o")
    if target and target != "-":
        try:
            sh.ctx.fs.write(sh.path(target), body)
        except FsError as e:
            yield from _err(sh, f"curl: (23) Failure writing output to destination: {e}")
            return 23
        return 0
    yield from _out(sh, body)
    return 0


@command("nc", "netcat")
def _nc(sh: Shell, args: list[str]) -> Steps:
    flags, values, rest = _flags(args, "pwW")
    if "l" in flags:
        sh.serving.append(f"tcp:{values.get('p') or (rest[0] if rest else '0')}")
        yield from sh.sleep(FOREVER)
        return 0
    if len(rest) < 2:
        yield from _err(sh, "BusyBox v1.36.1 multi-call binary.\n\nUsage: nc [OPTIONS] HOST PORT  - connect")
        return 1
    host, port = rest[0], _int(rest[1])
    try:
        found = sh.ctx.network.lookup(host)
    except TimeoutError:
        found = None
    if found is None:
        yield from _err(sh, f"nc: bad address '{host}'")
        return 1
    if not sh.ctx.network.connect(found[1][0], port):
        yield from _err(sh, f"nc: can't connect to remote host ({found[1][0]}): Connection refused")
        return 1
    if "v" in flags:
        yield from _err(sh, f"{host} ({found[1][0]}:{port}) open")
    return 0


# ---- servers and entrypoints -----------------------------------------------------------------

SERVERS = {
    "nginx": "nginx", "httpd-foreground": "httpd", "httpd": "httpd", "redis-server": "redis", "postgres": "postgres",
    "mysqld": "mysql", "mongod": "mongo", "memcached": "memcached", "apache2-foreground": "hpa-example", "pause": "pause",
    "goproxy": "goproxy", "server": "liveness", "hello-app": "hello-app",
}


def _server(name: str) -> Command:
    def serve(sh: Shell, args: list[str]) -> Steps:
        if name == "httpd" and "-f" not in args and args:
            sh.serving.append("busybox-httpd")
        else:
            sh.serving.append(SERVERS[name])
        yield from sh.sleep(FOREVER)
        return 0
    return serve


for _server_name in SERVERS:
    COMMANDS[_server_name] = _server(_server_name)


@command("agnhost")
def _agnhost(sh: Shell, args: list[str]) -> Steps:
    """agnhost's subcommands the docs use: ``liveness``, ``netexec``, ``serve-hostname``, ``pause``."""
    sub = args[0] if args else "pause"
    if sub not in ("liveness", "netexec", "serve-hostname", "pause", "test-webserver", "porter"):
        yield from _err(sh, f'Error: unknown command "{sub}" for "agnhost"')
        return 1
    sh.serving.append(f"agnhost-{sub}")
    yield from sh.sleep(FOREVER)
    return 0


@command("docker-entrypoint.sh", "entrypoint.sh")
def _entrypoint(sh: Shell, args: list[str]) -> Steps:
    """The official images' entrypoints run their arguments (curl's: ``curl`` when the
    first one is an option)."""
    if not args:
        return 0
    if args[0].startswith("-"):
        args = ["curl", *args]
    return (yield from run_command_words(sh, args))


@command("python", "python3", "node")
def _python(sh: Shell, args: list[str]) -> Steps:
    if args[:2] == ["-m", "http.server"]:
        sh.serving.append(f"python-http:{args[2] if len(args) > 2 else '8000'}")
        yield from sh.sleep(FOREVER)
        return 0
    if args[:1] == ["-c"] and len(args) > 1:
        m = re.fullmatch(r"""\s*print\((['"])(.*)\1\)\s*""", args[1])
        if m:
            yield from _out(sh, m.group(2) + "\n")
            return 0
        yield from _err(sh, "kubeviz's simulated python runs only print('text') and -m http.server")
        return 1
    return 0  # with no script and no stdin the interpreter exits at once


# ---- archives (kubectl cp) -------------------------------------------------------------------

#: bytes travel through the shell as text: ``utf-8`` with ``surrogateescape`` keeps any byte
TAR_ENCODING = ("utf-8", "surrogateescape")


@command("tar")
def _tar(sh: Shell, args: list[str]) -> Steps:
    """``tar cf - PATH…`` and ``tar xmf - [-C DIR]``: what ``kubectl cp`` runs in the
    container, on stdout and stdin only (no compression, no archive files)."""
    if args and not args[0].startswith("-"):
        args = ["-" + args[0], *args[1:]]
    flags, values, paths = _flags(args, "fC")
    if values.get("f", "-") != "-" or flags & {"z", "j", "J"}:
        yield from _err(sh, "tar: kubeviz's simulated tar reads and writes only - (stdin and stdout), uncompressed")
        return 1
    base = sh.path(values["C"]) if "C" in values else sh.path(".")
    if "c" in flags:
        return (yield from _tar_create(sh, base, paths))
    if "x" in flags:
        return (yield from _tar_extract(sh, base))
    yield from _err(sh, "tar: need -c or -x")
    return 1


def _tar_create(sh: Shell, base: str, paths: list[str]) -> Steps:
    fs = sh.ctx.fs
    buffer = io.BytesIO()
    status = 0
    if any(p.startswith("/") for p in paths):
        yield from _err(sh, "tar: removing leading '/' from member names")
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name in paths:
            full = posixpath.normpath(posixpath.join(base, name))
            if not fs.exists(full):
                yield from _err(sh, f"tar: {name}: No such file or directory")
                status = 1
                continue
            stored = name.lstrip("/") or "."
            members = [(full, stored)]
            if fs.is_dir(full):
                prefix = full.rstrip("/") + "/"
                members += [(p, posixpath.join(stored, p[len(prefix):])) for p in sorted({*fs.files, *fs.dirs}) if p.startswith(prefix)]
            for path, member in members:
                info = tarfile.TarInfo(member)
                info.mtime = int(sh.ctx.started.timestamp() + sh.clock) if sh.ctx.started else 0
                if fs.is_dir(path):
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    archive.addfile(info)
                else:
                    data = fs.read(path).encode(*TAR_ENCODING)
                    info.size, info.mode = len(data), 0o644
                    archive.addfile(info, io.BytesIO(data))
    yield from _out(sh, buffer.getvalue().decode(*TAR_ENCODING))
    return status


def _tar_extract(sh: Shell, base: str) -> Steps:
    fs = sh.ctx.fs
    if not fs.is_dir(base):
        yield from _err(sh, f"tar: can't change directory to '{base}': No such file or directory")
        return 1
    try:
        archive = tarfile.open(fileobj=io.BytesIO(sh.stdin[-1].encode(*TAR_ENCODING)), mode="r:")
        members = archive.getmembers()
    except tarfile.TarError:
        yield from _err(sh, "tar: invalid tar magic")
        return 1
    status = 0
    for member in members:
        target = posixpath.normpath(posixpath.join(base, member.name.lstrip("/")))
        try:
            if member.isdir():
                fs.mkdir(target, parents=True)
            elif member.isfile():
                fs.mkdir(posixpath.dirname(target), parents=True)
                handle = archive.extractfile(member)
                fs.write(target, handle.read().decode("utf-8", "replace") if handle else "")
        except FsError as e:
            yield from _err(sh, f"tar: can't create '{member.name}': {e}")
            status = 1
    return status
