"""schemathesis over every operation of the OpenAPI schema, against the running stack:
whatever it sends — data that fits the schema and data that does not — no 5xx (a 503
would mean the database is down, which it is not here) and every response matches the
schema. Fixed seed and bounded examples, so a run is the same run every time.

The operations are walked with schemathesis' strategies under ``hypothesis.given`` (its
lazy ``from_fixture`` loader does not run on pytest 9.2)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.stack import Stack

EXAMPLES_PER_OPERATION = 20


def test_no_input_gets_a_server_error(stack: Stack, first_org: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{stack.api}/openapi.json")
    token = first_org["coordinators"][0]["token"]
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results  # every operation parses
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 12  # every endpoint of the contract, not a lucky few
    for operation in operations:
        # Data that does not fit the schema needs something to get wrong: a parameter or a body.
        has_inputs = bool(list(operation.body)) or any(True for _ in operation.iter_parameters())
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if has_inputs else [])
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def call(case: Any) -> None:
                case.call_and_validate(
                    base_url=stack.api,
                    headers={"Authorization": f"Bearer {token}"},
                    checks=[not_a_server_error, response_schema_conformance],
                    timeout=30,
                )

            call()
