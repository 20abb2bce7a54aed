"""Reads for research, lectures and the 个人学习档案. Counts are facts about a person for that person and their
group's secretary, checked against the yearly requirement; nobody is ranked."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count

from orgs.models import Membership

from .models import Lecture, LectureKind, ResearchTopic

DEFAULT_REQUIREMENTS = {LectureKind.PARTY_LESSON: 1, LectureKind.PUBLICITY: 1}


def requirements():
    """{kind: at least n a year} from settings.RESEARCH_LECTURE_REQUIREMENTS."""
    return {**DEFAULT_REQUIREMENTS, **getattr(settings, "RESEARCH_LECTURE_REQUIREMENTS", {})}


@dataclass
class LectureLine:
    person_id: int
    name: str
    counts: dict  # kind label -> n
    missing: list = field(default_factory=list)  # labels of requirements not yet met

    @property
    def met(self):
        return not self.missing


def lecture_lines(person_ids, year):
    """One line per person: lectures given this year by kind, and which requirement is still open."""
    req = requirements()
    counts = {}
    for row in (Lecture.objects.filter(person_id__in=person_ids, year=year).values("person_id", "kind")
                .annotate(n=Count("id"))):
        counts[(row["person_id"], row["kind"])] = row["n"]
    from orgs.models import Person

    names = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))
    lines = []
    for pid in person_ids:
        got = {LectureKind(k).label: counts.get((pid, k), 0) for k in req}
        missing = [LectureKind(k).label for k, n in req.items() if counts.get((pid, k), 0) < n]
        lines.append(LectureLine(pid, names.get(pid, ""), got, missing))
    return lines


@dataclass
class GroupLectures:
    group: object
    year: int
    lines: list
    met: int
    total: int


def group_lectures(group, year, day):
    members = list(Membership.objects.on(day).filter(group=group).exclude(role="attendee")
                   .order_by("person__name").values_list("person_id", flat=True).distinct())
    lines = lecture_lines(members, year)
    return GroupLectures(group, year, lines, sum(1 for x in lines if x.met), len(lines))


@dataclass
class UnitTopics:
    unit_name: str
    group_id: int
    topics: list


def topics_by_unit(topics):
    """A supervisor's view: topics grouped per unit, each with its state and outcomes."""
    out = {}
    for t in topics.select_related("unit").prefetch_related("outcomes", "claimants").order_by("unit__path", "id"):
        out.setdefault(t.group_id, UnitTopics(t.unit.name, t.group_id, [])).topics.append(t)
    return list(out.values())


@dataclass
class PersonalFile:
    person: object
    year: int
    attended: list
    leaves: list
    makeups: list
    writings: list
    topics: list
    lectures: list
    lecture_line: object


def personal_file(person, year):
    """A member's year: sessions attended, leave and 补学, writings, research and lectures."""
    from meetings.models import Attendance, Leave, MakeUp
    from writings.models import Writing

    attended = list(Attendance.objects.filter(person=person, session__day__year=year,
                                              status__in=("present", "late", "attendee"))
                    .select_related("session", "group").order_by("session__starts_at"))
    leaves = list(Leave.objects.filter(person=person, session__day__year=year).select_related("session")
                  .order_by("session__starts_at"))
    makeups = list(MakeUp.objects.filter(person=person, session__day__year=year)
                   .select_related("session").order_by("due"))
    writing_of = {w.makeup_id: w for w in Writing.objects.filter(makeup__in=makeups)}
    for m in makeups:
        m.reflection_writing = writing_of.get(m.pk)
    writings = list(Writing.objects.filter(person=person, year=year).exclude(status="draft")
                    .select_related("group").order_by("day", "id"))
    topics = list(ResearchTopic.objects.filter(claimants=person, year=year).prefetch_related("outcomes")
                  .select_related("report"))
    lectures = list(Lecture.objects.filter(person=person, year=year).order_by("day"))
    return PersonalFile(person, year, attended, leaves, makeups, writings, topics, lectures,
                        lecture_lines([person.pk], year)[0])
