"""Sample app for devhost's HTTP tests: routes with parameters, methods, auth levels, sync and async."""

import json

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="items/{id:int}", methods=["GET", "DELETE"])
def get_item(req: func.HttpRequest) -> func.HttpResponse:
    body = {"id": int(req.route_params["id"]), "method": req.method, "params": dict(req.params)}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="items/latest", methods=["GET"])
def latest_item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("latest")


@app.route(route="items", methods=["POST"])
def create_item(req: func.HttpRequest) -> func.HttpResponse:
    payload = req.get_json()
    return func.HttpResponse(
        json.dumps({"created": payload, "content_type": req.headers.get("content-type")}),
        status_code=201,
        headers={"Location": f"/api/items/{payload['id']}", "X-Sample": "yes"},
        mimetype="application/json",
    )


@app.route(route="greet/{name?}", methods=["GET"])
async def greet(req: func.HttpRequest) -> str:
    return f"hello {req.route_params.get('name', 'nobody')}"


@app.route(route="files/{*path}", methods=["GET"])
def files(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params.get("path", ""))


@app.route(route="secure", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def secure(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("secret")


@app.route(route="admin-only", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def admin_only(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("admin")


@app.route(route="broken", methods=["GET"])
def broken(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("this function always fails")


@app.route(route="empty", methods=["POST"])
def empty(req: func.HttpRequest):
    return None
