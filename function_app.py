"""The Functions app: one DFApp with the blueprints registered. Nothing else lives here."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from activities.blueprint import bp as activities_bp
from orchestrators.blueprint import bp as orchestrators_bp
from triggers.blueprint import bp as triggers_bp

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(orchestrators_bp)
app.register_functions(activities_bp)
app.register_functions(triggers_bp)
