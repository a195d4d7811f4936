"""Everything the registry's operation table calls, in one frozen value."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.services.accounts import AccountLinking
from gateway.services.registry.accounts import AccountAdministration
from gateway.services.registry.applications import ApplicationService
from gateway.services.registry.pdr import PdrImport
from gateway.services.registry.persons import PersonAdministration
from gateway.services.registry.podmioty import PodmiotAdministration
from gateway.services.registry.representations import RepresentationAdministration
from gateway.services.registry.webservice import WebServiceAdministration


@dataclass(frozen=True, slots=True)
class RegistryAdministration:
    accounts: AccountAdministration
    #: an account and the person migrated from PDR, by its PESEL and one-time code
    linking: AccountLinking
    persons: PersonAdministration
    podmioty: PodmiotAdministration
    representations: RepresentationAdministration
    applications: ApplicationService
    pdr: PdrImport
    #: the account's side of the SEAP channel: web-service password, push endpoint
    web_service: WebServiceAdministration
