"""Can this VM become a version of that image definition? Decided before anything is touched.

Azure checks the same rules only when the version is created, which is after the VM has been
deprovisioned and generalized: a mismatch found there leaves a VM that can never start again and
no image. Checking the definition against the VM's facts up front turns that into a clean failure
with nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from imagefactory.gateway.facts import DefinitionFacts, VmFacts
from imagefactory.request import BuildRequest, DefinitionSpec

# Definition SecurityType feature -> the VM security types a version's source may have.
# A definition without the feature is a Standard definition.
SECURITY_ACCEPTS: dict[str, frozenset[str]] = {
    "standard": frozenset({"standard"}),
    "trustedlaunch": frozenset({"trustedlaunch"}),
    "trustedlaunchsupported": frozenset({"standard", "trustedlaunch"}),
    "confidentialvm": frozenset({"confidentialvm"}),
    "confidentialvmsupported": frozenset({"standard", "confidentialvm"}),
    "trustedlaunchandconfidentialvmsupported": frozenset({"standard", "trustedlaunch", "confidentialvm"}),
}

# The SecurityType a new definition gets for a VM of each security type (exactly the VM's).
SECURITY_FOR_NEW_DEFINITION: dict[str, str] = {
    "standard": "Standard",
    "trustedlaunch": "TrustedLaunch",
    "confidentialvm": "ConfidentialVM",
}


@dataclass(frozen=True)
class Incompatibility:
    """One reason the VM (or the request) does not fit the definition."""

    field: str  # the request field (or "source") to change
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def expected_os_state(request: BuildRequest) -> str:
    """Generalized unless the request keeps the VM specialized (generalize "none")."""
    return "Specialized" if request.generalize == "none" else "Generalized"


def security_accepts(definition_security: str | None, vm_security: str) -> bool:
    key = (definition_security or "Standard").lower()
    allowed = SECURITY_ACCEPTS.get(key, frozenset({key}))
    return vm_security.lower() in allowed


def _same(left: str | None, right: str | None) -> bool:
    return left is None or right is None or left.lower() == right.lower()


def check_existing_definition(
    request: BuildRequest, spec: DefinitionSpec, vm: VmFacts | None, definition: DefinitionFacts
) -> list[Incompatibility]:
    """Why the VM and the request's definition spec do not fit an existing definition (empty = fit)."""
    problems: list[Incompatibility] = []
    name = definition.id.rsplit("/", 1)[-1]

    def spec_mismatch(field: str, asked: str | None, actual: str | None) -> None:
        if asked is not None and not _same(asked, actual):
            problems.append(
                Incompatibility(
                    f"target.definition.{field}",
                    "definition_mismatch",
                    f"is {asked!r} but the existing definition {name!r} has {actual!r}",
                )
            )

    spec_mismatch("os_type", spec.os_type, definition.os_type)
    spec_mismatch("os_state", spec.os_state, definition.os_state)
    spec_mismatch("hyper_v_generation", spec.hyper_v_generation, definition.hyper_v_generation)
    spec_mismatch("architecture", spec.architecture, definition.architecture)
    spec_mismatch("security_type", spec.security_type, definition.security_type or "Standard")

    wanted_state = expected_os_state(request)
    if not _same(wanted_state, definition.os_state):
        problems.append(
            Incompatibility(
                "generalize",
                "os_state_mismatch",
                f"{request.generalize!r} produces a {wanted_state} image but definition {name!r} "
                f"holds {definition.os_state} images",
            )
        )
    if vm is not None:
        problems.extend(
            check_vm_against(
                vm,
                definition.os_type,
                definition.hyper_v_generation,
                definition.security_type,
                f"definition {name!r}",
            )
        )
    return problems


def check_vm_against(
    vm: VmFacts, os_type: str | None, hyper_v_generation: str | None, security_type: str | None, what: str
) -> list[Incompatibility]:
    """Why the VM cannot be the source of `what` with these properties (empty = it can)."""
    problems: list[Incompatibility] = []
    if not _same(vm.os_type, os_type):
        problems.append(
            Incompatibility(
                "source", "os_type_mismatch", f"VM {vm.name!r} runs {vm.os_type} but {what} is {os_type}"
            )
        )
    if not _same(vm.hyper_v_generation, hyper_v_generation):
        problems.append(
            Incompatibility(
                "source",
                "hyper_v_generation_mismatch",
                f"VM {vm.name!r} is Hyper-V generation {vm.hyper_v_generation} "
                f"but {what} is {hyper_v_generation}",
            )
        )
    if not security_accepts(security_type, vm.security_type):
        problems.append(
            Incompatibility(
                "source",
                "security_type_mismatch",
                f"VM {vm.name!r} has security type {vm.security_type}, which {what} "
                f"(SecurityType {security_type or 'Standard'}) does not accept",
            )
        )
    return problems


def new_definition_properties(request: BuildRequest, spec: DefinitionSpec, vm: VmFacts) -> dict[str, str]:
    """The properties a definition created for this VM gets (request first, then the VM's facts)."""
    security = spec.security_type or SECURITY_FOR_NEW_DEFINITION.get(vm.security_type.lower(), "Standard")
    return {
        "os_type": spec.os_type or vm.os_type or "Linux",
        "os_state": spec.os_state or expected_os_state(request),
        "hyper_v_generation": spec.hyper_v_generation or vm.hyper_v_generation or "V2",
        "architecture": spec.architecture or "x64",
        "security_type": security,
    }
