"""Lockout beyond username+address (issue 9, item 11), with a way back for the owner, and the proxy setting."""

import datetime as dt

from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.models import LoginAttempt
from core.context import client_address
from core.testing import PASSWORD, login


def attempt(client, username, password, address):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_one_address_guessing_many_usernames_is_stopped(world):
    """The review's spray: 4 guesses each at 40 usernames from one address locked nothing."""
    client = Client()
    for i in range(40):
        for _ in range(4):
            attempt(client, f"user{i}", "wrong", "10.6.6.6")
    response = attempt(client, "member_a", PASSWORD, "10.6.6.6")
    assert response.status_code == 400 and "本地址登录失败次数过多" in response.content.decode()
    # Colleagues elsewhere are untouched.
    assert attempt(Client(), "member_a", PASSWORD, "10.1.1.1").status_code == 302


def test_one_username_guessed_from_many_addresses_is_paused(world):
    """The review: the same username from a second address logged straight in."""
    for i in range(10):
        attempt(Client(), "member_a", "wrong", f"10.7.0.{i}")
    response = attempt(Client(), "member_a", PASSWORD, "10.8.8.8")
    assert response.status_code == 400 and "多处登录失败" in response.content.decode()


def test_the_owner_in_a_browser_that_logged_in_before_is_not_locked_out(world):
    owner = Client()
    assert attempt(owner, "member_a", PASSWORD, "10.1.1.1").status_code == 302
    owner.post("/accounts/logout/")
    for i in range(30):
        attempt(Client(), "member_a", "wrong", f"10.7.0.{i}")
    assert attempt(owner, "member_a", PASSWORD, "10.1.1.1").status_code == 302
    # The owner's success lifts the pause for everyone.
    assert attempt(Client(), "member_a", PASSWORD, "10.9.9.9").status_code == 302


def test_the_pause_ends_by_itself_and_the_security_administrator_can_lift_it(world):
    for i in range(10):
        attempt(Client(), "member_a", "wrong", f"10.7.0.{i}")
    sec = login(Client(), world.secadmin)
    assert "member_a" in sec.get("/accounts/security/").content.decode()
    sec.post("/accounts/security/", {"username": "member_a"})
    assert attempt(Client(), "member_a", PASSWORD, "10.8.8.8").status_code == 302
    for i in range(10):
        attempt(Client(), "secretary_a", "wrong", f"10.7.0.{i}")
    LoginAttempt.objects.update(ts=timezone.now() - dt.timedelta(minutes=31))
    assert attempt(Client(), "secretary_a", PASSWORD, "10.8.8.8").status_code == 302


def test_the_security_administrator_can_lift_an_address_pause(world):
    for i in range(20):
        attempt(Client(), f"user{i}", "wrong", "10.6.6.6")
    sec = login(Client(), world.secadmin)
    assert "10.6.6.6" in sec.get("/accounts/security/").content.decode()
    sec.post("/accounts/security/", {"address": "10.6.6.6"})
    assert attempt(Client(), "member_a", PASSWORD, "10.6.6.6").status_code == 302


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("203.0.113.5", "1.2.3.4")) == "203.0.113.5"


def test_behind_a_trusted_proxy_the_real_client_address_is_used(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    # nginx appends the address it saw; whatever the client wrote to the left is not believed.
    assert client_address(request_from("127.0.0.1", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    assert client_address(request_from("127.0.0.1", "198.51.100.7, 10.2.3.4")) == "198.51.100.7"
    assert client_address(request_from("203.0.113.5", "198.51.100.7")) == "203.0.113.5"  # not from our proxy
    assert client_address(request_from("127.0.0.1", "<script>")) == "127.0.0.1"


def test_lockout_uses_the_address_behind_the_proxy(world, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "member_a", "password": "wrong"}, REMOTE_ADDR="127.0.0.1",
                    HTTP_X_FORWARDED_FOR="198.51.100.7")
    other = Client().post("/accounts/login/", {"username": "member_a", "password": PASSWORD},
                          REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 302
    assert set(LoginAttempt.objects.filter(success=False).values_list("address", flat=True)) == {"198.51.100.7"}
