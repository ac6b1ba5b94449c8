"""Adoption and release of owned objects (pkg/controller/controller_ref_manager.go).

A controller owns what carries its controllerRef. An orphan that matches its selector is
adopted (the controllerRef is patched on); an owned object that no longer matches is
released (the controllerRef is patched off). Before the first adoption the owner is
re-read from the API server, so a controller being deleted adopts nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.patch import STRATEGIC_MERGE_PATCH
from kubeviz.engine.client import Client

from .objects import controller_of, is_deleting, name_of, namespace_of, new_controller_ref, uid_of

Obj = dict[str, Any]


class ControllerRefManager:
    def __init__(self, api: Client, owner: Obj, *, plural: str, owner_plural: str, api_version: str, kind: str,
                 match: Callable[[Obj], bool]) -> None:
        self.api = api
        self.owner = owner
        self.plural = plural
        self.owner_plural = owner_plural
        self.api_version = api_version
        self.kind = kind
        self.match = match
        self._can_adopt: bool | None = None

    def claim(self, objects: list[Obj]) -> list[Obj]:
        """The objects this owner keeps, after adopting and releasing (ClaimObject).

        An adopted object is returned as the API server answered the patch, so a later
        write in the same sync does not send the stale copy back.
        """
        claimed = (self._claim_one(obj) for obj in objects)
        return [obj for obj in claimed if obj is not None]

    def _claim_one(self, obj: Obj) -> Obj | None:
        ref = controller_of(obj)
        if ref is not None:
            if ref.get("uid") != uid_of(self.owner):
                return None  # owned by someone else
            if self.match(obj):
                return obj
            if not is_deleting(self.owner):
                self._release(obj)
            return None
        if is_deleting(self.owner) or not self.match(obj) or is_deleting(obj):
            return None
        if namespace_of(self.owner) and namespace_of(self.owner) != namespace_of(obj):
            return None
        return self._adopt(obj)

    def _can_adopt_now(self) -> bool:
        """RecheckDeletionTimestamp: an uncached read of the owner, once per sync."""
        if self._can_adopt is None:
            try:
                fresh = self.api.get(self.owner_plural, namespace_of(self.owner), name_of(self.owner))
            except errors.StatusError:
                fresh = None
            self._can_adopt = bool(fresh) and uid_of(fresh) == uid_of(self.owner) and not is_deleting(fresh)
        return self._can_adopt

    def _adopt(self, obj: Obj) -> Obj | None:
        if not self._can_adopt_now():
            return None
        ref = new_controller_ref(self.owner, self.api_version, self.kind)
        patch = {"metadata": {"ownerReferences": [ref], "uid": uid_of(obj)}}
        kind = obj.get("kind", self.plural)
        message = (f"{self.kind} {name_of(self.owner)} adopts the orphan {kind} {name_of(obj)}, "
                   f"which matches its selector: it adds itself as the controller ownerReference")
        try:
            return self.api.patch(self.plural, namespace_of(obj), name_of(obj), patch, patch_type=STRATEGIC_MERGE_PATCH, message=message)
        except errors.StatusError as exc:
            if exc.code == 404:
                return None
            raise

    def _release(self, obj: Obj) -> None:
        patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": uid_of(self.owner)}], "uid": uid_of(obj)}}
        kind = obj.get("kind", self.plural)
        message = (f"{self.kind} {name_of(self.owner)} releases {kind} {name_of(obj)}, whose labels no longer "
                   f"match its selector: it removes its ownerReference")
        try:
            self.api.patch(self.plural, namespace_of(obj), name_of(obj), patch, patch_type=STRATEGIC_MERGE_PATCH, message=message)
        except errors.StatusError as exc:
            if exc.code not in (404, 422):
                raise
