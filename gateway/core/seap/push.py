"""The states of a delivery to an account's own WS_PUSH endpoint."""

from __future__ import annotations

PENDING, DELIVERED, FAILED, CANCELLED = "pending", "delivered", "failed", "cancelled"
DELIVERY_STATES = (PENDING, DELIVERED, FAILED, CANCELLED)
