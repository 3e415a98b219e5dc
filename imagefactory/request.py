"""The build request: one typed model that every entry point parses and the pipeline consumes.

Bad input stops here (design principle 4). `BuildRequest.parse_json` / `parse_obj_strict` turn
any body into a request or a `RequestValidationError` whose `FieldError`s name the field (a
dotted path, `body` for the document itself) and the rule, with texts written for the sender.

Where a field's rule lives:
| what | module |
|---|---|
| body limits: size, depth, numbers, duplicate keys, encoding | imagefactory/json_input.py |
| Azure naming rules per resource type, GUIDs, version names | imagefactory/naming.py |
| free text (control characters, surrogates, lengths), quoting values in errors | imagefactory/text.py |
| regions and the region lists | imagefactory/regions.py |
| one field type per kind of value (names, ids, tags, text, version) | imagefactory/request_fields.py |
| the target models (gallery, definition, replication, managed image) | imagefactory/request_target.py |
| rules that tie fields together, every error in one round trip | imagefactory/request_rules.py |
| pydantic errors as field/rule/message | imagefactory/request_errors.py |
| the request itself, report options, parsing | here |
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, Self

from pydantic import Field, StrictBool, ValidationError, model_validator

from imagefactory.exceptions import FieldError, RequestValidationError
from imagefactory.ids import ResourceGroupId, VmId
from imagefactory.json_input import check_structure, load_json_object
from imagefactory.regions import RegionCatalog, default_catalog
from imagefactory.request_errors import errors_from_validation
from imagefactory.request_fields import CorrelationId, QueueName, VmIdStr
from imagefactory.request_rules import cross_field_errors, supplementary_errors
from imagefactory.request_target import (
    DefinitionSpec,
    GalleryRef,
    GalleryTarget,
    ManagedImageTarget,
    Model,
    Replication,
    Target,
    TargetRegion,
    raise_if_any,
)
from imagefactory.versioning import VersionPolicy

__all__ = [
    "BuildRequest",
    "DefinitionSpec",
    "FieldError",
    "GalleryRef",
    "GalleryTarget",
    "ManagedImageTarget",
    "Replication",
    "ReportOptions",
    "RequestValidationError",
    "TargetRegion",
    "VersionPolicy",
    "errors_from_validation",
    "load_json_object",
]

Generalize = Literal["deprovision", "already_deprovisioned", "none"]


class ReportOptions(Model):
    results_queue: QueueName | None = Field(
        default=None,
        description="Queue for the result message; omitted = IMAGEFACTORY_RESULTS_QUEUE. Must be that "
        "queue or one listed in IMAGEFACTORY_RESULT_QUEUES (checked at the door).",
    )
    region_ready_messages: StrictBool = False


class BuildRequest(Model):
    """One image build: which VM, how to generalize it, and where the image goes."""

    source: VmIdStr = Field(description="Resource id of the prepared VM to capture.")
    generalize: Generalize = Field(
        default="deprovision",
        description="deprovision: run waagent/sysprep through Run Command, then mark generalized; "
        "already_deprovisioned: only mark generalized; none: specialized image.",
    )
    target: Target
    delete_source_vm: StrictBool = False
    restart_source_after_capture: StrictBool = Field(
        default=False, description="Start the specialized source VM again once the image is captured."
    )
    correlation_id: CorrelationId | None = None
    report: ReportOptions = Field(default_factory=ReportOptions)
    rebuild_failed: StrictBool = Field(
        default=False, description="Explicit opt-in to start again a build whose last attempt Failed."
    )

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        raise_if_any(self._cross_field_errors())
        return self

    def _cross_field_errors(self) -> list[FieldError]:
        target = self.target
        return cross_field_errors(
            generalize=self.generalize,
            target_kind=target.kind,
            os_state=target.definition.os_state if isinstance(target, GalleryTarget) else None,
            restart=self.restart_source_after_capture,
            delete=self.delete_source_vm,
        )

    # ---- derived identities (used by the pipeline, scopes and identity) -------------------------

    @property
    def source_vm(self) -> VmId:
        return VmId.parse(self.source)

    @property
    def target_resource_group(self) -> ResourceGroupId:
        """The resource group the image (or the gallery) lives in."""
        source = self.source_vm
        if isinstance(self.target, GalleryTarget):
            return self.target.gallery_id(source).resource_group_id
        return self.target.image_id(source).resource_group_id

    def region_names(self) -> list[str]:
        """Every region the request names (gallery location, target regions, image location)."""
        target = self.target
        if isinstance(target, GalleryTarget):
            names = [target.gallery.location, *target.replication.region_names()]
        else:
            names = [target.location]
        return [name for name in names if name is not None]

    # ---- parsing at the door -------------------------------------------------------------------

    @classmethod
    def parse_json(
        cls, text: str | bytes, *, now: datetime | None = None, regions: RegionCatalog | None = None
    ) -> BuildRequest:
        """Parse a JSON body (bounded: json_input); RequestValidationError lists every broken rule.

        `now` is the clock for time-relative rules (end_of_life in the future); default: UTC now.
        `regions` the region catalog; default: the public cloud's list.
        """
        return cls.parse_obj_strict(load_json_object(text), now=now, regions=regions)

    @classmethod
    def parse_obj_strict(
        cls, data: Any, *, now: datetime | None = None, regions: RegionCatalog | None = None
    ) -> BuildRequest:
        """Validate an already-decoded object (dict from JSON or YAML) with the same rules."""
        check_structure(data)
        assert isinstance(data, Mapping)
        context = {
            "now": now if now is not None else datetime.now(UTC),
            "regions": regions if regions is not None else default_catalog(),
        }
        try:
            return cls.model_validate(data, context=context)
        except ValidationError as error:
            first = errors_from_validation(error)
            unknown = [
                tuple(e["loc"]) for e in error.errors(include_url=False) if e["type"] == "extra_forbidden"
            ]

            def validate(document: Mapping[str, Any]) -> list[FieldError]:
                try:
                    cls.model_validate(document, context=context)
                except ValidationError as again:
                    return errors_from_validation(again)
                return []

            more = supplementary_errors(data, first, unknown, validate)
            raise RequestValidationError(first + more) from None
