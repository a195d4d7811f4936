"""Prometheus metrics, one registry per application (tests run several in one process).

Each worker of ``gateway serve --workers N`` counts for itself and answers ``/metrics`` with its
own figures; which worker answers a scrape is the kernel's choice.  ``gateway_process`` names the
process that answered (its ``pid``), so that counters from different workers are not mistaken for
one series that went backwards: sum them by ``pid``.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

SIZE_BUCKETS = (1e3, 5e3, 2e4, 5e4, 2e5, 5e5, 2e6, 5e6, 1.6e7)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.documents = Counter(
            "gateway_documents",
            "Documents received, by system, outcome and refusal code",
            ["system", "outcome", "code"],
            registry=self.registry,
        )
        self.check_seconds = Histogram(
            "gateway_check_seconds",
            "Time spent in the checks (parse, schema, signature)",
            registry=self.registry,
        )
        self.document_bytes = Histogram(
            "gateway_document_bytes",
            "Size of received documents",
            buckets=SIZE_BUCKETS,
            registry=self.registry,
        )
        self.requests = Histogram(
            "gateway_http_request_seconds",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.published = Counter(
            "gateway_outbox_published",
            "Messages published to the broker and confirmed",
            registry=self.registry,
        )
        self.responses = Counter(
            "gateway_responses",
            "Responses from the customs systems, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.receipts = Counter(
            "gateway_receipts_issued",
            "Signed receipts issued, by kind (UPO, NPP) and whether they were kept",
            ["kind", "stored"],
            registry=self.registry,
        )
        self.receipt_certificate_expiry = Gauge(
            "gateway_receipt_certificate_expiry_seconds",
            "Seconds until the receipt-signing certificate expires",
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "gateway_outbox_dead_lettered",
            "Outbox rows dead-lettered past the retry cap (their documents undeliverable)",
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "gateway_outbox_dead_letters",
            "Dead letters in the outbox, waiting for an operator to re-queue them",
            registry=self.registry,
        )
        self.backlog = Gauge(
            "gateway_outbox_backlog", "Messages waiting in the outbox", registry=self.registry
        )
        self.backlog_age = Gauge(
            "gateway_outbox_oldest_seconds", "Age of the oldest message in the outbox", registry=self.registry
        )
        self.broker_connected = Gauge(
            "gateway_broker_connected", "1 when the relay holds a broker connection", registry=self.registry
        )

        self.process = Gauge(
            "gateway_process",
            "1, labelled with the process id of the worker that answered this scrape",
            ["pid"],
            registry=self.registry,
        )
        self.process.labels(str(os.getpid())).set(1)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
