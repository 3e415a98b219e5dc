"""Phase `capture` of `build_image`: the image version (or managed image) made from the VM.

A gallery build first removes the Failed version an earlier attempt of this VM left, then creates
the version; a version picked by policy that another build took meanwhile is re-picked here
(optimistic concurrency). A managed image is started and then read on durable timers.
"""

from __future__ import annotations

from imagefactory.exceptions import VersionPolicyError
from imagefactory.plan import BuildPlan, TargetState, retarget_version
from imagefactory.request import BuildRequest, GalleryTarget, VersionPolicy
from orchestrators.build_state import Build
from orchestrators.calls import PhaseDeadline, Steps, call_step, poll_until, provisioned, wait_interval
from orchestrators.errors import StepFailedError

# A policy-picked version lost to a concurrent build is re-picked at most this many times.
VERSION_RACE_ATTEMPTS = 10
# What Azure (PUT over a version from another source) and the gateway (read before create) answer.
_VERSION_TAKEN_CODES = frozenset({"Conflict", "PropertyChangeNotAllowed"})


def capture(build: Build, plan: BuildPlan) -> Steps:
    context, cfg = build.context, build.cfg
    build.begin("capture")
    if plan.target_kind == "gallery":
        if plan.replace_failed:
            yield from _delete_failed_version(build, plan.replace_failed)
        yield from _create_version(build, plan)
    else:
        deadline = PhaseDeadline.after(build.now, cfg, "timeout_capture_seconds")
        started = yield from call_step(
            context,
            cfg,
            "capture",
            "start_create_image",
            {"image_id": plan.image_id, "body": plan.capture_body, "source_vm_id": plan.source_vm_id},
        )
        yield from poll_until(
            context,
            cfg,
            phase="capture",
            name="read_image",
            payload={"image_id": plan.image_id},
            done=provisioned("capture", f"managed image {plan.image_id}"),
            interval=wait_interval(cfg, started.get("retry_after")),
            deadline=deadline,
        )
    build.end("capture")


def _delete_failed_version(build: Build, version_id: str) -> Steps:
    """Remove the Failed version an earlier attempt made from this VM, so it can be made again."""
    context, cfg = build.context, build.cfg
    deadline = PhaseDeadline.after(build.now, cfg, "timeout_capture_seconds")
    started = yield from call_step(
        context,
        cfg,
        "capture",
        "start_delete_failed_version",
        {"version_id": version_id, "source_id": build.request.source},
    )
    if started.get("already") != "gone":
        yield from poll_until(
            context,
            cfg,
            phase="capture",
            name="read_version",
            payload={"version_id": version_id},
            done=lambda version: version is None,
            interval=wait_interval(cfg, started.get("retry_after")),
            deadline=deadline,
        )
    build.replaced.append(version_id)


def _create_version(build: Build, plan: BuildPlan) -> Steps:
    """Create the version; when a policy-picked name was taken meanwhile, re-read and re-pick.

    Optimistic concurrency: builds of one sweep into one definition pick the same next version,
    and the store (Azure) decides who gets it. A version named explicitly is never re-picked.
    """
    context, cfg, request = build.context, build.cfg, build.request
    attempt = 1
    while True:
        try:
            yield from call_step(
                context,
                cfg,
                "capture",
                "start_create_version",
                {"version_id": plan.image_id, "body": plan.capture_body, "source_id": plan.source_vm_id},
            )
            return None
        except StepFailedError as error:
            if not _lost_version_race(request, error) or attempt >= VERSION_RACE_ATTEMPTS:
                if error.code in _VERSION_TAKEN_CODES and attempt > 1:
                    error.message += f" (gave up after {attempt} versions were taken by other builds)"
                raise
        state_raw = yield from call_step(
            context, cfg, "capture", "read_target", {"request": request.model_dump(mode="json")}
        )
        try:
            plan = retarget_version(
                plan,
                request,
                TargetState.model_validate(state_raw),
                taken=str(plan.version),
                today=build.now.date(),
            )
        except VersionPolicyError as policy_error:
            raise StepFailedError("capture", "VersionPolicy", str(policy_error)) from None
        build.plan = plan
        build.notes.append(plan.notes[-1])
        build.timeline.target = plan.image_id
        build.timeline.publish(context)
        if plan.adopt:
            return None
        attempt += 1


def _lost_version_race(request: BuildRequest, error: StepFailedError) -> bool:
    target = request.target
    return (
        error.code in _VERSION_TAKEN_CODES
        and isinstance(target, GalleryTarget)
        and isinstance(target.version, VersionPolicy)
    )
