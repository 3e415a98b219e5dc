"""The compute gateway: all Azure access of the product, returning small typed facts."""

from imagefactory.gateway.compute import ComputeGateway, gateway_for
from imagefactory.gateway.facts import (
    DataDiskFacts,
    DefinitionFacts,
    GalleryFacts,
    ImageFacts,
    OperationStarted,
    RegionReplication,
    RegionTarget,
    ReplicationSummary,
    RunCommandOutcome,
    VersionFacts,
    VmFacts,
)
from imagefactory.regions import normalize_region

__all__ = [
    "ComputeGateway",
    "DataDiskFacts",
    "DefinitionFacts",
    "GalleryFacts",
    "ImageFacts",
    "OperationStarted",
    "RegionReplication",
    "RegionTarget",
    "ReplicationSummary",
    "RunCommandOutcome",
    "VersionFacts",
    "VmFacts",
    "gateway_for",
    "normalize_region",
]
