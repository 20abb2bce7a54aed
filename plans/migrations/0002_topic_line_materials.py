"""Plan topics get a lineage key (`line`) that revisions carry, and real links to the library's materials.

Existing data: each revision's copies are matched to the previous version's topics (same 规定专题, same
参考议题, else the same title, else the same place in the document) and take their line, so work already
done against version 1 still counts for version 2. Materials named in a topic's text are linked when the
library holds a material of exactly that title that the group can see; the text itself stays.
"""

import re
import uuid

from django.db import migrations, models

SPLIT = re.compile(r"[\n；;、，,]+")


def material_titles(text):
    out = []
    for part in SPLIT.split(text or ""):
        part = part.strip().strip("《》〈〉“”\"' ").strip()
        if part:
            out.append(part)
    return out


def _match(topic, previous_topics, used):
    for key in ("mandated_id", "reference_id"):
        value = getattr(topic, key)
        if value:
            for old in previous_topics:
                if old.pk not in used and getattr(old, key) == value:
                    return old
    for old in previous_topics:
        if old.pk not in used and old.title.strip() == topic.title.strip():
            return old
    for old in previous_topics:
        if old.pk not in used and old.sort == topic.sort:
            return old
    return None


def forwards(apps, schema_editor):
    StudyPlan = apps.get_model("plans", "StudyPlan")
    Topic = apps.get_model("plans", "Topic")
    Material = apps.get_model("materials", "Material")
    topics_by_plan = {}
    for t in Topic.objects.order_by("plan_id", "sort", "id"):
        topics_by_plan.setdefault(t.plan_id, []).append(t)
    changed = []
    # Oldest version first, so every copy finds its predecessor's line already set.
    for plan in StudyPlan.objects.order_by("group_id", "year", "number", "id"):
        previous = topics_by_plan.get(plan.previous_id, []) if plan.previous_id else []
        used = set()
        for t in topics_by_plan.get(plan.pk, []):
            old = _match(t, previous, used) if previous else None
            if old is not None:
                used.add(old.pk)
                t.line = old.line
            else:
                t.line = uuid.uuid4()
            changed.append(t)
    Topic.objects.bulk_update(changed, ["line"], batch_size=1000)

    Through = Topic.library_materials.through
    links = []
    wanted = {}
    for t in changed:
        for title in material_titles(t.materials):
            wanted.setdefault(title, []).append(t)
    if not wanted:
        return
    titles = list(wanted)
    plan_units = dict(StudyPlan.objects.values_list("pk", "group__unit__path"))
    for i in range(0, len(titles), 500):
        for m_id, title, owner_path in Material.objects.filter(title__in=titles[i:i + 500]).values_list(
                "pk", "title", "owner_unit__path"):
            for t in wanted[title]:
                if (plan_units.get(t.plan_id) or "").startswith(owner_path):
                    links.append(Through(topic_id=t.pk, material_id=m_id))
    Through.objects.bulk_create(links, ignore_conflicts=True, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('materials', '0002_search_index'),
        ('plans', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='topic',
            name='library_materials',
            field=models.ManyToManyField(blank=True, related_name='plan_topics', to='materials.material', verbose_name='资料库材料'),
        ),
        # Null first: a callable default on AddField would give every existing row the same key.
        migrations.AddField(
            model_name='topic',
            name='line',
            field=models.UUIDField(null=True, editable=False, verbose_name='专题标识'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='topic',
            name='line',
            field=models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name='专题标识'),
        ),
    ]
