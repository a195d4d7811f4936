"""The production shape without a container runtime: the Dockerfile names files that exist and a
command the CLI takes, compose.yaml parses and names its services with settings the gateway knows,
and docs/operations.md names real settings, metrics and commands."""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from pathlib import Path
from typing import Any, get_type_hints

import pytest
import yaml

from gateway.adapters.metrics import Metrics
from gateway.channels.cli.main import _parser
from gateway.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def setting_variables() -> set[str]:
    """Every ``GATEWAY_<SECTION>_<KEY>`` the settings have."""
    hints = get_type_hints(Settings)
    return {
        f"GATEWAY_{section.name}_{key}".upper()
        for section in dataclasses.fields(Settings)
        for key in get_type_hints(hints[section.name])
    }


def instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{name} ")]


def exec_form(argument: str) -> list[str]:
    parsed = json.loads(argument)
    assert isinstance(parsed, list)
    return [str(part) for part in parsed]


def test_the_dockerfile_copies_files_that_exist() -> None:
    for copy in instructions("COPY"):
        if copy.startswith("--from="):
            continue
        *sources, _ = shlex.split(copy)
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
    assert (ROOT / ".dockerignore").is_file()


def test_the_image_runs_gateway_serve_with_workers_as_a_user_without_privileges() -> None:
    assert instructions("FROM")[-1].startswith("python:") and "slim" in instructions("FROM")[-1]
    assert instructions("USER") and instructions("USER")[-1] not in ("root", "0")
    assert exec_form(instructions("ENTRYPOINT")[-1]) == ["gateway"]
    command = exec_form(instructions("CMD")[-1])
    assert command == ["serve", "--workers", "2"]
    assert _parser().parse_args(command).workers == 2
    assert "/readyz" in instructions("HEALTHCHECK")[-1]


def test_compose_names_the_services_with_a_volume_for_postgresql() -> None:
    services = COMPOSE["services"]
    assert set(services) >= {"gateway", "postgres", "rabbitmq", "simulator"}
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["postgres"]["volumes"])
    assert services["postgres"]["volumes"][0].split(":")[0] in COMPOSE["volumes"]
    gateway = _parser().parse_args(services["gateway"]["command"])
    assert gateway.workers == 2
    # `gateway simulate` consumes the inbound queues and answers as the customs systems would
    assert services["simulator"]["command"] == ["simulate"]
    assert services["simulator"]["image"] == services["gateway"]["image"]


@pytest.mark.parametrize("service", ["gateway", "simulator"])
def test_compose_sets_only_real_settings(service: str) -> None:
    environment: dict[str, str] = COMPOSE["services"][service]["environment"]
    assert set(environment) <= setting_variables()
    settings = load_settings(environ=environment)
    assert settings.database.url.startswith("postgresql+asyncpg://")
    assert "@rabbitmq:" in settings.amqp.url


def test_operations_names_real_settings_metrics_and_commands() -> None:
    named = set(re.findall(r"GATEWAY_[A-Z_]+[A-Z]", OPERATIONS))
    assert named and named <= setting_variables() | {"GATEWAY_CONFIG"}, named - setting_variables()
    metrics = {
        metric.name + ("_total" if metric.type == "counter" else "")
        for metric in Metrics().registry.collect()
    }
    watched = set(re.findall(r"`(gateway_[a-z_]+)", OPERATIONS))
    assert watched == metrics, watched ^ metrics
    assert "gateway db upgrade" in OPERATIONS
    assert _parser().parse_args(["db", "upgrade"])
