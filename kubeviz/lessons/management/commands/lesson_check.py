"""``manage.py lesson_check [slug|path …]``: check lessons (all by default) and play them through."""
from django.core.management.base import BaseCommand, CommandError

from kubeviz.lessons.playthrough import lessons_check


class Command(BaseCommand):
    help = ("Check lessons (fixtures/lessons/* by default): the format, the files they name, and a play "
            "through each on a fresh cluster in settle mode; list every problem with its line.")

    def add_arguments(self, parser):
        parser.add_argument("lessons", nargs="*", help="lesson slugs or paths to lesson directories")
        parser.add_argument("--no-play", action="store_true", help="check the format only")

    def handle(self, *args, lessons, no_play, **options):
        passed, problems = lessons_check(lessons, play=not no_play)
        for slug in passed:
            self.stdout.write(f"{slug}: ok")
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found")
