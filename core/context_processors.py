def navigation(request):
    """What the sidebar shows depends on who you are; computed once per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from orgs import access

    unread = 0
    if user.person_id and not user.admin_role:
        from meetings.models import Notice

        unread = access.memo(user, "unread_notices", lambda: Notice.objects.filter(
            person_id=user.person_id, read_at__isnull=True).count())
    supervises = bool(access.supervised_roots(user))
    return {
        "nav_unread_notices": unread,
        "nav_is_sysadmin": user.admin_role == "sysadmin",
        "nav_is_secadmin": user.admin_role == "secadmin",
        "nav_is_auditadmin": user.admin_role == "auditadmin",
        "nav_supervises": supervises,
        # People and the API are tools of those who keep records or supervise; a plain 成员 (on a phone most
        # of all) is not offered them.
        "nav_staff": bool(user.admin_role) or bool(access.managed_group_ids(user)) or supervises,
    }
