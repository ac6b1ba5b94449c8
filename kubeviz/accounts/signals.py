"""What other apps hear from accounts. ``guest_claimed`` is sent when a guest signs up (or
otherwise becomes a user): whatever the guest made — sandboxes, lesson progress, exercise
attempts — is handed to the user by the app that owns it, so accounts needs to know none
of them."""
from django.dispatch import Signal

#: kwargs: ``guest`` (the guest id), ``user`` (the new account)
guest_claimed = Signal()
