"""ARM resource ids: parsed case-insensitively, rendered canonically, compared by key."""

from __future__ import annotations

import pytest

from imagefactory.exceptions import ResourceIdError
from imagefactory.ids import DefinitionId, GalleryId, ImageId, ResourceGroupId, VersionId, VmId, shape_of

SUB = "2b1c0e1a-7f00-4e5d-9d51-0c1a2b3c4d5e"
RG = f"/subscriptions/{SUB}/resourceGroups/rg"
GALLERY = f"/subscriptions/{SUB}/resourceGroups/rg-img/providers/Microsoft.Compute/galleries/gal"
VERSION = f"{GALLERY}/images/def/versions/1.2.3"
GUID_RULE = (
    "must be a GUID of 32 hexadecimal digits 0-9 a-f in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx "
    "(no braces), "
)


def test_each_kind_round_trips_through_its_canonical_text() -> None:
    samples = [
        (ResourceGroupId, f"/subscriptions/{SUB}/resourceGroups/rg-img"),
        (VmId, f"/subscriptions/{SUB}/resourceGroups/rg-img/providers/Microsoft.Compute/virtualMachines/vm1"),
        (GalleryId, f"/subscriptions/{SUB}/resourceGroups/rg-img/providers/Microsoft.Compute/galleries/gal"),
        (
            DefinitionId,
            f"/subscriptions/{SUB}/resourceGroups/rg-img/providers/Microsoft.Compute/galleries/gal/images/def",
        ),
        (VersionId, VERSION),
        (ImageId, f"/subscriptions/{SUB}/resourceGroups/rg-img/providers/Microsoft.Compute/images/img"),
    ]
    for kind, text in samples:
        assert str(kind.parse(text)) == text


def test_segments_are_case_insensitive_and_names_keep_their_case() -> None:
    shouted = VERSION.upper().replace("RG-IMG", "Rg-Img").replace("/GAL/", "/Gal/")
    parsed = VersionId.parse(shouted + "/")
    assert parsed == VersionId(SUB, "Rg-Img", "Gal", "DEF", "1.2.3")
    assert str(parsed).startswith(
        f"/subscriptions/{SUB}/resourceGroups/Rg-Img/providers/Microsoft.Compute/galleries/Gal"
    )
    assert parsed.key == VERSION.lower()


def test_navigation_between_parent_and_child_ids() -> None:
    version = VersionId.parse(VERSION)
    assert version.definition_id == DefinitionId(SUB, "rg-img", "gal", "def")
    assert version.gallery_id == GalleryId(SUB, "rg-img", "gal")
    assert version.gallery_id.definition("def").version("1.2.3") == version
    vm = VmId.parse(
        f"/subscriptions/{SUB}/resourceGroups/rg-vm/providers/Microsoft.Compute/virtualMachines/v"
    )
    assert vm.resource_group_id == ResourceGroupId(SUB, "rg-vm")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("subscriptions/x", "'subscriptions/x' does not start with '/subscriptions/'"),
        (
            f"/subscriptions/{SUB}//resourceGroups/rg",
            f"'/subscriptions/{SUB}//resourceGroups/rg' contains an empty segment ('//')",
        ),
        (
            f"{RG}/providers/Microsoft.Storage/virtualMachines/v",
            f"'{RG}/providers/Microsoft.Storage/virtualMachines/v' has segment "
            f"'Microsoft.Storage' where 'Microsoft.Compute' is expected (shape {shape_of(VmId)})",
        ),
        (
            "/subscriptions/1234/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v",
            f"subscription id {GUID_RULE}got '1234' (is 4 characters long)",
        ),
        (
            RG.replace(SUB, SUB.replace("-", "")) + "/providers/Microsoft.Compute/virtualMachines/v",
            f"subscription id {GUID_RULE}got '{SUB.replace('-', '')}' (has no hyphens)",
        ),
        (
            f"/subscriptions/{SUB}/resourceGroups/bad!rg/providers/Microsoft.Compute/virtualMachines/v",
            "resource group must be 1-90 ASCII letters, digits, '_', '-', '.', '(' or ')', not ending "
            "with '.', got 'bad!rg'",
        ),
    ],
)
def test_malformed_ids_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ResourceIdError) as caught:
        VmId.parse(text)
    assert str(caught.value) == message


def test_shape_names_every_placeholder() -> None:
    assert shape_of(VersionId) == (
        "/subscriptions/{subscription-guid}/resourceGroups/{resource-group}/providers/Microsoft.Compute/"
        "galleries/{gallery-name}/images/{image-name}/versions/{Major.Minor.Patch}"
    )


def test_a_version_id_is_not_a_definition_id() -> None:
    with pytest.raises(ResourceIdError, match="does not have the shape"):
        DefinitionId.parse(VERSION)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (f"{RG}/providers/Microsoft.Compute/virtualMachines/.", "virtual machine name '.'"),
        (f"{RG}/providers/Microsoft.Compute/virtualMachines/..", "virtual machine name '..'"),
        (f"{RG}/providers/Microsoft.Compute/virtualMachines/vm%2F1", "virtual machine name 'vm%2F1'"),
        (f"{RG}/providers/Microsoft.Compute/virtualMachines/vm?x", "virtual machine name 'vm?x'"),
        (f"{RG}/providers/Microsoft.Compute/virtualMachines/vm#x", "virtual machine name 'vm#x'"),
        (f"{RG}/providers/Microsoft.Compute/virtualMachines/vm 1", "virtual machine name 'vm 1'"),
        (f"{RG}/providers/Microsoft.Compute/virtualMachines/vm\n", "virtual machine name 'vm\\n'"),
        (f" {RG}/providers/Microsoft.Compute/virtualMachines/vm", "does not start with '/subscriptions/'"),
        (
            f"{RG.replace(SUB, '{' + SUB + '}')}/providers/Microsoft.Compute/virtualMachines/vm",
            "(has braces)",
        ),
    ],
)
def test_names_that_would_change_the_url_are_refused_never_trimmed(text: str, detail: str) -> None:
    with pytest.raises(ResourceIdError) as caught:
        VmId.parse(text)
    assert detail in str(caught.value)


def test_upper_case_guids_are_the_same_id_and_rendered_lower_case() -> None:
    parsed = VmId.parse(
        f"/subscriptions/{SUB.upper()}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v"
    )
    assert parsed.subscription_id == SUB
