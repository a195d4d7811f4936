"""The PUESC SEAP web-service channel (SOAP 1.1, WS_PULL): traders' existing SEAP software talks
to the gateway as to PUESC.  Like the REST channel it only translates: the envelope in, one
service called, the answer or the fault out (docs/seap.md)."""
