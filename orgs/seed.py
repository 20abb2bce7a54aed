"""Generated organisations: the demo city and the province used by benchmarks.

Every later feature extends this generator with its own records (plans, sessions …) so that the demo and
the benchmarks always hold a plausible year of work. Rows are bulk-inserted with pre-assigned ids so that
paths can be computed before insertion; one audit entry records the load.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from core import audit, crypto

from .models import Membership, Person, Role, StudyGroup, Unit, UnitEvent, UnitKind, UnitLevel

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
            "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰建国志文斌辉鹏宇浩凯波林海峰晨雪梅琳欣怡婷颖"
         "春晓东亮宁新立成俊雷健慧丹彬鑫晶云飞翔振宏永军卫红光荣兵涛磊德福庆祥")
CITY_DEPTS = [
    ("市委办公室", UnitKind.ORGAN_COMMITTEE), ("市政府办公室", UnitKind.LEADING_GROUP), ("市委组织部", UnitKind.ORGAN_COMMITTEE),
    ("市委宣传部", UnitKind.ORGAN_COMMITTEE), ("市纪委监委", UnitKind.ORGAN_COMMITTEE), ("市委政法委", UnitKind.ORGAN_COMMITTEE),
    ("市发展和改革委员会", UnitKind.LEADING_GROUP), ("市教育局", UnitKind.LEADING_GROUP), ("市财政局", UnitKind.LEADING_GROUP),
    ("市公安局", UnitKind.COMMITTEE), ("市卫生健康委员会", UnitKind.LEADING_GROUP), ("市自然资源和规划局", UnitKind.LEADING_GROUP),
    ("市住房和城乡建设局", UnitKind.LEADING_GROUP), ("市交通运输局", UnitKind.LEADING_GROUP),
    ("市农业农村局", UnitKind.LEADING_GROUP), ("市商务局", UnitKind.LEADING_GROUP), ("市文化广电和旅游局", UnitKind.LEADING_GROUP),
    ("市民政局", UnitKind.LEADING_GROUP), ("市人力资源和社会保障局", UnitKind.LEADING_GROUP), ("市生态环境局", UnitKind.LEADING_GROUP),
]
COUNTY_DEPTS = [("委办公室", UnitKind.ORGAN_COMMITTEE), ("委组织部", UnitKind.ORGAN_COMMITTEE),
                ("委宣传部", UnitKind.ORGAN_COMMITTEE), ("教育局", UnitKind.LEADING_GROUP),
                ("财政局", UnitKind.LEADING_GROUP), ("卫生健康局", UnitKind.LEADING_GROUP),
                ("农业农村局", UnitKind.LEADING_GROUP), ("住房和城乡建设局", UnitKind.LEADING_GROUP)]
DEMO_COUNTIES = [("江城区", "区", ["解放街道", "中山街道", "江滨街道", "新华街道", "长青街道"]),
                 ("东湖区", "区", ["东湖街道", "湖滨街道", "桃园街道", "望江镇", "白沙镇"]),
                 ("青山区", "区", ["青山街道", "红旗街道", "建设街道", "钢城街道", "青龙镇"]),
                 ("临川县", "县", ["城关镇", "石桥镇", "清溪镇", "马坊镇", "龙泉乡", "梅岭乡"]),
                 ("安宁县", "县", ["安宁镇", "柳河镇", "高坪镇", "西岭乡", "双河乡"]),
                 ("永丰县", "县", ["永丰镇", "黄土镇", "平安镇", "新田乡", "竹林乡"])]
TOWN_SUFFIXES = ("镇", "街道", "乡")
TOWN_STEMS = "东西南北中新安平和兴福宁泰丰华明光永长清青龙凤金石桥湖河山川林溪桃柳梅竹"
DEMO_PASSWORD = "Study@2026"


@dataclass
class UnitSpec:
    name: str
    kind: str
    level: str
    parent: "UnitSpec | None" = None
    size: int = 15  # members of its 中心组, 组长 and 学习秘书 included
    id: int = 0
    path: str = ""
    children: list = field(default_factory=list)


def _add(parent, name, kind, level, size):
    spec = UnitSpec(name=name, kind=kind, level=level, parent=parent, size=size)
    if parent is not None:
        parent.children.append(spec)
    return spec


def _unit_label(name, kind):
    if kind == UnitKind.LEADING_GROUP:
        return f"{name}党组"
    if kind == UnitKind.WORKING_COMMITTEE:
        return f"{name}党工委"
    if kind == UnitKind.ORGAN_COMMITTEE:
        return f"{name}机关党委" if not name.endswith(("委", "部")) else name
    return name


def demo_city(rng, city="临江市"):
    root = UnitSpec(f"中共{city}委员会", UnitKind.COMMITTEE, UnitLevel.CITY, size=13)
    for name, kind in CITY_DEPTS:
        _add(root, _unit_label(city + name[1:], kind), kind, UnitLevel.COUNTY, rng.randint(12, 18))
    for county, suffix, towns in DEMO_COUNTIES:
        c = _add(root, f"中共{county}委员会", UnitKind.COMMITTEE, UnitLevel.COUNTY, rng.randint(13, 17))
        for town in towns:
            kind = UnitKind.WORKING_COMMITTEE if town.endswith("街道") else UnitKind.COMMITTEE
            _add(c, f"中共{county}{town}{'工作委员会' if town.endswith('街道') else '委员会'}", kind, UnitLevel.TOWNSHIP,
                 rng.randint(13, 19))
        for dept, kind in COUNTY_DEPTS[: 12 - len(towns)]:
            _add(c, _unit_label(f"{county[:-1]}{suffix}{dept}" if dept.startswith("委") else f"{county}{dept}", kind),
                 kind, UnitLevel.TOWNSHIP, rng.randint(11, 16))
    return root


def province(rng, cities=14, counties_per_city=10, units_per_county=68, city_depts=30, size=20):
    root = UnitSpec("中共某省委员会", UnitKind.COMMITTEE, UnitLevel.PROVINCE, size=size)
    for ci in range(cities):
        city = _add(root, f"中共第{ci + 1}市委员会", UnitKind.COMMITTEE, UnitLevel.CITY, size)
        for d in range(city_depts):
            name, kind = CITY_DEPTS[d % len(CITY_DEPTS)]
            _add(city, f"第{ci + 1}市{_unit_label(name, kind)[1:]}{'' if d < len(CITY_DEPTS) else d}", kind,
                 UnitLevel.COUNTY, size)
        for k in range(counties_per_city):
            county = _add(city, f"中共第{ci + 1}市第{k + 1}县委员会", UnitKind.COMMITTEE, UnitLevel.COUNTY, size)
            for t in range(units_per_county):
                stem = TOWN_STEMS[t % len(TOWN_STEMS)] + TOWN_STEMS[(t // len(TOWN_STEMS) + k) % len(TOWN_STEMS)]
                _add(county, f"{ci + 1}-{k + 1}县{stem}{TOWN_SUFFIXES[t % 3]}{t + 1}号党委", UnitKind.COMMITTEE,
                     UnitLevel.TOWNSHIP, size)
    return root


def _walk(spec):
    yield spec
    for child in spec.children:
        yield from _walk(child)


def chinese_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _posts(level, kind):
    head = "党组书记" if kind == UnitKind.LEADING_GROUP else "党委书记" if kind != UnitKind.WORKING_COMMITTEE else "党工委书记"
    rank = {"province": "正厅级", "city": "正厅级", "county": "正处级", "township": "正科级"}[level]
    deputy_rank = {"province": "副厅级", "city": "副厅级", "county": "副处级", "township": "副科级"}[level]
    return head, rank, deputy_rank


@transaction.atomic
def load(root, *, rng, year_start, by=None):
    """Insert a generated tree with its groups, people and memberships. Returns the specs, ids assigned."""
    specs = list(_walk(root))
    next_unit = (Unit.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    next_person = (Person.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    for spec in specs:
        spec.id = next_unit
        next_unit += 1
        spec.path = f"{spec.parent.path if spec.parent else '/'}{spec.id}/"
    Unit.objects.bulk_create(
        [Unit(id=s.id, name=s.name, kind=s.kind, level=s.level, parent_id=s.parent.id if s.parent else None, path=s.path,
              depth=s.path.count("/") - 2, sort=i) for i, s in enumerate(specs)], batch_size=2000)
    from .services import group_name_for

    StudyGroup.objects.bulk_create([StudyGroup(id=s.id, unit_id=s.id, name=group_name_for(s.name)) for s in specs],
                                   batch_size=2000)
    UnitEvent.objects.bulk_create([UnitEvent(unit_id=s.id, kind="create", on=year_start, new_name=s.name,
                                             new_parent_id=s.parent.id if s.parent else None) for s in specs],
                                  batch_size=2000)
    people, memberships = [], []
    used_phones = set()
    key_phone = crypto.encrypt  # bound once: the hot loop runs 200k times at province scale
    for spec in specs:
        head, rank, deputy_rank = _posts(spec.level, spec.kind)
        roles = [Role.LEADER, Role.DEPUTY, Role.SECRETARY] + [Role.MEMBER] * max(spec.size - 4, 1) + [Role.ATTENDEE]
        for role in roles:
            while True:
                phone = f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}"
                if phone not in used_phones:
                    used_phones.add(phone)
                    break
            is_town = spec.kind in (UnitKind.COMMITTEE, UnitKind.WORKING_COMMITTEE) and spec.level == "township"
            post = {Role.LEADER: head, Role.DEPUTY: "党委副书记、宣传委员" if is_town else "副书记",
                    Role.SECRETARY: "党政办主任" if is_town else "办公室主任",
                    Role.ATTENDEE: "纪检监察组组长"}.get(role) or rng.choice(
                ["党委委员、副镇长", "党委委员、组织委员", "人大主席", "党委委员、武装部长"] if is_town
                else ["党组成员、副局长", "党组成员", "副局长", "总工程师", "机关党委书记"])
            p = Person(id=next_person, name=chinese_name(rng), gender=rng.choice("MMMF"), unit_id=spec.id, post=post,
                       rank=rank if role == Role.LEADER else deputy_rank, phone_enc=key_phone(phone),
                       phone_digest=crypto.lookup_digest(phone), phone_masked=crypto.mask_phone(phone))
            people.append(p)
            # Some members joined during the year: the statistics must not count them absent before.
            start = year_start if rng.random() > 0.08 else year_start + dt.timedelta(days=rng.randint(30, 250))
            memberships.append(Membership(group_id=spec.id, person_id=p.id, role=role, start=start))
            next_person += 1
    Person.objects.bulk_create(people, batch_size=5000)
    Membership.objects.bulk_create(memberships, batch_size=5000)
    reset_sequences(Unit, StudyGroup, Person)
    audit.record(action="seed.load", by=by, actor_name="seed", object_type="orgs.unit", object_id=str(root.id),
                 after={"units": len(specs), "people": len(people), "root": root.name})
    return specs


def extensions():
    """Each feature app may ship `seed.py` with `extend(*, specs, rng, today, scale) -> str` (a summary line).

    They run in INSTALLED_APPS order after the organisation is loaded, so a later app can rely on an
    earlier one's records (sessions follow plans).
    """
    import importlib
    import importlib.util

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name == "orgs" or importlib.util.find_spec(f"{config.name}.seed") is None:
            continue
        module = importlib.import_module(f"{config.name}.seed")
        if hasattr(module, "extend"):
            yield config.verbose_name, module.extend


def reset_sequences(*models):
    """After inserting rows with explicit ids, PostgreSQL's sequences must be moved past them."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def find(specs, prefix):
    return next(s for s in specs if s.name.startswith(prefix))


DEMO_ACCOUNTS = [
    # username, who, how to find them
    ("mishu", "学习秘书（江城区解放街道）"),
    ("zuzhang", "组长（江城区解放街道）"),
    ("chengyuan", "成员（江城区解放街道）"),
    ("jiangcheng", "江城区委宣传部 理论科（督导全区）"),
    ("donghu", "东湖区委宣传部 理论科（督导全区）"),
    ("shiwei", "临江市委宣传部 理论科（督导全市）"),
    ("xunting", "巡听员（派往东湖区东湖街道）"),
    ("sysadmin", "系统管理员"),
    ("secadmin", "安全管理员"),
    ("auditadmin", "审计管理员"),
]


def demo_accounts(specs, *, today, password=DEMO_PASSWORD):
    """Accounts for the demo personas; the same shape the tests use (two sibling counties and their city)."""
    from accounts.models import AdminRole, User
    from accounts.services import user_create

    from .services import observer_add, observer_assign, supervisor_scope_add

    def member(group_prefix, role):
        spec = find(specs, group_prefix)
        return Membership.objects.filter(group_id=spec.id, role=role).select_related("person").first().person

    jc = find(specs, "中共江城区委员会")
    dh = find(specs, "中共东湖区委员会")
    city = specs[0]
    town = "中共江城区解放街道"
    made = {}
    made["mishu"] = user_create(username="mishu", password=password, person=member(town, Role.SECRETARY))
    made["zuzhang"] = user_create(username="zuzhang", password=password, person=member(town, Role.LEADER))
    made["chengyuan"] = user_create(username="chengyuan", password=password, person=member(town, Role.MEMBER))
    for username, spec, unit_prefix in (("jiangcheng", jc, "江城区委宣传部"), ("donghu", dh, "东湖区委宣传部"),
                                        ("shiwei", city, "临江市委宣传部")):
        home = find(specs, unit_prefix)
        from .services import person_create

        person = person_create(unit=Unit.objects.get(pk=home.id), name=chinese_name(random.Random(username)),
                               post="理论科科长", rank="四级主任科员", phone="", by=None)
        made[username] = user_create(username=username, password=password, person=person)
        supervisor_scope_add(user=made[username], unit=Unit.objects.get(pk=spec.id), kind="propaganda",
                             start=today.replace(month=1, day=1), by=None)
    observer_person = member("临江市委宣传部", Role.MEMBER)
    made["xunting"] = user_create(username="xunting", password=password, person=observer_person)
    observer = observer_add(person=observer_person, pool_unit=Unit.objects.get(pk=city.id), by=None)
    observer_assign(observer=observer, group=StudyGroup.objects.get(pk=find(specs, "中共东湖区东湖街道").id),
                    start=today.replace(month=1, day=1), by=None)
    for username, role in (("sysadmin", AdminRole.SYSTEM), ("secadmin", AdminRole.SECURITY),
                           ("auditadmin", AdminRole.AUDIT)):
        made[username] = user_create(username=username, password=password, admin_role=role)
    return made, User
