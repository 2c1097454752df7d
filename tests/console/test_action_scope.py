"""Every console action checks scope, not only the right to write.

The POST routes are found by walking the app; each must be in ACTIONS, with its scope. Every
action is then posted by a viewer (403), by a 支部书记 of another unit on that unit's things
(refused: 403 or 404), and by an admin (not 403).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum

import httpx

from app.models import AdminRole, Channel, MeetingKind, Person
from app.models.types import CHINA
from app.services import audit
from app.services.admission import files as admission_files
from app.services.admission.steps import Rules
from app.services.broadcasts import reach as reach_service
from app.services.broadcasts import rows as row_service
from tests.support.app import AppClient
from tests.support.chat import make_meeting
from tests.support.console import (
    add_person,
    add_user,
    csrf,
    default_units,
    second_browser,
    sign_in,
)
from tests.support.pledges import make_campaign
from tests.support.quizzes import add_questions, add_quiz, judge
from tests.support.routes import console_paths

MISSING = 999_999  # an id nothing has (the action still answers by scope, never 403 for admins)


class Scope(StrEnum):
    """Who may post an action, and what a 支部书记 of another unit gets."""

    SELF = "own session: anyone signed in"
    READ = "a read (an export) posted for its CSRF token: every role, audited"
    ADMIN = "admins only: it acts on the whole organisation (403 for everyone else)"
    UNIT = "writers, on things of their own units: another unit's thing is 403 or 404"
    UNIT_FORM = "writers, creating within their units: the form offers only those (400/403/404)"
    WRITER = "any writer: an organisation-wide draft that reaches no one until an admin sends"


# Every POST under /admin/ (but the sign-in itself), with its scope.
ACTIONS: dict[str, Scope] = {
    "/admin/logout": Scope.SELF,
    "/admin/people/export": Scope.READ,
    "/admin/contributions/export": Scope.READ,
    # The organisation's: the scheduler, the shared question bank, newsletters, users, talks.
    "/admin/jobs/{job_id}/run": Scope.ADMIN,
    "/admin/questions/import": Scope.ADMIN,
    "/admin/questions/{question_id:int}/retire": Scope.ADMIN,
    "/admin/questions/{question_id:int}/restore": Scope.ADMIN,
    "/admin/newsletters/{issue_id:int}/send": Scope.ADMIN,
    "/admin/newsletters/{issue_id:int}/unschedule": Scope.ADMIN,
    "/admin/newsletters/series": Scope.ADMIN,
    "/admin/users": Scope.ADMIN,
    "/admin/users/{user_id:int}/active": Scope.ADMIN,
    "/admin/users/{user_id:int}/password": Scope.ADMIN,
    "/admin/users/{user_id:int}/tokens": Scope.ADMIN,
    "/admin/users/{user_id:int}/tokens/{token_id:int}/revoke": Scope.ADMIN,
    "/admin/talks/export": Scope.ADMIN,
    "/admin/talks/new": Scope.ADMIN,
    "/admin/talks/{talk_id:int}/edit": Scope.ADMIN,
    # Objections are read and checked by admins alone.
    "/admin/admission/notices/{notice_id:int}/objections/{objection_id:int}/check": Scope.ADMIN,
    "/admin/admission/calendar": Scope.ADMIN,
    "/admin/suggestions/campaigns/new": Scope.ADMIN,
    # A unit's: the thing's own unit (a broadcast: the unit of what it sends).
    "/admin/broadcasts/{broadcast_id:int}/cancel": Scope.UNIT,
    "/admin/broadcasts/{broadcast_id:int}/resume": Scope.UNIT,
    "/admin/people/{person_id:int}/edit": Scope.UNIT,
    "/admin/volunteering/teams/{team_id:int}/edit": Scope.UNIT,
    "/admin/volunteering/activities/{activity_id:int}/edit": Scope.UNIT,
    "/admin/volunteering/activities/{activity_id:int}/publish": Scope.UNIT,
    "/admin/volunteering/activities/{activity_id:int}/cancel": Scope.UNIT,
    "/admin/volunteering/activities/{activity_id:int}/qr": Scope.UNIT,
    "/admin/volunteering/activities/{activity_id:int}/hours/{signup_id:int}": Scope.UNIT,
    "/admin/people/{person_id:int}/stage": Scope.UNIT,
    "/admin/people/{person_id:int}/binding-codes": Scope.UNIT,
    "/admin/people/{person_id:int}/binding-codes/{code_id:int}/revoke": Scope.UNIT,
    "/admin/people/{person_id:int}/unbind": Scope.UNIT,
    "/admin/people/{person_id:int}/roles": Scope.UNIT,
    "/admin/people/{person_id:int}/roles/{role_id:int}/remove": Scope.UNIT,
    "/admin/people/{person_id:int}/study-pairs": Scope.UNIT,
    "/admin/people/{person_id:int}/study-pairs/{pair_id:int}/end": Scope.UNIT,
    "/admin/meetings/{meeting_id:int}/cancel": Scope.UNIT,
    "/admin/meetings/{meeting_id:int}/edit": Scope.UNIT,
    "/admin/meetings/{meeting_id:int}/qr": Scope.UNIT,
    "/admin/meetings/{meeting_id:int}/attachments": Scope.UNIT,
    "/admin/meetings/{meeting_id:int}/attachments/{attachment_id:int}/delete": Scope.UNIT,
    "/admin/meetings/{meeting_id:int}/attendance/{person_id:int}": Scope.UNIT,
    "/admin/meetings/{meeting_id:int}/minutes": Scope.UNIT,
    "/admin/meetings/leaves/{leave_id:int}/decide": Scope.UNIT,
    "/admin/pledges/{campaign_id:int}/edit": Scope.UNIT,
    "/admin/pledges/{campaign_id:int}/publish": Scope.UNIT,
    "/admin/pledges/{campaign_id:int}/cancel": Scope.UNIT,
    "/admin/pledges/{campaign_id:int}/signatures/{signature_id:int}/void": Scope.UNIT,
    "/admin/quizzes/{quiz_id:int}/edit": Scope.UNIT,
    "/admin/quizzes/{quiz_id:int}/publish": Scope.UNIT,
    "/admin/quizzes/{quiz_id:int}/close": Scope.UNIT,
    "/admin/quizzes/{quiz_id:int}/cancel": Scope.UNIT,
    "/admin/admission/courses/{course_id:int}/sessions": Scope.UNIT,
    "/admin/admission/courses/{course_id:int}/enrol": Scope.UNIT,
    "/admin/admission/courses/{course_id:int}/enrolments/{file_id:int}/remove": Scope.UNIT,
    "/admin/admission/courses/{course_id:int}/enrolments/{file_id:int}/record-training": (
        Scope.UNIT
    ),
    "/admin/admission/files/{file_id:int}/notices/new": Scope.UNIT,
    "/admin/admission/reports/{report_id:int}/acknowledge": Scope.UNIT,
    "/admin/admission/files/{file_id:int}/steps": Scope.UNIT,
    "/admin/admission/files/{file_id:int}/reviews": Scope.UNIT,
    "/admin/admission/files/{file_id:int}/extend": Scope.UNIT,
    "/admin/admission/files/{file_id:int}/stop": Scope.UNIT,
    "/admin/contributions/{contribution_id:int}/edit": Scope.UNIT,
    "/admin/contributions/{contribution_id:int}/verify": Scope.UNIT,
    "/admin/contributions/{contribution_id:int}/reject": Scope.UNIT,
    "/admin/contributions/{contribution_id:int}/evidence/{attachment_id:int}/delete": (Scope.UNIT),
    "/admin/suggestions/{suggestion_id:int}/decide": Scope.UNIT,
    "/admin/suggestions/{suggestion_id:int}/reviewers": Scope.UNIT,
    "/admin/suggestions/{suggestion_id:int}/opinion": Scope.UNIT,
    "/admin/people/new": Scope.UNIT_FORM,
    "/admin/volunteering/teams/new": Scope.UNIT_FORM,
    "/admin/volunteering/activities/new": Scope.UNIT_FORM,
    "/admin/people/import": Scope.UNIT_FORM,
    "/admin/meetings/new": Scope.UNIT_FORM,
    "/admin/meetings/rule": Scope.UNIT_FORM,
    "/admin/pledges/new": Scope.UNIT_FORM,
    "/admin/quizzes/new": Scope.UNIT_FORM,
    "/admin/admission/courses/new": Scope.UNIT_FORM,
    "/admin/admission/new": Scope.UNIT_FORM,
    "/admin/admission/history": Scope.UNIT_FORM,
    "/admin/reflections/topics/new": Scope.ADMIN,
    "/admin/reflections/topics/{topic_id:int}/announce": Scope.ADMIN,
    "/admin/reflections/topics/{topic_id:int}/insert": Scope.ADMIN,
    "/admin/reflections/{reflection_id:int}/decide": Scope.UNIT,
    "/admin/reflections/{reflection_id:int}/edit": Scope.UNIT,
    "/admin/contributions/new": Scope.UNIT_FORM,
    "/admin/newsletters/new": Scope.WRITER,
    "/admin/newsletters/{issue_id:int}/edit": Scope.WRITER,
    "/admin/appraisal/new": Scope.UNIT_FORM,
    "/admin/appraisal/{round_id:int}/open": Scope.UNIT,
    "/admin/appraisal/{round_id:int}/verdicts/{person_id:int}": Scope.UNIT,
    "/admin/assessments/schemes/{kind}": Scope.ADMIN,
    "/admin/assessments/periods/{period_id:int}/sign-off": Scope.UNIT,
    "/admin/assessments/periods/{period_id:int}/export": Scope.READ,
    "/admin/assessments/sheets/{sheet_id:int}/entries/{entry_id:int}/adjust": Scope.UNIT,
}
REFUSED = {Scope.UNIT: {403, 404}, Scope.UNIT_FORM: {400, 403, 404}}
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=CHINA)


async def _posts(browser: AppClient, path: str) -> httpx.Response:
    """Post the action with an empty form: what it answers is decided by who is asking."""
    return await browser.post(path, data={"csrf_token": await csrf(browser)})


async def _other_units_things(console: AppClient, unit_id: int) -> dict[str, object]:
    """A person, meeting, pledge, test, question and the test's broadcast, all of `unit_id`."""
    person = await add_person(console, "T001", "他组成员", unit_id, stage="full")
    meeting = await make_meeting(
        console, starts_at=NOW + timedelta(days=3), kind=MeetingKind.GROUP, org_unit_id=unit_id
    )
    campaign = await make_campaign(console, deadline=NOW + timedelta(days=30), org_unit_id=unit_id)
    (question,) = await add_questions(console, [judge("监察委员会是行政机关。", "B")])
    quiz = await add_quiz(
        console, [question], deadline=NOW + timedelta(days=7), org_unit_id=unit_id
    )
    return {
        "person_id": person,
        "file_id": await _development_file(console, unit_id),
        "meeting_id": meeting,
        "campaign_id": campaign,
        "quiz_id": quiz,
        "question_id": question,
        "broadcast_id": await _broadcast(console, [person], subject=("quiz", quiz)),
        "job_id": "no.such.job",
    }


async def _broadcast(
    console: AppClient, people: list[int], *, subject: tuple[str, int] | None, key: str = ""
) -> int:
    """A pending broadcast to these people, about `subject` (None: the whole organisation's)."""
    app = console.app
    async with app.state.sessions() as session:
        plans = await reach_service.plan(
            session,
            person_ids=people,
            channels=[Channel.TEMPLATE],
            settings=app.state.settings,
            now=app.state.clock(),
        )
        broadcast = await row_service.create(
            session,
            key=key or f"{subject}:notice",
            kind="notice",
            title="测试通知",
            message={"title": "测试通知", "text": "测试"},
            channels=[Channel.TEMPLATE],
            reach=plans,
            now=app.state.clock(),
            subject=subject,
        )
        await session.commit()
        assert broadcast.id is not None
        return broadcast.id


async def _development_file(console: AppClient, unit_id: int) -> int:
    """A development file of someone in `unit_id`."""
    applicant = await add_person(console, "T002", "他组申请人", unit_id)
    async with console.sessions() as session:
        person = await session.get(Person, applicant)
        assert person is not None
        dossier = await admission_files.open_file(
            session,
            person=person,
            birth_date=date(1995, 1, 1),
            applied_on=NOW.date() - timedelta(days=10),
            note=None,
            actor=audit.SYSTEM,
            rules=Rules(today=NOW.date()),
        )
        await session.commit()
        return dossier.id


def _url(path: str, ids: dict[str, object]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids.get(m.group(1), MISSING)), path)


async def test_every_console_action_is_scoped_for_every_role(console: AppClient) -> None:
    """Viewer 403; another unit's 支部书记 refused on that unit's things; admin never 403."""
    units = await default_units(console)
    ids = await _other_units_things(console, units.groups[1])
    viewer_id = await add_user(console, "viewer", AdminRole.VIEWER)
    ids["user_id"] = viewer_id
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await add_user(console, "admin", AdminRole.ADMIN)

    posts = {path for path, methods in console_paths(console.app) if "POST" in methods}
    posts.discard("/admin/login")
    assert posts == set(ACTIONS), (
        f"unclassified: {sorted(posts - set(ACTIONS))}; gone: {sorted(set(ACTIONS) - posts)}"
    )
    problems: list[str] = []
    for role in ("viewer", "sec", "admin"):
        browser = second_browser(console)
        assert (await sign_in(browser, role)).status_code == 303
        # The token is the session's: read once, not from a page before every post (most time).
        token = await csrf(browser)
        for path, scope in ACTIONS.items():
            if scope is Scope.SELF:
                continue
            response = await browser.post(_url(path, ids), data={"csrf_token": token})
            status = response.status_code
            if role == "viewer":
                expected = "not 403" if scope is Scope.READ else "403"
            elif role == "sec":
                expected = {Scope.ADMIN: "403", Scope.UNIT: "403/404", Scope.UNIT_FORM: "4xx"}.get(
                    scope, "not 403"
                )
            else:
                expected = "not 403"
            ok = {
                "403": status == 403,
                "403/404": status in REFUSED[Scope.UNIT],
                "4xx": status in REFUSED[Scope.UNIT_FORM],
                "not 403": status != 403,
            }[expected]
            if not ok or status >= 500:
                problems.append(f"{role}: POST {path} ({scope.name}) → {status}, want {expected}")
        # Still signed in with the same token: every refusal above was by scope, not by CSRF.
        assert await csrf(browser) == token
        # Signing out is the one action of one's own session.
        assert (await _posts(browser, "/admin/logout")).status_code in (302, 303)
    assert not problems, "\n".join(problems)


async def test_a_secretary_cancels_only_their_units_broadcasts(console: AppClient) -> None:
    """Their unit's test notice: cancelled. Another unit's, or a newsletter to all: 403."""
    units = await default_units(console)
    mine = await add_person(console, "M001", "本组成员", units.groups[0], stage="full")
    theirs = await add_person(console, "T001", "他组成员", units.groups[1], stage="full")
    (question,) = await add_questions(console, [judge("监察委员会是行政机关。", "B")])
    deadline = NOW + timedelta(days=7)
    own_quiz = await add_quiz(console, [question], deadline=deadline, org_unit_id=units.groups[0])
    other_quiz = await add_quiz(
        console, [question], deadline=deadline, org_unit_id=units.groups[1], title="他组测试"
    )
    own = await _broadcast(console, [mine], subject=("quiz", own_quiz))
    other = await _broadcast(console, [theirs], subject=("quiz", other_quiz))
    everyone = await _broadcast(console, [mine, theirs], subject=None, key="newsletter:1")
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await sign_in(console, "sec")

    for broadcast_id, message in (
        (other, "这次推送属于其他组织"),
        (everyone, "只有管理员可以取消"),
    ):
        page = await console.get(f"/admin/broadcasts/{broadcast_id}")
        assert page.status_code == 200 and "取消发送" not in page.text
        refused = await _posts(console, f"/admin/broadcasts/{broadcast_id}/cancel")
        assert refused.status_code == 403 and message in refused.text
    assert "取消发送" in (await console.get(f"/admin/broadcasts/{own}")).text
    cancelled = await _posts(console, f"/admin/broadcasts/{own}/cancel")
    assert cancelled.status_code == 303
    assert "已取消发送" in (await console.get(f"/admin/broadcasts/{own}")).text
