"""A gateway running as ``gateway serve`` in a process of its own, to be killed and restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import aiohttp

from tests.conftest import sample_pki_copy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class GatewayProcess:
    def __init__(
        self,
        database_url: str,
        amqp_url: str,
        port: int,
        log: Path,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = port
        self.workers = workers
        self.url = f"http://127.0.0.1:{port}"
        self._env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": database_url,
            "GATEWAY_AMQP_URL": amqp_url,
            "GATEWAY_RELAY_POLL_SECONDS": "0.2",
            "GATEWAY_AMQP_RECONNECT_SECONDS": "0.5",
            "GATEWAY_SIGNATURE_PKI_DIR": str(sample_pki_copy()),
            **(env or {}),
        }
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gateway.channels.cli.main",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"{self.url}/readyz") as response:
                        ready = await response.json()
                        if ready["checks"]["broker"]["ok"]:
                            return  # serving, and the topology is declared
                except aiohttp.ClientError:
                    pass
                assert self.process.poll() is None, self.log_tail()
                await asyncio.sleep(0.1)
        raise AssertionError("gateway did not start: " + self.log_tail())

    def log_tail(self, size: int = 3000) -> str:
        return self._log.read_text(errors="replace")[-size:]

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
