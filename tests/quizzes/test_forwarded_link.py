"""A forwarded test link on a service account: no query parameter skips OAuth, and a stranger
whose OAuth failed or was declined cannot answer as the person the link names."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.support.app import AppClient
from tests.support.chat import add_party_members, china
from tests.support.console import csrf
from tests.support.plugin import Clock
from tests.support.quizzes import SUPERVISION, add_questions, add_quiz, attempts, link_token


async def test_a_stranger_with_a_forwarded_link_cannot_answer_as_its_owner(
    client: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 3, 2, 9))
    [member] = await add_party_members(client, 1)
    single, multiple, judge = await add_questions(client, SUPERVISION)
    quiz_id = await add_quiz(client, [single, multiple, judge], deadline=china(2026, 3, 10, 18, 0))
    forwarded = f"/m/quizzes/{quiz_id}?t={link_token(client, quiz_id, member.person_id)}"

    # The old escape hatch: ?oauth=done no longer skips WeChat's OAuth.
    start = await client.get(f"{forwarded}&oauth=done")
    assert start.status_code == 302 and "/connect/oauth2/authorize" in start.headers["location"]

    # Outside WeChat, OAuth comes back without a code: the page names nobody.
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    back = await client.get("/m/oauth/callback", params={"state": state})
    assert back.status_code == 302
    page = await client.get(forwarded)
    assert page.status_code == 403 and "请从公众号打开" in page.text

    answers = {f"q{single}": "A", f"q{multiple}": ["A", "B", "C"], f"q{judge}": "A"}
    token = parse_qs(urlsplit(forwarded).query)["t"][0]
    data = {"csrf_token": await csrf(client, "/admin/login"), "t": token, **answers}
    posted = await client.post(f"/m/quizzes/{quiz_id}", data=data)
    assert posted.status_code == 403
    assert await attempts(client, quiz_id) == []
