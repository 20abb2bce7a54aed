"""A phone's own long-lived mark for QR check-in.

A device is known by a random mark kept in a signed cookie set on the check-in page, not by its network
address: forty members on one office Wi-Fi share one address but each phone keeps its own mark. Clearing the
cookie makes a new mark; that only hides a shared phone, it never blocks anyone (QR stays optional)."""

import secrets

COOKIE = "sxd_device"
SALT = "integrity.device"
MAX_AGE = 5 * 365 * 24 * 3600


def device_mark(request):
    mark = request.get_signed_cookie(COOKIE, default=None, salt=SALT)
    return mark if mark and len(mark) <= 64 else secrets.token_urlsafe(18)


def remember(request, response, mark):
    response.set_signed_cookie(COOKIE, mark, salt=SALT, max_age=MAX_AGE, httponly=True, samesite="Lax",
                               secure=request.is_secure())
    return response
