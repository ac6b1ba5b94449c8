"""For tests elsewhere that need a teacher who teaches someone: a teacher oversees only the
learners in their classes (kubeviz.clusters.permissions)."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from kubeviz.accounts.roles import Identity
from kubeviz.classes.models import Classroom, Membership
from kubeviz.classes.services import class_create


def teach(teacher: AbstractBaseUser, *learners: AbstractBaseUser) -> Classroom:
    """A class of ``teacher``'s with ``learners`` in it (no sandboxes made)."""
    classroom = class_create(identity=Identity(user=teacher), name="class", template="single-node")
    for user in learners:
        Membership.objects.create(classroom=classroom, user=user, display_name=user.get_username())
    if hasattr(teacher, "_kubeviz_learner_ids"):
        del teacher._kubeviz_learner_ids
    return classroom
