"""The `protos` namespace the worker library is handed, as the platform's worker hands it.

azure-functions-runtime builds and reads protocol messages through a module passed to it in each
request's properties (`protos.TypedData`, `protos.StatusResult.Success`, ...); it never imports a
protocol definition of its own. This module is that namespace for devhost's protocol subset: every
message and enum compiled from rpc/function_rpc.proto, the service stub and the servicer. The
compiled modules are untyped, so attributes of this module are typed Any.
"""

from __future__ import annotations

from typing import Any

from devhost.worker.rpc import function_rpc_pb2, function_rpc_pb2_grpc

_FILE = function_rpc_pb2.DESCRIPTOR
NAMES: tuple[str, ...] = (
    *_FILE.message_types_by_name,
    *_FILE.enum_types_by_name,
    "FunctionRpcStub",
    "FunctionRpcServicer",
    "add_FunctionRpcServicer_to_server",
)

globals().update({name: getattr(function_rpc_pb2, name) for name in (*_FILE.message_types_by_name,
                                                                     *_FILE.enum_types_by_name)})
FunctionRpcStub = function_rpc_pb2_grpc.FunctionRpcStub
FunctionRpcServicer = function_rpc_pb2_grpc.FunctionRpcServicer
add_FunctionRpcServicer_to_server = function_rpc_pb2_grpc.add_FunctionRpcServicer_to_server


def __getattr__(name: str) -> Any:
    raise AttributeError(f"the protocol subset in rpc/function_rpc.proto has no {name!r}")
