"""The delete opt-in: the one rule, used by the door, the plan and the deleting activity.

Deleting a source VM needs the request to ask for it and the VM itself to carry the opt-in tag
(IMAGEFACTORY_DELETE_OPT_IN_TAG, value "true"), which only someone who can write the VM could
have put there. The door, the plan and the delete step (hours apart) must agree on what that
means, so all three ask `carries_delete_opt_in`:
- the tag NAME is compared case-insensitively, as ARM compares tag names;
- the tag VALUE must be "true", compared case-insensitively after trimming surrounding
  whitespace ("True", "TRUE" and " true " all consent; "yes", "1" and "" do not);
- when a tag listing holds the name in several casings (ARM keeps one, a stand-in may not),
  every one of them must say "true".
"""

from __future__ import annotations

from collections.abc import Mapping

OPT_IN_VALUE = "true"


def opt_in_values(tags: Mapping[str, str] | None, tag: str) -> list[str]:
    """Every value the tag `tag` has in `tags`, whatever the casing of its name."""
    wanted = tag.strip().lower()
    return [value for name, value in (tags or {}).items() if name.strip().lower() == wanted]


def carries_delete_opt_in(tags: Mapping[str, str] | None, tag: str) -> bool:
    """True when `tags` carry `tag` = "true" (see the module docstring for the exact rule)."""
    values = opt_in_values(tags, tag)
    return bool(values) and all(
        isinstance(value, str) and value.strip().lower() == OPT_IN_VALUE for value in values
    )
