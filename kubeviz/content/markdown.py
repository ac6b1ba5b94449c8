"""Markdown written by authors, rendered for learners' browsers.

Authors are trusted less than code: a lesson may come from a teacher's pull request, so
raw HTML in the text is escaped by the Markdown renderer and the result is cleaned again
by an allow-list (nh3), which also keeps link targets to http(s), relative and # links.
"""
from __future__ import annotations

import html

import markdown as _markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

_TAGS = {
    "p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "kbd",
}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


class _EscapeHtml(_markdown.Extension):
    """Raw HTML in the source is shown as text, never passed through."""

    def extendMarkdown(self, md: _markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def render_markdown(text: str) -> SafeString:
    """Markdown → HTML that templates may show as it is: it has been cleaned here, the one
    place that marks author text safe."""
    body = _markdown.markdown(text, extensions=[_EscapeHtml(), "fenced_code", "tables", "sane_lists"], output_format="html")
    cleaned = nh3.clean(body, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https"}, link_rel="noopener noreferrer")
    return mark_safe(cleaned)  # noqa: S308 (cleaned by the allow-list just above)


def plain(text: str) -> str:
    """Escape text for places that take no Markdown at all (titles in attributes)."""
    return html.escape(text, quote=True)
