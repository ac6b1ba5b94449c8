"""Reading manifests safely: documents with where they start, no anchors or aliases, caps on
depth and document count, and YAML scalars as Kubernetes' YAML-to-JSON conversion reads them."""
from __future__ import annotations

import pytest

from kubeviz.apiserver.manifests import (
    MAX_DEPTH,
    MAX_DOCUMENTS,
    ManifestError,
    load_documents,
    load_json,
    load_one,
)


def _docs(text: str) -> list[tuple[int, int, object]]:
    return [(d.index, d.line, d.body) for d in load_documents(text)]


@pytest.mark.parametrize("text,docs", [
    ("a: 1\n", [(1, 1, {"a": 1})]),
    ("a: 1\n---\nb: 2\n", [(1, 1, {"a": 1}), (2, 2, {"b": 2})]),
    # Comments and blank lines before the first document: it starts at its first content line.
    ("# web\n\nkind: Pod\n", [(1, 3, {"kind": "Pod"})]),
    # An explicit document starts at its "---".
    ("---\nkind: Pod\n---\n\nkind: Service\n", [(1, 1, {"kind": "Pod"}), (2, 3, {"kind": "Service"})]),
    # Empty documents are skipped but keep their place in the numbering.
    ("a: 1\n---\n---\n# nothing\n---\nb: 2\n", [(1, 1, {"a": 1}), (4, 5, {"b": 2})]),
    ("a: 1\n...\n---\nb: 2\n", [(1, 1, {"a": 1}), (2, 3, {"b": 2})]),
    ("", []),
    ("# only a comment\n", []),
    ("- 1\n- 2\n", [(1, 1, [1, 2])]),
])
def test_multi_document_streams(text, docs):
    assert _docs(text) == docs


@pytest.mark.parametrize("text,message,line,column,document", [
    ("a: &x 1\nb: *x\n", "YAML anchors are not allowed", 1, 4, 1),
    ("b: *x\n", "YAML aliases are not allowed", 1, 4, 1),
    ("base: &b {x: 1}\nother:\n  <<: *b\n", "YAML anchors are not allowed", 1, 7, 1),
    ("kind: Pod\n---\nmetadata:\n  labels: &l {a: b}\n", "YAML anchors are not allowed", 4, 11, 2),
    ("kind: Pod\n---\nspec:\n  x: 1\n  y: *l\n", "YAML aliases are not allowed", 5, 6, 2),
    ("a: [1\n", "expected ',' or ']', but got '<stream end>'", 2, 1, 1),
    ("a: 1\n---\nb: c: d\n", "mapping values are not allowed here", 3, 5, 2),
])
def test_refusals_say_where(text, message, line, column, document):
    with pytest.raises(ManifestError) as info:
        load_documents(text)
    err = info.value
    assert (err.message, err.line, err.column, err.document) == (message, line, column, document)
    assert str(err) == f"document {document}, line {line}, column {column}: {message}"


def test_a_billion_laughs_is_refused_before_expansion():
    lol = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    with pytest.raises(ManifestError) as info:
        load_documents(lol)
    assert info.value.line == 1


def _nested(depth: int, style: str) -> str:
    if style == "flow":
        return "[" * depth + "]" * depth
    # depth - 1 nested mappings, then the scalar: every node counts.
    lines = [("  " * i) + f"k{i}:" for i in range(depth - 2)]
    return "\n".join(lines) + "\n" + "  " * (depth - 2) + "leaf: 1\n"


@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_is_capped(style):
    load_documents(_nested(MAX_DEPTH, style))
    with pytest.raises(ManifestError) as info:
        load_documents(_nested(MAX_DEPTH + 1, style))
    assert info.value.message == f"nesting deeper than {MAX_DEPTH} levels"
    assert info.value.line is not None


def test_json_nesting_is_capped_the_same_way():
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    for depth in (MAX_DEPTH + 1, 100_000):
        with pytest.raises(ManifestError) as info:
            load_json("[" * depth + "]" * depth)
        assert info.value.message == f"nesting deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize("text,count", [
    ("a: 1\n---\n" * (MAX_DOCUMENTS - 1) + "a: 1\n", MAX_DOCUMENTS),
    ("a: 1\n---\n" * MAX_DOCUMENTS, MAX_DOCUMENTS),  # with a trailing "---"
    ("---\na: 1\n" * MAX_DOCUMENTS, MAX_DOCUMENTS),
    ("---\n" * MAX_DOCUMENTS + "a: 1\n", 1),
])
def test_up_to_100_documents_are_read(text, count):
    assert len(load_documents(text)) == count


@pytest.mark.parametrize("text", [
    "a: 1\n---\n" * MAX_DOCUMENTS + "a: 1\n",
    "---\na: 1\n" * (MAX_DOCUMENTS + 1),
    # Empty documents count too: the cap bounds the parsing work, not only the result.
    "---\n" * (MAX_DOCUMENTS + 2),
])
def test_more_than_100_documents_are_refused(text):
    with pytest.raises(ManifestError) as info:
        load_documents(text)
    assert info.value.message == f"more than {MAX_DOCUMENTS} documents in one request"


@pytest.mark.parametrize("yaml_text,value", [
    ("v: 2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
    ("v: 2024-01-01", "2024-01-01"),
    ("v: 2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"),
    ("v: '2024-01-01'", "2024-01-01"),
    ("v: 1.5", 1.5),
    ("v: 80", 80),
    ("v: true", True),
    ("v: null", None),
    ("v: ~", None),
    ("v: '80'", "80"),
    ("v: 500m", "500m"),
    ("v: 1Gi", "1Gi"),
    ("v: nginx:1.27", "nginx:1.27"),
])
def test_scalars(yaml_text, value):
    assert load_documents(yaml_text)[0].body == {"v": value}


@pytest.mark.parametrize("text,body", [
    ('{"kind": "Pod", "metadata": {"name": "web"}}', {"kind": "Pod", "metadata": {"name": "web"}}),
    ('  \n[{"op": "remove", "path": "/a"}]', [{"op": "remove", "path": "/a"}]),
    ("kind: Pod\nmetadata:\n  name: web\n", {"kind": "Pod", "metadata": {"name": "web"}}),
    ("---\nkind: Pod\n", {"kind": "Pod"}),
])
def test_load_one(text, body):
    assert load_one(text) == body


@pytest.mark.parametrize("text,message,line,column", [
    ('{"kind": "Pod",\n "metadata": }', "Expecting value", 2, 14),
    ('{"kind": "Pod"', "Expecting ',' delimiter", 1, 15),
    ("kind: Pod\n---\nkind: Service\n", "expected exactly one object in the request body", None, None),
    ("", "expected exactly one object in the request body", None, None),
    ("a: &x 1\n", "YAML anchors are not allowed", 1, 4),
])
def test_load_one_refusals(text, message, line, column):
    with pytest.raises(ManifestError) as info:
        load_one(text)
    assert (info.value.message, info.value.line, info.value.column) == (message, line, column)
