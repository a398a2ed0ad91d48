"""Reading the pages' form posts."""

from __future__ import annotations

from fastapi import Request

from catalog.company_fields import ALL_INPUT_FIELDS


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def company_values(form: dict[str, str]) -> dict[str, str]:
    """The ten input fields of screen 1 as posted (missing ones blank)."""
    return {name: form.get(name, "") for name in ALL_INPUT_FIELDS}
