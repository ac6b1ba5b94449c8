"""How many clusters a person and the site may hold.

Each refusal names the limit and the setting that raises it, so a teacher who meets one
knows what to change. Guests count as learners. The site's own clusters (``demo``, made
by ``loadfixture``) count only towards ``KUBEVIZ_MAX_CLUSTERS``, and so do read-only ones.
"""
from __future__ import annotations

from django.conf import settings

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver import errors
from kubeviz.apiserver import validation as v
from kubeviz.apiserver.errors import StatusError

from .models import Cluster


def _refuse(message: str) -> StatusError:
    return StatusError(403, "Forbidden", message, kind="clusters")


def owned_count(identity: Identity) -> int:
    """The clusters that count towards a person's limit: read-only ones (a submitted
    exercise kept for review) do not, since nobody acts on them and they soon sleep."""
    mine = Cluster.objects.filter(read_only=False)
    if identity.user is not None:
        return mine.filter(owner=identity.user).count()
    if identity.guest:
        return mine.filter(owner__isnull=True, owner_guest=identity.guest).count()
    return 0


def sandbox_limit(identity: Identity) -> tuple[int, str]:
    """How many clusters this person may own, and the setting that says so."""
    if identity.is_teacher:
        return settings.KUBEVIZ_SANDBOXES_PER_TEACHER, "KUBEVIZ_SANDBOXES_PER_TEACHER"
    return settings.KUBEVIZ_SANDBOXES_PER_LEARNER, "KUBEVIZ_SANDBOXES_PER_LEARNER"


def sandbox_allow(identity: Identity) -> None:
    """Raise a 403 Status unless ``identity`` may make one more cluster of their own."""
    if identity.user is None and not identity.guest:
        raise _refuse("only a signed-in user or a guest (press Try it on the front page) may make a sandbox")
    limit, setting = sandbox_limit(identity)
    owned = owned_count(identity)
    if owned >= limit:
        raise _refuse(f"you already have {owned} sandboxes, the most a {identity.role} may have "
                      f"({setting}={limit}): delete one first")
    total = Cluster.objects.count()
    if total >= settings.KUBEVIZ_MAX_CLUSTERS:
        raise _refuse(f"the site already holds {total} clusters, the most it may "
                      f"(KUBEVIZ_MAX_CLUSTERS={settings.KUBEVIZ_MAX_CLUSTERS}): try again once some are deleted")


def node_count_allow(count: int, template: str) -> None:
    """A template bigger than a cluster may grow is refused before anything is built."""
    limit = settings.KUBEVIZ_MAX_NODES_PER_CLUSTER
    if count > limit:
        raise _refuse(f'template "{template}" has {count} nodes, more than a cluster may have '
                      f"(KUBEVIZ_MAX_NODES_PER_CLUSTER={limit})")


def name_check(name: str, kind: str = "clusters") -> None:
    """A cluster or snapshot name must be a DNS label (it is in URLs and kubeconfigs)."""
    problems = v.dns1123_label(name)
    if problems:
        raise errors.invalid(kind, name, [v.invalid("name", name, "; ".join(problems))])
