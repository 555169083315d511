"""Footprints and their member organisations in the database, from the bundled reference data."""

from __future__ import annotations

from stpkit.domain.enums import OrgKind
from stpkit.reference.footprints import load_footprints
from stpkit.reference.trusts import load_trusts


def reference_rows() -> tuple[list[dict], list[dict]]:
    """The 44 footprints, and each footprint's CCGs and trusts with the share counted in it."""
    footprints = load_footprints()
    rows = [{"code": f.code, "name": f.name, "region": f.region} for f in footprints.values()]
    members = [
        {"code": c.code, "name": c.name, "kind": OrgKind.CCG.value, "footprint_id": f.code, "share": 1.0}
        for f in footprints.values()
        for c in f.ccgs
    ]
    for trust in load_trusts().values():
        for footprint in sorted({m.footprint for m in trust.memberships}):
            if footprint in footprints:
                members.append(
                    {
                        "code": trust.code,
                        "name": trust.name,
                        "kind": trust.kind.value,
                        "footprint_id": footprint,
                        "share": trust.share_in(footprint),
                    }
                )
    return rows, members


def seed(footprint_model, organisation_model) -> int:
    """Add the footprints and organisations not yet there (models passed in, so that a
    migration can use its historical models); returns how many rows were added."""
    rows, members = reference_rows()
    known = set(footprint_model.objects.values_list("code", flat=True))
    new_footprints = [footprint_model(**row) for row in rows if row["code"] not in known]
    footprint_model.objects.bulk_create(new_footprints)
    placed = set(organisation_model.objects.values_list("code", "footprint_id"))
    new_members = [organisation_model(**m) for m in members if (m["code"], m["footprint_id"]) not in placed]
    organisation_model.objects.bulk_create(new_members)
    return len(new_footprints) + len(new_members)
