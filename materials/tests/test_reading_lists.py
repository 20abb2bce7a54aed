import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from materials import services

from .factories import material

pytestmark = pytest.mark.django_db


def make_list(world, title, materials):
    reading_list = services.reading_list_create(owner_unit=world.city, title=title, year=world.today.year, by=None)
    for m in materials:
        services.reading_list_add(reading_list=reading_list, material=m, by=None)
    return reading_list


def test_the_reading_lists_page_counts_items_in_one_query(world, as_user):
    books = [material(world, title=f"书{i}", kind="book") for i in range(3)]
    make_list(world, "甲书目", books)
    client = as_user(world.member_a)
    with CaptureQueriesContext(connection) as one:
        body = client.get("/materials/lists/").content.decode()
    assert "甲书目" in body and '<td class="text-end">3</td>' in body
    for i in range(4):
        make_list(world, f"书目{i}", books[:1])
    with CaptureQueriesContext(connection) as five:
        body = client.get("/materials/lists/").content.decode()
    assert body.count('<td class="text-end">1</td>') == 4
    assert len(five.captured_queries) == len(one.captured_queries)
