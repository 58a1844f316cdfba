"""Attaching a case's filing materials in tests, the way a client does: read GET /cases/{id}/materials and upload
each required kind that is missing (a `submit` or the official's filing step refuses without them)."""

from __future__ import annotations

import io

from xborder.cases import material_uploads, materials
from xborder.cases.demo import specimen_pdf


def attach_materials(client, token: str, case_id: int) -> list[dict]:
    """Upload a specimen PDF for every required material of the case that is missing, as far as the caller may;
    returns the new items (the step under test then reports anything still missing)."""
    headers = {"Authorization": f"Bearer {token}"}
    found = client.get(f"/api/v1/cases/{case_id}/materials", headers=headers)
    added = []
    for entry in found.json["required"] if found.status_code == 200 else []:
        if entry["present"]:
            continue
        response = client.post(f"/api/v1/cases/{case_id}/materials", headers=headers,
                               content_type="multipart/form-data",
                               data={"kind": entry["kind"],
                                     "file": (io.BytesIO(specimen_pdf(entry["title_en"])), f"{entry['kind']}.pdf")})
        if response.status_code != 201:
            break  # not the owner, or not editable: the action under test answers for itself
        added.append(response.json)
    return added


def attach_materials_db(case, user) -> None:
    """The same through the operation, for tests that drive the workflow without the API."""
    present = {row.kind for row in materials.attached(case)}
    for entry in materials.requirements(case):
        if entry["kind"] not in present:
            material_uploads.add_material(user, case, entry["kind"], f"{entry['kind']}.pdf",
                                          specimen_pdf(entry["title_en"]))
