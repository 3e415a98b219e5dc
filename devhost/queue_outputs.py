"""Queue output bindings: where each function's outputs go, and writing what the worker returned.

The worker answers an invocation with one TypedData per output binding (and the `$return` value);
the host turns each into message bodies and sends them, encoded per host.json messageEncoding, to
the queue the binding names, over the connection its setting resolves to.
"""

from __future__ import annotations

from dataclasses import dataclass

from devhost.function_index import IndexedFunction
from devhost.queues import QueueGateway, encode_body, output_bodies
from devhost.settings import AppSettings
from devhost.worker import typed_data
from devhost.worker.language_worker import InvocationOutcome

RETURN = "$return"


@dataclass(frozen=True)
class QueueTarget:
    """A resolved queue binding: where messages are written to."""

    queue_name: str
    connection: str | None  # the binding's connection setting name (None = AzureWebJobsStorage)


class QueueOutputs:
    def __init__(self, gateway: QueueGateway) -> None:
        self._gateway = gateway
        self.targets: dict[tuple[str, str], QueueTarget] = {}

    def add(self, function: str, binding: str, target: QueueTarget) -> None:
        self.targets[(function, binding)] = target

    def check_connections(self, settings: AppSettings, azurite: str | None) -> None:
        """Every output's connection setting must resolve now, not at the first message."""
        for (function_name, _), target in self.targets.items():
            where = f"function {function_name!r}"
            settings.connection_string(target.connection, where=where, azurite=azurite)

    async def write(
        self, function: IndexedFunction, outcome: InvocationOutcome, *, settings: AppSettings,
        azurite: str | None, encoding: str,
    ) -> None:
        for binding in function.bindings_of("OUT", "queue"):
            name = str(binding["name"])
            data = outcome.return_value if name == RETURN else outcome.outputs.get(name)
            value = typed_data.to_value(data)
            if value is None:
                continue
            target = self.targets[(function.name, name)]
            where = f"function {function.name!r}"
            connection = settings.connection_string(target.connection, where=where, azurite=azurite)
            for body in output_bodies(value, where=where):
                await self._gateway.send(connection, target.queue_name, encode_body(body, encoding))
