from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    """Django's ModelBackend, reading the account's person with the account.

    Every page names the person (the sidebar, the audit entries of a write), so loading both in one query
    saves one on every request."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("person").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
