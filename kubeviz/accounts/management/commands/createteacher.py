"""``manage.py createteacher NAME``: a teacher account (or give an existing user the role)."""
import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kubeviz.accounts.services import teacher_create


class Command(BaseCommand):
    help = "Create a teacher (password from --password, $KUBEVIZ_TEACHER_PASSWORD or a prompt)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--password", help="the password (else $KUBEVIZ_TEACHER_PASSWORD, else asked)")
        parser.add_argument("--admin", action="store_true", help="also a site administrator (/admin/)")

    def handle(self, *args, name, password=None, admin=False, **options):
        password = password or os.environ.get("KUBEVIZ_TEACHER_PASSWORD")
        if not password:
            if not os.isatty(0):
                raise CommandError("no password: pass --password or set KUBEVIZ_TEACHER_PASSWORD")
            password = getpass.getpass(f"Password for {name}: ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        user, created = teacher_create(name=name, password=password, admin=admin)
        self.stdout.write(f"teacher {user.get_username()}: {'created' if created else 'updated'}")
