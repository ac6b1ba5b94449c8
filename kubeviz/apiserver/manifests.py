"""Reading manifests safely: JSON or YAML, aliases refused, depth, size and time capped.

PyYAML expands aliases without limit (the "billion laughs" of CVE-2019-11253), so the
loader refuses anchors and aliases outright; a real manifest never needs them. Pure-Python
YAML also costs about 50 µs a node, so a 3 MiB document of 250,000 one-character keys would
hold a worker for tens of seconds: the loader counts nodes and watches the clock, and stops
as soon as either bound is passed. Every string (key or value) must be valid Unicode: a
lone UTF-16 surrogate (``"\\ud800"``) cannot be written as UTF-8, so nothing that read it
back could answer.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import yaml

MAX_DOCUMENTS = 100
MAX_DEPTH = 64
# Nodes (mappings, sequences, scalars; a key is a node) in one request, all documents
# together: a ConfigMap at its 1 MiB limit with ten-byte entries stays under it.
MAX_NODES = 100_000
MAX_PARSE_SECONDS = 5.0


@dataclass
class ManifestError(Exception):
    message: str
    line: int | None = None
    column: int | None = None
    document: int | None = None

    def __str__(self) -> str:
        where = []
        if self.document is not None:
            where.append(f"document {self.document}")
        if self.line is not None:
            where.append(f"line {self.line}")
            if self.column is not None:
                where.append(f"column {self.column}")
        return (", ".join(where) + ": " if where else "") + self.message


def _too_many_nodes() -> ManifestError:
    return ManifestError(f"more than {MAX_NODES} values (keys, items and scalars) in one request")


class BoundedLoader(yaml.SafeLoader):
    """The one loader for YAML from users: SafeLoader that refuses anchors/aliases, deep
    nesting, more than MAX_NODES nodes and more than MAX_PARSE_SECONDS of work."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._deadline = time.monotonic() + MAX_PARSE_SECONDS

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _too_many_nodes()
        if not self._nodes % 1000 and time.monotonic() > self._deadline:
            raise ManifestError(f"the YAML took longer than {MAX_PARSE_SECONDS:g} s to read; send less, or send JSON")
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ManifestError(
                "YAML aliases are not allowed", event.start_mark.line + 1, event.start_mark.column + 1
            )
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise ManifestError(
                "YAML anchors are not allowed", event.start_mark.line + 1, event.start_mark.column + 1
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ManifestError(
                    f"nesting deeper than {MAX_DEPTH} levels", event.start_mark.line + 1, event.start_mark.column + 1
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Timestamps stay strings, as Kubernetes' YAML-to-JSON conversion keeps them.
BoundedLoader.yaml_implicit_resolvers = {
    k: [(tag, regexp) for tag, regexp in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Document:
    index: int  # 1-based position in the stream
    line: int  # 1-based line where the document starts
    body: Any


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_values(value: Any) -> None:
    """Depth, node count and valid Unicode of a decoded body (keys included). The top value
    is at depth 1, as the YAML loader counts, so both cap at MAX_DEPTH and MAX_NODES."""
    budget = [MAX_NODES]

    def walk(value: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ManifestError(f"nesting deeper than {MAX_DEPTH} levels")
        budget[0] -= 1
        if budget[0] < 0:
            raise _too_many_nodes()
        if isinstance(value, str):
            if _has_surrogate(value):
                raise ManifestError(f"invalid Unicode in string {json.dumps(value)[:80]}: a lone UTF-16 surrogate")
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k, depth + 1)
                walk(v, depth + 1)
        elif isinstance(value, list):
            for v in value:
                walk(v, depth + 1)

    walk(value, 1)


def load_json(text: str, *, object_pairs_hook: Any = None) -> Any:
    try:
        value = json.loads(text, object_pairs_hook=object_pairs_hook)
    except json.JSONDecodeError as exc:
        raise ManifestError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise ManifestError(f"nesting deeper than {MAX_DEPTH} levels") from None
    check_values(value)
    return value


def load_documents(text: str) -> list[Document]:
    """All non-empty YAML documents of a stream, with where each starts."""
    loader = BoundedLoader(text)
    docs: list[Document] = []
    try:
        index = 0
        while loader.check_node():
            index += 1
            # Empty documents cost parsing time too, so they count; one spare allows the
            # trailing "---" that many files end with after their last document.
            if index > MAX_DOCUMENTS + 1:
                raise ManifestError(f"more than {MAX_DOCUMENTS} documents in one request")
            start = loader.peek_event().start_mark.line + 1
            try:
                body = loader.construct_document(loader.get_node())
            except ManifestError as exc:
                exc.document = index
                raise
            if body is not None:
                try:
                    check_values(body)
                except ManifestError as exc:
                    exc.document = index
                    raise
                if len(docs) == MAX_DOCUMENTS:
                    raise ManifestError(f"more than {MAX_DOCUMENTS} documents in one request")
                docs.append(Document(index, start, body))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ManifestError(
            exc.problem or str(exc),
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
            index or None,
        ) from None
    except yaml.YAMLError as exc:
        raise ManifestError(str(exc)) from None
    finally:
        loader.dispose()
    return docs


def compose_documents(text: str) -> list[Any]:
    """The node trees of a YAML stream (for finding the line of a field), bounded alike."""
    loader = BoundedLoader(text)
    try:
        nodes = []
        while loader.check_node():
            nodes.append(loader.get_node())
        return nodes
    finally:
        loader.dispose()


def load_one(text: str) -> Any:
    """One object from a JSON or YAML body (the API accepts a single document)."""
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        return load_json(text)
    docs = load_documents(text)
    if len(docs) != 1:
        raise ManifestError("expected exactly one object in the request body")
    return docs[0].body


Path = tuple[str | int, ...]


@dataclass
class Located:
    """One YAML document with the line of every mapping key and sequence item, so a checker
    can point at the line of the field it refuses (paths are keys and list indices)."""

    value: Any
    lines: dict[Path, int]
    duplicates: list[tuple[Path, int]]  # keys given twice in one mapping, with their lines


def load_located(text: str) -> Located:
    """A single YAML document, loaded as the manifest form loads one (no aliases, depth
    capped), with where each field is."""
    loader = BoundedLoader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = ", ".join(m for m in (exc.context, exc.problem) if m) or str(exc)
        raise ManifestError(message, mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ManifestError(str(exc)) from None
    finally:
        loader.dispose()
    located = Located(value, {(): 1}, [])
    if node is not None:
        located.lines[()] = node.start_mark.line + 1
        _locate(node, (), located)
    return located


def _locate(node: yaml.Node, path: Path, located: Located) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            here = (*path, key)
            if here in located.lines:
                located.duplicates.append((here, key_node.start_mark.line + 1))
            located.lines[here] = key_node.start_mark.line + 1
            _locate(value_node, here, located)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            located.lines[(*path, i)] = item.start_mark.line + 1
            _locate(item, (*path, i), located)
