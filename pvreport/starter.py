"""The starter package of ``pvreport new``: every resource of the contract with all its columns
and one plain example row (two for the profile of who took part, whose shares add up to 100,
and for the options of the decision, a choice being between two), for a made-up council, and a ``datapackage.json``. It validates as it is, so that a team
starts from something that works and changes it row by row.

The rows are typed as a spreadsheet holds them (numbers as numbers, yes-or-no as booleans); the
CSV files and the workbook are written from the same rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from . import contract

ORGANISATION = "Anytown Council"

DESCRIPTOR: dict[str, Any] = {
    "name": "anytown-public-value-2025-26",
    "title": "Anytown Council: public value report 2025/26",
    "description": "What Anytown Council is for, who holds it to account, how we listened, what "
    "we decided, and what changed for residents in 2025/26.",
    "version": "0.1.0",
    "organisation": {
        "name": ORGANISATION,
        "purpose": "We run local services for the people of Anytown: homes, bins, parks and "
        "libraries. We spend public money on their behalf, and we answer to them for how we "
        "spend it.",
        "website": "https://www.anytown.example",
        "contact_email": "haveyoursay@anytown.example",
    },
    "reporting_period": {"label": "2025/26", "start": "2025-04-01", "end": "2026-03-31"},
}

#: One example row per resource (two for engagement_profile and options), by column.
ROWS: dict[str, list[dict[str, Any]]] = {
    "accountability": [
        {
            "id": "full-council",
            "name": "Full Council",
            "direction": "upward",
            "holds_us_to_account_for": "Our budget and whether we keep the promises of our plan",
            "mechanism": "A scrutiny committee that meets every three months",
        }
    ],
    "objectives": [
        {
            "id": "safe-homes",
            "title": "Everyone has a safe place to live",
            "summary": "We help people keep their home, and find a new one fast if they lose it.",
            "why_it_matters": "A safe home makes work, school and good health easier.",
            "dimension": "outcome",
            "owner": "Director of Housing",
            "authorised_by": "residents-survey",
            "accountable_to": "full-council",
            "visibility": "public",
        }
    ],
    "indicators": [
        {
            "id": "families-in-temporary-homes",
            "objective_id": "safe-homes",
            "title": "Families living in temporary homes",
            "kind": "outcome",
            "unit": "families",
            "direction": "decrease",
            "baseline_period": "2024/25",
            "baseline_value": 320,
            "target_period": "2025/26",
            "target_value": 280,
            "target_set_by": "local",
            "proxy": False,
            "context": "Rents and the cost of living move this more than our work does.",
            "method": "We count the families in temporary homes on the last day of the year.",
            "source": "Our housing records",
            "visibility": "public",
        }
    ],
    "results": [
        {
            "indicator_id": "families-in-temporary-homes",
            "period": "2025/26",
            "group": "all",
            "value": 296,
            "status": "final",
            "note": "Counted on 31 March 2026.",
        }
    ],
    "engagements": [
        {
            "id": "residents-survey",
            "title": "Residents' survey 2025",
            "method": "market_research",
            "level": "consult",
            "start_date": "2025-09-01",
            "end_date": "2025-10-31",
            "participants": 1200,
            "audience": "A random sample of residents",
            "question": "What should we do first to help people keep their homes?",
            "what_we_heard": "People asked for advice sooner, before they get an eviction notice.",
            "visibility": "public",
        }
    ],
    "engagement_profile": [
        {
            "engagement_id": "residents-survey",
            "dimension": "age",
            "category": "under 35",
            "participants_share": 22,
            "population_share": 35,
        },
        {
            "engagement_id": "residents-survey",
            "dimension": "age",
            "category": "35 and over",
            "participants_share": 78,
            "population_share": 65,
        },
    ],
    "decisions": [
        {
            "id": "early-advice",
            "title": "Advice for tenants before they are evicted",
            "date": "2025-12-10",
            "decided_by": "full-council",
            "summary": "We will offer advice to tenants as soon as they fall behind on rent.",
            "rationale": "Help given early keeps more families in their homes, and costs less.",
            "up_for_grabs": "Where and when the advice is given. The budget was already set.",
            "objective_ids": "safe-homes",
            "engagement_ids": "residents-survey",
            "status": "decided",
            "review_date": "2026-12-01",
            "review_trigger": "Fewer than half of the tenants we advise keep their home.",
            "visibility": "public",
        }
    ],
    "options": [
        {
            "decision_id": "early-advice",
            "id": "advice-team",
            "title": "A small team of advisers",
            "chosen": True,
            "cost": 250000,
            "cost_unit": "£ per year",
            "benefits": "Tenants get help before their case reaches court.",
            "drawbacks": "The team can see about 600 tenants a year.",
            "who_gains": "Tenants who fall behind on rent",
            "who_loses": "Nobody directly; the money comes from the homelessness budget",
            "public_support": 64,
            "visibility": "public",
        },
        {
            "decision_id": "early-advice",
            "id": "as-now",
            "title": "Keep things as they are",
            "chosen": False,
            "cost": 0,
            "cost_unit": "£ per year",
            "benefits": "No new spending.",
            "drawbacks": "Most tenants first ask us for help after they get an eviction notice.",
            "who_gains": "Nobody",
            "who_loses": "Tenants who fall behind on rent",
            "public_support": 36,
            "visibility": "public",
        },
    ],
    "responses": [
        {
            "engagement_id": "residents-survey",
            "id": "advice-sooner",
            "you_said": "Give advice sooner, before people get an eviction notice.",
            "we_did": "We set up a team of advisers who call tenants when they fall behind.",
            "outcome": "done",
            "decision_id": "early-advice",
            "visibility": "public",
        }
    ],
    "revisions": [
        {
            "date": "2026-01-15",
            "resource": "indicators",
            "row_id": "families-in-temporary-homes",
            "field": "method",
            "old_value": "We counted the families in temporary homes once a year in June.",
            "new_value": "We count the families in temporary homes on the last day of the year.",
            "reason": "The last day of the year matches the figures we send to the government.",
        }
    ],
}


#: The starter's resources: every one of the contract's but ``labels``, which a package needs only
#: when it is in more than one language (README, "Two languages").
RESOURCES = tuple(name for name in contract.RESOURCES if name in ROWS)


def descriptor() -> dict[str, Any]:
    """The starter's ``datapackage.json``: the properties and a resource per CSV file."""
    return {
        **DESCRIPTOR,
        "resources": [{"name": name, "path": f"{name}.csv"} for name in RESOURCES],
    }


def header(name: str) -> list[str]:
    """Every column of a resource, in the contract's order."""
    return list(contract.fields(name))


def rows(name: str) -> list[list[Any]]:
    """The example rows of a resource, a cell per column (None where it is left empty)."""
    columns = header(name)
    return [[row.get(column) for column in columns] for row in ROWS[name]]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(name: str) -> str:
    """A resource's CSV file: its headings and its example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(name))
    for row in rows(name):
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue()


def csv_files() -> Mapping[str, str]:
    """Every file of the starter as a CSV package, by name."""
    import json

    files = {f"{name}.csv": csv_text(name) for name in RESOURCES}
    files["datapackage.json"] = json.dumps(descriptor(), indent=2, ensure_ascii=False) + "\n"
    return files
