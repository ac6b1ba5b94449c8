"""metrics-server: the resource metrics API (metrics.k8s.io), what ``kubectl top`` and the
HorizontalPodAutoscaler read."""
