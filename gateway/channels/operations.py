"""Every change and view of the registry, as one table: each :class:`Operation` names its command
line (``gateway registry ...``), its route under ``/api/v1/admin``, its parameters and the coroutine
that runs it: one call of a registry administration service
(:class:`gateway.services.registry.administration.RegistryAdministration`), its answer as JSON.

The CLI (:mod:`gateway.channels.cli.registry`) and the admin HTTP API (:mod:`gateway.channels.http.admin`) are
both built from :data:`OPERATIONS` and hold no code of their own for any one operation.  A
parameter's value arrives as text (a command-line word, a URL path segment, a query string) or as
a JSON value; :meth:`Param.value` turns either into the one Python value the coroutine receives,
and :meth:`Operation.bind` checks the whole set (required parameters, "exactly one of").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gateway.core.domain import SYSTEMS
from gateway.core.errors import BadRequest
from gateway.core.registry.model import DATA_SOURCES, IDENTIFIER_SCHEMES, PODMIOT_KINDS, Scope
from gateway.core.registry.pdr import parse_instant as parse_datetime
from gateway.core.registry.rules import CREDENTIAL_KINDS
from gateway.core.seap.push import DELIVERY_STATES

if TYPE_CHECKING:  # the table is built for `gateway --help` too: the services load when one runs
    from gateway.services.registry.administration import RegistryAdministration

#: what a parameter holds:
#: ``str``; ``int``; ``bool`` (a CLI flag); ``datetime`` (RFC 3339, or a date meaning 00:00 UTC);
#: ``identifier`` (``SCHEME=VALUE``, a Podmiot identifier); ``file`` (CLI: a file's path, read as
#: bytes; HTTP: the text itself, or the whole body); ``secret`` (CLI: read from standard input,
#: never a word on the command line; HTTP: a JSON string)
Kind = Literal["str", "int", "bool", "datetime", "identifier", "file", "secret"]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
#: the registry administration, the actor recorded in the audit trail, the parameters -> the answer
Runner = Callable[["RegistryAdministration", str, dict[str, Any]], Awaitable[Any]]

ADMIN_PREFIX = "/api/v1/admin"
ALL_SYSTEMS = "*"

_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no", ""})


# --- parameter values -----------------------------------------------------------------------------


#: the range of the database's BIGINT, which every whole number here ends up compared with
INT_RANGE = (-(2**63), 2**63 - 1)


def parse_int(text: str) -> int:
    try:
        return checked_int(int(text.strip()))
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number from {INT_RANGE[0]} to {INT_RANGE[1]}") from None


def checked_int(value: int) -> int:
    if not INT_RANGE[0] <= value <= INT_RANGE[1]:
        raise ValueError(f"{value} is out of range")
    return value


def parse_identifier(text: str) -> tuple[str, str]:
    """``SCHEME=VALUE``, e.g. ``NIP=5260250274`` or ``AKCR=PL00000123AB4``."""
    scheme, equals, value = text.partition("=")
    scheme, value = scheme.strip().upper(), value.strip()
    if not equals or not value:
        raise ValueError(f"{text!r} is not SCHEME=VALUE (e.g. NIP=5260250274)")
    if scheme not in IDENTIFIER_SCHEMES:
        raise ValueError(f"identifier scheme {scheme!r} is not one of {', '.join(IDENTIFIER_SCHEMES)}")
    return scheme, value


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{text!r} is not true or false")


_FROM_TEXT: dict[Kind, Callable[[str], Any]] = {
    "str": str,
    "secret": str,
    "int": parse_int,
    "bool": parse_bool,
    "datetime": parse_datetime,
    "identifier": parse_identifier,
    "file": str.encode,
}


def _native(kind: Kind, raw: object) -> bool:
    """Whether ``raw`` is already a value of ``kind`` (a JSON number or boolean, or a body's bytes)."""
    if isinstance(raw, bool):
        return kind == "bool"
    return (kind == "int" and isinstance(raw, int)) or (kind == "file" and isinstance(raw, bytes))


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an operation.

    On the command line a parameter taken from the URL path (``in_path``), or marked
    ``positional``, is a positional argument; any other is an option ``--name-with-dashes`` (or
    ``flag``).  Over HTTP, path parameters come from the route, the others from the JSON body
    (POST, PUT, PATCH) or the query string (GET, DELETE); a ``body`` parameter is the whole body.
    """

    name: str
    kind: Kind = "str"
    required: bool = False
    help: str = ""
    in_path: bool = False
    many: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    positional: bool = False
    #: the CLI option, when not ``--`` and the name with dashes
    flag: str | None = None
    metavar: str | None = None
    #: HTTP: the whole request body (of ``Operation.media_type``)
    body: bool = False

    @property
    def cli_positional(self) -> bool:
        return self.in_path or self.positional

    @property
    def option(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    def value(self, raw: object) -> Any:
        """The value of this parameter from text or from a JSON value; ValueError if it is not one."""
        if self.many:
            items = raw if isinstance(raw, list) else [raw]
            return [self.item(item) for item in items]
        return self.item(raw)

    def item(self, raw: object) -> Any:
        """One value (one item of a list parameter)."""
        if isinstance(raw, str):
            value = _FROM_TEXT[self.kind](raw)
        elif _native(self.kind, raw):
            value = checked_int(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
        else:
            expected = {"int": "a whole number", "bool": "true or false"}.get(self.kind, "a string")
            raise ValueError(f"must be {expected}{' or a list of them' if self.many else ''}")
        if self.choices and value not in self.choices:
            raise ValueError(f"{value!r} is not one of {', '.join(self.choices)}")
        return value


@dataclass(frozen=True, slots=True)
class Operation:
    """One registry operation: ``gateway registry <command>`` and ``<method> /api/v1/admin<path>``."""

    command: tuple[str, ...]
    method: Method
    #: under ``/api/v1/admin``; ``{name}`` for each parameter taken from the path
    path: str
    help: str
    run: Runner
    params: tuple[Param, ...] = ()
    #: further command lines for the same operation (e.g. ``grant`` for ``representation grant``)
    aliases: tuple[tuple[str, ...], ...] = ()
    #: the HTTP status of a success
    status: int = 200
    #: groups of parameters of which exactly one must be given
    one_of: tuple[tuple[str, ...], ...] = ()
    #: the CLI without ``--json`` prints only this field (e.g. the token, for scripts)
    plain: str | None = None
    #: the media type of a ``body`` parameter (HTTP)
    media_type: str = "application/json"

    @property
    def route(self) -> str:
        return ADMIN_PREFIX + self.path

    @property
    def commands(self) -> tuple[tuple[str, ...], ...]:
        return (self.command, *self.aliases)

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def parse(self, raw: Mapping[str, object]) -> dict[str, Any]:
        """The parameters from text or JSON values (HTTP), checked: ``BadRequest`` if any is not
        one of this operation's or not of its kind."""
        known = {p.name for p in self.params}
        if unknown := sorted(set(raw) - known):
            accepted = ", ".join(sorted(known)) or "none"
            raise BadRequest(f"unknown parameter {', '.join(unknown)} (accepted: {accepted})")
        values: dict[str, Any] = {}
        for param in self.params:
            given = raw.get(param.name)
            if given is None:
                continue
            try:
                values[param.name] = param.value(given)
            except ValueError as exc:
                raise BadRequest(f"{param.name}: {exc}") from None
        return self.bind(values)

    def bind(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter (the default where one was not given), or ``BadRequest``."""
        bound = {p.name: values[p.name] if values.get(p.name) is not None else p.default for p in self.params}
        if missing := [p.name for p in self.params if p.required and bound[p.name] is None]:
            raise BadRequest(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required")
        for group in self.one_of:
            given = [name for name in group if bound[name] is not None]
            if len(given) != 1:
                raise BadRequest(f"give exactly one of {', '.join(group)}")
        return bound


def _path(name: str, help: str, *, kind: Kind = "str", metavar: str | None = None) -> Param:
    return Param(name, kind, required=True, help=help, in_path=True, metavar=metavar or name.upper())


def _arg(name: str, help: str, *, metavar: str | None = None, choices: tuple[str, ...] = ()) -> Param:
    """Positional on the command line, in the JSON body over HTTP."""
    return Param(
        name, required=True, help=help, positional=True, metavar=metavar or name.upper(), choices=choices
    )


# --- the coroutines: one service call each, its answer as JSON ----------------------------------


def _systems(values: list[str] | None) -> list[str] | None:
    """``*`` (alone) means every system: the empty list."""
    if values is None:
        return None
    return [] if values == [ALL_SYSTEMS] else values


async def _account_add(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    role = "operator" if p["operator"] else "user"
    return (await admin.accounts.add(p["login"], role=role, password=p["password"], actor=actor)).summary()


async def _account_disable(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.accounts.set_status(p["login"], "inactive", actor)).summary()


async def _account_enable(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.accounts.set_status(p["login"], "active", actor)).summary()


async def _account_list(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return [account.summary() for account in await admin.accounts.list()]


async def _account_show(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.accounts.show(p["login"])).as_dict()


async def _account_role(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.accounts.set_role(p["login"], p["role"], actor=actor)).as_dict()


async def _account_password(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return await admin.web_service.set_password(p["login"], p["password"], digest=p["digest"], actor=actor)


async def _push_set(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return await admin.web_service.set_push_endpoint(p["login"], p["url"], actor)


async def _push_remove(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return await admin.web_service.remove_push_endpoint(p["login"], actor)


async def _push_deliveries(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return await admin.web_service.push_deliveries(p["login"], p["status"], p["limit"])


async def _push_retry(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return await admin.web_service.retry_push(p["id"], actor)


async def _account_attach(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.accounts.attach(p["login"], p["person"], actor=actor)).as_dict()


async def _account_link(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.linking.link(p["login"], p["pesel"], p["code"], actor=actor)).as_dict()


async def _token(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    token = await admin.accounts.issue_token(p["login"], p["days"], p["label"], actor)
    return {"login": p["login"], "token": token}


async def _revoke_tokens(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return {"login": p["login"], "revoked": await admin.accounts.revoke_tokens(p["login"], actor)}


_PERSON_FIELDS = ("first_name", "surname", "pesel", "eori", "nip", "epuap_account")


async def _person_add(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    added = await admin.persons.add(**{name: p[name] for name in _PERSON_FIELDS}, actor=actor)
    return added.as_dict()


async def _person_change(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    fields = {name: value for name, value in p.items() if name != "id"}
    return (await admin.persons.change(p["id"], actor=actor, **fields)).as_dict()


async def _person_show(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.persons.show(p["id"])).as_dict()


async def _person_list(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return [person.as_dict() for person in await admin.persons.list()]


async def _credential_add(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    credential = await admin.persons.add_credential(
        p["id"], p["kind"], certificate_pem=p["certificate"], fingerprint=p["fingerprint"], actor=actor
    )
    return credential.as_dict()


async def _credential_revoke(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.persons.revoke_credential(p["fingerprint"], actor=actor)).as_dict()


_PODMIOT_SCHEMES = (("eori", "EORI"), ("nip", "NIP"), ("regon", "REGON"), ("pesel", "PESEL"))


async def _podmiot_add(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    identifiers = [(scheme, p[name]) for name, scheme in _PODMIOT_SCHEMES if p[name]]
    identifiers += [("AKCR", number) for number in p["excise"] or ()]
    added = await admin.podmioty.add(
        name=p["name"], kind=p["kind"], identifiers=identifiers, data_source=p["data_source"], actor=actor
    )
    return added.as_dict()


async def _podmiot_change(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    changed = await admin.podmioty.change(
        p["identifier"],
        name=p["name"],
        kind=p["kind"],
        data_source=p["data_source"],
        add_identifiers=p["add"] or (),
        remove_identifiers=p["remove"] or (),
        actor=actor,
    )
    return changed.as_dict()


async def _podmiot_show(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.podmioty.show(p["identifier"])).as_dict()


async def _podmiot_list(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return [podmiot.as_dict() for podmiot in await admin.podmioty.list()]


async def _grant(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    granted = await admin.representations.grant(
        p["person"],
        p["podmiot"],
        p["scope"],
        systems=_systems(p["systems"]) or (),
        valid_from=p["valid_from"],
        valid_to=p["valid_to"],
        actor=actor,
    )
    return granted.as_dict()


async def _representation_change(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    changed = await admin.representations.change(
        p["id"], scope=p["scope"], systems=_systems(p["systems"]), valid_to=p["valid_to"], actor=actor
    )
    return changed.as_dict()


async def _revoke(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.representations.revoke(p["id"], actor=actor)).as_dict()


async def _representation_list(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    listed = await admin.representations.list(person=p["person"], podmiot=p["podmiot"])
    return [representation.as_dict() for representation in listed]


async def _application_list(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    listed = await admin.applications.list(None if p["status"] == "all" else p["status"])
    return [application.as_dict() for application in listed]


async def _application_show(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.applications.show(p["reference"])).as_dict()


async def _approve(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.applications.approve(p["reference"], actor=actor)).as_dict()


async def _reject(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return (await admin.applications.reject(p["reference"], p["reason"], actor=actor)).as_dict()


async def _pdr_import(admin: RegistryAdministration, actor: str, p: dict[str, Any]) -> Any:
    return await admin.pdr.import_file(bytes(p["file"]), actor=actor)


# --- the table ----------------------------------------------------------------------------------

_LOGIN = _path("login", "the account's login (its e-mail address)")
_PERSON_ID = _path("id", "the person's ID SISC or PESEL")
_PODMIOT_ID = _path("identifier", "any identifier of the Podmiot (EORI, NIP, REGON, ...) or its id")
_REPRESENTATION_ID = _path("id", "the representation's id", kind="int")
_REFERENCE = _path("reference", "the application's reference (the document's reference)")
_SYSTEMS = Param(
    "systems",
    many=True,
    flag="--system",
    metavar="SYSTEM",
    choices=(*SYSTEMS, ALL_SYSTEMS),
    help=f"the systems it covers (default: all; {ALL_SYSTEMS} for all)",
)
_SCOPES = tuple(Scope)

OPERATIONS: tuple[Operation, ...] = (
    # --- accounts
    Operation(
        ("account", "add"),
        "POST",
        "/accounts",
        "add a PUESC account (basic until it is linked to a person)",
        _account_add,
        (
            _arg("login", "the account's login (its e-mail address)"),
            Param("operator", "bool", default=False, help="may use the registry administration API"),
            Param(
                "password",
                "secret",
                help="a password of at least 12 characters",
            ),
        ),
        status=201,
    ),
    Operation(
        ("account", "disable"),
        "POST",
        "/accounts/{login}/disable",
        "disable an account",
        _account_disable,
        (_LOGIN,),
    ),
    Operation(
        ("account", "enable"),
        "POST",
        "/accounts/{login}/enable",
        "enable an account",
        _account_enable,
        (_LOGIN,),
    ),
    Operation(("account", "list"), "GET", "/accounts", "list accounts", _account_list),
    Operation(("account", "show"), "GET", "/accounts/{login}", "show an account", _account_show, (_LOGIN,)),
    Operation(
        ("account", "role"),
        "PUT",
        "/accounts/{login}/role",
        "set an account's role",
        _account_role,
        (_LOGIN, _arg("role", "user or operator", choices=("user", "operator"))),
    ),
    Operation(
        ("account", "password"),
        "PUT",
        "/accounts/{login}/password",
        "set an account's web-service password (--password-stdin, or one is generated and shown once)",
        _account_password,
        (
            _LOGIN,
            Param("password", "secret", help="at least 12 characters"),
            Param("digest", "bool", default=False, help="also allow WS-Security PasswordDigest"),
        ),
    ),
    Operation(
        ("account", "attach"),
        "POST",
        "/accounts/{login}/attach",
        "link an account to a registered person (an officer's check of identity)",
        _account_attach,
        (_LOGIN, _arg("person", "the person's ID SISC or PESEL", metavar="ID_SISC")),
    ),
    Operation(
        ("account", "link"),
        "POST",
        "/accounts/{login}/link",
        "link an account to a person migrated from PDR, by its PESEL and one-time code",
        _account_link,
        (
            _LOGIN,
            Param("pesel", required=True, help="the migrated person's PESEL"),
            Param("code", required=True, help="the one-time code from PDR"),
        ),
    ),
    Operation(
        ("token",),
        "POST",
        "/accounts/{login}/tokens",
        "issue an API token for an account (printed once)",
        _token,
        (
            _LOGIN,
            Param("days", "int", help="valid for this many days (default: until revoked)"),
            Param("label", help="a note on what the token is for"),
        ),
        aliases=(("account", "token"),),
        status=201,
        plain="token",
    ),
    Operation(
        ("revoke-tokens",),
        "DELETE",
        "/accounts/{login}/tokens",
        "revoke every token of an account",
        _revoke_tokens,
        (_LOGIN,),
        aliases=(("account", "revoke-tokens"),),
    ),
    # --- persons and their credentials
    Operation(
        ("person", "add"),
        "POST",
        "/persons",
        "register a person (its ID SISC: the EORI, else PL and the PESEL)",
        _person_add,
        (
            Param("first_name", required=True, help="the first name"),
            Param("surname", required=True, help="the surname"),
            Param("pesel", help="the PESEL number"),
            Param("eori", help="the EORI number (then the ID SISC)"),
            Param("nip", help="the NIP number"),
            Param("epuap_account", help="the person's ePUAP account"),
        ),
        status=201,
    ),
    Operation(
        ("person", "change"),
        "PATCH",
        "/persons/{id}",
        "change a person's data or status",
        _person_change,
        (
            _PERSON_ID,
            Param("first_name", help="the new first name"),
            Param("surname", help="the new surname"),
            Param("eori", help="the new EORI number"),
            Param("nip", help="the new NIP number"),
            Param("epuap_account", help="the new ePUAP account"),
            Param("status", choices=("active", "inactive"), help="inactive: the person may no longer sign"),
        ),
    ),
    Operation(
        ("person", "show"),
        "GET",
        "/persons/{id}",
        "show a person, its credentials and representations",
        _person_show,
        (_PERSON_ID,),
    ),
    Operation(("person", "list"), "GET", "/persons", "list persons", _person_list),
    Operation(
        ("credential", "add"),
        "POST",
        "/persons/{id}/credentials",
        "add an SC certificate or CBTD key of a person",
        _credential_add,
        (
            _PERSON_ID,
            _arg("kind", "sc or cbtd", choices=CREDENTIAL_KINDS),
            Param(
                "certificate",
                "file",
                flag="--cert",
                metavar="FILE",
                help="the certificate (CLI: a PEM or DER file; HTTP: PEM text)",
            ),
            Param("fingerprint", metavar="HEX", help="the certificate's SHA-256 fingerprint"),
        ),
        status=201,
        one_of=(("certificate", "fingerprint"),),
    ),
    Operation(
        ("credential", "revoke"),
        "POST",
        "/credentials/{fingerprint}/revoke",
        "revoke a credential",
        _credential_revoke,
        (_path("fingerprint", "the certificate's SHA-256 fingerprint"),),
    ),
    # --- Podmioty
    Operation(
        ("podmiot", "add"),
        "POST",
        "/podmioty",
        "register a Podmiot (at least one identifier)",
        _podmiot_add,
        (
            Param("name", required=True, help="the registered name"),
            Param("kind", required=True, choices=PODMIOT_KINDS, help="the legal form"),
            Param("data_source", choices=DATA_SOURCES, help="where name, NIP and REGON come from"),
            Param("eori", help="the EORI number"),
            Param("nip", help="the NIP number"),
            Param("regon", help="the REGON number"),
            Param("pesel", help="a natural person acting as a Podmiot"),
            Param("excise", many=True, metavar="NUMBER", help="excise numbers (AKC-R)"),
        ),
        status=201,
    ),
    Operation(
        ("podmiot", "change"),
        "PATCH",
        "/podmioty/{identifier}",
        "change a Podmiot (fields from KRS or CEiDG cannot change here)",
        _podmiot_change,
        (
            _PODMIOT_ID,
            Param("name", help="the new registered name"),
            Param("kind", choices=PODMIOT_KINDS, help="the new legal form"),
            Param("data_source", choices=(*DATA_SOURCES, "none"), help="none: no longer from KRS/CEiDG"),
            Param("add", "identifier", many=True, metavar="SCHEME=VALUE", help="identifiers to add"),
            Param("remove", "identifier", many=True, metavar="SCHEME=VALUE", help="identifiers to remove"),
        ),
    ),
    Operation(
        ("podmiot", "show"),
        "GET",
        "/podmioty/{identifier}",
        "show a Podmiot and its representations",
        _podmiot_show,
        (_PODMIOT_ID,),
    ),
    Operation(("podmiot", "list"), "GET", "/podmioty", "list Podmioty", _podmiot_list),
    # --- representations
    Operation(
        ("representation", "grant"),
        "POST",
        "/representations",
        "grant a person rights to act for a Podmiot",
        _grant,
        (
            _arg("person", "the representative's ID SISC or PESEL"),
            _arg("podmiot", "any identifier of the Podmiot"),
            Param("scope", required=True, choices=_SCOPES, help="what the person may do for the Podmiot"),
            _SYSTEMS,
            Param("valid_from", "datetime", help="in force from (RFC 3339; default: now)"),
            Param("valid_to", "datetime", help="in force until before (RFC 3339; default: open-ended)"),
        ),
        aliases=(("grant",),),
        status=201,
    ),
    Operation(
        ("representation", "change"),
        "PATCH",
        "/representations/{id}",
        "change a representation's scope, systems or end",
        _representation_change,
        (
            _REPRESENTATION_ID,
            Param("scope", choices=_SCOPES, help="the new scope"),
            _SYSTEMS,
            Param("valid_to", "datetime", help="in force until before (RFC 3339)"),
        ),
    ),
    Operation(
        ("representation", "revoke"),
        "POST",
        "/representations/{id}/revoke",
        "revoke a representation",
        _revoke,
        (_REPRESENTATION_ID,),
        aliases=(("revoke",),),
    ),
    Operation(
        ("representation", "list"),
        "GET",
        "/representations",
        "list representations",
        _representation_list,
        (
            Param("person", help="only this person's (ID SISC or PESEL)"),
            Param("podmiot", help="only for this Podmiot (any identifier)"),
        ),
    ),
    # --- registration applications
    Operation(
        ("application", "list"),
        "GET",
        "/applications",
        "list registration applications",
        _application_list,
        (
            Param(
                "status",
                choices=("pending", "approved", "rejected", "all"),
                default="pending",
                help="only applications in this state (default pending)",
            ),
        ),
    ),
    Operation(
        ("application", "show"),
        "GET",
        "/applications/{reference}",
        "show a registration application",
        _application_show,
        (_REFERENCE,),
    ),
    Operation(
        ("approve",),
        "POST",
        "/applications/{reference}/approve",
        "approve a registration application: it takes effect",
        _approve,
        (_REFERENCE,),
        aliases=(("application", "approve"),),
    ),
    Operation(
        ("reject",),
        "POST",
        "/applications/{reference}/reject",
        "reject a registration application",
        _reject,
        (_REFERENCE, Param("reason", required=True, help="why; shown to the applicant")),
        aliases=(("application", "reject"),),
    ),
    # --- push to the accounts' own WS_PUSH endpoints (SEAP channel)
    Operation(
        ("push", "set"),
        "PUT",
        "/accounts/{login}/push-endpoint",
        "deliver the responses an account may read to its own WS_PUSH endpoint too",
        _push_set,
        (_LOGIN, _arg("url", "the endpoint's URL (https://...)")),
    ),
    Operation(
        ("push", "remove"),
        "DELETE",
        "/accounts/{login}/push-endpoint",
        "stop pushing to an account's endpoint (pending deliveries are cancelled)",
        _push_remove,
        (_LOGIN,),
    ),
    Operation(
        ("push", "deliveries"),
        "GET",
        "/push/deliveries",
        "list push deliveries, newest first, with every attempt",
        _push_deliveries,
        (
            Param("login", help="only this account's"),
            Param("status", choices=DELIVERY_STATES, help="only deliveries in this state"),
            Param("limit", "int", default=50, help="at most this many (default 50)"),
        ),
    ),
    Operation(
        ("push", "retry"),
        "POST",
        "/push/deliveries/{id}/retry",
        "deliver a failed or cancelled delivery again",
        _push_retry,
        (_path("id", "the delivery's id", kind="int"),),
    ),
    # --- PDR migration
    Operation(
        ("pdr", "import"),
        "POST",
        "/pdr",
        "import a PDR migration file (all or nothing; every error is listed)",
        _pdr_import,
        (
            Param(
                "file",
                "file",
                required=True,
                positional=True,
                body=True,
                metavar="FILE",
                help="the CSV file (docs/registry.md); - for standard input",
            ),
        ),
        media_type="text/csv",
    ),
)

#: help for the command groups
GROUPS = {
    "account": "PUESC accounts",
    "person": "persons registered in SISC",
    "credential": "SC certificates and CBTD keys of persons",
    "podmiot": "Podmioty (traders, agencies)",
    "representation": "representations: persons acting for Podmioty",
    "application": "registration applications (SZPROT)",
    "pdr": "migration from PDR",
    "push": "push to the accounts' own WS_PUSH endpoints (SEAP channel)",
}
