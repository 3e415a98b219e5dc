"""Local runner for any Azure Functions Python v2 app, with the real Durable replay.

Development and tests only; never deployed. In Azure (and under `func start` from Core Tools) the
Functions host and the Durable extension run the same function_app.py; devhost stands in for them
on machines where neither can be installed, so triggers, bindings, durable client calls and replay
are exercised together before the app reaches the real host.

Run an app locally::

    python -m devhost path/to/app --port 7071             # real time, Azurite started on demand
    python -m devhost path/to/app --clock scaled --scale 600
    python -m devhost path/to/app --azurite "<queue connection string>" --store hub.sqlite

It prints its URLs and one JSON line per invocation (function, trigger, instance id for orchestrator
episodes and activities, duration, outcome). Settings come from local.settings.json `Values` (and
the environment), host.json configures queues, routes and the task hub, as for the real host.

From tests: ``with devhost.testing.running_devhost(app_dir, azurite_connection=...) as host:`` or,
for orchestrations alone, ``devhost.durable.DurableEngine`` on a ``devhost.clock.VirtualClock``.

The same app under the real host: ``func start`` in the app folder (Core Tools, with Azurite for
``UseDevelopmentStorage=true``), or deployed to a Function App whose ``AzureWebJobsStorage`` points
at a storage account. Nothing in the app imports devhost. Known differences from the real host:
no scale-out (one process, one task hub connection), no Durable entities or durable HTTP, SQLite
instead of Azure Storage tables and queues for the task hub, timer schedule status is not persisted
across restarts (`useMonitor`), and errors carry Python stacks where the host has .NET ones.
"""
