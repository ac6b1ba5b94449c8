"""``manage.py exercise_check [slug|path …]``: check exercises and play them (all by default)."""
from django.core.management.base import BaseCommand, CommandError

from kubeviz.exercises.playthrough import exercises_verify


class Command(BaseCommand):
    help = ("Check exercises (fixtures/exercises/*.yaml by default): list every problem with its line, then play "
            "each on a fresh cluster in settle mode (setup alone, solution, each wrong attempt).")

    def add_arguments(self, parser):
        parser.add_argument("exercises", nargs="*", help="exercise slugs or paths to exercise files")
        parser.add_argument("--no-play", action="store_true", help="only check the files")

    def handle(self, *args, exercises, no_play, **options):
        report = exercises_verify(exercises, play=not no_play)
        for line in report.lines:
            self.stdout.write(line)
        for problem in report.problems:
            self.stderr.write(problem)
        if report.problems:
            raise CommandError(f"{len(report.problems)} problem(s) found")
