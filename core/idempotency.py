"""Double submission: a create runs once per key, and a repeat gets the first result back.

Forms carry a hidden `idempotency_key` issued with the page ({% idempotency_field %}); API clients send
an `Idempotency-Key` header. The key is claimed by inserting a row under a unique constraint before
the view runs, so of concurrent posts exactly one runs the view; the others wait for its result.
A failed attempt (form errors, a 4xx) releases the key, so the corrected form can be sent again.
"""

import functools
import re
import time
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect

from .models import IdempotencyKey

FIELD = "idempotency_key"
HEADER = "Idempotency-Key"
_VALID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
WAIT_SECONDS = 15


def new_key():
    return uuid.uuid4().hex


def _claim(user, key, scope):
    """(claim we own, None) or (None, finished earlier claim) or (None, None) when still running elsewhere."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, scope=scope), None
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is not None and existing.done:
            return None, existing
        if time.monotonic() > deadline:
            return None, None
        time.sleep(0.05)  # the first post is still running (or just released the key): look again


def _run(request, key, scope, call, *, success, store, replay, busy):
    if not key or not request.user.is_authenticated:
        return call()
    claim, earlier = _claim(request.user, key, scope)
    if earlier is not None:
        return replay(earlier)
    if claim is None:
        return busy()
    try:
        response = call()
    except BaseException:
        claim.delete()
        raise
    if success(response):
        store(claim, response)
        claim.done = True
        claim.save(update_fields=["done", "status", "location", "body"])
    else:
        claim.delete()
    return response


def idempotent(scope):
    """For a function view whose successful POST redirects to what it created."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST":
                return view(request, *args, **kwargs)
            key = (request.POST.get(FIELD) or "").strip()
            if not _VALID.match(key):
                key = ""

            def store(claim, response):
                claim.status, claim.location = response.status_code, response.get("Location", "")[:500]

            def replay(earlier):
                messages.info(request, "这份表单已经提交过，没有重复创建；以下是第一次提交的结果")
                return HttpResponseRedirect(earlier.location or request.path)

            def busy():
                return HttpResponse("同一份表单正在提交中，请稍后刷新页面查看结果", status=409,
                                    content_type="text/plain; charset=utf-8")

            return _run(request, key, f"{scope}:{request.path}"[:64], lambda: view(request, *args, **kwargs),
                        success=lambda r: 300 <= r.status_code < 400, store=store, replay=replay, busy=busy)

        return wrapper

    return decorator


def idempotent_api(scope):
    """For a DRF view method; the client's Idempotency-Key header makes a retried POST safe."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, request, *args, **kwargs):
            if request.method != "POST":
                return method(self, request, *args, **kwargs)
            from rest_framework.exceptions import ValidationError
            from rest_framework.response import Response

            key = (request.headers.get(HEADER) or "").strip()
            if key and not _VALID.match(key):
                raise ValidationError({"detail": f"{HEADER} 应为 8–64 位字母、数字、- 或 _"})

            def store(claim, response):
                claim.status, claim.body = response.status_code, response.data

            def replay(earlier):
                return Response(earlier.body, status=earlier.status, headers={"Idempotent-Replayed": "true"})

            def busy():
                return Response({"detail": "同一请求正在处理中，请稍后重试"}, status=409)

            return _run(request, key, f"{scope}:{request.path}"[:64], lambda: method(self, request, *args, **kwargs),
                        success=lambda r: 200 <= r.status_code < 300, store=store, replay=replay, busy=busy)

        return wrapper

    return decorator
