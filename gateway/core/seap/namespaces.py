"""The XML namespaces of the SEAP contract and of the SOAP standards it builds on."""

from __future__ import annotations

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
USERNAME_TOKEN_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
WSA = "http://www.w3.org/2005/08/addressing"
WSA_ANONYMOUS = WSA + "/anonymous"
#: WS_PULL: the service PUESC (and so the gateway) offers
PULL = "http://www.mf.gov.pl/uslugiBiznesowe/WsPull/Usluga/2014/01_v2_0"
#: WS_PUSH: the service a trader offers to be sent documents
PUSH = "http://www.mf.gov.pl/uslugiBiznesowe/WsPush/Usluga/2014/01_v2_0"
#: WS_CHANNEL: the ``document`` and ``result`` types both services share
CHANNEL = "http://www.mf.gov.pl/schematy/SISC/WsChannel/2014/01_v2_0"
#: the port type both WSDLs name; WS-Addressing actions are made from it
PORT_TYPE = "DocumentHandlingPort"


def qname(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def output_action(service_namespace: str, operation: str) -> str:
    """The WS-Addressing Action of an operation's answer (the WSDL 1.1 default pattern the real
    service uses: ``<namespace>/<port type>/<operation>Response``)."""
    return f"{service_namespace}/{PORT_TYPE}/{operation}Response"


def input_action(service_namespace: str, operation: str) -> str:
    return f"{service_namespace}/{PORT_TYPE}/{operation}Request"


def fault_action(service_namespace: str, operation: str, fault: str) -> str:
    return f"{service_namespace}/{PORT_TYPE}/{operation}/Fault/{fault}"
