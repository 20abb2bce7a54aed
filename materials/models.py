from django.conf import settings
from django.db import models


class MaterialKind(models.TextChoices):
    SPEECH = "speech", "讲话"
    ARTICLE = "article", "文章"
    DOCUMENT = "document", "文件"
    BOOK = "book", "书籍"


class Tag(models.Model):
    name = models.CharField("标签", max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "标签"

    def __str__(self):
        return self.name


class Material(models.Model):
    """学习资料. Visible to the owner unit's subtree and to the supervisors of its ancestors.

    A material issued by the city 宣传部 is owned by the city unit, so every group below the city sees it.
    `important` marks 重要讲话/重要指示 whose first study (第一议题) is tracked for timeliness.
    """

    owner_unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="materials",
                                   verbose_name="发布单位")
    kind = models.CharField("类型", max_length=16, choices=MaterialKind.choices, default=MaterialKind.ARTICLE)
    title = models.CharField("标题", max_length=200)
    source = models.CharField("来源", max_length=200, blank=True)
    published_on = models.DateField("发布日期")
    text = models.TextField("正文", blank=True)
    important = models.BooleanField("重要讲话（纳入第一议题督导）", default=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="materials", verbose_name="标签")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = "学习资料"
        indexes = [models.Index(fields=["important", "published_on"]), models.Index(fields=["owner_unit", "published_on"])]

    def __str__(self):
        return self.title


class Attachment(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="materials/%Y/%m/", max_length=255)
    original_name = models.CharField("文件名", max_length=200)
    ext = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    text_chars = models.PositiveIntegerField(default=0)  # how much text the import extracted
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "附件"

    def __str__(self):
        return self.original_name


class MaterialIndex(models.Model):
    """rjieba-segmented title and text: words separated by spaces for FTS5 unicode61 / tsvector('simple').

    On SQLite the FTS5 table `materials_fts` mirrors this table through triggers; on PostgreSQL a generated
    `tsv` column with a GIN index is added by the migration. Neither is known to the ORM: see search.py.
    """

    material = models.OneToOneField(Material, on_delete=models.CASCADE, primary_key=True, related_name="index")
    title_seg = models.TextField(blank=True)
    body_seg = models.TextField(blank=True)


class ReadingList(models.Model):
    """必学书目: an ordered list of materials issued by a unit for its subtree."""

    owner_unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="reading_lists",
                                   verbose_name="发布单位")
    title = models.CharField("书目名称", max_length=120)
    year = models.PositiveSmallIntegerField("年度")
    description = models.TextField("说明", blank=True)
    materials = models.ManyToManyField(Material, through="ReadingListItem", related_name="reading_lists")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = "必学书目"

    def __str__(self):
        return self.title


class ReadingListItem(models.Model):
    reading_list = models.ForeignKey(ReadingList, on_delete=models.CASCADE, related_name="items")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["reading_list", "material"], name="reading_list_item_once")]


class FirstItemStudy(models.Model):
    """第一议题: the materials a group's 党委(党组)会 studied as its first item."""

    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="first_items",
                              verbose_name="中心组")
    meeting_date = models.DateField("会议日期")
    meeting_title = models.CharField("会议名称", max_length=120)
    note = models.CharField("备注", max_length=300, blank=True)
    materials = models.ManyToManyField(Material, through="FirstItemMaterial", related_name="first_items")
    # What the first item studied, when it answers the group's plan or a 参考议题 sent down (optional: a first
    # item usually follows the latest 讲话 rather than the plan).
    plan_topic = models.ForeignKey("plans.Topic", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="first_items", verbose_name="计划专题")
    reference_topic = models.ForeignKey("plans.ReferenceTopic", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="first_items", verbose_name="参考议题")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-meeting_date", "-id"]
        verbose_name = "第一议题学习"
        constraints = [models.UniqueConstraint(fields=["group", "meeting_date", "meeting_title"],
                                               name="first_item_once_per_meeting")]

    def __str__(self):
        return f"{self.meeting_date} {self.meeting_title}"


class FirstItemMaterial(models.Model):
    """One material studied at one meeting. Group and date are copied here so that the timeliness report of a
    province (≈100k meetings) is one indexed aggregate over (material, group) without joins."""

    study = models.ForeignKey(FirstItemStudy, on_delete=models.CASCADE, related_name="rows")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="first_item_rows")
    group = models.ForeignKey("orgs.StudyGroup", on_delete=models.PROTECT, related_name="+")
    meeting_date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["study", "material"], name="first_item_material_once")]
        indexes = [models.Index(fields=["material", "group", "meeting_date"])]
