"""openapi.json and README's route list: current, complete, and true to the route tables (no stack needed)."""

from __future__ import annotations

import json
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from mimi.errors import Conflict, NotFound
from mimi.web import Router
from mimi_ops import openapi

DOC: dict[str, Any] = json.loads(openapi.DOCUMENT.read_text())


def test_openapi_json_and_the_readme_route_list_are_current() -> None:
    stale = [path.name for path, text in openapi.outputs().items() if path.read_text() != text]
    assert stale == [], "run make openapi"


def test_every_route_of_every_function_is_an_operation_with_a_description() -> None:
    declared = {
        (f"/functions/{name}{route.path}", route.method.lower())
        for name, router in openapi.routers().items()
        for route in router.routes
    }
    documented = {(path, method) for path, item in DOC["paths"].items() for method in item}
    assert documented == declared
    for path, item in DOC["paths"].items():
        for method, op in item.items():
            assert op["summary"] and len(op["description"]) > len(op["summary"]), (method, path)


def test_the_document_is_openapi_3_1_with_valid_schemas() -> None:
    import schemathesis

    assert DOC["openapi"].startswith("3.1.")
    schemathesis.openapi.from_dict(DOC).validate()  # against the OpenAPI 3.1 meta-schema
    for schema in DOC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_user_routes_need_the_bearer_scheme_and_list_the_token_codes() -> None:
    read = DOC["paths"]["/functions/readings/{reading_id}"]["get"]
    assert read["security"] == [{"bearer": []}]
    assert read["responses"]["401"]["x-codes"] == list(openapi.BEARER_CODES)
    assert DOC["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert DOC["paths"]["/functions/payments/packages"]["get"]["security"] == []


def test_errors_are_problem_json_and_422_has_its_errors_list() -> None:
    submit = DOC["paths"]["/functions/readings/"]["post"]["responses"]
    assert {s for s in submit if s.startswith(("4", "5"))} == {
        "400",
        "401",
        "403",
        "404",
        "409",
        "422",
        "429",
        "503",
    }
    for status, schema in [
        ("400", "Problem"),
        ("401", "Problem"),
        ("409", "InsufficientCreditsProblem"),
        ("429", "RateLimitedProblem"),
    ]:
        assert submit[status]["content"] == {
            "application/problem+json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
        }
    assert submit["422"]["content"]["application/problem+json"]["schema"]["$ref"].endswith(
        "/ValidationProblem"
    )
    assert "Retry-After" in submit["429"]["headers"]
    problem = {
        "type": "https://mimivibes.app/problems/validation_failed",
        "title": "Validation failed",
        "status": 422,
        "detail": "question: too short",
        "code": "validation_failed",
        "request_id": "r1",
        "errors": [{"loc": ["body", "question"], "msg": "too short", "type": "value_error"}],
    }
    _validator("ValidationProblem").validate(problem)


def test_error_codes_come_from_the_declared_classes_their_own_or_their_bases() -> None:
    class ReadingGone(NotFound):
        code = "reading_gone"

    class Clash(Conflict):
        pass

    router = Router()

    @router.post("/x", errors=(ReadingGone, Clash))
    def handler() -> None:
        """A test route."""

    assert openapi.error_codes(router.routes[0]) == {
        404: ["reading_gone"],
        409: ["conflict"],
        422: ["unstorable_input"],  # every route that reaches the database
        503: list(openapi.DATABASE_CODES),
    }


def test_limits_match_the_code() -> None:
    schemas = DOC["components"]["schemas"]
    question = schemas["ReadingCreate"]["properties"]["question"]
    assert (question["minLength"], question["maxLength"]) == (10, 500)
    comment = schemas["ReviewCreate"]["properties"]["comment"]
    assert comment["maxLength"] == 500
    assert schemas["IntentCreate"]["properties"]["package_id"]["enum"] == [
        "stars_10",
        "stars_25",
        "stars_60",
    ]
    params = {p["name"]: p for p in DOC["paths"]["/functions/readings/"]["get"]["parameters"]}
    assert (params["limit"]["schema"]["minimum"], params["limit"]["schema"]["maximum"]) == (1, 100)
    assert params["cursor"]["schema"] == {"type": "string"}


def test_idempotency_key_and_signature_headers_are_documented() -> None:
    def header(path: str, name: str) -> dict[str, Any]:
        params = DOC["paths"][path]["post"]["parameters"]
        return next(p for p in params if p["name"] == name)

    key = header("/functions/credits/exchange", "Idempotency-Key")
    assert (key["required"], key["schema"]["minLength"], key["schema"]["maxLength"]) == (
        False,
        8,
        100,
    )
    assert header("/functions/reading_processor/", "Upstash-Signature")["required"] is True
    assert header("/functions/stripe_webhook/", "Stripe-Signature")["required"] is True
    adjust = header("/functions/admin/users/{user_id}/adjustments", "Idempotency-Key")
    assert adjust["required"] is True  # the route answers 422 idempotency_key_required without one


def _path_params() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for ops in DOC["paths"].values():
        for op in ops.values():
            for param in op.get("parameters", []):
                if param["in"] == "path":
                    found.setdefault(param["name"], []).append(param["schema"])
    return found


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("token", "hb2X-k9_Q1"),
        ("key", "welcome_bonus"),
        ("package_id", "stars_10"),
        ("spread_id", "three"),
    ],
)
def test_path_parameters_that_are_not_ids_accept_their_real_values(name: str, value: str) -> None:
    for schema in _path_params()[name]:
        assert "format" not in schema
        Draft202012Validator(schema).validate(value)


@pytest.mark.parametrize("name", ["reading_id", "user_id", "payment_id"])
def test_ids_in_paths_are_uuids(name: str) -> None:
    assert {s.get("format") for s in _path_params()[name]} == {"uuid"}


@pytest.mark.parametrize("name", ["WalletPublic", "ReadingResult", "DrawnCard", "AnalysisPublic"])
def test_wallet_result_cards_and_analysis_are_typed(name: str) -> None:
    assert DOC["components"]["schemas"][name]["properties"]


def test_the_readme_lists_every_operation_between_its_markers() -> None:
    readme = openapi.README.read_text()
    section = readme.split(openapi.ROUTES_START)[1].split(openapi.ROUTES_END)[0]
    rows = [
        line
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| method")
    ]
    assert len(rows) == sum(len(item) for item in DOC["paths"].values())
    assert "| POST | `/functions/readings/` | bearer |" in section
    assert "401 auth_required, token_invalid, token_expired" in section


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": DOC["components"]}
    )


def _scalar_fields() -> list[tuple[str, type, str, type]]:
    """(route, body model, field, int or bool) for every int and bool field of every request body."""
    found = []
    for function, router in openapi.routers().items():
        for route in router.routes:
            model = route.body or route.raw_model  # a signed raw body is parsed by its model too
            for name, field in (model.model_fields if model else {}).items():
                for kind in {int, bool} & _types(field.annotation):
                    found.append((f"{function} {route.method} {route.path}", model, name, kind))
    return found


def _types(annotation: Any) -> set[Any]:
    """The types an annotation admits, Optional and Annotated unwrapped."""
    if get_origin(annotation) is Annotated:
        return _types(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return set().union(*(_types(arg) for arg in get_args(annotation)))
    return {annotation}


@pytest.mark.parametrize(
    ("route", "model", "name", "kind"), _scalar_fields(), ids=lambda v: str(v)[:40]
)
def test_numbers_and_booleans_in_bodies_are_strict(
    route: str, model: type, name: str, kind: type
) -> None:
    """false is not 0 and 1 is not true: a body field takes only its own JSON type (found by make fuzz)."""
    wrong = {int: [True, False, "5"], bool: [1, 0, "true"]}[kind]
    for value in wrong:
        errors = []
        try:
            model.model_validate({name: value, "reason": "a reason here"})  # type: ignore[attr-defined]
        except ValidationError as exc:
            errors = [e for e in exc.errors() if e["loc"][:1] == (name,)]
        assert errors, (route, name, value)


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ("insufficient_credits", {"price": 2, "stars": 1, "free_points": 0}),
        ("insufficient_coins", {"coins_needed": 100, "coins": 20}),
        ("already_checked_in", {"next_check_in": "2026-12-08"}),
        ("rate_limited", {"retry_after": 30}),
    ],
)
def test_a_code_a_client_can_act_on_documents_its_fields(code: str, fields: dict[str, Any]) -> None:
    name = openapi.problem_name(code)
    status = 429 if code == "rate_limited" else 409
    problem = {
        "type": f"https://mimivibes.app/problems/{code}",
        "title": "Conflict",
        "status": status,
        "detail": "ข้อความ",
        "code": code,
        "request_id": "r1",
    }
    _validator(name).validate({**problem, **fields})
    for missing in fields:
        without = {**problem, **{k: v for k, v in fields.items() if k != missing}}
        assert not _validator(name).is_valid(without), missing
    assert not _validator(name).is_valid({**problem, **fields, "code": "conflict"})


def test_a_status_with_a_coded_problem_limits_its_other_codes_so_a_client_narrows_on_code() -> None:
    follow_up = DOC["paths"]["/functions/readings/{reading_id}/follow-ups"]["post"]["responses"]
    schema = follow_up["409"]["content"]["application/problem+json"]["schema"]
    document = {**schema, "components": DOC["components"]}
    problem = {
        "type": "https://mimivibes.app/problems/x",
        "title": "Conflict",
        "status": 409,
        "detail": "ข้อความ",
        "request_id": "r1",
    }
    valid = Draft202012Validator(document).is_valid
    assert valid({**problem, "code": "follow_up_limit"})
    assert valid(
        {**problem, "code": "insufficient_credits", "price": 1, "stars": 0, "free_points": 0}
    )
    assert not valid({**problem, "code": "insufficient_credits"})  # its fields are required
    assert not valid({**problem, "code": "not_a_listed_code"})
    assert set(follow_up["409"]["x-codes"]) == {
        "insufficient_credits",
        "follow_up_limit",
        "reading_not_completed",
    }
