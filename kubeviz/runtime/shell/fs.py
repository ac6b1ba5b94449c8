"""A container's simulated filesystem: a dict of paths, with a journal of writes.

The journal (``(offset, path, content or None)``) lets probes ask what was on disk at
a moment of the container's run without running its program again.
"""
from __future__ import annotations

import posixpath
from collections.abc import Callable

BASE_DIRS = ("/", "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr", "/usr/bin", "/var", "/var/log",
             "/var/run", "/run")


class FsError(Exception):
    """errno text: "No such file or directory", "Is a directory", "Read-only file system"."""


class Fs:
    def __init__(self, files: dict[str, str] | None = None, readonly: tuple[str, ...] = (),
                 clock: Callable[[], float] | None = None):
        self.files: dict[str, str] = {"/dev/null": "", **(files or {})}
        self.dirs: set[str] = set(BASE_DIRS)
        for path in self.files:
            self._parents(path)
        self.readonly = readonly
        self.clock = clock
        self.journal: list[tuple[float, str, str | None]] = []

    def _parents(self, path: str) -> None:
        parent = posixpath.dirname(path)
        while parent not in self.dirs:
            self.dirs.add(parent)
            parent = posixpath.dirname(parent)

    def copy(self) -> Fs:
        other = Fs(readonly=self.readonly)
        other.files = dict(self.files)
        other.dirs = set(self.dirs)
        return other

    def _writable(self, path: str) -> None:
        if any(path == ro or path.startswith(ro.rstrip("/") + "/") for ro in self.readonly):
            raise FsError("Read-only file system")
        if posixpath.dirname(path) not in self.dirs:
            raise FsError("No such file or directory")
        if path in self.dirs:
            raise FsError("Is a directory")

    def _note(self, path: str, content: str | None) -> None:
        if self.clock is not None:
            self.journal.append((self.clock(), path, content))

    def read(self, path: str) -> str:
        if path in self.dirs:
            raise FsError("Is a directory")
        if path not in self.files:
            raise FsError("No such file or directory")
        return self.files[path]

    def write(self, path: str, text: str, append: bool = False) -> None:
        if path == "/dev/null":
            return
        self._writable(path)
        content = (self.files.get(path, "") if append else "") + text
        self.files[path] = content
        self._note(path, content)

    def remove(self, path: str) -> None:
        if path in self.dirs:
            raise FsError("Is a directory")
        if path not in self.files:
            raise FsError("No such file or directory")
        self._writable(path)
        del self.files[path]
        self._note(path, None)

    def remove_tree(self, path: str) -> None:
        prefix = path.rstrip("/") + "/"
        for name in [f for f in self.files if f.startswith(prefix)]:
            self.remove(name)
        self.dirs = {d for d in self.dirs if not (d == path or d.startswith(prefix))}

    def mkdir(self, path: str, parents: bool = False) -> None:
        if path in self.dirs or path in self.files:
            if parents and path in self.dirs:
                return
            raise FsError("File exists")
        if parents:
            self._parents(path + "/x")
            return
        if posixpath.dirname(path) not in self.dirs:
            raise FsError("No such file or directory")
        self.dirs.add(path)

    def exists(self, path: str) -> bool:
        return path in self.files or path in self.dirs

    def is_dir(self, path: str) -> bool:
        return path in self.dirs

    def listdir(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        names = {p[len(prefix):].split("/", 1)[0] for p in (*self.files, *self.dirs) if p.startswith(prefix) and p != prefix}
        return sorted(n for n in names if n)


def at(base: Fs, journal: list[tuple[float, str, str | None]], offset: float) -> Fs:
    """``base`` with the journal's writes before ``offset`` applied."""
    fs = base.copy()
    for moment, path, content in journal:
        if moment >= offset:  # a write at the very moment of a look has not happened yet
            break
        if content is None:
            fs.files.pop(path, None)
        else:
            fs.files[path] = content
            fs._parents(path)
    return fs
