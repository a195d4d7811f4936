"""The PUESC SEAP web-service contract as values and pure functions: its namespaces, the
``document`` element of WS_CHANNEL, WS-Security UsernameToken checks, and the WS_PUSH request the
gateway sends.  No I/O here: the channel (gateway/channels/seap) and the push delivery service
call these."""
