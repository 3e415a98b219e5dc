"""The route table: every path armsim serves, with its operation name."""

from __future__ import annotations

from armsim.handlers import (
    admin,
    admin_guest,
    admin_storage,
    disks,
    galleries,
    image_versions,
    images,
    network,
    operations,
    sharing,
    snapshots,
    soft_delete,
    virtual_machines,
)
from armsim.routing import Router

VM = "{prefix}/virtualMachines/{name}"
GALLERY = "{prefix}/galleries/{gallery}"
DEFINITION = GALLERY + "/images/{definition}"
VERSION = DEFINITION + "/versions/{version}"
SOFT_DELETED = GALLERY + "/softDeletedArtifactTypes/{artifact_type}/artifacts/{artifact}/versions"
NETWORK = "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft\\.Network"


def build_router() -> Router:
    r = Router()
    # admin
    r.add("POST", "/_armsim/reset", "admin.reset", admin.reset, "admin")
    r.add("POST", "/_armsim/vms", "admin.seedVm", admin.post_vm, "admin")
    r.add("GET", "/_armsim/clock", "admin.getClock", admin.get_clock, "admin")
    r.add("POST", "/_armsim/clock", "admin.setClock", admin.post_clock, "admin")
    r.add("GET", "/_armsim/faults", "admin.getFaults", admin.get_faults, "admin")
    r.add("POST", "/_armsim/faults", "admin.addFault", admin.post_fault, "admin")
    r.add("DELETE", "/_armsim/faults", "admin.clearFaults", admin.delete_faults, "admin")
    r.add("GET", "/_armsim/timings", "admin.getTimings", admin.get_timings, "admin")
    r.add("POST", "/_armsim/timings", "admin.setTimings", admin.post_timings, "admin")
    r.add("POST", "/_armsim/throttling", "admin.setThrottling", admin.post_throttling, "admin")
    r.add("GET", "/_armsim/requests", "admin.getRequests", admin.get_requests, "admin")
    r.add("POST", "/_armsim/subnets", "admin.seedSubnet", admin_guest.post_subnet, "admin")
    r.add("GET", "/_armsim/subnets", "admin.getSubnets", admin_guest.get_subnets, "admin")
    r.add("GET", "/_armsim/run-commands", "admin.getRunCommands", admin_guest.get_run_commands, "admin")
    r.add("POST", "/_armsim/storage-accounts", "admin.addStorageAccount", admin_storage.post_account, "admin")
    r.add("GET", "/_armsim/storage-accounts", "admin.getStorageAccounts", admin_storage.get_accounts, "admin")
    r.add("POST", "/_armsim/blobs", "admin.addBlob", admin_storage.post_blob, "admin")
    r.add("GET", "/_armsim/blobs", "admin.getBlobs", admin_storage.get_blobs, "admin")
    # operation monitors
    r.add(
        "GET",
        "{locations}/operations/{operation}",
        "operations.get",
        operations.get_compute_operation,
        "async_poll",
    )
    r.add(
        "GET",
        "{locations}/capsOperations/{operation}",
        "operations.get",
        operations.get_caps_operation,
        "async_poll",
    )
    r.add(
        "GET",
        "{locations}/DiskOperations/{operation}",
        "operations.get",
        operations.get_disk_operation,
        "async_poll",
    )
    # virtual machines
    r.add(
        "GET",
        "/subscriptions/{subscription}/providers/Microsoft\\.Compute/virtualMachines",
        "virtualMachines.listAll",
        virtual_machines.list_all,
    )
    r.add("GET", "{prefix}/virtualMachines", "virtualMachines.list", virtual_machines.list_vms)
    r.add("GET", VM, "virtualMachines.get", virtual_machines.get_vm)
    r.add("PUT", VM, "virtualMachines.createOrUpdate", virtual_machines.create_or_update)
    r.add("DELETE", VM, "virtualMachines.delete", virtual_machines.delete)
    r.add("GET", VM + "/instanceView", "virtualMachines.instanceView", virtual_machines.instance_view)
    r.add("POST", VM + "/deallocate", "virtualMachines.deallocate", virtual_machines.deallocate)
    r.add("POST", VM + "/powerOff", "virtualMachines.powerOff", virtual_machines.power_off)
    r.add("POST", VM + "/start", "virtualMachines.start", virtual_machines.start)
    r.add("POST", VM + "/restart", "virtualMachines.restart", virtual_machines.restart)
    r.add("POST", VM + "/generalize", "virtualMachines.generalize", virtual_machines.generalize)
    r.add("POST", VM + "/runCommand", "virtualMachines.runCommand", virtual_machines.run_command)
    r.add("POST", VM + "/capture", "virtualMachines.capture", virtual_machines.capture)
    # managed disks and snapshots
    r.add("GET", "{prefix}/disks", "disks.list", disks.list_disks)
    r.add("GET", "{prefix}/disks/{name}", "disks.get", disks.get_disk)
    r.add("PUT", "{prefix}/disks/{name}", "disks.createOrUpdate", disks.put_disk)
    r.add("DELETE", "{prefix}/disks/{name}", "disks.delete", disks.delete_disk)
    r.add("GET", "{prefix}/snapshots", "snapshots.list", snapshots.list_snapshots)
    r.add("GET", "{prefix}/snapshots/{name}", "snapshots.get", snapshots.get_snapshot)
    r.add("PUT", "{prefix}/snapshots/{name}", "snapshots.createOrUpdate", snapshots.put_snapshot)
    r.add("DELETE", "{prefix}/snapshots/{name}", "snapshots.delete", snapshots.delete_snapshot)
    # managed images
    r.add("GET", "{prefix}/images", "images.list", images.list_images)
    r.add("GET", "{prefix}/images/{name}", "images.get", images.get_image)
    r.add("PUT", "{prefix}/images/{name}", "images.createOrUpdate", images.create_or_update)
    r.add("DELETE", "{prefix}/images/{name}", "images.delete", images.delete_image)
    # galleries
    r.add("GET", "{prefix}/galleries", "galleries.list", galleries.list_galleries)
    r.add("GET", GALLERY, "galleries.get", galleries.get_gallery)
    r.add("PUT", GALLERY, "galleries.createOrUpdate", galleries.put_gallery)
    r.add("PATCH", GALLERY, "galleries.update", galleries.patch_gallery)
    r.add("DELETE", GALLERY, "galleries.delete", galleries.delete_gallery)
    r.add("POST", GALLERY + "/share", "galleries.share", sharing.share)
    # gallery image definitions
    r.add("GET", GALLERY + "/images", "galleryImages.list", galleries.list_definitions)
    r.add("GET", DEFINITION, "galleryImages.get", galleries.get_definition)
    r.add("PUT", DEFINITION, "galleryImages.createOrUpdate", galleries.put_definition)
    r.add("PATCH", DEFINITION, "galleryImages.update", galleries.patch_definition)
    r.add("DELETE", DEFINITION, "galleryImages.delete", galleries.delete_definition)
    # gallery image versions
    r.add("GET", DEFINITION + "/versions", "galleryImageVersions.list", image_versions.list_versions)
    r.add("GET", VERSION, "galleryImageVersions.get", image_versions.get_version)
    r.add("PUT", VERSION, "galleryImageVersions.createOrUpdate", image_versions.put_version)
    r.add("PATCH", VERSION, "galleryImageVersions.update", image_versions.patch_version)
    r.add("DELETE", VERSION, "galleryImageVersions.delete", image_versions.delete_version)
    # gallery soft delete
    r.add("GET", SOFT_DELETED, "softDeletedResource.listByArtifactName", soft_delete.list_soft_deleted)
    r.add(
        "DELETE", SOFT_DELETED + "/{version}", "softDeletedResource.delete", soft_delete.delete_soft_deleted
    )
    # Microsoft.Network: the NICs VMs create, reachable by id for cleanup
    r.add("GET", NETWORK + "/networkInterfaces", "networkInterfaces.list", network.list_nics)
    r.add("GET", NETWORK + "/networkInterfaces/{name}", "networkInterfaces.get", network.get_nic)
    r.add("DELETE", NETWORK + "/networkInterfaces/{name}", "networkInterfaces.delete", network.delete_nic)
    return r
