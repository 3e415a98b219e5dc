"""The Python language worker in devhost: the real worker library, in its own process, over gRPC.

`dispatcher` and `__main__` run in the worker process (what the platform starts for a Python
app); `channel`, `process`, `language_worker` and `typed_data` are the host's side. The protocol
subset both speak is `rpc/function_rpc.proto`.
"""
