"""The API server: the only door to etcd.

A generic registry (``registry``) plus one strategy per kind (``kinds``), as in
Kubernetes' ``pkg/registry``: defaults, validation, status subresource, optimistic
concurrency, ownerReferences, finalizers. Components and HTTP layers call
``registry``; nobody else imports ``kubeviz.etcd.store``.
"""
