"""The store: clusters, revisioned key/value entries, the change log and watch.

Only ``kubeviz.apiserver`` may import this package's ``store`` module; every other
component reaches the data through the API server, as in Kubernetes.
"""
