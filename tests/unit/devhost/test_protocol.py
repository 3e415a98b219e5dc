"""The protocol subset: the committed Python modules are what the .proto compiles to, and the
messages the worker library needs are there with the protocol's field numbers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from devhost.worker import protos

REPO = Path(__file__).resolve().parents[3]
PROTO = "devhost/worker/rpc/function_rpc.proto"
GENERATED = ("function_rpc_pb2.py", "function_rpc_pb2_grpc.py")


def test_committed_modules_are_what_the_proto_compiles_to(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{REPO}", f"--python_out={tmp_path}",
         f"--grpc_python_out={tmp_path}", str(REPO / PROTO)],
        check=True, capture_output=True, text=True,
    )
    for name in GENERATED:
        fresh = (tmp_path / "devhost" / "worker" / "rpc" / name).read_text(encoding="utf-8")
        committed = (REPO / "devhost" / "worker" / "rpc" / name).read_text(encoding="utf-8")
        assert committed == fresh, f"{name} is stale: run `make proto` and commit the result"


def test_field_numbers_are_the_protocols() -> None:
    """A few numbers a typo would break on the wire (values from FunctionRpc.proto)."""
    numbers = {
        ("StreamingMessage", "start_stream"): 20,
        ("StreamingMessage", "worker_init_request"): 17,
        ("StreamingMessage", "invocation_request"): 4,
        ("StreamingMessage", "invocation_response"): 5,
        ("StreamingMessage", "rpc_log"): 2,
        ("StreamingMessage", "functions_metadata_request"): 29,
        ("StreamingMessage", "function_metadata_response"): 30,
        ("RpcFunctionMetadata", "raw_bindings"): 10,
        ("RpcFunctionMetadata", "function_id"): 13,
        ("InvocationRequest", "trace_context"): 5,
        ("TypedData", "json"): 2,
        ("TypedData", "http"): 5,
        ("RpcHttp", "rawBody"): 17,
        ("StatusResult", "status"): 4,
        ("ParameterBinding", "rpc_shared_memory"): 3,
    }
    for (message, field), number in numbers.items():
        assert getattr(protos, message).DESCRIPTOR.fields_by_name[field].number == number, (message, field)


def test_every_message_the_worker_library_uses_is_in_the_subset() -> None:
    """azure-functions-runtime reaches messages only through the `protos` namespace it is handed:
    every `protos.<Name>` in its source must resolve here."""
    import azure_functions_runtime

    package = Path(azure_functions_runtime.__file__).parent
    used = {
        match.group(1)
        for source in package.rglob("*.py")
        for match in re.finditer(r"\bprotos\.([A-Z][A-Za-z]+)", source.read_text(encoding="utf-8"))
    }
    assert len(used) > 10  # the scan found the library's uses
    assert sorted(name for name in used if name not in protos.NAMES) == []
