from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core import sql


class UserBackend(ModelBackend):
    """Django's ModelBackend, reading the account's person with the account.

    Every page names the person (the sidebar, the audit entries of a write), so loading both in one query
    saves one on every request."""

    def get_user(self, user_id):
        # Every request asks this: the statement is compiled once (core.sql.prepared).
        found = sql.prepared("accounts.user_with_person", _user_with_person, int(user_id))
        return found[0] if found and self.user_can_authenticate(found[0]) else None


def _user_with_person(pk):
    return get_user_model()._default_manager.select_related("person").filter(pk=pk)[:1]
