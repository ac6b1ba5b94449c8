"""``manage.py template_check [name|path …]``: check cluster templates (all by default)."""
from django.core.management.base import BaseCommand, CommandError

from kubeviz.clusters.templates import template_check


class Command(BaseCommand):
    help = "Check cluster templates (fixtures/clusters/*.yaml by default); list every problem with its line."

    def add_arguments(self, parser):
        parser.add_argument("templates", nargs="*", help="template names or paths to template files")

    def handle(self, *args, templates, **options):
        checked, problems = template_check(templates)
        for name in checked:
            self.stdout.write(f"{name}: ok")
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found")
