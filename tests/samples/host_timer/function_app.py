"""Sample app for devhost's timer tests: a nightly schedule from a setting, plus a startup timer."""

import azure.functions as func

app = func.FunctionApp()

# Each firing is recorded here; tests read it through the loaded module.
FIRINGS: list[dict[str, object]] = []


@app.timer_trigger(schedule="%NIGHTLY_SCHEDULE%", arg_name="timer")
def nightly(timer: func.TimerRequest) -> None:
    FIRINGS.append({"function": "nightly", "past_due": timer.past_due, "status": dict(timer.schedule_status)})


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
async def on_startup(timer: func.TimerRequest) -> None:
    FIRINGS.append({"function": "on_startup", "past_due": timer.past_due})
