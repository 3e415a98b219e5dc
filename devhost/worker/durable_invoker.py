"""Orchestrator episodes and activities run by the language worker, as the Durable extension runs them.

The extension invokes an orchestrator with the context JSON as the orchestrationTrigger's string and
takes the orchestrator state from the return value; it invokes an activity with the input's JSON
text and records the return value's JSON as the TaskCompleted result. A failed activity becomes
TaskFailed with the reason and details the extension builds from the worker's RpcException. What the
extension does when the worker is lost follows its FunctionExecutionHelper: an activity whose
invocation failed for any reason is a user-code failure (TaskFailed, so the orchestrator's retry
policy applies); an orchestrator episode that timed out is aborted and re-run, one whose worker died
under it fails the orchestration, since user code had started.
"""

from __future__ import annotations

import json

from devhost.durable.functions import (
    ActivityResult,
    DurableFunction,
    EpisodeAbortedError,
    OrchestratorFunctionError,
)
from devhost.worker import typed_data
from devhost.worker.errors import FunctionTimeoutError, WorkerConnectionLostError
from devhost.worker.language_worker import LanguageWorker

RPC_EXCEPTION = "Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException"


class WorkerDurableInvoker:
    def __init__(self, worker: LanguageWorker) -> None:
        self._worker = worker

    async def run_orchestrator(self, function: DurableFunction, context_json: str) -> str:
        data = typed_data.binding(function.parameter, typed_data.string(context_json))
        try:
            outcome = await self._worker.invoke(function.handle, [data])
        except FunctionTimeoutError as error:
            raise EpisodeAbortedError(str(error)) from error
        except WorkerConnectionLostError as error:
            raise OrchestratorFunctionError(f"{type(error).__name__}: {error}") from error
        if outcome.error is not None:
            raise OrchestratorFunctionError(outcome.error.message, outcome.error.stack_trace)
        state = typed_data.json_of(outcome.return_value)
        if state is None:
            raise OrchestratorFunctionError("the orchestrator function returned no state")
        return state

    async def run_activity(self, function: DurableFunction, input_json: str | None) -> ActivityResult:
        data = typed_data.binding(function.parameter, typed_data.json_text(input_json or "null"))
        try:
            outcome = await self._worker.invoke(function.handle, [data])
        except (FunctionTimeoutError, WorkerConnectionLostError) as error:
            message = f"{type(error).__name__}: {error}"
            return ActivityResult(failure=activity_failure(function.name, message, ""))
        if outcome.error is not None:
            return ActivityResult(
                failure=activity_failure(function.name, outcome.error.message, outcome.error.stack_trace)
            )
        return ActivityResult(result_json=typed_data.json_of(outcome.return_value) or "null")


def activity_failure(name: str, remote_message: str, stack: str) -> tuple[str, str]:
    """Reason and Details of the TaskFailed event the extension records for a failed Python activity.

    The worker reports `"<type>: <message>"` and the stack; the host wraps them in an RpcException
    whose message is "Result: Failure\\nException: ...\\nStack: ..."; TaskActivityShim makes that
    the reason ("Activity function '<name>' failed: <message>") and serializes the exception as
    Details. The Python SDK hands the orchestrator `Exception(f"{Reason} \\n {Details}")`.
    """
    message = f"Result: Failure\nException: {remote_message}\nStack: {stack}"
    type_name = remote_message.split(":", 1)[0] if ":" in remote_message else "Exception"
    details = json.dumps(
        {
            "$type": f"{RPC_EXCEPTION}, Microsoft.Azure.WebJobs.Script",
            "ClassName": RPC_EXCEPTION,
            "Message": message,
            "RemoteStackTrace": stack,
            "RemoteMessage": remote_message,
            "RemoteTypeName": type_name,
        }
    )
    return f"Activity function '{name}' failed: {message}", details
