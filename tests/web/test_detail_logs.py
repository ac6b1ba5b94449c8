"""The pod detail panel shows each container's recent log lines, escaped."""
from __future__ import annotations

from kubeviz.engine.runner import settle_cluster
from kubeviz.kubelet.agent import Kubelet

from .helpers import HX, create


def test_pod_detail_shows_recent_log_lines_escaped(client, cluster):
    create(cluster, "pods", {"metadata": {"name": "talker", "namespace": "default"}, "spec": {"nodeName": "node-1", "containers": [
        {"name": "main", "image": "busybox", "command": ["sh", "-c", "echo '<script>alert(1)</script>'; sleep 3600"]},
        {"name": "web", "image": "nginx:1.27"},
    ]}})
    settle_cluster(cluster, components=[Kubelet(cluster)], horizon=10)
    text = client.get("/clusters/demo/objects/pods/default/talker/", **HX).content.decode()
    main = text.split('<pre class="logs" id="logs-main">', 1)[1].split("</pre>", 1)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main and "<script>alert" not in text
    web = text.split('<pre class="logs" id="logs-web">', 1)[1].split("</pre>", 1)[0]
    assert "/docker-entrypoint.sh: Configuration complete; ready for start up" in web


def test_a_container_not_started_says_why_it_has_no_log(client, cluster):
    create(cluster, "pods", {"metadata": {"name": "early", "namespace": "default"}, "spec": {"nodeName": "node-1", "containers": [
        {"name": "main", "image": "nginx:1.27"}]}})
    text = client.get("/clusters/demo/objects/pods/default/early/", **HX).content.decode()
    assert 'container &quot;main&quot; in pod &quot;early&quot; is waiting to start: ContainerCreating' in text
