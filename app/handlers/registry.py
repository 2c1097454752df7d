"""The handler registry: each handler declares what it answers, the router picks the best match."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeAlias

from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import Standalone
from app.models import Person
from app.services.binding import codes as binding_service
from app.wechat.replies import BaseMessage, BaseReply

# A handler answers with text, a wechatpy reply, a list of articles, or None for "success".
Reply: TypeAlias = str | BaseReply | list[dict[str, str]] | None

HOW_TO_BIND = (
    "绑定身份：请向党群部门领取 8 位绑定码，然后回复「绑定 绑定码」，例如「绑定 K7P2QX9M」。"
)
# What a feature says to a follower who has not bound yet: "…绑定后才能签到。" and how to bind.
NOT_BOUND = "您还没有绑定身份，绑定后才能{what}。\n" + HOW_TO_BIND


@dataclass(slots=True)
class HandlerContext:
    """What a handler gets: the message, a session inside the unit of work, and the clock."""

    message: BaseMessage
    fields: dict[str, Any]
    session: AsyncSession
    settings: Settings
    now: datetime
    router: MessageRouter
    keyword_args: str = (
        ""  # for keyword handlers: what follows the keyword ("绑定 123456" → "123456")
    )
    button_key: str = ""  # a menu button's key, when its name was typed instead of tapped
    person: Person | None = None  # the bound sender, found for handlers that ask for a member
    # Statements that stand alone, outside the session's transaction (prompts look there first).
    standalone: Standalone | None = None

    @property
    def openid(self) -> str:
        """The sender's openid."""
        return str(self.fields.get("FromUserName", ""))

    @property
    def member(self) -> Person:
        """The sender's person, in a handler registered with `requires_member`."""
        if self.person is None:
            raise LookupError("the handler was not registered with requires_member")
        return self.person


Handler = Callable[[HandlerContext], Awaitable[Reply]]
# Answers a question the account asked (prompts.ask): gets the prompt's subject id.
AnswerHandler = Callable[[HandlerContext, int | None], Awaitable[Reply]]
# Answers a scanned parametric QR code whose scene starts with its prefix: gets the rest.
SceneHandler = Callable[[HandlerContext, str], Awaitable[Reply]]

P = ParamSpec("P")


def members_only(
    what: str,
) -> Callable[
    [Callable[Concatenate[HandlerContext, P], Awaitable[Reply]]],
    Callable[Concatenate[HandlerContext, P], Awaitable[Reply]],
]:
    """Run the handler for a bound sender only (their person in `ctx.member`); tell anyone else
    how to bind: "您还没有绑定身份，绑定后才能{what}。" (what the member tried to do)."""

    def decorate(
        handler: Callable[Concatenate[HandlerContext, P], Awaitable[Reply]],
    ) -> Callable[Concatenate[HandlerContext, P], Awaitable[Reply]]:
        async def for_members(ctx: HandlerContext, /, *args: P.args, **kwargs: P.kwargs) -> Reply:
            if ctx.person is None:
                ctx.person = await binding_service.person_for_openid(ctx.session, openid=ctx.openid)
            if ctx.person is None:
                return NOT_BOUND.format(what=what)
            return await handler(ctx, *args, **kwargs)

        functools.update_wrapper(for_members, handler)  # its name, for the message log
        return for_members

    return decorate


@dataclass(frozen=True, slots=True)
class Unprompted:
    """A rule's whole answer to a member with no question open: it looks nothing up and writes
    nothing, so the runtime may store it in one statement that holds only while no question is
    open, and run the handler only when one is."""

    reply: Reply


@dataclass(frozen=True, slots=True)
class Rule:
    """One registration: what it matches and the handler that answers."""

    handler: Handler
    name: str
    msg_type: str | None = None
    event: str | None = None
    event_key: str | None = None
    keyword: str | None = None
    pattern: re.Pattern[str] | None = None
    help: str | None = None
    unprompted: Unprompted | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """The rule chosen for a message and what a keyword rule leaves for the handler."""

    rule: Rule
    keyword_args: str = ""
    button_key: str = ""  # the click button whose name was typed


def _raw(message: BaseMessage) -> dict[str, Any]:
    data = getattr(message, "_data", None)
    return data if isinstance(data, dict) else {}


def _msg_type(message: BaseMessage) -> str:
    # wechatpy parses events it does not know (PUBLISHJOBFINISH) as "unknown"; the raw fields
    # still say what they are.
    if message.type == "unknown":
        return str(_raw(message).get("MsgType") or "unknown")
    return str(message.type)


def _event_name(message: BaseMessage) -> str:
    event = getattr(message, "event", None) or _raw(message).get("Event") or ""
    return str(event).lower()


@dataclass
class MessageRouter:
    """Handlers by specificity: event+key or keyword, then regex, then event/type, then fallback."""

    _by_event_key: dict[tuple[str, str], Rule] = field(default_factory=dict)
    _by_keyword: dict[str, Rule] = field(default_factory=dict)
    _patterns: list[Rule] = field(default_factory=list)
    _by_event: dict[str, Rule] = field(default_factory=dict)
    _by_type: dict[str, Rule] = field(default_factory=dict)
    _fallback: Rule | None = None
    _answers: dict[str, AnswerHandler] = field(default_factory=dict)
    _photo_answers: set[str] = field(default_factory=set)  # purposes a photo may answer too
    _buttons: dict[str, str] = field(default_factory=dict)  # typed name → click key
    _scenes: dict[str, SceneHandler] = field(default_factory=dict)  # QR scene prefix → handler

    def add_buttons(self, names: dict[str, str]) -> None:
        """Let members type a click button's name (key → name) to do what tapping it does.

        A keyword of the same name keeps its own handler (it also takes what follows it); a
        name in 《》 is understood without them too.
        """
        for key, name in names.items():
            for typed in (name.strip(), name.strip().strip("《》")):
                if typed:
                    self._buttons.setdefault(typed, key)

    def button_name(self, key: str) -> str | None:
        """The menu's name for a click button's key ("MY_RECORD" → "我的记录")."""
        return next((typed for typed, k in self._buttons.items() if k == key), None)

    def describe(self, handler_name: str) -> str | None:
        """What a handler answered, in words for the message log: "菜单「我的记录」",
        "关键词「帮助」", or None when there is nothing more to say than the message itself."""
        for (event, key), rule in self._by_event_key.items():
            if rule.name == handler_name and event == "click":
                return f"菜单「{self.button_name(key) or key}」"
        for keyword, rule in self._by_keyword.items():
            if rule.name == handler_name:
                return f"关键词「{keyword}」"
        return None

    def handles_click(self, key: str) -> bool:
        """Whether a handler is registered for the click button with this key."""
        return ("click", key) in self._by_event_key

    def buttons(self) -> list[tuple[str, str]]:
        """The click buttons members can type, as (name, key), in menu order."""
        seen: dict[str, str] = {}
        for typed, key in self._buttons.items():
            seen.setdefault(key, typed)
        return [(name, key) for key, name in seen.items()]

    def _add(self, rule: Rule) -> None:
        if rule.event is not None and rule.event_key is not None:
            self._put(self._by_event_key, (rule.event, rule.event_key), rule)
        elif rule.keyword is not None:
            self._put(self._by_keyword, rule.keyword, rule)
        elif rule.pattern is not None:
            self._patterns.append(rule)
        elif rule.event is not None:
            self._put(self._by_event, rule.event, rule)
        elif rule.msg_type is not None:
            self._put(self._by_type, rule.msg_type, rule)
        else:
            if self._fallback is not None:
                raise ValueError(f"two fallbacks: {self._fallback.name} and {rule.name}")
            self._fallback = rule

    @staticmethod
    def _put(index: dict[Any, Rule], key: Any, rule: Rule) -> None:
        # Two handlers for the same thing is always a mistake; fail at start-up, not in chat.
        if key in index:
            raise ValueError(f"{rule.name} and {index[key].name} both handle {key!r}")
        index[key] = rule

    def register(
        self,
        *,
        msg_type: str | None = None,
        event: str | None = None,
        event_key: str | None = None,
        keyword: str | None = None,
        pattern: str | None = None,
        help: str | None = None,
        requires_member: str | None = None,
        unprompted: Unprompted | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register the decorated coroutine for what the arguments describe.

        With `requires_member` ("签到": what the member is trying to do) only a bound sender
        reaches the handler, their person in `ctx.member`; others are told how to bind.
        `unprompted`: what the handler answers when no question is open, if that is all it does.
        """

        def decorate(handler: Handler) -> Handler:
            if requires_member is not None:
                handler = members_only(requires_member)(handler)
            self._add(
                Rule(
                    handler=handler,
                    name=f"{handler.__module__.rsplit('.', 1)[-1]}.{handler.__name__}",
                    msg_type=msg_type,
                    event=event.lower() if event else None,
                    event_key=event_key,
                    keyword=keyword,
                    pattern=re.compile(pattern) if pattern else None,
                    help=help,
                    unprompted=unprompted,
                )
            )
            return handler

        return decorate

    def text(
        self,
        keyword: str | None = None,
        *,
        pattern: str | None = None,
        help: str | None = None,
        requires_member: str | None = None,
    ) -> Callable[[Handler], Handler]:
        """Handle text messages: a keyword (the first word), a regex (whole text), or any text."""
        return self.register(
            msg_type="text",
            keyword=keyword,
            pattern=pattern,
            help=help,
            requires_member=requires_member,
        )

    def event(
        self, name: str, key: str | None = None, *, requires_member: str | None = None
    ) -> Callable[[Handler], Handler]:
        """Handle an event, optionally only for one EventKey."""
        return self.register(
            msg_type="event", event=name, event_key=key, requires_member=requires_member
        )

    def click(
        self, key: str, *, requires_member: str | None = None
    ) -> Callable[[Handler], Handler]:
        """Handle a menu button of type click with this key."""
        return self.event("click", key, requires_member=requires_member)

    def fallback(self, *, unprompted: Unprompted | None = None) -> Callable[[Handler], Handler]:
        """Handle whatever nothing else matched."""
        return self.register(unprompted=unprompted)

    def answer(
        self, purpose: str, *, requires_member: str | None = None, accepts_images: bool = False
    ) -> Callable[[AnswerHandler], AnswerHandler]:
        """Handle the text a member sends after the account asked them for `purpose`; with
        `accepts_images`, a photo (an image message) answers it too."""

        def decorate(handler: AnswerHandler) -> AnswerHandler:
            if requires_member is not None:
                handler = members_only(requires_member)(handler)
            if purpose in self._answers:
                raise ValueError(f"two handlers answer {purpose!r}")
            self._answers[purpose] = handler
            if accepts_images:
                self._photo_answers.add(purpose)
            return handler

        return decorate

    def scene(self, prefix: str) -> Callable[[SceneHandler], SceneHandler]:
        """Handle a scanned parametric QR code whose scene starts with `prefix` ("meeting:");
        the handler gets the rest of the scene ("12"), whether the scanner already followed
        (SCAN) or follows by scanning (subscribe with qrscene_)."""

        def decorate(handler: SceneHandler) -> SceneHandler:
            if any(prefix.startswith(p) or p.startswith(prefix) for p in self._scenes):
                raise ValueError(f"two handlers for QR scenes starting with {prefix!r}")
            self._scenes[prefix] = handler
            return handler

        return decorate

    def scene_handler(self, scene: str) -> tuple[SceneHandler, str] | None:
        """The handler for a scanned scene and what follows its prefix, if any handler takes it."""
        scene = scene.removeprefix("qrscene_")
        for prefix, handler in self._scenes.items():
            if scene.startswith(prefix):
                return handler, scene[len(prefix) :]
        return None

    def answer_handler(self, purpose: str) -> AnswerHandler | None:
        """The handler for answers to `purpose`, if any."""
        return self._answers.get(purpose)

    def accepts_images(self, purpose: str) -> bool:
        """Whether a photo may answer `purpose` (otherwise only text does)."""
        return purpose in self._photo_answers

    def include(self, other: MessageRouter) -> None:
        """Take over another router's registrations (one router per handler module)."""
        for purpose, handler in other._answers.items():
            self.answer(purpose, accepts_images=other.accepts_images(purpose))(handler)
        for prefix, scene_handler in other._scenes.items():
            self.scene(prefix)(scene_handler)
        rules = [
            *other._by_event_key.values(),
            *other._by_keyword.values(),
            *other._patterns,
            *other._by_event.values(),
            *other._by_type.values(),
        ]
        for rule in rules + ([other._fallback] if other._fallback else []):
            self._add(rule)
        for typed, key in other._buttons.items():
            self._buttons.setdefault(typed, key)

    def resolve(self, message: BaseMessage) -> Match | None:
        """The most specific rule for this message, or None when nothing matches."""
        msg_type = _msg_type(message)
        if msg_type == "event":
            event = _event_name(message)
            key = str(getattr(message, "key", "") or "")
            if (rule := self._by_event_key.get((event, key))) is not None:
                return Match(rule)
            if (rule := self._by_event.get(event)) is not None:
                return Match(rule)
        elif msg_type == "text":
            content = str(getattr(message, "content", "") or "").strip()
            # str.split() also splits on the full-width space Chinese keyboards type.
            words = content.split(maxsplit=1)
            if words and (rule := self._by_keyword.get(words[0])) is not None:
                return Match(rule, words[1] if len(words) > 1 else "")
            if (button := self._buttons.get(content)) is not None:
                clicked = self._by_event_key.get(("click", button)) or self._by_event.get("click")
                if clicked is not None:
                    return Match(clicked, button_key=button)
            for rule in self._patterns:
                if rule.pattern is not None and rule.pattern.fullmatch(content):
                    return Match(rule)
        if (rule := self._by_type.get(msg_type)) is not None:
            return Match(rule)
        return Match(self._fallback) if self._fallback is not None else None

    def keywords(self) -> list[tuple[str, str]]:
        """The keywords members can send, with their help text, in registration order."""
        return [(kw, rule.help) for kw, rule in self._by_keyword.items() if rule.help]
