"""What each admin resource answers: :class:`AdminAPI` holds the store, the served endpoints and their schemas, and
has one method per route (the reports, the advisor's verdicts, the audited procedures, brownouts and enforcement,
consumers and the notices' delivery log), each taking the request (and a write's JSON body).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from gqlevolve.admin_api.handling import (
    _actor,
    _body_date,
    _body_int,
    _date,
    _optional_bool,
    _optional_text,
    _policy,
    _query_int,
    _versions,
    _why,
    _window,
)
from gqlevolve.advisor import advise
from gqlevolve.endpoints import UnknownEndpoint, canonical_endpoint
from gqlevolve.errors import InvalidInput, NotFound
from gqlevolve.jsonable import json_quote
from gqlevolve.procedures import (
    add_brownout,
    delete_deprecation,
    extend_sunset,
    list_brownouts,
    remove_brownout,
    rollback,
    set_deprecation,
    set_version_enforcement,
)
from gqlevolve.procedures import history as audit_history
from gqlevolve.reports import (
    client_versions,
    deprecation_report,
    migration_report,
    sunset_warnings,
    usage_stats,
)

if TYPE_CHECKING:
    from gqlevolve.usage_store import UsageStore


class AdminAPI:
    """The handlers, over one store; ``endpoints`` are the app's canonical endpoint paths."""

    def __init__(self, store: UsageStore, endpoints: Sequence[str], schemas: Mapping[str, Any] | None = None) -> None:
        self.store = store
        self.endpoints = list(endpoints)
        #: The served schemas by version: a coordinate given to a POST must exist in its endpoint's version.
        self.schemas = dict(schemas) if schemas else None

    def endpoint(self, value: Any, *, required: bool = True) -> str | None:
        """The endpoint named by the request's ``endpoint`` (a path or a version), checked.

        Without one: the server's only endpoint; on a server with several, None when the handler covers every
        endpoint (``required=False``), else a 400 that lists them.
        """
        if value is None or value == "":
            if len(self.endpoints) == 1:
                return self.endpoints[0]
            if not required:
                return None
            raise InvalidInput(
                f"endpoint: required, as this server has several endpoints: {', '.join(self.endpoints)} "
                f"(a path, or its version: {', '.join(_versions(self.endpoints))})",
                field="endpoint", choices=self.endpoints,
            )
        endpoint = canonical_endpoint(value)  # the one check of an endpoint name: InvalidInput
        if endpoint not in self.endpoints and endpoint not in self.store.endpoints():
            raise UnknownEndpoint(
                f"unknown endpoint {json_quote(value)}; this server has: {', '.join(self.endpoints)}",
                given=value, known=self.endpoints,
            )
        return endpoint

    def deprecations(self, request: Request) -> Any:
        return deprecation_report(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            as_of=_date(request, "as_of"), policy=_policy(request),
        )

    def eligibility(self, request: Request) -> Any:
        """Removal verdicts; one coordinate that is not deprecated gets a candidate verdict (its whole-schema usage
        judged alike, ``candidate`` true or false); one unknown to the store (not deprecated, not in the registered
        schema, never used) is a 404. ``max_operations``: also at most that many operations over the window."""
        from dataclasses import replace

        from gqlevolve.advisor.policy import operation_count

        endpoint = self.endpoint(request.query_params.get("endpoint"))
        coordinate = request.path_params.get("coordinate")
        policy = _policy(request)
        max_operations = request.query_params.get("max_operations")
        if max_operations:
            policy = replace(policy, max_operations=operation_count(max_operations, field="max_operations"))
        if coordinate is None:
            return advise(self.store, endpoint, as_of=_date(request, "as_of"), policy=policy)
        [verdict] = advise(self.store, endpoint, coordinate, as_of=_date(request, "as_of"), policy=policy)
        if not verdict.deprecated and verdict.in_schema is not True and verdict.last_used is None:
            raise NotFound(
                f"{coordinate} has no deprecation record on {endpoint}, is not in its registered schema and was never "
                "used there", field="coordinate",
            )
        return verdict

    def sunset_warnings(self, request: Request) -> Any:
        return sunset_warnings(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            as_of=_date(request, "as_of"), within_days=_query_int(request, "within_days", 7),
        )

    def clients(self, request: Request) -> Any:
        return client_versions(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            days=_query_int(request, "days", 30), as_of=_date(request, "as_of"),
        )

    def usage(self, request: Request) -> Any:
        return usage_stats(
            self.store, self.endpoint(request.query_params.get("endpoint")),
            _query_int(request, "days", 30),
            coordinate=request.query_params.get("coordinate") or None, as_of=_date(request, "as_of"),
        )

    def migration(self, request: Request) -> Any:
        return migration_report(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            weeks=_query_int(request, "weeks", 4), as_of=_date(request, "as_of"),
        )

    def extend(self, request: Request, body: dict[str, Any]) -> Any:
        return extend_sunset(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"],
            _body_int(body, "days", 30), actor=_actor(body), why=_why(body), schemas=self.schemas,
        )

    def rollback(self, request: Request, body: dict[str, Any]) -> Any:
        return rollback(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"],
            actor=_actor(body), why=_why(body), schemas=self.schemas,
        )

    def set_record(self, request: Request, body: dict[str, Any]) -> Any:
        """``gqlevolve deprecation set``: an endpoint this server serves counts as known to the store."""
        new_endpoint = body.get("new_endpoint", False)
        if not isinstance(new_endpoint, bool):
            raise InvalidInput(
                f"new_endpoint: expected true or false, not {json_quote(new_endpoint)}", field="new_endpoint"
            )
        value = body.get("endpoint")
        endpoint = self.endpoint(None) if value is None or value == "" else canonical_endpoint(value)
        return set_deprecation(
            self.store, endpoint, request.path_params["coordinate"], actor=_actor(body), why=_why(body),
            deprecated_on=_body_date(body, "deprecated_on"), sunset_on=_body_date(body, "sunset_on"),
            replacement=_optional_text(body, "replacement"), migration_guide=_optional_text(body, "migration_guide"),
            reason=_optional_text(body, "deprecation_reason"), status=_optional_text(body, "status"),
            new_endpoint=new_endpoint or endpoint in self.endpoints, schemas=self.schemas,
            refuse_new_adopters=_optional_bool(body, "refuse_new_adopters"),
        )

    def delete(self, request: Request, body: dict[str, Any]) -> Any:
        return delete_deprecation(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"],
            actor=_actor(body), why=_why(body),
        )

    def history(self, request: Request) -> Any:
        """Not checked against the known endpoints: a deleted phantom endpoint's history stays readable."""
        return audit_history(
            self.store, request.query_params.get("endpoint") or None, request.query_params.get("coordinate") or None
        )

    # --- enforcement: brownout windows, no new adopters, refused and preview counts ------------------------

    def brownouts(self, request: Request) -> Any:
        return list_brownouts(self.store, self.endpoint(request.query_params.get("endpoint"), required=False))

    def add_brownout(self, request: Request, body: dict[str, Any]) -> Any:
        return add_brownout(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"], _window(body),
            actor=_actor(body), why=_why(body), schemas=self.schemas,
        )

    def remove_brownout(self, request: Request, body: dict[str, Any]) -> Any:
        return remove_brownout(
            self.store, self.endpoint(body.get("endpoint")), request.path_params["coordinate"], _window(body),
            actor=_actor(body), why=_why(body),
        )

    def _version(self, request: Request) -> str:
        return str(self.endpoint(request.path_params["version"]))

    def add_version_brownout(self, request: Request, body: dict[str, Any]) -> Any:
        return add_brownout(
            self.store, self._version(request), None, _window(body), actor=_actor(body), why=_why(body),
            whole_version=True,
        )

    def remove_version_brownout(self, request: Request, body: dict[str, Any]) -> Any:
        return remove_brownout(
            self.store, self._version(request), None, _window(body), actor=_actor(body), why=_why(body),
            whole_version=True,
        )

    def set_version(self, request: Request, body: dict[str, Any]) -> Any:
        refuse = _optional_bool(body, "refuse_new_adopters")
        if refuse is None:
            raise InvalidInput("refuse_new_adopters: required, true or false", field="refuse_new_adopters")
        endpoint = self._version(request)
        stored = set_version_enforcement(
            self.store, endpoint, refuse_new_adopters=refuse, actor=_actor(body), why=_why(body)
        )
        return {"endpoint": endpoint, "refuse_new_adopters": stored}

    def enforcement(self, request: Request) -> Any:
        from gqlevolve.reports import enforcement_report

        return enforcement_report(
            self.store, self.endpoint(request.query_params.get("endpoint"), required=False),
            days=_query_int(request, "days", 30), as_of=_date(request, "as_of"),
        )

    # --- notices (gqlevolve.notices): consumers and the delivery log; secrets are never answered whole ---

    def consumers(self, request: Request) -> Any:
        from gqlevolve.notices.consumers import list_consumers

        return [consumer.public() for consumer in list_consumers(self.store)]

    def add_consumer(self, request: Request, body: dict[str, Any]) -> Any:
        from gqlevolve.notices.consumers import add_consumer

        emails = body.get("emails", [])
        if not isinstance(emails, list):
            raise InvalidInput(f"emails: expected a list of addresses, not {json_quote(emails)}", field="emails")
        replace = body.get("replace", False)
        if not isinstance(replace, bool):
            raise InvalidInput(f"replace: expected true or false, not {json_quote(replace)}", field="replace")
        _actor(body)
        return add_consumer(
            self.store, body.get("client"), emails=emails, slack_url=_optional_text(body, "slack_url"),
            webhook_url=_optional_text(body, "webhook_url"), webhook_secret=_optional_text(body, "webhook_secret"),
            replace=replace,
        ).public()

    def remove_consumer(self, request: Request, body: dict[str, Any]) -> Any:
        from gqlevolve.notices.consumers import remove_consumer

        _actor(body)
        return remove_consumer(self.store, request.path_params["client"]).public()

    def notices(self, request: Request) -> Any:
        from gqlevolve.notices.delivery_log import list_deliveries

        return list_deliveries(
            self.store, request.query_params.get("status") or None, limit=_query_int(request, "limit", 100)
        )

    # --- whole-schema usage (gqlevolve usage, gqlevolve unused) -------------------------------------------

    def coordinate_usage(self, request: Request) -> Any:
        """``GET /usage/{coordinate}?endpoint=&days=&client=&limit=&as_of=``: ``gqlevolve usage COORD``."""
        from gqlevolve.reports.coordinate_usage import DEFAULT_LIMIT, coordinate_usage

        return coordinate_usage(
            self.store, self.endpoint(request.query_params.get("endpoint")), request.path_params["coordinate"],
            _query_int(request, "days", 30), client=request.query_params.get("client") or None,
            limit=_query_int(request, "limit", DEFAULT_LIMIT), as_of=_date(request, "as_of"),
        )

    def unused(self, request: Request) -> Any:
        """``GET /unused?endpoint=&days=&keep=...&as_of=``: ``gqlevolve unused`` (``keep`` repeated: the allow-list)."""
        from gqlevolve.reports.unused import unused_elements

        if not request.query_params.get("days"):
            raise InvalidInput("days: required, the days (1 to 3660) that must all be without use", field="days")
        return unused_elements(
            self.store, self.endpoint(request.query_params.get("endpoint")), _query_int(request, "days", 30),
            keep=request.query_params.getlist("keep"), as_of=_date(request, "as_of"),
        )
