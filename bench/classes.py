"""Classroom benchmarks, in-process on SQLite: 30 learners joining a class (each a new
account and a sandbox from the ``demo`` template), the room's state read (one tick of the
room view: every tile and the heatmap) while nothing changed and after a fault in every
sandbox, and the fault itself ("fail node-2 everywhere"). Target: a tick well under the
2 s between ticks. Prints ``name: value unit`` lines."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.engine import _setup_django


def _ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--ticks", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        from kubeviz.accounts.roles import Identity
        from kubeviz.accounts.services import teacher_create
        from kubeviz.classes.models import Classroom
        from kubeviz.classes.room import room_state
        from kubeviz.classes.services import class_create, class_join, room_act

        teacher = Identity(user=teacher_create(name="bench-teacher", password="bench-teacher-pw")[0])
        classroom = class_create(identity=teacher, name="bench", template="demo", lessons=["life-of-a-pod"],
                                 exercises=["pods-stay-pending"])
        joins = sorted(_ms(lambda i=i: class_join(code=classroom.code, display_name=f"learner {i}"))
                       for i in range(args.learners))
        classroom = Classroom.objects.get(pk=classroom.pk)
        room_state(classroom)  # the first tick reads every cluster
        still = sorted(_ms(lambda: room_state(classroom)) for _ in range(args.ticks))
        fault = _ms(lambda: room_act(classroom=classroom, teacher=teacher, kind="fault", text="node-fail node-2"))
        changed = _ms(lambda: room_state(classroom))
        print(f"class_join_p50: {statistics.median(joins):.1f} ms")
        print(f"room_tick_{args.learners}_learners_still_p50: {statistics.median(still):.1f} ms")
        print(f"room_tick_{args.learners}_learners_after_fault: {changed:.1f} ms")
        print(f"room_fault_{args.learners}_sandboxes: {fault:.1f} ms")


if __name__ == "__main__":
    main()
