import pytest
from django.test import Client


@pytest.fixture
def client(db):
    """Accounts are tested from a stranger's browser."""
    return Client()
