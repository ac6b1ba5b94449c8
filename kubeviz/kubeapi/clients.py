"""Naming the client behind a request, for step 1 of the flow."""
from __future__ import annotations


def client_name(user_agent: str) -> str:
    ua = (user_agent or "").lower()
    if ua.startswith("kubectl"):
        return "kubectl"
    if ua.startswith("openapi-generator") and "python" in ua:
        return "python-client"
    if ua.startswith("kubeviz-form"):
        return "form"
    if ua.startswith("curl"):
        return "curl"
    return "client"
