"""A multipart body is held to its format: a malformed one is a 400 Status, never an empty
form that lets a write with optional fields go ahead with its defaults."""
import pytest
from rest_framework.test import APIClient

from kubeviz.apiserver.tokens import cluster_token

B = "7c51"


@pytest.mark.parametrize(("body", "status", "message"), [
    (f"\r\n--{B}--\r\n".encode(), 400, "give mode, speed or both"),  # no parts: no change named
    (b"--other\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\npaused\r\n--other--\r\n", 400,
     "does not start with its boundary"),
    (f"--{B}\r\nNone--{B}--\r\n".encode(), 400, "a part without a Content-Disposition header"),
    (f"--{B}\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\npaused\r\n--{B}--\r\n".encode(), 200, ""),
])
def test_multipart_bodies(cluster, body, status, message):
    r = APIClient().post(f"/api/clusters/{cluster.name}/clock/", data=body, content_type=f"multipart/form-data; boundary={B}",
                         HTTP_AUTHORIZATION=f"Bearer {cluster_token(cluster)}")
    assert r.status_code == status, r.content
    if status == 400:
        assert r.json()["kind"] == "Status" and message in r.json()["message"]
    else:
        assert r.json()["mode"] == "paused"


@pytest.mark.parametrize(("data", "status"), [
    ("speed=2&mode=", 400),  # a blank choice in a form is not "no change"
    ("speed=2", 200),
    ("", 400),  # names nothing
])
def test_clock_forms(cluster, data, status):
    r = APIClient().post(f"/api/clusters/{cluster.name}/clock/", data=data, content_type="application/x-www-form-urlencoded",
                         HTTP_AUTHORIZATION=f"Bearer {cluster_token(cluster)}")
    assert r.status_code == status, r.content
