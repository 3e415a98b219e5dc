"""Sample app with a binding devhost has no extension for: the host must refuse to start."""

import azure.functions as func

app = func.FunctionApp()


@app.route(route="ok")
def fine(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("fine")


@app.blob_trigger(arg_name="blob", path="uploads/{name}", connection="AzureWebJobsStorage")
def on_upload(blob: func.InputStream) -> None:
    pass
