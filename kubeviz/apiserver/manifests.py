"""Reading manifests safely: JSON or YAML, aliases refused, depth and count capped.

PyYAML expands aliases without limit (the "billion laughs" of CVE-2019-11253), so the
loader refuses anchors and aliases outright; a real manifest never needs them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

MAX_DOCUMENTS = 100
MAX_DEPTH = 64


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


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases and deep nesting while composing."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
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
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise ManifestError(
                    f"nesting deeper than {MAX_DEPTH} levels", event.start_mark.line + 1, event.start_mark.column + 1
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Timestamps stay strings, as Kubernetes' YAML-to-JSON conversion keeps them.
_NoAliasLoader.yaml_implicit_resolvers = {
    k: [(tag, regexp) for tag, regexp in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Document:
    index: int  # 1-based position in the stream
    line: int  # 1-based line where the document starts
    body: Any


def _check_depth(value: Any, depth: int = 1) -> None:
    """The top value is at depth 1, as the YAML loader counts, so both cap at MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise ManifestError(f"nesting deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for v in value.values():
            _check_depth(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_depth(v, depth + 1)


def load_json(text: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise ManifestError(f"nesting deeper than {MAX_DEPTH} levels") from None
    _check_depth(value)
    return value


def load_documents(text: str) -> list[Document]:
    """All non-empty YAML documents of a stream, with where each starts."""
    loader = _NoAliasLoader(text)
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
    loader = _NoAliasLoader(text)
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
