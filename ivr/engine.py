"""The call flow: from (where the caller is, what they pressed) to what happens next.

The engine is a pure function of the configuration and the call state carried in the URL;
it returns `Step`s, which `twiml.py` turns into TwiML. Nothing is stored between requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from .audio import Resolver, Sound
from .hours import Clock, is_open, utc_now
from .model import DIAL_STATUSES, Action, Kind, Project

LANGUAGE = "language"      # the language menu's id in URLs
HISTORY_LIMIT = 8


@dataclass(frozen=True)
class State:
    """Everything the line knows about a call, read from and written to the request URL."""

    locale: str = ""
    history: tuple[str, ...] = ()
    noinput: int = 0
    invalid: int = 0
    page: int = 1

    def query(self) -> dict[str, str]:
        q: dict[str, str] = {}
        if self.locale:
            q["l"] = self.locale
        if self.history:
            q["h"] = ".".join(self.history)
        if self.noinput:
            q["ni"] = str(self.noinput)
        if self.invalid:
            q["nm"] = str(self.invalid)
        if self.page != 1:
            q["p"] = str(self.page)
        return q

    def fresh(self) -> State:
        return replace(self, noinput=0, invalid=0)


@dataclass(frozen=True)
class Gather:
    sounds: tuple[Sound, ...]
    action: str
    timeout: int


@dataclass(frozen=True)
class Dial:
    number: str
    caller_id: str | None
    timeout: int
    action: str
    show_caller: bool = False   # callerId = the caller's own number, filled in at render time


@dataclass(frozen=True)
class Step:
    """What the caller hears and what happens next, in order: sounds, then one of the rest.

    `cacheable`: the step is a pure function of the configuration and the request's path, query,
    Digits and DialCallStatus, so its rendered TwiML may be reused (`ivr/cache.py`). A step whose
    content depends on the clock (business hours) is built with `uses_clock=True`, in every
    branch of that decision (open as well as closed); a Dial that shows the caller's own number
    is never cached either."""

    sounds: tuple[Sound, ...] = ()
    gather: Gather | None = None
    dial: Dial | None = None
    redirect: str | None = None
    uses_clock: bool = False    # depends on the time of day (business hours): never cache it

    @property
    def cacheable(self) -> bool:
        """False when the same request can get another answer: it read the clock, or its Dial
        shows the caller's own number (which must never be served to another caller)."""
        return not self.uses_clock and not (self.dial is not None and self.dial.show_caller)


class Engine:
    """Builds each step of a call from the immutable project."""

    def __init__(self, project: Project, resolver: Resolver, base_url: str, clock: Clock | None = None):
        self.project = project
        self.clock = clock or utc_now
        self.resolver = resolver
        self.base = base_url.rstrip("/")
        self.default = project.language_menu.default
        self.pages = self._visible_pages()

    # --- URLs ----------------------------------------------------------------------------------

    def url(self, path: str, state: State) -> str:
        query = state.query()
        return f"{self.base}{path}" + (f"?{urlencode(sorted(query.items()))}" if query else "")

    # --- sounds --------------------------------------------------------------------------------

    def sound(self, locale: str, prompt: str) -> Sound | None:
        # A locale with no sound for a prompt (a vanished file, no voice) speaks the default
        # locale's words rather than nothing: silence is the one thing a caller must never get.
        return self.resolver.sound(locale, prompt) or self.resolver.sound(self.default, prompt)

    def sounds(self, locale: str, prompts: Sequence[str]) -> tuple[Sound, ...]:
        found = (self.sound(locale, p) for p in prompts)
        return tuple(s for s in found if s is not None)

    # --- entry points --------------------------------------------------------------------------

    def answer(self) -> Step:
        """A new call: the safety line in the welcome languages, then the language menu."""
        welcome = tuple(s for s in (self.sound(loc, p) for loc, p in self.project.welcome) if s)
        return self.language_page(State(), welcome)

    def enter(self, menu_id: str, state: State, prefix: Sequence[str] = (), full: bool = True) -> Step:
        """Play a menu: optional prefix, its body (when `full`), its options and its keys."""
        if menu_id == LANGUAGE or menu_id not in self.project.menus:
            return self.language_page(state)
        locale = state.locale or self.default
        menu = self.project.menus[menu_id]
        prompts = [*prefix]
        if full:
            prompts += menu.say
        prompts += [option.label for option in menu.options.values()]
        if menu.keys_prompt:
            prompts.append(menu.keys_prompt)
        state = replace(state, locale=locale)
        return Step(
            gather=Gather(self.sounds(locale, prompts), self.url(f"/voice/key/{menu_id}", state),
                          menu.timeout),
            redirect=self.url(f"/voice/quiet/{menu_id}", replace(state, noinput=state.noinput + 1)),
        )

    def key(self, menu_id: str, state: State, digits: str) -> Step:
        """The caller pressed `digits` on `menu_id`."""
        if menu_id == LANGUAGE or menu_id not in self.project.menus:
            return self.language_key(state, digits)
        if not digits:
            return self.quiet(menu_id, replace(state, noinput=state.noinput + 1))
        menu = self.project.menus[menu_id]
        key = digits[:1]
        if key in menu.options:
            return self.act(menu.options[key].action, menu_id, state)
        if key in menu.standing:
            return self.act(self.project.standing[key], menu_id, state)
        invalid = state.invalid + 1
        if invalid >= menu.max_invalid:
            return self.act(menu.on_invalid, menu_id, state, prefix=[f"max.{menu.on_invalid.target}"])
        state = replace(state, invalid=invalid, noinput=0)
        return self.enter(menu_id, state, prefix=[f"invalid.{min(invalid, 2)}"], full=False)

    def quiet(self, menu_id: str, state: State) -> Step:
        """The caller pressed nothing; `state.noinput` already counts this silence."""
        if menu_id == LANGUAGE or menu_id not in self.project.menus:
            return self.language_quiet(state)
        menu = self.project.menus[menu_id]
        if state.noinput >= menu.max_noinput:
            return self.act(menu.on_noinput, menu_id, state.fresh(),
                            prefix=[f"max.{menu.on_noinput.target}"])
        return self.enter(menu_id, state, prefix=[f"noinput.{min(state.noinput, 2)}"], full=False)

    def act(self, action: Action, here: str, state: State, prefix: Sequence[str] = ()) -> Step:
        """Carry out an option or a standing key pressed on menu `here`."""
        state = state.fresh()
        main = self.project.main
        if action.kind is Kind.REPEAT:
            return self.enter(here, state, prefix)
        if action.kind is Kind.MAIN:
            return self.enter(main, replace(state, history=(LANGUAGE,)), prefix)
        if action.kind is Kind.BACK:
            if not state.history:
                return self.enter(here, state, prefix)
            previous, rest = state.history[-1], state.history[:-1]
            if previous == LANGUAGE:
                return self.language_page(State())
            return self.enter(previous, replace(state, history=rest), prefix)
        if action.kind is Kind.GOTO:
            if action.target == main:
                return self.enter(main, replace(state, history=(LANGUAGE,)), prefix)
            history = (*state.history, here)[-HISTORY_LIMIT:] if here != action.target else state.history
            return self.enter(action.target, replace(state, history=history), prefix)
        if action.kind is Kind.FORWARD:
            return self.forward(action.target, here, state, prefix)
        return self.enter(here, state, prefix)

    def forward(self, target_id: str, here: str, state: State, prefix: Sequence[str] = ()) -> Step:
        """Tell the caller, then dial the target; the Dial's action URL handles every outcome."""
        target = self.project.targets[target_id]
        locale = state.locale or self.default
        state = replace(state, locale=locale, history=(*state.history, here)[-HISTORY_LIMIT:])
        timed = target.hours is not None
        if target.hours is not None and not is_open(target.hours, self.clock()):
            # Closed: say so before any ringing ("let me connect you" would be a false promise),
            # then the hours and the target's `after` choices (hotline, main menu).
            said = [p for p in prefix if p != f"max.{target_id}"]
            step = self.enter(target.after, state, prefix=[*said, target.closed, target.hours_prompt])
            return replace(step, uses_clock=True)
        return Step(
            sounds=self.sounds(locale, [*prefix, target.connecting]),
            dial=Dial(target.number, target.caller_id, target.timeout,
                      self.url(f"/voice/dial/{target_id}", state), target.show_caller),
            uses_clock=timed,
        )

    def dial_result(self, target_id: str, state: State, status: str) -> Step:
        """A forwarded call ended: say what happened, then offer the target's `after` menu."""
        target = self.project.targets.get(target_id)
        status = status if status in DIAL_STATUSES else "failed"
        status = "completed" if status == "answered" else status
        after = target.after if target else self.project.main
        history = state.history
        hours = [target.hours_prompt] if target and target.hours_prompt else []
        return self.enter(after, replace(state.fresh(), history=history), prefix=[f"dial.{status}", *hours])

    # --- the language menu ---------------------------------------------------------------------

    def _visible_pages(self) -> tuple[dict[str, str], ...]:
        locales = self.project.locales
        pages = []
        for page in self.project.language_menu.pages:
            shown = {k: tag for k, tag in page.items() if tag in locales and locales[tag].enabled}
            if shown:
                pages.append(shown)
        return tuple(pages)

    def _language_standing(self) -> dict[str, Action]:
        taken = {k for page in self.pages for k in page}
        more = self.project.language_menu.more_key if len(self.pages) > 1 else None
        return {k: a for k, a in self.project.standing.items()
                if k not in taken and k != more and a.kind is not Kind.MAIN}

    def language_page(self, state: State, before: tuple[Sound, ...] = ()) -> Step:
        page = min(max(state.page, 1), len(self.pages))
        state = State(page=page, noinput=state.noinput, invalid=state.invalid)
        sounds = [*before, *(s for s in (self.sound(tag, "language.choose")
                                        for tag in self.pages[page - 1].values()) if s)]
        if page < len(self.pages):
            more = self.sound(self.default, "language.more")
            if more:
                sounds.append(more)
        return Step(
            gather=Gather(tuple(sounds), self.url(f"/voice/key/{LANGUAGE}", state),
                          self.project.settings.timeout),
            redirect=self.url(f"/voice/quiet/{LANGUAGE}", replace(state, noinput=state.noinput + 1)),
        )

    def language_key(self, state: State, digits: str) -> Step:
        page = min(max(state.page, 1), len(self.pages))
        key = digits[:1]
        if not key:
            return self.language_quiet(replace(state, noinput=state.noinput + 1))
        chosen = self.pages[page - 1].get(key)
        if chosen:
            return self.enter(self.project.main, State(locale=chosen, history=(LANGUAGE,)))
        if len(self.pages) > 1 and key == self.project.language_menu.more_key:
            return self.language_page(State(page=page % len(self.pages) + 1))
        action = self._language_standing().get(key)
        if action is not None:
            if action.kind is Kind.BACK:
                return self.language_page(State(page=max(page - 1, 1)))
            if action.kind is Kind.REPEAT:
                return self.language_page(State(page=page))
            if action.kind is Kind.FORWARD:
                return self.forward(action.target, LANGUAGE, State(locale=self.default))
        invalid = state.invalid + 1
        if invalid >= self.project.settings.max_invalid:
            return self._default_language()
        return self.language_page(State(page=page, invalid=invalid))

    def language_quiet(self, state: State) -> Step:
        # Every silence counts; the next page plays (wrapping), so a caller waiting to hear
        # their language hears it without finding the "more languages" key, and after
        # max_noinput silences the call goes on in the default language.
        page = min(max(state.page, 1), len(self.pages))
        if state.noinput >= self.project.settings.max_noinput:
            return self._default_language()
        return self.language_page(State(page=page % len(self.pages) + 1, noinput=state.noinput))

    def _default_language(self) -> Step:
        return self.enter(self.project.main, State(locale=self.default, history=(LANGUAGE,)),
                          prefix=["language.default"])

    # --- trouble -------------------------------------------------------------------------------

    def trouble(self, locale: str) -> Step:
        """What a caller hears when building a response failed: the safety line, then the firm."""
        locale = locale if locale in self.project.locales else self.default
        target = self.project.targets.get("firm")
        sounds = self.sounds(locale, ["trouble"])
        if target is None or not target.number:
            return Step(sounds=sounds, redirect=self.url("/voice", State()))
        return Step(sounds=sounds, dial=Dial(target.number, target.caller_id, target.timeout,
                                             self.url("/voice/dial/firm", State(locale=locale))))


def fallback_parts(engine: Engine) -> list[tuple[tuple[Sound, ...], Dial | None]]:
    """The static fallback: "technical problem; in danger, dial 911" in every welcome language,
    then the firm, then (if the firm does not answer) the national hotline."""
    project = engine.project
    spoken = tuple(s for s in (engine.sound(loc, "trouble") for loc, _ in project.welcome) if s)
    parts: list[tuple[tuple[Sound, ...], Dial | None]] = [(spoken, None)]
    for target_id in ("firm", "hotline_national"):
        target = project.targets.get(target_id)
        if target is not None and target.number:
            sounds = engine.sounds(engine.default, [target.connecting])
            parts.append((sounds, Dial(target.number, target.caller_id, target.timeout, "")))
    return parts
