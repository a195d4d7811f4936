"""Alembic migrations, run by ``gateway db upgrade`` (and at start-up when configured)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking; runs its own event loop, so call it from a thread inside a running loop."""
    command.upgrade(alembic_config(url), revision)
