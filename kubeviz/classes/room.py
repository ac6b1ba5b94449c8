"""The room view's state: one tile per learner and the "who is stuck" heatmap, read once per
class per tick (``kubeviz.classes.consumers`` shares it between every viewer of the room).

A tile's cluster picture (nodes, pods by state) is re-read only when the cluster's etcd
revision or switches changed; an open attempt is graded again only when its cluster changed.
Fifty learners standing still cost fifty small row reads a tick."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from kubeviz.apiserver import registry
from kubeviz.checks import Scope
from kubeviz.clusters.models import Cluster
from kubeviz.exercises.grading import grade
from kubeviz.exercises.loader import ExerciseError, exercise_get
from kubeviz.exercises.models import Attempt
from kubeviz.kubeapi.tables import pod_status_reason
from kubeviz.lessons.loader import lesson_get
from kubeviz.lessons.models import LessonProgress

from .models import Classroom, Membership
from .selectors import members_of

#: cluster pk → (its revision and switches, the picture); attempt pk → (cluster revision, results)
_pictures: dict[int, tuple[tuple[Any, ...], dict[str, Any]]] = {}
_grades: dict[int, tuple[tuple[Any, ...], list[dict[str, Any]]]] = {}
_lock = threading.Lock()
CACHE_MAX = 2000

#: heatmap cell states
DONE, SKIPPED, CURRENT, TODO, PASSED, FAILED = "done", "skipped", "current", "todo", "passed", "failed"


def _cached(cache: dict, key: int, version: tuple[Any, ...], make: Any) -> Any:
    with _lock:
        hit = cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
    value = make()
    with _lock:
        if len(cache) > CACHE_MAX:
            cache.clear()
        cache[key] = (version, value)
    return value


def cluster_picture(cluster: Cluster) -> dict[str, Any]:
    """Nodes (Ready or not, failed by the teacher or a fault, cordoned) and pods counted by
    kubectl's STATUS column: the tile's small picture."""
    failed = set((cluster.settings or {}).get("failed_nodes", []))

    def make() -> dict[str, Any]:
        nodes = []
        for node in registry.objects(cluster, "nodes"):
            name = node["metadata"]["name"]
            ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                        for c in (node.get("status") or {}).get("conditions") or [])
            nodes.append({"name": name, "ready": ready, "failed": name in failed,
                          "cordoned": bool((node.get("spec") or {}).get("unschedulable"))})
        pods = Counter(pod_status_reason(p) for p in registry.objects(cluster, "pods"))
        return {"nodes": nodes, "pods": dict(sorted(pods.items()))}

    version = (cluster.revision, cluster.created, tuple(sorted(failed)))
    return _cached(_pictures, cluster.pk, version, make)


def _objective_results(attempt: Attempt) -> list[dict[str, Any]]:
    """Every objective's pass or fail: the final grade of a submitted attempt, else a fresh
    check (hidden objectives too: the teacher sees them), cached per cluster revision."""
    if not attempt.is_open:
        return [{"title": o["title"], "passed": o["passed"]} for o in attempt.results]
    cluster = attempt.cluster
    if cluster is None:
        return []
    try:
        exercise = exercise_get(attempt.exercise)
    except ExerciseError:
        return []
    scope = Scope(since_seq=attempt.scope_seq, since_revision=attempt.scope_revision, since_time=attempt.scope_time)

    def make() -> list[dict[str, Any]]:
        graded = grade(cluster, exercise, scope, final=True)
        return [{"title": o.title, "passed": o.passed} for o in graded.objectives]

    version = (cluster.revision, cluster.step_seq, cluster.created, attempt.scope_seq)
    return _cached(_grades, attempt.pk, version, make)


def _lesson_columns(slugs: list[str]) -> list[dict[str, Any]]:
    columns = []
    for slug in slugs:
        lesson = lesson_get(slug)
        if lesson is None:
            continue
        columns += [{"key": f"lesson:{slug}:{s.index}", "group": lesson.title, "title": f"{s.index + 1}. {s.title}"}
                    for s in lesson.steps]
    return columns


def _exercise_columns(slugs: list[str]) -> list[dict[str, Any]]:
    columns = []
    for slug in slugs:
        try:
            exercise = exercise_get(slug)
        except ExerciseError:
            continue
        columns += [{"key": f"exercise:{slug}:{o.title}", "group": exercise.title, "title": o.title}
                    for o in exercise.objectives]
    return columns


def _lesson_cells(progress: LessonProgress, steps: int) -> dict[str, str]:
    cells = {}
    for index in range(steps):
        if progress.completed or index < progress.step:
            state = SKIPPED if index in progress.skipped else DONE
        elif index == progress.step:
            state = CURRENT
        else:
            state = TODO
        cells[f"lesson:{progress.lesson}:{index}"] = state
    return cells


def _tile(member: Membership, progress: list[LessonProgress], attempts: list[Attempt]) -> tuple[dict[str, Any], dict[str, str]]:
    cluster = member.cluster
    cells: dict[str, str] = {}
    where = ""
    activity = [cluster.last_active] if cluster is not None and cluster.last_active else []
    for p in sorted(progress, key=lambda p: p.last_seen):
        lesson = lesson_get(p.lesson)
        if lesson is None:
            continue
        cells.update(_lesson_cells(p, len(lesson.steps)))
        where = f"{lesson.title}: done" if p.completed else f"{lesson.title}: step {p.step + 1}/{len(lesson.steps)}"
        activity.append(p.last_seen)
        if p.cluster is not None and p.cluster.last_active:
            activity.append(p.cluster.last_active)
    score, maximum, latest = 0, 0, {}
    for attempt in attempts:  # newest first: the latest attempt of each exercise counts
        latest.setdefault(attempt.exercise, attempt)
    for slug, attempt in latest.items():
        results = _objective_results(attempt)
        for r in results:
            cells[f"exercise:{slug}:{r['title']}"] = PASSED if r["passed"] else FAILED
        if attempt.is_open:
            try:
                weights = {o.title: o.weight for o in exercise_get(slug).objectives}
            except ExerciseError:
                weights = {}
            score += sum(weights.get(r["title"], 0) for r in results if r["passed"])
        else:
            score += attempt.score or 0
        maximum += attempt.maximum
        if attempt.cluster is not None and attempt.cluster.last_active:
            activity.append(attempt.cluster.last_active)
    tile = {
        "id": member.pk,
        "name": member.display_name,
        "cluster": cluster.name if cluster is not None else "",
        "asleep": bool(cluster and cluster.asleep),
        "clock": cluster.clock_mode if cluster is not None else "",
        **(cluster_picture(cluster) if cluster is not None else {"nodes": [], "pods": {}}),
        "where": where,
        "score": f"{score}/{maximum}" if maximum else "",
        "last": max(activity).timestamp() if activity else None,
    }
    return tile, cells


def room_state(classroom: Classroom) -> dict[str, Any]:
    """Every learner's tile and heatmap row, and the heatmap's columns (the class's lesson
    steps, then its exercises' objectives)."""
    members = members_of(classroom)
    users = [m.user_id for m in members]
    progress: dict[int, list[LessonProgress]] = {}
    for p in LessonProgress.objects.filter(owner_id__in=users, lesson__in=classroom.lessons).select_related("cluster"):
        progress.setdefault(p.owner_id, []).append(p)
    attempts: dict[int, list[Attempt]] = {}
    for a in Attempt.objects.filter(owner_id__in=users, exercise__in=classroom.exercises).select_related("cluster"):
        attempts.setdefault(a.owner_id, []).append(a)
    tiles, rows = [], []
    for member in members:
        tile, cells = _tile(member, progress.get(member.user_id, []), attempts.get(member.user_id, []))
        tiles.append(tile)
        rows.append({"id": member.pk, "name": member.display_name, "cells": cells})
    columns = _lesson_columns(classroom.lessons) + _exercise_columns(classroom.exercises)
    return {"tiles": tiles, "heatmap": {"columns": columns, "rows": rows}}


def room_diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any] | None:
    """What changed between two room states: changed or new tiles, the ids of tiles gone,
    and the heatmap if any of it changed; None if nothing did."""
    if before is None:
        return {"tiles": after["tiles"], "gone": [], "heatmap": after["heatmap"]}
    old = {t["id"]: t for t in before["tiles"]}
    changed = [t for t in after["tiles"] if old.get(t["id"]) != t]
    now = {t["id"] for t in after["tiles"]}
    gone = [i for i in old if i not in now]
    diff: dict[str, Any] = {}
    if changed:
        diff["tiles"] = changed
    if gone:
        diff["gone"] = gone
    if before["heatmap"] != after["heatmap"]:
        diff["heatmap"] = after["heatmap"]
    return diff or None
