from django.contrib.auth.models import AbstractUser
from django.db import models


class AdminRole(models.TextChoices):
    # 三员分立: each administrator does one job and none of them reads study records.
    SYSTEM = "sysadmin", "系统管理员"
    SECURITY = "secadmin", "安全管理员"
    AUDIT = "auditadmin", "审计管理员"


class User(AbstractUser):
    person = models.OneToOneField(
        "orgs.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="user", verbose_name="人员"
    )
    # 三员分立: a binding made by the system administrator waits here until the security administrator
    # approves it, so the system administrator alone can never give an account someone's study role.
    pending_person = models.ForeignKey(
        "orgs.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="待审批绑定的人员"
    )
    pending_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    admin_role = models.CharField("管理员角色", max_length=16, choices=AdminRole.choices, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "账号"

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if self.person_id:
            return self.person.name
        return self.get_full_name() or self.username

    @property
    def needs_second_factor(self):
        return bool(self.admin_role) or self.is_superuser


class PasswordHistory(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)  # the Django hash, never the password
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]


class LoginAttempt(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64)
    ts = models.DateTimeField(db_index=True)
    success = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["username", "address", "ts"]), models.Index(fields=["address", "ts"])]


class TokenScope(models.TextChoices):
    READ = "read", "只读"
    WRITE = "write", "读写"


class ApiToken(models.Model):
    """A named, scoped, expiring API token. Only an SM3 digest of the secret is stored: a stolen backup
    of the database gives nobody a working token. The secret is shown once, when it is made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=60)
    prefix = models.CharField(max_length=12)  # the first characters, so a user can tell their tokens apart
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField("权限", max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "API 令牌"

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def state(self):
        from django.utils import timezone

        if self.revoked_at:
            return "已吊销"
        if self.expires_at <= timezone.now():
            return "已过期"
        return "有效"
