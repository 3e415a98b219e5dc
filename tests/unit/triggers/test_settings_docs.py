"""The README settings table and local.settings.example.json document every setting, as the model says."""

from __future__ import annotations

import json

from demo.settings_docs import EXAMPLE, README, example, readme_with_table, rows
from imagefactory.settings import Settings


def test_readme_table_is_in_sync_with_the_settings_model() -> None:
    text = README.read_text(encoding="utf-8")
    assert readme_with_table(text) == text, "run: python -m demo.settings_docs --write"


def test_example_file_is_in_sync_and_names_every_setting() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == example(), "run: python -m demo.settings_docs --write"
    values = json.loads(example())["Values"]
    for field in Settings.model_fields.values():
        assert field.alias in values
    assert "AzureWebJobsStorage" in values


def test_every_setting_has_a_description() -> None:
    assert all(description for _, _, description in rows())
    names = [name for name, _, _ in rows()]
    assert len(names) == len(set(names))
