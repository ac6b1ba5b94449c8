"""Who may watch and who may act on a cluster: the one place this is decided.

Pages, the REST API, the websocket and the Kubernetes API (/k8s/) all ask ``may`` (or
``require``), so a rule changes in one place for every door.

- **watch** (dashboard, websocket, REST reads): a public cluster, anyone; a private one,
  its owner, the teachers who oversee it, holders of its token, and, for a class's demo
  cluster (the teacher's broadcast), the class's learners.
- **act** (clock, faults, manifests, reset, snapshots, kubeconfig download, delete): the
  owner (a user, or the guest session that made it), the teachers who oversee it, and
  holders of its token. The site's own clusters (no owner, such as ``demo``) are acted on by
  teachers only: they are what a teacher projects. A read-only cluster (an exercise under
  review, an archived class) takes no action from anyone but those teachers.
- A teacher **oversees** their own clusters, the site's, and those of the learners in their
  classes (``kubeviz.classes``), never another teacher's or a stranger's; staff and
  superusers oversee everything (they run the site).

A holder of a cluster's bearer token is that cluster's administrator, as a kubeconfig from
a real cluster makes its holder; tokens are only handed to those who may act.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from kubeviz.accounts.roles import Identity


class Action(StrEnum):
    WATCH = "watch"
    ACT = "act"


class Owned(Protocol):
    pk: int
    owner_id: int | None
    owner_guest: str
    public: bool
    read_only: bool


class Denied(Exception):
    """Refused. ``visible`` says whether the asker may know the cluster exists: a private
    cluster one may not watch answers like a missing one (404), so names do not leak."""

    def __init__(self, action: Action, visible: bool, message: str):
        super().__init__(message)
        self.action = action
        self.visible = visible
        self.message = message


def is_owner(identity: Identity, cluster: Owned) -> bool:
    if cluster.owner_id is not None:
        return identity.user is not None and identity.user.pk == cluster.owner_id
    if cluster.owner_guest:
        return identity.guest is not None and identity.guest == cluster.owner_guest
    return False


def _teaches(identity: Identity, owner_id: int | None) -> bool:
    """Whether this teacher has the user ``owner_id`` as a learner in one of their classes."""
    if owner_id is None or identity.user is None:
        return False
    from kubeviz.classes.selectors import learner_ids_of

    return owner_id in learner_ids_of(identity.user)


def _shown_to(identity: Identity, cluster_pk: int) -> bool:
    """Whether the cluster is the teacher's demo (the broadcast) of a class this learner is in."""
    if identity.user is None:
        return False
    from kubeviz.classes.selectors import demo_ids_of

    return cluster_pk in demo_ids_of(identity.user)


def oversees(identity: Identity, record: Learned) -> bool:
    """A teacher's reach: their own, the site's (nobody's) and their learners' clusters and
    records; staff's: everything."""
    if identity.is_staff:
        return True
    if not identity.is_teacher:
        return False
    if record.owner_id is None:
        return not record.owner_guest
    return record.owner_id == identity.user.pk or _teaches(identity, record.owner_id)


def may(identity: Identity, action: Action, cluster: Owned) -> bool:
    if oversees(identity, cluster):
        return True
    token_holder = identity.cluster_pk is not None and identity.cluster_pk == cluster.pk
    owner = token_holder or is_owner(identity, cluster)
    if action is Action.WATCH:
        return cluster.public or owner or _shown_to(identity, cluster.pk)
    return owner and not cluster.read_only


def require(identity: Identity, action: Action, cluster: Owned) -> None:
    """Raise ``Denied`` unless ``may``; the message says what would be needed."""
    if may(identity, action, cluster):
        return
    visible = may(identity, Action.WATCH, cluster)
    if not visible:
        raise Denied(action, False, "cluster not found")
    if cluster.read_only:
        message = "this cluster is read-only (kept for review)"
    elif cluster.owner_id is None and not cluster.owner_guest:
        message = "only a teacher may change this shared cluster: make a sandbox of your own to try things"
    elif identity.user is None and identity.guest is None:
        message = "log in (or press Try it) to change a cluster"
    else:
        message = "only the cluster's owner or their teacher may change it"
    raise Denied(action, True, message)


class Learned(Protocol):
    owner_id: int | None
    owner_guest: str


def may_see(identity: Identity, record: Learned) -> bool:
    """A learner's own records (lesson progress, exercise attempts): the learner and the
    teachers who oversee them."""
    if record.owner_id is not None and oversees(identity, record):
        return True
    if record.owner_id is not None:
        return identity.user is not None and identity.user.pk == record.owner_id
    return bool(record.owner_guest) and identity.guest == record.owner_guest
