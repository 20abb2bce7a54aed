from django.db import models
from django.db.models import Q

from core import crypto


class UnitKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    LEADING_GROUP = "leading_group", "党组"
    WORKING_COMMITTEE = "working_committee", "党工委"
    ORGAN_COMMITTEE = "organ_committee", "机关党委"
    GENERAL_BRANCH = "general_branch", "党总支"


class UnitLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县（区）级"
    TOWNSHIP = "township", "乡科级"


class Unit(models.Model):
    """A node of the Party organisation tree.

    `path` is a materialised path ("/1/7/42/") so that a subtree is one indexed prefix query; moving a
    subtree rewrites the paths below it in one UPDATE.
    """

    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    kind = models.CharField("组织类型", max_length=24, choices=UnitKind.choices, default=UnitKind.COMMITTEE)
    level = models.CharField("层级", max_length=16, choices=UnitLevel.choices, default=UnitLevel.TOWNSHIP)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级单位")
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort = models.IntegerField("排序", default=0)
    closed_on = models.DateField("撤销日期", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["path"]
        verbose_name = "单位"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unit_unique_name_under_parent"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_closed(self):
        return self.closed_on is not None

    def ancestor_ids(self):
        return [int(x) for x in self.path.strip("/").split("/") if x][:-1]


class UnitEvent(models.Model):
    """History of renames, moves and closures, so that an old bulletin still names the unit as it was."""

    class Kind(models.TextChoices):
        CREATE = "create", "设立"
        RENAME = "rename", "更名"
        MOVE = "move", "调整隶属"
        CLOSE = "close", "撤销"
        REOPEN = "reopen", "恢复"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on = models.DateField("生效日期")
    old_name = models.CharField(max_length=100, blank=True)
    new_name = models.CharField(max_length=100, blank=True)
    old_parent = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    new_parent = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]


class StudyGroup(models.Model):
    """理论学习中心组: one per unit."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="group", verbose_name="单位")
    name = models.CharField("名称", max_length=120)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__path"]
        verbose_name = "理论学习中心组"

    def __str__(self):
        return self.name


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Person(models.Model):
    name = models.CharField("姓名", max_length=40)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people", verbose_name="所在单位")
    post = models.CharField("职务", max_length=80, blank=True)
    rank = models.CharField("职级", max_length=40, blank=True)
    phone_enc = models.CharField(max_length=200, blank=True)  # SM4 at rest
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)  # keyed SM3, for duplicate checks
    phone_masked = models.CharField("手机号码", max_length=20, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["unit__path", "name", "id"]
        verbose_name = "人员"

    def __str__(self):
        return self.name

    def set_phone(self, phone):
        phone = (phone or "").strip()
        self.phone_enc = crypto.encrypt(phone)
        self.phone_digest = crypto.lookup_digest(phone)
        self.phone_masked = crypto.mask_phone(phone) if phone else ""

    @property
    def phone(self):
        return crypto.decrypt(self.phone_enc)


class Role(models.TextChoices):
    LEADER = "leader", "组长"
    DEPUTY = "deputy", "副组长"
    SECRETARY = "secretary", "学习秘书"
    MEMBER = "member", "成员"
    ATTENDEE = "attendee", "列席"


MANAGING_ROLES = (Role.LEADER, Role.DEPUTY, Role.SECRETARY)
ROLE_ORDER = {Role.LEADER: 0, Role.DEPUTY: 1, Role.SECRETARY: 2, Role.MEMBER: 3, Role.ATTENDEE: 4}


class MembershipQuerySet(models.QuerySet):
    def on(self, day):
        """Memberships in force on a day: joined on or before it and not yet left."""
        return self.filter(Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day)))


class Membership(models.Model):
    """A dated role in a group. Leaving sets `end`; a role change ends one row and starts another."""

    group = models.ForeignKey(StudyGroup, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    start = models.DateField("加入日期")
    end = models.DateField("离开日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group", "start", "id"]
        verbose_name = "成员"
        indexes = [models.Index(fields=["person", "end"]), models.Index(fields=["group", "end"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                                   name="membership_end_after_start"),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_role_display()}"


class SupervisorKind(models.TextChoices):
    PROPAGANDA = "propaganda", "宣传部"
    ORGANISATION = "organisation", "组织部"
    ORGAN_WORK = "organ_work", "机关工委"


class SupervisorScope(models.Model):
    """A staff member who supervises every group in the subtree under `unit`."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="supervisor_scopes")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="supervisor_scopes")
    kind = models.CharField("部门", max_length=16, choices=SupervisorKind.choices, default=SupervisorKind.PROPAGANDA)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", null=True, blank=True)
    # 三员分立: a scope requested by the system administrator is not in force until the security
    # administrator approves it (access.supervised_units reads approved scopes only).
    pending = models.BooleanField("待审批", default=False)
    requested_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    approved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = "督导范围"

    def __str__(self):
        return f"{self.user} 督导 {self.unit}（{self.get_kind_display()}）"


class Observer(models.Model):
    """巡听人员库: a person in the pool of observers kept by a supervising unit."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="observer_entries")
    pool_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="observer_pool",
                                  verbose_name="所属巡听库")
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "巡听员"
        constraints = [models.UniqueConstraint(fields=["person", "pool_unit"], name="observer_once_per_pool")]

    def __str__(self):
        return f"巡听员 {self.person}"


class ObserverAssignment(models.Model):
    """What an observer may see: the groups they are sent to, for a period."""

    observer = models.ForeignKey(Observer, on_delete=models.CASCADE, related_name="assignments")
    group = models.ForeignKey(StudyGroup, on_delete=models.PROTECT, related_name="observer_assignments")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    kind = models.CharField("方式", max_length=16, default="fixed",
                            choices=[("fixed", "固定"), ("random", "随机"), ("invited", "应邀"), ("focus", "重点旁听")])

    class Meta:
        verbose_name = "巡听安排"

    def __str__(self):
        return f"{self.observer.person} → {self.group}"
