"""A customs-systems simulator for testers: ``gateway simulate``.

It plays NCTS2, AES and EMCS PL2 on the far side of the broker: it consumes the gateway's
``<SYSTEM>.inbound`` queues and answers each message as the customs system would, on the
``sisc.outbound`` exchange, so that the mailbox, the SEAP pull and push can be tried end to end
without a real SISC (docs/simulator.md).  Demo tooling: production never imports it.
"""
