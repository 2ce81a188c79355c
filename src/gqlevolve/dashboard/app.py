"""The dashboard's ASGI app: server-rendered pages (Starlette routes, Jinja2 templates), sign-in, admin actions.

Pages (``GET``, under the mount point, ``/dashboard`` by default): ``/`` the overview of one endpoint
(``?endpoint=``), ``/element?endpoint=&coordinate=``, ``/clients``, ``/migration``, ``/versions``, and the whole-schema pages
``/coordinate?endpoint=&coordinate=&days=&client=`` and ``/unused?endpoint=&days=&keep=``
(:mod:`gqlevolve.dashboard.usage_views`); ``/signin``
(``GET`` the form, ``POST`` the token) and ``POST /signout``; the admin actions ``POST /action/extend``,
``/action/rollback`` and ``/action/set``, which call :mod:`gqlevolve.procedures` as the command line does (a
reason is required; the actor is the name given at sign-in), and ``POST /consumers/add`` and
``/consumers/remove``, which register or remove a client's contacts through :mod:`gqlevolve.notices.consumers`
as ``gqlevolve consumers`` does (the clients page lists them, secrets masked). Everything but ``/signin`` and ``/static/`` needs a
session (:mod:`gqlevolve.dashboard.session`); a page without one redirects to the sign-in form, an action
without an admin session is a 403, and so is a changing form whose CSRF token does not match or whose
``Origin`` is another site's (the sign-in form has a CSRF token too, for the nonce in its own cookie). Templates autoescape every value (client names and versions come from request
headers and may hold anything); :func:`shown` escapes what is not printable and cuts what is very long.

Example (``store_url``, ``clock``: a store and a pinned clock; Starlette's own test client)::

    >>> from starlette.testclient import TestClient
    >>> from gqlevolve.usage_store import UsageStore
    >>> store = UsageStore(store_url, clock=clock)
    >>> client = TestClient(dashboard_app(store, viewer_token="read-me"))
    >>> client.get("/dashboard/", follow_redirects=False).headers["location"]
    '/dashboard/signin?next=/dashboard/'
    >>> form = client.get("/dashboard/signin").text     # its CSRF token, and the cookie of its nonce
    >>> csrf = form.split('name="csrf" value="')[1].split('"')[0]
    >>> signed_in = client.post("/dashboard/signin", data={"token": "read-me", "csrf": csrf}, follow_redirects=False)
    >>> signed_in.status_code, "HttpOnly" in signed_in.headers["set-cookie"]
    (303, True)
    >>> client.get("/dashboard/versions").status_code
    200
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gqlevolve.advisor import RemovalPolicy
from gqlevolve.clock import Clock
from gqlevolve.dashboard import charts, usage_views, views
from gqlevolve.dashboard.session import COOKIE_NAME, SIGNIN_COOKIE, Session, SessionSigner, SignInThrottle
from gqlevolve.errors import Conflict, InvalidInput, NotFound, StoreUnavailable, known_error
from gqlevolve.inputs import check_actor, day_count
from gqlevolve.lifecycle import SUNSET_WARNING_DAYS, VersionLifecycle, parse_iso_date
from gqlevolve.logs import loggable, loggable_text, request_logger
from gqlevolve.notices.consumers import add_consumer, remove_consumer
from gqlevolve.procedures import extend_sunset, rollback, set_deprecation
from gqlevolve.usage_store.clients import clean_client_name

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore

__all__ = ["DEFAULT_ACTOR", "MOUNT", "Dashboard", "dashboard_app", "dashboard_routes", "shown"]

logger = request_logger("gqlevolve.dashboard")

#: Where the dashboard is mounted.
MOUNT = "/dashboard"
#: Who the audit log says made a change when the admin gave no name at sign-in.
DEFAULT_ACTOR = "dashboard"
#: Rows of the overview per page, elements of the migration page per page.
OVERVIEW_PAGE = views.OVERVIEW_PAGE
MIGRATION_PAGE = views.MIGRATION_PAGE
#: The weeks the migration page shows unless asked (``?weeks=``).
DEFAULT_WEEKS = 8
#: The largest form accepted (bytes): a token, a reason, two dates.
MAX_FORM_BYTES = 16 * 1024
#: The deprecated elements named per client on the clients page (the rest counted: a page stays small).
SHOWN_USES = 10
#: The longest client name or version shown whole (the rest is cut, with …).
SHOWN_LENGTH = 80
#: How the pages name the kinds of refused operations (gqlevolve.reports.enforcement).
KIND_NAMES = {"no_new_adopters": "no new adopters", "brownout": "brownout", "preview": "preview"}

_CLIENT_SORTS = {
    "name": lambda client: (client.name or "", client.version or ""),
    "version": lambda client: (client.version or "", client.name or ""),
    "operations": lambda client: client.operations,
    "last_seen": lambda client: client.last_seen,
    "deprecated": lambda client: client.deprecated_count,
}


def shown(value: object, limit: int = SHOWN_LENGTH) -> str:
    """A value a client sent, as a page shows it: not printable characters escaped (``\\u001b``), cut after
    ``limit`` characters; None as ``(none)``. The template escapes the HTML."""
    if value is None:
        return "(none)"
    return loggable_text(str(value), limit=limit)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("gqlevolve.dashboard", "templates"),
        autoescape=True,  # every value: names and versions come from request headers
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(shown=shown, percent=charts.percent, date=_date)
    environment.globals.update(
        sparkline=charts.sparkline, share_chart=charts.share_chart, stacked_weeks=charts.stacked_weeks,
        timeline=charts.timeline, StackedWeek=charts.StackedWeek, quote=quote, urlencode=urlencode,
        SUNSET_WARNING_DAYS=SUNSET_WARNING_DAYS, SHOWN_USES=SHOWN_USES, KIND_NAMES=KIND_NAMES,
    )
    return environment


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


@dataclass
class Dashboard:
    """The dashboard over one store: who may sign in, what the app serves, how the pages are read."""

    store: UsageStore
    signer: SessionSigner
    clock: Clock
    served: list[str] = field(default_factory=list)
    lifecycles: dict[str, VersionLifecycle] = field(default_factory=dict)
    schemas: Mapping[str, Any] | None = None
    policy: RemovalPolicy = field(default_factory=RemovalPolicy)
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    cache: views.PageCache = field(default_factory=views.PageCache)
    environment: jinja2.Environment = field(default_factory=_environment)
    #: Whether a sign-in starts reading the pages ahead (:meth:`warm`; the benchmark measures without it).
    warm_on_signin: bool = True

    # --- answers ---------------------------------------------------------------------------------

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        session: Session | None = request.scope.get("gqlevolve.dashboard.session")
        html = self.environment.get_template(template).render(
            base=request.scope.get("root_path", ""), session=session, page=template.removesuffix(".html"),
            csrf=self.signer.csrf_token(session) if session else "", request=request,
            endpoints=self.endpoints(), **context,
        )
        response = HTMLResponse(html, status_code=status)
        # No other site may frame the pages; nothing is fetched from anywhere but here.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response

    def error(self, request: Request, status: int, message: str) -> HTMLResponse:
        logger.log(
            logging.WARNING if status >= 500 else logging.INFO, "dashboard: %s %s: %d %s",
            loggable(request.method), loggable(request.scope.get("path")), status, loggable_text(message, limit=500),
        )
        return self.render(request, "error.html", status, code=status, message=message)

    def warm(self) -> None:
        """Start reading the first endpoint's pages ahead, one after the other in one background thread (a sign-in
        is followed by the overview, then the other pages): on a large store their first read takes seconds."""
        endpoints = self.endpoints() if self.warm_on_signin else []
        if not endpoints:
            return
        endpoint, today = endpoints[0], self.today()
        pages: list[tuple[tuple[object, ...], Callable[[], object]]] = [
            (("overview", endpoint, today), lambda: views.overview(self.store, endpoint, today=today, policy=self.policy)),
            (("versions", today), lambda: views.versions(self.store, self.served, self.lifecycles, today=today)),
            (("clients", endpoint, today), lambda: views.clients(self.store, endpoint, today=today, shown=SHOWN_USES)),
            (("migration", endpoint, DEFAULT_WEEKS, today),
             lambda: views.migration(self.store, endpoint, today=today, weeks=DEFAULT_WEEKS)),
        ]
        self.cache.prefetch_all(pages)

    def endpoints(self) -> list[str]:
        return self.cache.get(("endpoints",), lambda: views.known_endpoints(self.store, self.served))

    def today(self) -> dt.date:
        return self.clock.today()

    # --- pages -----------------------------------------------------------------------------------

    def overview(self, request: Request) -> HTMLResponse:
        endpoint = views.checked_endpoint(request.query_params.get("endpoint"), self.endpoints())
        today = self.today()
        data = self.cache.get(
            ("overview", endpoint, today), lambda: views.overview(self.store, endpoint, today=today, policy=self.policy)
        )
        page, pages, rows = _paged(data.rows, request, OVERVIEW_PAGE)
        client_counts = data.client_counts([row.coordinate for row in rows])  # read when a page is first shown
        return self.render(request, "overview.html", data=data, endpoint=endpoint, rows=rows, number=page, pages=pages,
                           threshold=self.policy.threshold, client_counts=client_counts)

    def element(self, request: Request) -> HTMLResponse:
        endpoint = views.checked_endpoint(request.query_params.get("endpoint"), self.endpoints())
        coordinate = request.query_params.get("coordinate") or ""
        if not coordinate:
            raise InvalidInput("coordinate: required (the element's schema coordinate, e.g. User.name)", field="coordinate")
        today = self.today()
        data = self.cache.get(
            ("element", endpoint, coordinate, today),
            lambda: views.element(self.store, endpoint, coordinate, today=today, policy=self.policy),
        )
        done = request.query_params.get("done")
        return self.render(request, "element.html", data=data, endpoint=endpoint, threshold=self.policy.threshold,
                           done=done if done in _ACTIONS else None, problem=None)

    def clients(
        self, request: Request, *, status: int = 200, problem: str | None = None, entered: Mapping[str, str] | None = None
    ) -> HTMLResponse:
        """The clients page; after a consumer form that failed, with ``status``, its ``problem`` and the values
        ``entered`` (never a secret: the Slack URL and the webhook's secret are typed again)."""
        endpoint = views.checked_endpoint(request.query_params.get("endpoint"), self.endpoints())
        today = self.today()
        data = self.cache.get(("clients", endpoint, today), lambda: views.clients(self.store, endpoint, today=today, shown=SHOWN_USES))
        sort = request.query_params.get("sort") or "deprecated"
        if sort not in _CLIENT_SORTS:
            raise InvalidInput(f"sort: one of {', '.join(_CLIENT_SORTS)}, not {loggable(sort)}", field="sort")
        descending = request.query_params.get("order", "desc" if sort in ("deprecated", "operations", "last_seen") else "asc") == "desc"
        rows = sorted(data, key=_CLIENT_SORTS[sort], reverse=descending)
        consumers = views.consumers(self.store)  # not cached: a small table, and a change shows at once
        registered = {consumer["client_name"] for consumer in consumers}
        # The add form offers the clients seen without contacts whose names the store keeps as they are.
        unregistered = sorted({
            row.name for row in data if row.name and row.name not in registered and clean_client_name(row.name) == row.name
        })
        done = request.query_params.get("done") if problem is None else None
        return self.render(request, "clients.html", status, rows=rows, endpoint=endpoint, sort=sort, descending=descending,
                           days=views.RECENT_DAYS, today=today, consumers=consumers, unregistered=unregistered,
                           problem=problem, entered=entered or {}, done=done if done in _CONSUMER_ACTIONS else None)

    def migration(self, request: Request) -> HTMLResponse:
        endpoint = views.checked_endpoint(request.query_params.get("endpoint"), self.endpoints())
        weeks_text = request.query_params.get("weeks") or str(DEFAULT_WEEKS)
        weeks = day_count(weeks_text if not weeks_text.isdigit() else int(weeks_text), field="weeks", most=52)
        today = self.today()
        data = self.cache.get(
            ("migration", endpoint, weeks, today), lambda: views.migration(self.store, endpoint, today=today, weeks=weeks)
        )
        page, pages, elements = _paged(data, request, MIGRATION_PAGE)
        return self.render(request, "migration.html", elements=elements, endpoint=endpoint, weeks=weeks, number=page,
                           pages=pages)

    def versions(self, request: Request) -> HTMLResponse:
        today = self.today()
        rows = self.cache.get(
            ("versions", today), lambda: views.versions(self.store, self.served, self.lifecycles, today=today)
        )
        return self.render(request, "versions.html", rows=rows, today=today, days=views.RECENT_DAYS)

    # --- actions ---------------------------------------------------------------------------------

    def act(self, kind: str, session: Session, form: FormData) -> tuple[str, str]:
        """Run the admin action ``kind`` with the form's values; (endpoint, coordinate) it changed."""
        endpoint = views.checked_endpoint(_text(form, "endpoint"), self.endpoints())
        coordinate = _text(form, "coordinate")
        why = _text(form, "reason")
        actor = check_actor(session.actor)
        if kind == "extend":
            days = day_count(_text(form, "days") if not _text(form, "days").isdigit() else int(_text(form, "days")), field="days")
            extend_sunset(self.store, endpoint, coordinate, days, actor=actor, why=why, schemas=self.schemas)
        elif kind == "rollback":
            rollback(self.store, endpoint, coordinate, actor=actor, why=why, schemas=self.schemas)
        else:
            deprecated_on, sunset_on = (
                parse_iso_date(_text(form, name), name=name) if _text(form, name) else None
                for name in ("deprecated_on", "sunset_on")
            )
            if deprecated_on is None and sunset_on is None:
                raise InvalidInput("give a deprecation date, a sunset date, or both", field="sunset_on")
            set_deprecation(
                self.store, endpoint, coordinate, actor=actor, why=why, schemas=self.schemas,
                deprecated_on=deprecated_on, sunset_on=sunset_on,
            )
        return endpoint, coordinate


    def change_consumer(self, kind: str, form: FormData) -> str:
        """Add (``kind`` "add") or remove a consumer with the form's values, through the functions
        ``gqlevolve consumers`` and the admin API call; the client name it changed."""
        if kind == "remove":
            return remove_consumer(self.store, _text(form, "client")).client_name
        emails = [address for address in _EMAIL_SEPARATORS.split(_text(form, "emails")) if address]
        consumer = add_consumer(
            self.store, _text(form, "client"), emails=emails, slack_url=_text(form, "slack_url") or None,
            webhook_url=_text(form, "webhook_url") or None, webhook_secret=_raw(form, "webhook_secret") or None,
            replace=_text(form, "replace") == "1",
        )
        return consumer.client_name


_ACTIONS = ("extend", "rollback", "set")
_CONSUMER_ACTIONS = ("add", "remove")
# The add form's addresses: one a line, or separated by commas or spaces (no address holds one).
_EMAIL_SEPARATORS = re.compile(r"[\s,;]+")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _raw(form: FormData, name: str) -> str:
    """A value as typed (a secret is not stripped: its checks say what is wrong with it)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _paged(items: Sequence[Any], request: Request, size: int) -> tuple[int, int, Sequence[Any]]:
    pages = max(1, -(-len(items) // size))
    text = request.query_params.get("page") or "1"
    number = int(text) if text.isdigit() else 0
    if not 1 <= number <= pages:
        raise InvalidInput(f"page: a whole number from 1 to {pages}, not {loggable(text)}", field="page")
    return number, pages, items[(number - 1) * size : number * size]


_STATUS_OF: list[tuple[type[Exception], int]] = [
    (StoreUnavailable, 503), (InvalidInput, 400), (Conflict, 409), (NotFound, 404),
]


def _status_of(error: Exception, dashboard: Dashboard) -> tuple[int, str] | None:
    known = known_error(error, store_url=dashboard.store.url)
    for kind, status in _STATUS_OF:
        if isinstance(known, kind):
            return status, str(known)
    return None


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _same_origin(request: Request) -> bool:
    """A changing request from a page of this site: its ``Origin`` (when the browser sends one) is this host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


async def _form(request: Request) -> FormData:
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
        raise InvalidInput(f"a form of at most {MAX_FORM_BYTES} bytes, with its length", field="body")
    return await request.form(max_files=0, max_fields=16)


def _page(dashboard: Dashboard, handler: Callable[[Request], HTMLResponse]) -> Callable[[Request], Awaitable[Response]]:
    """A page: signed in, or redirected to the sign-in form; its data read in the thread pool."""

    async def endpoint(request: Request) -> Response:
        session = dashboard.signer.read(request.cookies.get(COOKIE_NAME))
        if session is None:
            target = request.scope.get("path", "/")
            if request.url.query:
                target += "?" + request.url.query
            base = request.scope.get("root_path", "")
            return RedirectResponse(f"{base}/signin?{urlencode({'next': target}, safe='/')}", status_code=303)
        request.scope["gqlevolve.dashboard.session"] = session
        try:
            return await run_in_threadpool(handler, request)
        except Exception as error:  # noqa: BLE001 - each kind gets its page; anything else is a bug (500, logged)
            found = _status_of(error, dashboard)
            if found is None:
                logger.error("dashboard: internal error on %s", loggable(request.scope.get("path")), exc_info=error)
                return dashboard.error(request, 500, "internal error (a bug in gqlevolve); the server's log has it")
            return dashboard.error(request, *found)

    return endpoint


def _signin(dashboard: Dashboard) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        base = request.scope.get("root_path", "")
        target = request.query_params.get("next") or f"{base}/"
        if not target.startswith(f"{base}/") or target.startswith("//"):  # only a page of the dashboard
            target = f"{base}/"
        if request.method == "GET":
            return _signin_form(dashboard, request, target, 200, None)
        if not _same_origin(request):
            return dashboard.error(request, 403, "a sign-in from another site's page is refused")
        try:
            form = await _form(request)
            actor = check_actor(_text(form, "name") or DEFAULT_ACTOR, name="name")
        except InvalidInput as error:
            return _signin_form(dashboard, request, target, 400, str(error))
        if not dashboard.signer.check_signin(request.cookies.get(SIGNIN_COOKIE), _text(form, "csrf")):
            return _signin_form(dashboard, request, target, 403, "The form expired: sign in again.")
        address = _client_address(request)
        role = dashboard.signer.role_of(_text(form, "token"))
        if role is None:
            delay = dashboard.throttle.failed(address)
            # The token is never logged; its address and how long the answer waits are.
            logger.warning("dashboard: wrong token from %s; answer delayed %.1f s", loggable(address), delay)
            await _sleep(delay)
            return _signin_form(dashboard, request, target, 401, "That token is not valid.")
        dashboard.throttle.succeeded(address)
        await run_in_threadpool(dashboard.warm)
        logger.info("dashboard: %s signed in as %s from %s", loggable(actor), role, loggable(address))
        response = RedirectResponse(target, status_code=303)
        response.delete_cookie(SIGNIN_COOKIE, path=base or "/", httponly=True, samesite="strict")
        response.set_cookie(
            COOKIE_NAME, dashboard.signer.issue(role, actor=actor), max_age=dashboard.signer.session_seconds,
            path=base or "/", httponly=True, samesite="strict", secure=request.url.scheme == "https",
        )
        return response

    return endpoint


def _signin_form(dashboard: Dashboard, request: Request, target: str, status: int, problem: str | None) -> Response:
    """The sign-in form, with a new nonce in its cookie and the form's token for it (its CSRF token)."""
    nonce = dashboard.signer.signin_nonce()
    response = dashboard.render(
        request, "signin.html", status, target=target, problem=problem, signin_csrf=dashboard.signer.signin_token(nonce)
    )
    base = request.scope.get("root_path", "")
    response.set_cookie(
        SIGNIN_COOKIE, nonce, max_age=3600, path=base or "/", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def _changing(
    dashboard: Dashboard, handler: Callable[[Request, Session, FormData], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """A changing form: a session, a same-site origin and the session's CSRF token, or a 403."""

    async def endpoint(request: Request) -> Response:
        session = dashboard.signer.read(request.cookies.get(COOKIE_NAME))
        if session is not None:
            request.scope["gqlevolve.dashboard.session"] = session
        if session is None or not _same_origin(request):
            return dashboard.error(request, 403, "sign in first (changing forms need a session on this site)")
        try:
            form = await _form(request)
        except InvalidInput as error:
            return dashboard.error(request, 400, str(error))
        if not dashboard.signer.check_csrf(session, _text(form, "csrf")):
            logger.warning("dashboard: CSRF token missing or wrong on %s", loggable(request.scope.get("path")))
            return dashboard.error(request, 403, "the form's CSRF token is missing or wrong: reload the page and retry")
        return await handler(request, session, form)

    return endpoint


def _signout(dashboard: Dashboard) -> Callable[[Request, Session, FormData], Awaitable[Response]]:
    async def endpoint(request: Request, session: Session, form: FormData) -> Response:
        base = request.scope.get("root_path", "")
        response = RedirectResponse(f"{base}/signin", status_code=303)
        response.delete_cookie(COOKIE_NAME, path=base or "/", httponly=True, samesite="strict")
        return response

    return endpoint


def _action(dashboard: Dashboard, kind: str) -> Callable[[Request, Session, FormData], Awaitable[Response]]:
    async def endpoint(request: Request, session: Session, form: FormData) -> Response:
        if not session.may_change:
            return dashboard.error(request, 403, "only an admin may change a deprecation: sign in with the admin token")
        try:
            endpoint_name, coordinate = await run_in_threadpool(dashboard.act, kind, session, form)
        except Exception as error:  # noqa: BLE001 - each kind gets its page; anything else is a bug (500, logged)
            found = _status_of(error, dashboard)
            if found is None:
                logger.error("dashboard: internal error on %s", loggable(request.scope.get("path")), exc_info=error)
                return dashboard.error(request, 500, "internal error (a bug in gqlevolve); the server's log has it")
            return dashboard.error(request, *found)
        dashboard.cache.clear()  # the change shows at once
        logger.info(
            "dashboard: %s %s on %s by %s: %s", kind, loggable(coordinate), loggable(endpoint_name),
            loggable(session.actor), loggable(_text(form, "reason"), limit=500),
        )
        base = request.scope.get("root_path", "")
        query = urlencode({"endpoint": endpoint_name, "coordinate": coordinate, "done": kind})
        return RedirectResponse(f"{base}/element?{query}", status_code=303)

    return endpoint


def _consumer_action(dashboard: Dashboard, kind: str) -> Callable[[Request, Session, FormData], Awaitable[Response]]:
    """``POST /consumers/add`` or ``/remove`` (``?endpoint=``: the clients page to return to): admins only; a
    refused value shows on the clients page, with what was typed (but the secrets) kept in the form."""

    async def endpoint(request: Request, session: Session, form: FormData) -> Response:
        if not session.may_change:
            return dashboard.error(request, 403, "only an admin may change a consumer's contacts: sign in with the admin token")
        try:
            client = await run_in_threadpool(dashboard.change_consumer, kind, form)
        except Exception as error:  # noqa: BLE001 - a refused value is shown on the page; anything else is a bug (500)
            found = _status_of(error, dashboard)
            if found is None:
                logger.error("dashboard: internal error on %s", loggable(request.scope.get("path")), exc_info=error)
                return dashboard.error(request, 500, "internal error (a bug in gqlevolve); the server's log has it")
            entered = {name: _text(form, name) for name in ("client", "emails", "webhook_url", "replace")} if kind == "add" else {}
            try:
                return await run_in_threadpool(
                    lambda: dashboard.clients(request, status=found[0], problem=found[1], entered=entered)
                )
            except Exception:  # noqa: BLE001 - the page itself cannot be shown (an unknown ?endpoint=): the problem alone
                return dashboard.error(request, *found)
        logger.info("dashboard: consumer %s %s by %s", loggable(client), "added" if kind == "add" else "removed",
                    loggable(session.actor))
        base = request.scope.get("root_path", "")
        query = {"done": kind, **({"endpoint": request.query_params["endpoint"]} if request.query_params.get("endpoint") else {})}
        return RedirectResponse(f"{base}/clients?{urlencode(query)}#consumers", status_code=303)

    return endpoint


def _static() -> StaticFiles:
    return StaticFiles(directory=str(resources.files("gqlevolve.dashboard") / "static"))


def _routes(dashboard: Dashboard) -> list[BaseRoute]:
    return [
        Route("/", _page(dashboard, dashboard.overview), methods=["GET"]),
        Route("/element", _page(dashboard, dashboard.element), methods=["GET"]),
        Route("/clients", _page(dashboard, dashboard.clients), methods=["GET"]),
        Route("/migration", _page(dashboard, dashboard.migration), methods=["GET"]),
        Route("/versions", _page(dashboard, dashboard.versions), methods=["GET"]),
        # Whole-schema usage (gqlevolve usage, gqlevolve unused): dashboard/usage_views.py.
        Route("/coordinate", _page(dashboard, partial(usage_views.coordinate, dashboard)), methods=["GET"]),
        Route("/unused", _page(dashboard, partial(usage_views.unused, dashboard)), methods=["GET"]),
        Route("/signin", _signin(dashboard), methods=["GET", "POST"]),
        Route("/signout", _changing(dashboard, _signout(dashboard)), methods=["POST"]),
        *(Route(f"/action/{kind}", _changing(dashboard, _action(dashboard, kind)), methods=["POST"]) for kind in _ACTIONS),
        *(Route(f"/consumers/{kind}", _changing(dashboard, _consumer_action(dashboard, kind)), methods=["POST"])
          for kind in _CONSUMER_ACTIONS),
        Mount("/static", app=_static()),
    ]


def dashboard_routes(
    store: UsageStore | None,
    *,
    viewer_token: str | None,
    admin_token: str | None = None,
    clock: Clock | None = None,
    served: Sequence[str] = (),
    lifecycles: Mapping[str, VersionLifecycle] | None = None,
    schemas: Mapping[str, Any] | None = None,
    policy: RemovalPolicy | None = None,
    mount: str = MOUNT,
) -> list[BaseRoute]:
    """The routes that mount the dashboard at ``mount`` (and redirect ``mount`` to ``mount/``); none without a
    viewer token: with no token configured the dashboard is not mounted at all."""
    if not viewer_token:
        return []
    if store is None:
        raise ValueError("the dashboard reads the usage store: pass store=... with a dashboard token")
    dashboard = Dashboard(
        store=store,
        signer=SessionSigner(viewer_token=viewer_token, admin_token=admin_token, clock=clock or store.clock),
        clock=clock or store.clock,
        served=list(served),
        lifecycles=dict(lifecycles or {}),
        schemas=schemas,
        policy=policy or RemovalPolicy(),
    )
    app = Starlette(routes=_routes(dashboard))
    app.state.dashboard = dashboard

    async def to_slash(request: Request) -> Response:
        return RedirectResponse(f"{mount}/", status_code=307)

    return [Route(mount, to_slash), Mount(mount, app=app)]


def dashboard_app(
    store: UsageStore,
    *,
    viewer_token: str,
    admin_token: str | None = None,
    clock: Clock | None = None,
    policy: RemovalPolicy | None = None,
) -> Starlette:
    """The dashboard alone (``gqlevolve dashboard``): served under ``/dashboard/``, ``/`` redirects there."""
    if not viewer_token:
        raise ValueError("the dashboard needs a viewer token (GQLEVOLVE_DASHBOARD_TOKEN)")

    async def home(request: Request) -> Response:
        return RedirectResponse(f"{MOUNT}/", status_code=307)

    routes = dashboard_routes(store, viewer_token=viewer_token, admin_token=admin_token, clock=clock, policy=policy)
    app = Starlette(routes=[Route("/", home), *routes])
    app.state.store = store
    return app
