"""The table of registry operations: complete (each one a command and a route), without clashes,
and the CLI's and the HTTP API's parameters read into the same values (no database needed)."""

from __future__ import annotations

import argparse
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from gateway.channels.cli.main import _parser
from gateway.channels.cli.registry import cli_params, print_result, report_error
from gateway.channels.http.admin import add_admin_routes
from gateway.channels.operations import ADMIN_PREFIX, OPERATIONS, Operation, parse_datetime
from gateway.core.errors import BadRequest, ErrorDetail, RegistryError

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
_VARIABLE = re.compile(r"\{(\w+)\}")


def _by_command(*command: str) -> Operation:
    return next(op for op in OPERATIONS if command in op.commands)


def _parse(*words: str) -> tuple[Operation, argparse.Namespace]:
    args = _parser().parse_args(["registry", *words])
    operation = args.run.args[0]
    assert isinstance(operation, Operation)
    return operation, args


def _params(*words: str, stdin: str = "") -> dict[str, Any]:
    operation, args = _parse(*words)
    return cli_params(operation, args, io.StringIO(stdin))


# --- the table ------------------------------------------------------------------------------------


def test_every_operation_has_a_command_and_a_route() -> None:
    app = web.Application()
    add_admin_routes(app)
    routes = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
    }
    parser = _parser()
    for operation in OPERATIONS:
        assert operation.command and operation.help
        assert (operation.method, operation.route) in routes, operation.command
        assert operation.route.startswith(ADMIN_PREFIX + "/")
        for command in operation.commands:
            words = ["registry", *command, *_example_arguments(operation)]
            args = parser.parse_args(words)
            assert args.run.args[0] is operation, command
    assert len(routes) == len(OPERATIONS)


def _example_arguments(operation: Operation) -> list[str]:
    words = []
    for param in operation.params:
        if param.cli_positional:
            words.append(param.choices[0] if param.choices else {"int": "1"}.get(param.kind, "x"))
        elif param.required and param.kind not in ("secret", "bool"):
            words += [param.option, param.choices[0] if param.choices else "x"]
    for group in operation.one_of:
        words += [operation.param(group[-1]).option, "x"]
    return words


def test_no_two_commands_are_the_same() -> None:
    commands = [command for operation in OPERATIONS for command in operation.commands]
    assert len(commands) == len(set(commands))
    # a group name is never also a command of its own
    groups = {command[0] for command in commands if len(command) > 1}
    assert not groups & {command[0] for command in commands if len(command) == 1}


def _segments_clash(a: str, b: str) -> bool:
    """Whether one URL could match both route templates."""
    left, right = a.strip("/").split("/"), b.strip("/").split("/")
    return len(left) == len(right) and all(
        x == y or _VARIABLE.fullmatch(x) or _VARIABLE.fullmatch(y) for x, y in zip(left, right, strict=True)
    )


def test_no_two_routes_clash() -> None:
    for index, first in enumerate(OPERATIONS):
        for second in OPERATIONS[index + 1 :]:
            if first.method == second.method:
                assert not _segments_clash(first.path, second.path), (first.command, second.command)


def test_the_clash_check_sees_clashes() -> None:
    assert _segments_clash("/persons/{id}", "/persons/list")
    assert _segments_clash("/persons/{id}", "/persons/{pesel}")
    assert not _segments_clash("/persons/{id}", "/persons/{id}/credentials")
    assert not _segments_clash("/accounts/{login}/link", "/accounts/{login}/attach")


def test_path_parameters_are_the_route_variables() -> None:
    for operation in OPERATIONS:
        variables = _VARIABLE.findall(operation.path)
        assert variables == [p.name for p in operation.params if p.in_path], operation.command
        names = [p.name for p in operation.params]
        assert len(names) == len(set(names)), operation.command
        assert not {"json", "actor", "run"} & set(names)
        assert sum(p.body for p in operation.params) <= 1
        if any(p.body for p in operation.params):
            assert operation.method == "POST" and operation.media_type != "application/json"
        for group in operation.one_of:
            assert all(not operation.param(name).required for name in group)


def test_spec_and_issue_commands_are_there() -> None:
    commands = {command for operation in OPERATIONS for command in operation.commands}
    for command in [
        ("account", "add"),
        ("token",),
        ("revoke-tokens",),
        ("grant",),
        ("revoke",),
        ("approve",),
        ("reject",),
        ("pdr", "import"),
        ("account", "link"),
        ("account", "attach"),
        ("person", "add"),
        ("podmiot", "add"),
        ("credential", "add"),
    ]:
        assert command in commands, command


# --- the CLI's parameters ---------------------------------------------------------------------------


def test_person_add_reads_options() -> None:
    assert _params(
        "person", "add", "--first-name", "Jan", "--surname", "Kowalski", "--pesel", "44051401359"
    ) == {
        "first_name": "Jan",
        "surname": "Kowalski",
        "pesel": "44051401359",
        "eori": None,
        "nip": None,
        "epuap_account": None,
    }


def test_grant_and_its_alias_read_the_same_values() -> None:
    words = [
        "JAN",
        "5260250274",
        "--scope",
        "basic",
        "--system",
        "NCTS2",
        "AES",
        "--valid-from",
        "2024-05-01",
        "--valid-to",
        "2025-01-01T10:00:00+02:00",
    ]
    expected = {
        "person": "JAN",
        "podmiot": "5260250274",
        "scope": "basic",
        "systems": ["NCTS2", "AES"],
        "valid_from": datetime(2024, 5, 1, tzinfo=UTC),
        "valid_to": datetime(2025, 1, 1, 8, tzinfo=UTC),
    }
    assert _params("representation", "grant", *words) == expected
    assert _params("grant", *words) == expected
    assert _params("grant", *words[:4], "--system", "NCTS2", "--system", "AES")["systems"] == ["NCTS2", "AES"]


def test_the_actor_and_json_flags() -> None:
    _, args = _parse("revoke", "7", "--actor", "officer@uc.test", "--json")
    assert (args.actor, args.json) == ("officer@uc.test", True)
    _, args = _parse("revoke", "7")
    assert (args.actor, args.json) == ("cli", False)
    assert _params("revoke", "7") == {"id": 7}


@pytest.mark.parametrize(
    "words",
    [
        ["revoke", "seven"],
        ["grant", "P", "X", "--scope", "huge"],
        ["grant", "P", "X", "--scope", "basic", "--valid-from", "yesterday"],
        ["grant", "P", "X", "--scope", "basic", "--valid-from", "2024-05-01T10:00:00"],  # no offset
        ["grant", "P", "X", "--scope", "basic", "--system", "ICS"],
        ["grant", "P", "X"],  # --scope is required
        ["podmiot", "change", "X", "--add", "NIP"],
        ["podmiot", "change", "X", "--add", "VAT=1"],
        ["token", "a@b.test", "--days", "two"],
        ["credential", "add", "PL1", "sc"],  # --cert or --fingerprint
        ["credential", "add", "PL1", "sc", "--cert", "a.pem", "--fingerprint", "ab"],
        ["credential", "add", "PL1", "qualified", "--fingerprint", "ab"],
        ["account", "add", "a@b.test", "--level", "advanced"],  # gone: basic until linked
        ["account", "role", "a@b.test", "admin"],
        ["application", "list", "--status", "lost"],
    ],
)
def test_invalid_arguments_are_argparse_errors(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        _parser().parse_args(["registry", *words])
    assert exit.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_account_add_reads_the_password_from_standard_input() -> None:
    params = _params(
        "account", "add", "a@b.test", "--operator", "--password-stdin", stdin="correct horse battery\n"
    )
    assert params == {"login": "a@b.test", "operator": True, "password": "correct horse battery"}
    assert _params("account", "add", "a@b.test") == {"login": "a@b.test", "operator": False, "password": None}
    assert _params("account", "password", "a@b.test", "--password-stdin", stdin="another long secret\n") == {
        "login": "a@b.test",
        "password": "another long secret",
        "digest": False,
    }
    # SPEC section 5: without --password-stdin a password is generated (by the operation)
    assert _params("account", "password", "a@b.test")["password"] is None


def test_credential_add_reads_the_certificate_file() -> None:
    pem = sorted((SAMPLES / "pki" / "sc" / "certs").glob("*[0-9A-F].pem"))[0]
    params = _params("credential", "add", "44051401359", "sc", "--cert", str(pem))
    assert params == {"id": "44051401359", "kind": "sc", "certificate": pem.read_bytes(), "fingerprint": None}


def test_podmiot_options_and_identifier_pairs() -> None:
    params = _params(
        "podmiot", "add", "--name", "TEST sp. z o.o.", "--kind", "company", "--nip", "5260250274",
        "--excise", "PL00000123AB4", "PL00000123AB5", "--data-source", "KRS",
    )  # fmt: skip
    assert params["excise"] == ["PL00000123AB4", "PL00000123AB5"]
    assert params["data_source"] == "KRS"
    changed = _params(
        "podmiot", "change", "5260250274", "--add", "eori=PL123", "--remove", "AKCR=PL00000123AB4"
    )
    assert changed["add"] == [("EORI", "PL123")]
    assert changed["remove"] == [("AKCR", "PL00000123AB4")]
    assert changed["name"] is None


def test_application_defaults_and_top_level_decisions() -> None:
    assert _params("application", "list") == {"status": "pending"}
    assert _params("approve", "ref-1") == {"reference": "ref-1"}
    assert _params("reject", "ref-1", "--reason", "no proof") == {"reference": "ref-1", "reason": "no proof"}
    assert (
        _parse("application", "reject", "ref-1", "--reason", "x")[0]
        is _parse("reject", "r", "--reason", "x")[0]
    )


def test_pdr_import_reads_the_file() -> None:
    example = SAMPLES / "registry" / "pdr-example.csv"
    assert _params("pdr", "import", str(example)) == {"file": example.read_bytes()}


# --- the HTTP API's parameters -------------------------------------------------------------------------


def test_json_values_read_into_the_same_values_as_the_cli() -> None:
    grant = _by_command("grant")
    params = grant.parse(
        {
            "person": "JAN",
            "podmiot": "5260250274",
            "scope": "basic",
            "systems": ["NCTS2"],
            "valid_from": "2024-05-01",
        }
    )
    assert params == {
        "person": "JAN",
        "podmiot": "5260250274",
        "scope": "basic",
        "systems": ["NCTS2"],
        "valid_from": datetime(2024, 5, 1, tzinfo=UTC),
        "valid_to": None,
    }
    assert _by_command("revoke").parse({"id": "12"}) == {"id": 12}
    assert _by_command("token").parse({"login": "a@b.test", "days": 3}) == {
        "login": "a@b.test",
        "days": 3,
        "label": None,
    }
    assert _by_command("account", "add").parse({"login": "a@b.test", "operator": True})["operator"] is True
    credential = _by_command("credential", "add").parse(
        {"id": "X", "kind": "sc", "certificate": "-----BEGIN"}
    )
    assert credential["certificate"] == b"-----BEGIN"


@pytest.mark.parametrize(
    ("command", "raw", "message"),
    [
        (("revoke",), {"id": "seven"}, "id"),
        (("grant",), {"person": "P", "podmiot": "X", "scope": "huge"}, "scope"),
        (("grant",), {"person": "P", "podmiot": "X", "scope": "basic", "valid_to": "soon"}, "valid_to"),
        (("grant",), {"person": "P", "podmiot": "X", "scope": "basic", "systems": "NCTS2 AES"}, "systems"),
        (("grant",), {"person": "P", "podmiot": "X"}, "scope is required"),
        (("grant",), {"person": "P", "podmiot": "X", "scope": "basic", "sistems": ["AES"]}, "unknown"),
        (("token",), {"login": "a@b.test", "days": True}, "days"),
        (("token",), {"login": "a@b.test", "days": 1.5}, "days"),
        (("account", "add"), {"login": "a@b.test", "operator": "yes please"}, "operator"),
        (("person", "add"), {"first_name": 1, "surname": "x"}, "first_name"),
        (("credential", "add"), {"id": "X", "kind": "sc"}, "exactly one"),
        (("podmiot", "change"), {"identifier": "X", "add": ["NIP"]}, "add"),
    ],
)
def test_invalid_json_values_are_bad_requests(
    command: tuple[str, ...], raw: dict[str, object], message: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        _by_command(*command).parse(raw)
    assert message in str(refused.value)
    assert refused.value.status == 400


def test_datetimes_are_rfc_3339_or_a_date_at_midnight_utc() -> None:
    assert parse_datetime("2024-05-01") == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_datetime("2024-05-01T08:00:00Z") == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert parse_datetime("2024-05-01t08:00:00.5+02:00") == datetime(2024, 5, 1, 6, 0, 0, 500000, tzinfo=UTC)
    for text in ("2024-05-01T08:00:00", "2024-13-01", "01.05.2024", "20240501"):
        with pytest.raises(ValueError):
            parse_datetime(text)


# --- CLI output ---------------------------------------------------------------------------------------


def test_plain_output_is_one_line_per_row_and_the_token_alone() -> None:
    out = io.StringIO()
    print_result(
        [{"id": 1, "systems": ["AES"], "valid_to": None}, {"id": 2, "systems": "all", "valid_to": None}],
        False,
        stream=out,
    )
    assert out.getvalue() == 'id=1  systems=["AES"]  valid_to=\nid=2  systems=all  valid_to=\n'
    out = io.StringIO()
    print_result({"login": "a@b.test", "token": "cgw_x"}, False, "token", stream=out)
    assert out.getvalue() == "cgw_x\n"
    out = io.StringIO()
    print_result({"login": "a@b.test", "token": "cgw_x"}, True, "token", stream=out)
    assert out.getvalue() == '{"login": "a@b.test", "token": "cgw_x"}\n'


def test_errors_are_one_line_or_one_line_per_pdr_error() -> None:
    err = io.StringIO()
    report_error(RegistryError("no person with ID SISC or PESEL X"), err)
    assert err.getvalue() == "gateway registry: no person with ID SISC or PESEL X\n"
    err = io.StringIO()
    report_error(
        RegistryError(
            "2 errors",
            [
                ErrorDetail("REGISTRY_INVALID", "not a PESEL", 3, None, "pesel"),
                ErrorDetail("REGISTRY_INVALID", "rows differ", 5, None, None),
            ],
        ),
        err,
    )
    assert err.getvalue().splitlines() == [
        "gateway registry: line 3, column pesel: not a PESEL",
        "gateway registry: line 5: rows differ",
    ]
