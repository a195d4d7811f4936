"""Alembic migrations, run by ``gateway db upgrade`` (and at start-up when configured)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent


# alembic (and mako, pygments with it) is imported when a migration runs, not by every process that
# imports this module: a worker of ``gateway serve --workers N`` never migrates, and each module
# imported is resident memory in every worker


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking; runs its own event loop, so call it from a thread inside a running loop."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
