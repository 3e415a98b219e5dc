"""The committed JSON schemas are generated from the models; a stale file fails here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imagefactory.__main__ import SCHEMA_DIRECTORY, SCHEMA_FILES, main, render_schema

REGENERATE = ".venv/bin/python -m imagefactory schema --write"


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_committed_schema_matches_the_models(name: str) -> None:
    path = SCHEMA_DIRECTORY / SCHEMA_FILES[name]
    assert path.is_file(), f"{path} is missing; regenerate with: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == render_schema(name), (
        f"{path} is stale; regenerate with: {REGENERATE}"
    )


def test_build_request_schema_describes_the_contract() -> None:
    schema = json.loads(render_schema("build-request"))
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["source", "target"]
    assert set(schema["properties"]) == {
        "source",
        "generalize",
        "target",
        "delete_source_vm",
        "restart_source_after_capture",
        "correlation_id",
        "report",
        "rebuild_failed",
    }
    assert schema["properties"]["generalize"]["enum"] == ["deprovision", "already_deprovisioned", "none"]
    mapping = schema["properties"]["target"]["discriminator"]["mapping"]
    assert set(mapping) == {"gallery", "managed_image"}


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == render_schema("build-request")
    assert main(["schema", "--rollout"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"] == "rollout.schema.json"


def test_schema_directory_is_the_repository_schemas_folder() -> None:
    assert Path(__file__).resolve().parents[3] / "schemas" == SCHEMA_DIRECTORY


def test_result_message_schema_is_the_result_document_as_sent() -> None:
    schema = json.loads(render_schema("build-result-message"))
    assert schema["properties"]["kind"] == {"const": "image-build-result", "type": "string"}
    assert "published" not in schema["properties"]  # a message cannot report its own delivery
    assert {"kind", "build_id", "status", "summary", "vm"} <= set(schema["required"])
    ready = json.loads(render_schema("region-ready-message"))
    assert ready["additionalProperties"] is False
    assert set(ready["properties"]) == {
        "kind",
        "build_id",
        "correlation_id",
        "image_id",
        "version",
        "region",
        "ready_at",
    }
