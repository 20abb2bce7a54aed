"""The sidebar is rendered once per (roles, kind of page) and shared: what is one person's must stay theirs."""

import re

from django.template.loader import render_to_string
from django.urls import reverse

from core.templatetags import ui
from meetings.models import Notice


def _aside(html):
    return re.search(r'<aside id="side".*?</aside>', html, re.S).group(0)


def test_two_members_share_the_cached_sidebar_but_keep_their_own_count_and_page(world, client):
    ui._sidebar_html.cache_clear()
    Notice.objects.create(person=world.member_a.person, text="一")
    Notice.objects.create(person=world.member_a.person, text="二")
    for _ in range(7):
        Notice.objects.create(person=world.secretary_a.person, text="三")
    for _ in range(3):
        Notice.objects.create(person=world.leader_a.person, text="四")
    pages = {}
    for user in (world.member_a, world.leader_a, world.secretary_a, world.secretary_b):
        client.force_login(user)  # each their own page: a path with a number, cached as /people/0/
        response = client.get(reverse("orgs:person", args=[user.person_id]))
        assert response.status_code == 200
        pages[user.username] = _aside(response.content.decode())
    mine, leader, secretary = pages["member_a"], pages["leader_a"], pages["secretary_a"]
    assert 'data-testid="unread-notices">2<' in mine and 'data-testid="unread-notices">7<' in secretary
    assert 'data-testid="unread-notices">3<' in leader
    assert "unread-notices" not in pages["secretary_b"]  # no unread notices: no badge
    assert reverse("orgs:person", args=[world.member_a.person_id]) in mine
    assert reverse("orgs:person", args=[world.member_a.person_id]) not in secretary
    assert reverse("orgs:person", args=[world.secretary_a.person_id]) in secretary
    assert "\x00" not in mine + leader + secretary
    assert ui._sidebar_html.cache_info().hits >= 1  # the leader's and the secretary's share one rendering


def test_the_cached_sidebar_is_what_the_template_renders_for_that_user(world, client):
    """The same links, the same active one, as rendering the template with the user's own values."""
    ui._sidebar_html.cache_clear()
    Notice.objects.create(person=world.city_supervisor.person, text="一")
    client.force_login(world.city_supervisor)
    page = client.get(reverse("meetings:overview"))
    cached = _aside(page.content.decode())
    ctx = page.context
    flags = {k: ctx.get(k) for k in ui.NAV_FLAGS}
    assert flags["nav_supervises"] and flags["nav_staff"]
    direct = render_to_string("core/_sidebar.html", {
        **flags, "p": "/meetings/overview/", "has_person": True, "nav_unread_notices": 1,
        "my_url": reverse("orgs:person", args=[world.city_supervisor.person_id])})
    assert re.sub(r"\s+", " ", cached.split(">", 1)[1].rsplit("<", 1)[0]).strip() == \
        re.sub(r"\s+", " ", direct.split("{% endcomment %}")[-1]).strip()
    assert 'class="nav-link active" href="/meetings/overview/"' in cached


def test_an_administrator_sees_only_the_administration_links(world, as_user):
    ui._sidebar_html.cache_clear()
    aside = _aside(as_user(world.sysadmin).get(reverse("home")).content.decode())
    assert reverse("accounts:users") in aside and reverse("meetings:index") not in aside
    assert "my-data" not in aside
