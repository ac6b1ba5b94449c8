"""Authors' Markdown reaches browsers cleaned: no raw HTML, no script links."""
import pytest

from kubeviz.content.markdown import render_markdown


@pytest.mark.parametrize(("source", "present", "absent"), [
    ("**bold** and `code`", ["<strong>bold</strong>", "<code>code</code>"], []),
    ("<script>alert(1)</script>", ["&lt;script&gt;"], ["<script>"]),
    ("<div onclick=x>hi</div>", ["&lt;div onclick=x&gt;"], ["<div"]),
    ("[x](javascript:alert(1))", ["<a"], ["javascript:"]),
    ("[k8s](https://kubernetes.io)", ['href="https://kubernetes.io"'], []),
    ("```yaml\na: <b>\n```", ["<pre><code", "a: &lt;b&gt;"], ["<b>"]),
    ("> **Simplified:** no containers run", ["<blockquote>"], []),
    ("| a | b |\n|---|---|\n| 1 | 2 |", ["<table>", "<td>1</td>"], []),
])
def test_markdown_is_rendered_and_cleaned(source, present, absent):
    html = render_markdown(source)
    for text in present:
        assert text in html
    for text in absent:
        assert text not in html
