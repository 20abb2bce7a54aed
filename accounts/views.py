import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from orgs import access
from orgs.forms import apply_errors

from . import services
from .forms import LoginForm, OtpForm, PasswordChangeForm, UserCreateForm
from .models import AdminRole, ApiToken, LoginAttempt, User


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return settings.LOGIN_REDIRECT_URL


KNOWN_DEVICE_COOKIE = "zx_known"
KNOWN_DEVICE_SALT = "accounts.known-device"
LOCK_MESSAGES = {
    "pair": "登录失败次数过多，账号已锁定 {m} 分钟，请稍后再试或联系安全管理员",
    "address": "本地址登录失败次数过多，已暂停登录 {m} 分钟；曾在本浏览器登录过的账号不受影响",
    "username": "该账号近期在多处登录失败，已暂停 {m} 分钟；请在常用的浏览器上登录，或联系安全管理员解除",
}


def _known_usernames(request):
    from django.core import signing

    try:
        value = request.get_signed_cookie(KNOWN_DEVICE_COOKIE, salt=KNOWN_DEVICE_SALT,
                                          max_age=settings.KNOWN_DEVICE_DAYS * 86400)
        return [u for u in signing.loads(value, salt=KNOWN_DEVICE_SALT) if isinstance(u, str)][:5]
    except (KeyError, signing.BadSignature, TypeError, ValueError):
        return []


def _remember_device(request, response, username):
    """After a successful log-in this browser is known for the username: the broad locks skip it."""
    from django.core import signing

    names = [username] + [u for u in _known_usernames(request) if u != username]
    response.set_signed_cookie(KNOWN_DEVICE_COOKIE, signing.dumps(names[:5], salt=KNOWN_DEVICE_SALT),
                               salt=KNOWN_DEVICE_SALT, max_age=settings.KNOWN_DEVICE_DAYS * 86400,
                               httponly=True, samesite="Lax", secure=request.is_secure())
    return response


def login_view(request):
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username, address = form.cleaned_data["username"].strip(), request.client_address
        reason = services.lock_reason(username=username, address=address,
                                      known_device=username in _known_usernames(request))
        if reason:
            services.login_attempt_record(username=username, address=address, success=False,
                                          reason=f"locked:{reason}")
            form.add_error(None, LOCK_MESSAGES[reason].format(m=settings.LOGIN_LOCKOUT_MINUTES))
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                services.login_attempt_record(username=username, address=address, success=False, reason="password")
                form.add_error(None, "用户名或密码不正确")
            else:
                login(request, user)
                now = int(time.time())
                request.session["login_at"] = now
                request.session["last_seen"] = now
                if user.needs_second_factor:
                    # Not yet a successful log-in: the failure counts stand until the code is given.
                    services.login_attempt_record(username=username, address=address, success=True, user=user,
                                                  reason="password; totp pending", counts=False)
                    return redirect("accounts:otp")
                services.login_attempt_record(username=username, address=address, success=True, user=user)
                return _remember_device(request, redirect(_next(request)), username)
        status = 400
    return render(request, "accounts/login.html", {"form": form, "next": _next(request)}, status=status)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.logout_record(user=request.user, address=request.client_address)
    logout(request)
    return redirect("accounts:login")


@login_required
def otp_view(request):
    user = request.user
    if not user.needs_second_factor:
        return redirect("home")
    form = OtpForm(request.POST if request.method == "POST" else None)
    device = services.totp_device(user)
    setup = device is None
    if setup:
        device = services.totp_begin(user=user)
    if request.method == "POST" and form.is_valid():
        try:
            codes = None
            if setup:
                device, codes = services.totp_confirm(user=user, code=form.cleaned_data["code"])
            else:
                device = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
            otp_login(request, device)
            request.session["otp_ok"] = True
            services.login_attempt_record(username=user.username, address=request.client_address, success=True,
                                          user=user, reason="totp")
            if codes:
                response = render(request, "accounts/otp_backup_codes.html", {"codes": codes})
            else:
                response = redirect("home")
            return _remember_device(request, response, user.username)
        except ValidationError as exc:
            services.login_attempt_record(username=user.username, address=request.client_address, success=False,
                                          user=user, reason="totp")
            apply_errors(form, exc)
    context = {"form": form, "setup": setup}
    if setup:
        context.update(secret=services.totp_secret(device),
                       qr_svg=_qr(device.config_url, error="m").svg_inline(scale=4))
    return render(request, "accounts/otp.html", context, status=400 if form.errors else 200)


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not request.user.check_password(form.cleaned_data["old_password"]):
            form.add_error("old_password", "当前密码不正确")
        else:
            try:
                services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
                update_session_auth_hash(request, request.user)
                messages.success(request, "密码已修改，其他设备上的登录已退出")
                return redirect("home")
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("new_password1", message)
    return render(request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def security(request):
    """安全管理员: the policies in force and the locked accounts, which they may unlock."""
    access.require_admin_role(request.user, AdminRole.SECURITY)
    if request.method == "POST" and request.POST.get("action") == "totp_reset":
        # A lost phone: the administrator binds a new authenticator at their next log-in.
        target = User.objects.filter(username=request.POST.get("username", "")[:150]).first()
        if target is None or target.pk == request.user.pk:
            messages.error(request, "没有找到这个账号（不能重置自己的动态口令）")
        else:
            services.totp_reset(user=target, by=request.user)
            messages.success(request, f"已重置 {target.username} 的动态口令，其下次登录时重新绑定")
        return redirect("accounts:security")
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        address = request.POST.get("address", "")[:64]
        try:
            n = services.unlock(username=username, address="" if username else address, by=request.user)
            messages.success(request, f"已解除 {username or address} 的锁定（清除 {n} 条失败记录）")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("accounts:security")
    from datetime import timedelta

    from django.db.models import Count

    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    recent = LoginAttempt.objects.filter(ts__gte=since, success=False)
    failing = recent.values("username", "address").annotate(n=Count("id")).order_by("-n")[:200]
    locked = [r for r in failing if services.is_locked(username=r["username"], address=r["address"])]
    locked_names = [r for r in recent.values("username").annotate(n=Count("id")).order_by("-n")[:200]
                    if services.username_failures(r["username"]) >= settings.LOGIN_USERNAME_MAX_FAILURES]
    locked_addresses = [r for r in recent.values("address").annotate(n=Count("id")).order_by("-n")[:200]
                        if r["n"] >= settings.LOGIN_ADDRESS_MAX_FAILURES]
    policy = [
        ("密码最短长度", f"{settings.PASSWORD_MIN_LENGTH} 位"),
        ("密码字符类别", f"至少 {settings.PASSWORD_MIN_CLASSES} 类"),
        ("密码有效期", f"{settings.PASSWORD_MAX_AGE_DAYS} 天"),
        ("不得重复使用", f"最近 {settings.PASSWORD_HISTORY} 次"),
        ("登录失败锁定", f"连续 {settings.LOGIN_MAX_FAILURES} 次失败锁定 {settings.LOGIN_LOCKOUT_MINUTES} 分钟（按用户名+地址）"),
        ("同一地址", f"{settings.LOGIN_LOCKOUT_MINUTES} 分钟内各账号合计失败 {settings.LOGIN_ADDRESS_MAX_FAILURES} 次暂停该地址"),
        ("同一账号", f"{settings.LOGIN_LOCKOUT_MINUTES} 分钟内各地址合计失败 {settings.LOGIN_USERNAME_MAX_FAILURES} 次暂停该账号"
                     "（曾登录过的浏览器不受影响）"),
        ("会话空闲超时", f"{settings.SESSION_IDLE_MINUTES} 分钟"),
        ("会话最长时间", f"{settings.SESSION_ABSOLUTE_HOURS} 小时"),
        ("管理员双因素", "系统、安全、审计管理员须使用动态口令（TOTP）"),
        ("上传大小上限", f"{settings.UPLOAD_MAX_BYTES // 1024 // 1024} MB"),
    ]
    return render(request, "accounts/security.html", {"policy": policy, "locked": locked, "locked_names": locked_names,
                                                      "locked_addresses": locked_addresses})


@login_required
def users(request):
    """系统管理员: accounts. They see names and roles, never study records."""
    access.require_admin_role(request.user, AdminRole.SYSTEM)
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = None
        try:
            if d["person"]:
                person = access.get_person_for(request.user, d["person"])
            services.user_create(username=d["username"], password=d["password"], person=person,
                                 admin_role=d["admin_role"] or "", by=request.user)
            messages.success(request, f"已创建账号 {d['username']}" + ("，绑定人员待安全管理员审批" if d["person"] else ""))
            return redirect("accounts:users")
        except ValidationError as exc:
            apply_errors(form, exc)
        except Http404:
            form.add_error("person", "没有找到这个人员编号")
    q = (request.GET.get("q") or "").strip()[:40]
    qs = User.objects.select_related("person__unit", "pending_person").order_by("username")
    if q:
        qs = qs.filter(username__contains=q) | qs.filter(person__name__contains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/users.html", {"form": form, "page": page, "q": q},
                  status=400 if form.errors else 200)


@login_required
def approvals(request):
    """安全管理员: what the system administrator requested that would open study records to an account —
    a binding of an account to a person, a supervising scope. Nothing is in force before approval."""
    from orgs import services as org_services
    from orgs.models import Membership, SupervisorScope

    access.require_admin_role(request.user, AdminRole.SECURITY)
    if request.method == "POST":
        kind, decision = request.POST.get("kind"), request.POST.get("decision")
        pk = request.POST.get("id", "")
        if kind not in ("binding", "scope") or decision not in ("approve", "refuse") or not pk.isdigit():
            messages.error(request, "请求不完整，请从列表中选择要审批的事项")
            return redirect("accounts:approvals")
        try:
            if kind == "binding":
                user = User.objects.filter(pk=pk, pending_person__isnull=False).first()
                if user is None:
                    raise ValidationError("该申请已处理")
                services.binding_decide(user=user, approve=decision == "approve", by=request.user)
            else:
                scope = SupervisorScope.objects.filter(pk=pk, pending=True).first()
                if scope is None:
                    raise ValidationError("该申请已处理")
                org_services.supervisor_scope_decide(scope=scope, approve=decision == "approve", by=request.user)
            messages.success(request, "已批准" if decision == "approve" else "已驳回")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("accounts:approvals")
    bindings = list(User.objects.filter(pending_person__isnull=False)
                    .select_related("pending_person__unit", "pending_by").order_by("id"))
    today = timezone.localdate()
    for user in bindings:
        user.roles = [f"{m.group.unit.name} · {m.get_role_display()}" for m in
                      Membership.objects.on(today).filter(person=user.pending_person).select_related("group__unit")]
    scopes = SupervisorScope.objects.filter(pending=True).select_related("user__person", "unit", "requested_by")
    return render(request, "accounts/approvals.html", {"bindings": bindings, "scopes": scopes.order_by("id")})


@login_required
def tokens(request):
    """Each user's own API tokens: made here (shown once), listed, revoked."""
    from . import tokens as api_tokens
    from .forms import TokenForm

    needs_code = request.user.needs_second_factor
    form = TokenForm(request.POST if request.method == "POST" else None, needs_code=needs_code)
    created = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            token, secret = api_tokens.token_create(user=request.user, name=d["name"], scope=d["scope"],
                                                    days=d["days"], otp_code=d.get("code"))
            created = {"token": token, "secret": secret}
            form = TokenForm(needs_code=needs_code)
        except ValidationError as exc:
            apply_errors(form, exc)
    mine = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/tokens.html", {"form": form, "tokens": mine, "created": created,
                                                    "is_secadmin": request.user.admin_role == AdminRole.SECURITY},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request, pk):
    from . import tokens as api_tokens

    token = ApiToken.objects.filter(pk=pk).first()
    is_secadmin = request.user.admin_role == AdminRole.SECURITY
    if token is None or (token.user_id != request.user.pk and not is_secadmin):
        raise Http404()
    api_tokens.token_revoke(token=token, by=request.user)
    messages.success(request, f"令牌“{token.name}”已吊销")
    return redirect("accounts:tokens_all" if is_secadmin and token.user_id != request.user.pk else "accounts:tokens")


@login_required
def tokens_all(request):
    """安全管理员: every token in force, whose it is and when it was last used."""
    access.require_admin_role(request.user, AdminRole.SECURITY)
    from django.db.models import Q

    now = timezone.now()
    qs = ApiToken.objects.select_related("user").filter(revoked_at__isnull=True, expires_at__gt=now)
    q = (request.GET.get("q") or "").strip()[:40]
    if q:
        qs = qs.filter(Q(user__username__contains=q) | Q(name__contains=q))
    page = Paginator(qs.order_by("user__username", "-created"), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/tokens_all.html", {"page": page, "q": q})


def _qr(url, **kwargs):
    import segno  # 11 MB resident, for the one page that binds an authenticator: not in every worker

    return segno.make(url, **kwargs)
