"""HTTP handlers: decode an ARM request, apply it to the backend models, encode the ARM reply."""
