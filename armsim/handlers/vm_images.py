"""A VM created from an Azure Compute Gallery image: `storageProfile.imageReference.id` names a
version, or the definition (meaning its latest version in the VM's region).

The rules Azure applies, with its errors:
- the image must be available (replicated, Completed) in the VM's region, else 404
  GalleryImageNotFound "The gallery image ... is not available in {region} region ...";
- the definition's OS state decides the OS profile: Generalized requires `osProfile` (adminUsername;
  Windows an adminPassword; Linux an adminPassword or SSH public keys), Specialized forbids it
  ("Parameter 'osProfile' is not allowed.");
- the VM's `securityProfile.securityType` (Standard when absent) must be one the definition's
  SecurityType feature supports.
Secrets (adminPassword) are never stored or returned.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from armsim.backend import Backend
from armsim.errors import BadRequestError, GalleryImageNotFoundError, InvalidParameterError
from armsim.handlers.common import enum_value, get_path
from armsim.handlers.version_lifecycle import latest_version, replicated_in, version_by_id
from armsim.ids import Scope, region_key
from armsim.models.gallery_image import GalleryImage
from armsim.models.image_version import ImageVersion
from armsim.models.network import DELETE_OPTIONS
from armsim.models.vm import SECURITY_TYPES, VirtualMachine

_GALLERY_IMAGE = re.compile(
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/"
    r"galleries/(?P<gallery>[^/]+)/images/(?P<definition>[^/]+)(/versions/(?P<version>[^/]+))?",
    re.IGNORECASE,
)
REFERENCE = "parameters.properties.storageProfile.imageReference.id"


def gallery_image_id(reference: Any) -> str | None:
    """The gallery version or definition id an image reference names, if it names one."""
    image_id = reference.get("id") if isinstance(reference, dict) else None
    if isinstance(image_id, str) and _GALLERY_IMAGE.fullmatch(image_id.rstrip("/")):
        return image_id.rstrip("/")
    return None


def gallery_source(backend: Backend, body: dict[str, Any], image_id: str, location: str) -> dict[str, Any]:
    """What the VM is made of, after every check; `image_reference` is what the VM reports."""
    now = backend.now()
    match = _GALLERY_IMAGE.fullmatch(image_id)
    assert match is not None
    scope = Scope(match["sub"], match["rg"])
    definition = backend.find(backend.definitions, scope.definition_id(match["gallery"], match["definition"]))
    if definition is None or not definition.lifecycle.is_ready(now):
        raise GalleryImageNotFoundError(image_id, region_key(location))
    version = _version(backend, scope, definition, match["version"], location, now)
    if version is None:
        raise GalleryImageNotFoundError(image_id, region_key(location))
    security = _security_type(body, definition)
    _check_os_profile(body, definition)
    return {
        "os_type": definition.os_type,
        "os_disk_size_gb": version.os_disk_size_gb,
        "data_disks": list(version.data_disks),
        "hyper_v_generation": definition.hyper_v_generation,
        "architecture": definition.architecture,
        "security_type": security,
        "image_reference": {"id": image_id, "exactVersion": version.name},
        "specialized": definition.os_state == "Specialized",
    }


def _version(
    backend: Backend, scope: Scope, definition: GalleryImage, name: str | None, location: str, now: datetime
) -> ImageVersion | None:
    if name is None:
        return latest_version(backend, definition.id, location, now)
    version = version_by_id(backend, scope.version_id(definition.gallery, definition.name, name), now)
    return version if version is not None and replicated_in(version, location, now) else None


def _security_type(body: dict[str, Any], definition: GalleryImage) -> str:
    requested = get_path(body, "properties.securityProfile.securityType") or "Standard"
    security = enum_value(
        str(requested), SECURITY_TYPES, "parameters.properties.securityProfile.securityType"
    )
    if definition.accepts_security_type(security):
        return security
    required = definition.security_type
    if required in ("TrustedLaunch", "ConfidentialVM"):
        raise BadRequestError(
            f"The provided gallery image only supports creation of VMs and VM Scale Sets with '{required}' "
            "security type."
        )
    if security == "TrustedLaunch":
        raise BadRequestError(
            "Use of TrustedLaunch setting is not supported for the provided image. Please select Trusted "
            "Launch Supported Gen2 OS Image."
        )
    raise BadRequestError(
        "Use of ConfidentialVM setting is not supported for the provided image. Please select a Confidential "
        "VM Supported OS Image."
    )


def _missing(name: str, target: str) -> InvalidParameterError:
    return InvalidParameterError(f"Required parameter '{name}' is missing (null).", target=target)


def _check_os_profile(body: dict[str, Any], definition: GalleryImage) -> None:
    profile = get_path(body, "properties.osProfile")
    if definition.os_state == "Specialized":
        if profile is not None:
            raise InvalidParameterError("Parameter 'osProfile' is not allowed.", target="osProfile")
        return
    if not isinstance(profile, dict):
        raise _missing("osProfile", "osProfile")
    user = profile.get("adminUsername")
    if not isinstance(user, str) or not user:
        raise _missing("adminUsername", "adminUsername")
    password = profile.get("adminPassword")
    if definition.os_type == "Windows":
        if not isinstance(password, str) or not password:
            raise _missing("adminPassword", "adminPassword")
        return
    raw_linux = profile.get("linuxConfiguration")
    linux: dict[str, Any] = raw_linux if isinstance(raw_linux, dict) else {}
    keys = get_path(linux, "ssh.publicKeys") or []
    if not isinstance(keys, list):
        raise InvalidParameterError(
            "Parameter 'publicKeys' must be an array.", target="linuxConfiguration.ssh.publicKeys"
        )
    default_path = f"/home/{user}/.ssh/authorized_keys"
    for entry in keys:
        path = entry.get("path") if isinstance(entry, dict) else None
        if path is not None and path != default_path:
            raise InvalidParameterError(
                "Destination path for SSH public keys is currently limited to its default value "
                f"{default_path} due to a known issue in Linux provisioning agent.",
                target="linuxConfiguration.ssh.publicKeys.path",
            )
    password_login = bool(password) and not linux.get("disablePasswordAuthentication", False)
    if not password_login and not keys:
        raise InvalidParameterError(
            "Authentication using either SSH or by user name and password must be enabled in Linux profile.",
            target="linuxConfiguration",
        )


def rendered_os_profile(body: dict[str, Any], vm: VirtualMachine) -> dict[str, Any]:
    """The osProfile a VM created with one reports: the request's, without its secrets."""
    profile = get_path(body, "properties.osProfile") or {}
    rendered: dict[str, Any] = {
        "computerName": profile.get("computerName") or vm.name[:15],
        "adminUsername": profile.get("adminUsername") or vm.admin_username,
    }
    if vm.os_type == "Linux":
        linux = dict(profile.get("linuxConfiguration") or {})
        keys = get_path(linux, "ssh.publicKeys") or []
        rendered["linuxConfiguration"] = {
            "disablePasswordAuthentication": bool(linux.get("disablePasswordAuthentication", False)),
            **({"ssh": {"publicKeys": keys}} if keys else {}),
            "provisionVMAgent": True,
        }
    else:
        rendered["windowsConfiguration"] = {"provisionVMAgent": True, "enableAutomaticUpdates": True}
    rendered.update({"secrets": [], "allowExtensionOperations": True, "requireGuestProvisionSignal": True})
    return rendered


def apply_storage_options(body: dict[str, Any], vm: VirtualMachine) -> None:
    """deleteOption of the OS disk and of the data disks (by lun), Detach when not given; call it
    before the VM's disks are created."""
    os_option = get_path(body, "properties.storageProfile.osDisk.deleteOption")
    target = "parameters.properties.storageProfile"
    if os_option is not None:
        vm.os_disk_delete_option = enum_value(str(os_option), DELETE_OPTIONS, f"{target}.osDisk.deleteOption")
    by_lun = {d.lun: d for d in vm.data_disks}
    for index, disk in enumerate(get_path(body, "properties.storageProfile.dataDisks") or []):
        if isinstance(disk, dict) and disk.get("lun") in by_lun and disk.get("deleteOption") is not None:
            by_lun[disk["lun"]].delete_option = enum_value(
                str(disk["deleteOption"]), DELETE_OPTIONS, f"{target}.dataDisks[{index}].deleteOption"
            )
