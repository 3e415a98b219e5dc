"""The one settings model of the app, read from the environment (Functions app settings).

Every knob an operator can turn lives here, entry points included, so there is exactly one place
that knows a setting's name, default and rule; the README's settings table is generated from the
field descriptions. Values are read once per process (`get_settings()`), because app settings only
change with a restart of the Functions host; tests that change the environment call
`reload_settings()`.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from imagefactory.exceptions import SettingsError
from imagefactory.queue_connection import QueueConnection, queue_connection

_PREFIX = "IMAGEFACTORY_"
QUEUE_NAME_MAX = 63
REJECTS_SUFFIX = "-rejects"
POISON_SUFFIX = "-poison"
# The build queue lends its name to `<queue>-rejects` and `<queue>-poison`, which must be valid too.
BUILD_QUEUE_MAX = QUEUE_NAME_MAX - max(len(REJECTS_SUFFIX), len(POISON_SUFFIX))
# Queues of the Durable Functions task hub (any hub: `<hub>-control-00`..`-15`, `<hub>-workitems`)
# and of the Functions host itself: a message of ours there would be read as a command.
_HOST_QUEUES = re.compile("(?:[a-z0-9-]+-control-[0-9]{2}|[a-z0-9-]+-workitems|azure-webjobs-[a-z0-9-]*)")
_LIST_SEPARATORS = re.compile(r"[\s,;]+")


class Settings(BaseModel):
    """App settings. Field aliases are the environment variable names."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    # --- Azure access -------------------------------------------------------------------------
    arm_endpoint: str = Field(
        "https://management.azure.com",
        alias="IMAGEFACTORY_ARM_ENDPOINT",
        description="Azure Resource Manager endpoint. https for Azure and sovereign clouds; a loopback "
        "http URL selects the local ARM simulator (fixed local token, never sent elsewhere).",
    )
    http_retry_total: int = Field(
        2,
        ge=0,
        le=5,
        alias="IMAGEFACTORY_HTTP_RETRY_TOTAL",
        description="Retries the SDK makes inside one activity for a failed HTTP call. Kept small: "
        "longer waits belong to the orchestrator's durable timers, not to a billed activity.",
    )
    http_max_inline_wait_seconds: float = Field(
        2.0,
        ge=0,
        le=10,
        alias="IMAGEFACTORY_HTTP_MAX_INLINE_WAIT_SECONDS",
        description="Longest Retry-After/backoff an activity sleeps in-process. A longer Retry-After "
        "ends the activity with a transient result and the orchestrator waits on a durable timer.",
    )
    http_timeout_seconds: int = Field(
        30,
        ge=1,
        le=300,
        alias="IMAGEFACTORY_HTTP_TIMEOUT_SECONDS",
        description="Connection/read timeout of one ARM HTTP call.",
    )

    # --- waiting and retrying (orchestrator, durable timers) ------------------------------------
    operation_poll_seconds: int = Field(
        15,
        ge=1,
        le=3600,
        alias="IMAGEFACTORY_OPERATION_POLL_SECONDS",
        description="Interval between state reads while waiting for a VM operation, a gallery, a "
        "definition or a managed image (a server Retry-After, when longer, wins).",
    )
    replication_poll_min_seconds: int = Field(
        15,
        ge=1,
        alias="IMAGEFACTORY_REPLICATION_POLL_MIN_SECONDS",
        description="Shortest interval between two replication status reads (also how soon a region "
        "is read again when it is predicted to finish): bounds how late a ready region is noticed.",
    )
    replication_poll_max_seconds: int = Field(
        900,
        ge=1,
        alias="IMAGEFACTORY_REPLICATION_POLL_MAX_SECONDS",
        description="Longest interval between two replication status reads, whatever the prediction: "
        "how stale the per-region progress in the status API may get, and a guard against a rate change.",
    )
    monitor_polls_per_execution: int = Field(
        5,
        ge=2,
        le=1000,
        alias="IMAGEFACTORY_MONITOR_POLLS_PER_EXECUTION",
        description="Replication polls before the monitor restarts itself with continue_as_new, "
        "which keeps its replay history (and replay cost) bounded.",
    )
    transient_retry_max_attempts: int = Field(
        8,
        ge=0,
        le=100,
        alias="IMAGEFACTORY_TRANSIENT_RETRY_MAX_ATTEMPTS",
        description="How many times the orchestrator retries one Azure call that failed transiently "
        "(429, 5xx, connection error) before the build fails.",
    )
    transient_retry_base_seconds: int = Field(
        5,
        ge=1,
        alias="IMAGEFACTORY_TRANSIENT_RETRY_BASE_SECONDS",
        description="First retry delay after a transient failure (doubles each attempt); a longer "
        "Retry-After from Azure wins.",
    )
    transient_retry_max_seconds: int = Field(
        300,
        ge=1,
        alias="IMAGEFACTORY_TRANSIENT_RETRY_MAX_SECONDS",
        description="Cap on one transient retry delay (Retry-After included).",
    )
    replication_region_retries: int = Field(
        2,
        ge=0,
        le=10,
        alias="IMAGEFACTORY_REPLICATION_REGION_RETRIES",
        description="Times a region whose replication Failed is retried (by updating the version, "
        "which restarts replication of Failed regions) before the build fails.",
    )
    sysprep_poll_seconds: int = Field(
        60,
        ge=1,
        alias="IMAGEFACTORY_SYSPREP_POLL_SECONDS",
        description="Interval between reads of the Windows image state while sysprep runs.",
    )

    # --- phase timeouts -------------------------------------------------------------------------
    timeout_deprovision_seconds: int = Field(
        3600,
        ge=60,
        alias="IMAGEFACTORY_TIMEOUT_DEPROVISION_SECONDS",
        description="Phase timeout: in-guest deprovision (waagent / sysprep) until the guest is ready.",
    )
    timeout_deallocate_seconds: int = Field(
        1800,
        ge=60,
        alias="IMAGEFACTORY_TIMEOUT_DEALLOCATE_SECONDS",
        description="Phase timeout: deallocating the source VM.",
    )
    timeout_target_seconds: int = Field(
        1800,
        ge=60,
        alias="IMAGEFACTORY_TIMEOUT_TARGET_SECONDS",
        description="Phase timeout: creating the gallery and image definition when they are missing.",
    )
    timeout_capture_seconds: int = Field(
        7200,
        ge=60,
        alias="IMAGEFACTORY_TIMEOUT_CAPTURE_SECONDS",
        description="Phase timeout: managed image capture until Succeeded (gallery versions are "
        "bounded by the replication timeout instead).",
    )
    timeout_replication_seconds: int = Field(
        86400,
        ge=60,
        alias="IMAGEFACTORY_TIMEOUT_REPLICATION_SECONDS",
        description="Phase timeout: replication of a gallery version to every target region.",
    )
    timeout_cleanup_seconds: int = Field(
        1800,
        ge=60,
        alias="IMAGEFACTORY_TIMEOUT_CLEANUP_SECONDS",
        description="Phase timeout: deleting or restarting the source VM after the image is verified.",
    )

    # --- reporting ------------------------------------------------------------------------------
    results_queue: str = Field(
        "image-build-results",
        alias="IMAGEFACTORY_RESULTS_QUEUE",
        description="Queue that receives the result message of each build (a request's "
        "report.results_queue overrides it).",
    )
    queue_connection_setting: str = Field(
        "AzureWebJobsStorage",
        alias="IMAGEFACTORY_QUEUE_CONNECTION",
        description="NAME of the app setting holding the storage connection string used for the "
        "build queue, the results queue and region-ready messages.",
    )
    result_queues: str = Field(
        "",
        alias="IMAGEFACTORY_RESULT_QUEUES",
        description="Further queues a request's report.results_queue may name (separated by commas, "
        "semicolons or whitespace); IMAGEFACTORY_RESULTS_QUEUE is always allowed. Never the build "
        "queue, its -rejects/-poison queues or the durable task hub's queues.",
    )
    delete_opt_in_tag: str = Field(
        "imagefactory-allow-delete",
        alias="IMAGEFACTORY_DELETE_OPT_IN_TAG",
        description='Tag a source VM must carry with value "true" before a request may delete it.',
    )

    # --- entry points ---------------------------------------------------------------------------
    build_queue: str = Field(
        "image-builds",
        alias="IMAGEFACTORY_BUILD_QUEUE",
        description="Queue the build trigger listens on.",
    )
    allowed_scopes: str = Field(
        "",
        alias="IMAGEFACTORY_ALLOWED_SCOPES",
        description="ARM scopes (/subscriptions/{id} or /subscriptions/{id}/resourceGroups/{rg}), "
        "separated by commas, semicolons or newlines, that requests may touch. Empty = nothing.",
    )
    extra_regions: str = Field(
        "",
        alias="IMAGEFACTORY_EXTRA_REGIONS",
        description="Region names accepted besides the built-in list of the cloud that "
        "IMAGEFACTORY_ARM_ENDPOINT names (imagefactory/data/azure-regions.json), separated by commas, "
        "semicolons or whitespace: a region opened after the list was updated, or a cloud it lacks.",
    )
    rollout_schedule: str = Field(
        "0 0 2 * * *",
        alias="IMAGEFACTORY_ROLLOUT_SCHEDULE",
        description="NCRONTAB schedule (six fields, seconds first) of the nightly rollout timer.",
    )
    rollout_file: str | None = Field(
        None,
        alias="IMAGEFACTORY_ROLLOUT_FILE",
        description="Path of the rollout file (JSON or YAML) the nightly timer expands; unset = no rollout.",
    )
    rollout_dry_run: bool = Field(
        False,
        alias="IMAGEFACTORY_ROLLOUT_DRY_RUN",
        description="When true the rollout timer only logs the builds it would start.",
    )

    @field_validator("arm_endpoint")
    @classmethod
    def _endpoint_is_http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("results_queue", "build_queue")
    @classmethod
    def _is_queue_name(cls, value: str) -> str:
        if not is_valid_queue_name(value):
            raise ValueError("must be a valid queue name: 3-63 lower-case letters, digits and single hyphens")
        return value

    @field_validator("build_queue")
    @classmethod
    def _leaves_room_for_rejects(cls, value: str) -> str:
        if len(value) > BUILD_QUEUE_MAX:
            raise ValueError(
                f"must be at most {BUILD_QUEUE_MAX} characters (got {len(value)}), because invalid "
                f"messages go to '<queue>{REJECTS_SUFFIX}' and queue names are limited to "
                f"{QUEUE_NAME_MAX} characters"
            )
        return value

    @field_validator("extra_regions")
    @classmethod
    def _region_names(cls, value: str) -> str:
        from imagefactory.regions import parse_region_list

        parse_region_list(value)
        return value

    @model_validator(mode="after")
    def _result_queues_are_not_the_apps_own(self) -> Settings:
        named = [("IMAGEFACTORY_RESULTS_QUEUE", self.results_queue)]
        named += [("IMAGEFACTORY_RESULT_QUEUES", name) for name in split_list(self.result_queues)]
        for setting, name in named:
            if not is_valid_queue_name(name):
                raise ValueError(f"{setting}: {name!r} is not a valid queue name")
            reserved = reserved_queue_reason(name, self.build_queue)
            if reserved is not None:
                raise ValueError(f"{setting}: {name!r} {reserved}")
        return self

    def allowed_result_queues(self) -> list[str]:
        """IMAGEFACTORY_RESULTS_QUEUE first, then IMAGEFACTORY_RESULT_QUEUES, each once."""
        names = [self.results_queue, *split_list(self.result_queues)]
        return list(dict.fromkeys(names))

    @model_validator(mode="after")
    def _poll_bounds_ordered(self) -> Settings:
        if self.replication_poll_min_seconds > self.replication_poll_max_seconds:
            raise ValueError(
                "IMAGEFACTORY_REPLICATION_POLL_MIN_SECONDS must not exceed "
                "IMAGEFACTORY_REPLICATION_POLL_MAX_SECONDS"
            )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `environ` (default: the process environment); empty values mean default."""
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {
            key: value for key, value in source.items() if key.startswith(_PREFIX) and value.strip() != ""
        }
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise SettingsError([_describe(cls, err) for err in exc.errors()]) from None

    def queue_connection(self, environ: Mapping[str, str] | None = None) -> QueueConnection | None:
        """The storage connection named by IMAGEFACTORY_QUEUE_CONNECTION (a connection string or
        identity-based `__accountName` / `__queueServiceUri` settings), if configured."""
        return queue_connection(self.queue_connection_setting, os.environ if environ is None else environ)


def is_valid_queue_name(name: str) -> bool:
    """Azure Storage queue naming rule: 3-63 of a-z 0-9 and single '-', alphanumeric at both ends.

    The one check for every queue name the product is given: app settings, a request's
    report.results_queue and the submit CLI's --queue (imagefactory.naming.QUEUE_NAME).
    """
    from imagefactory.naming import QUEUE_NAME

    return isinstance(name, str) and QUEUE_NAME.matches(name)


def split_list(text: str) -> list[str]:
    """Entries of a list setting separated by commas, semicolons or whitespace."""
    return [entry for entry in _LIST_SEPARATORS.split(text or "") if entry]


def reserved_queue_reason(name: str, build_queue: str) -> str | None:
    """Why `name` must never receive a result message (None: it may), naming the rule."""
    if name in (build_queue, f"{build_queue}{REJECTS_SUFFIX}", f"{build_queue}{POISON_SUFFIX}"):
        return (
            f"is the build queue {build_queue!r} or one of its {REJECTS_SUFFIX}/{POISON_SUFFIX} queues: "
            "a result there would be read as a request"
        )
    if _HOST_QUEUES.fullmatch(name):
        return (
            "is a queue of the durable task hub (<hub>-control-NN, <hub>-workitems) or of the Functions "
            "host (azure-webjobs-*)"
        )
    return None


def _describe(model: type[Settings], err: Any) -> str:
    loc = err.get("loc") or ()
    field_name = str(loc[0]) if loc else ""
    info = model.model_fields.get(field_name)
    env_name = info.alias if info is not None and info.alias else (field_name or "settings")
    message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{env_name}: {message}" if loc else message


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()


def reload_settings() -> Settings:
    """Forget the cached settings and read the environment again (tests, local tooling)."""
    get_settings.cache_clear()
    return get_settings()
