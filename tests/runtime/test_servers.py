"""What a simulated server answers (runtime/servers.py)."""
from __future__ import annotations

import pytest

from kubeviz.runtime.servers import respond
from kubeviz.runtime.shell import Fs


@pytest.mark.parametrize("image,version", [
    ("gcr.io/google-samples/hello-app:1.0", "1.0.0"),
    ("gcr.io/google-samples/hello-app:2.0", "2.0.0"),  # the Ingress tutorial's web2
])
def test_hello_app_answers_with_its_own_version(image, version):
    assert respond("hello-app", "/v2", files=Fs(), hostname="web-1", offset=5, image=image) == (
        200, "OK", f"Hello, world!\nVersion: {version}\nHostname: web-1\n")
