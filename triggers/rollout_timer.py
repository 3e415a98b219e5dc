"""Nightly rollout: a timer on IMAGEFACTORY_ROLLOUT_SCHEDULE expands the rollout file into builds.

The timer stays short: it reads the file, lists the VMs of sweep resource groups (one ARM call
each), and starts or reports each build through the durable client; the builds themselves run as
orchestrations. Every build is named {line}@{occurrence} and the occurrence comes from the
schedule (see triggers.occurrence), so a second fire, a late fire or a restarted host starts
nothing twice. With IMAGEFACTORY_ROLLOUT_DRY_RUN the same plan is logged and nothing starts.
A broken line is logged and skipped; the other lines still run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from imagefactory.exceptions import RequestValidationError, RolloutFileError
from imagefactory.gateway import gateway_for
from imagefactory.identity import instance_id_for
from imagefactory.ids import ResourceGroupId
from imagefactory.rollout import PlannedBuild, RolloutPlan, VmSummary, load_rollout, plan
from imagefactory.settings import Settings, get_settings
from triggers.decisions import decide
from triggers.door import admit, gateway_tag_reader, region_catalog
from triggers.occurrence import occurrence_of
from triggers.registry import SCHEDULE_EXPRESSION, bp, typed
from triggers.starting import read_existing, start_or_report

LOGGER = logging.getLogger("imagefactory.triggers.rollout")


@dataclass
class RolloutReport:
    """What one timer invocation did, line by line (logged, and returned for tests)."""

    occurrence: datetime | None
    dry_run: bool
    started: list[str] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)
    would_start: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        when = self.occurrence.isoformat() if self.occurrence else "-"
        return (
            f"rollout occurrence {when}{' (dry run)' if self.dry_run else ''}: {len(self.started)} started, "
            f"{len(self.reported)} already known, {len(self.would_start)} would start, "
            f"{len(self.problems)} problems"
        )


def expand_occurrence(settings: Settings, occurrence: datetime) -> RolloutPlan:
    """The builds of one occurrence (sync: VM listings are ARM calls)."""
    assert settings.rollout_file is not None
    rollout = load_rollout(settings.rollout_file)
    listings: dict[str, list[VmSummary]] = {}

    def vms_by_group(group: str) -> list[VmSummary]:
        if group not in listings:
            rg = ResourceGroupId.parse(group)
            listings[group] = list(gateway_for(settings, rg.subscription_id).list_vms(rg))
        return listings[group]

    return plan(rollout, occurrence=occurrence, vms_by_group=vms_by_group, regions=region_catalog(settings))


async def run_rollout(
    client: Any, settings: Settings, *, schedule_status: Mapping[str, Any] | None, now: datetime
) -> RolloutReport:
    """One timer invocation (callable without the decorators)."""
    if not settings.rollout_file:
        LOGGER.info("rollout timer: IMAGEFACTORY_ROLLOUT_FILE is not set; nothing to do")
        return RolloutReport(None, settings.rollout_dry_run)
    occurrence = occurrence_of(settings.rollout_schedule, schedule_status, now)
    report = RolloutReport(occurrence, settings.rollout_dry_run)
    try:
        expanded = await asyncio.to_thread(expand_occurrence, settings, occurrence)
    except RolloutFileError as broken:
        report.problems.append(str(broken))
        LOGGER.error("rollout timer: %s", broken)
        return report
    report.problems.extend(str(problem) for problem in expanded.problems)
    for build in expanded.builds:
        await _one(client, settings, build, report)
    for problem in report.problems:
        LOGGER.warning("rollout timer: skipped %s", problem)
    LOGGER.info("%s", report.summary())
    return report


async def _one(client: Any, settings: Settings, build: PlannedBuild, report: RolloutReport) -> None:
    try:
        request = await asyncio.to_thread(
            admit, build.request, settings=settings, read_tags=gateway_tag_reader(settings)
        )
    except RequestValidationError as refused:
        report.problems.append(f"line {build.line!r} ({build.request.source}): {refused}")
        return
    if settings.rollout_dry_run:
        existing = await read_existing(client, build.instance_id)
        action = decide(existing, rebuild_failed=request.rebuild_failed)
        target = f"{build.instance_id} ({request.source})"
        if action.starts:
            report.would_start.append(target)
            LOGGER.info("rollout dry run: would start %s for line %s", target, build.line)
        else:
            report.reported.append(target)
        return
    outcome = await start_or_report(client, request, origin=f"rollout line {build.line}")
    (report.started if outcome.started else report.reported).append(instance_id_for(request))


@typed(
    bp.timer_trigger(arg_name="timer", schedule=SCHEDULE_EXPRESSION, run_on_startup=False, use_monitor=True)
)
@typed(bp.durable_client_input(client_name="client"))
async def nightly_rollout(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    status = getattr(timer, "schedule_status", None)
    await run_rollout(
        client,
        get_settings(),
        schedule_status=status if isinstance(status, Mapping) else None,
        now=datetime.now(UTC),
    )
