"""Synthetic public value reports, of any size, valid against the contract; and planted errors.

A report is made from a seed: the same seed and size give the same bytes, so benchmarks and tests
can compare runs. Sizes:

- ``S``: about the example's size (8 objectives, 20 indicators, 160 results);
- ``M``: 50 objectives, 250 indicators, 100,000 results;
- ``L``: 200 objectives, 1,000 indicators, 1,000,000 results with breakdowns, 100 engagements,
  300 decisions.

Every rule of the contract holds (shares sum to 100, one chosen option per decided decision,
reasons for ``not_doing``, intervals around their values), and texts come from a small set of
plain sentences, so a valid report validates without errors and with no warnings.

:func:`plant_errors` then breaks a generated package in known ways (wrong types, values outside
a list, bad ids, missing values, a repeated key, an unknown reference, an interval that misses
its value, a blank row, a quoted line break that shifts every later physical line) and returns
the problems validation must report, as ``(file, line, field, code)``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import contract

#: ``(file, line, field, code)`` of one problem validation must report.
Expected = tuple[str, int, str | None, str]


@dataclasses.dataclass(frozen=True)
class Size:
    objectives: int
    indicators: int
    #: Periods of each indicator's results (months for M and L, financial years for S).
    periods: int
    #: Breakdown groups of each indicator beside ``all``.
    breakdowns: int
    engagements: int
    decisions: int


SIZES: dict[str, Size] = {
    "S": Size(objectives=8, indicators=20, periods=8, breakdowns=0, engagements=5, decisions=5),
    "M": Size(
        objectives=50, indicators=250, periods=40, breakdowns=9, engagements=20, decisions=50
    ),
    "L": Size(
        objectives=200, indicators=1000, periods=40, breakdowns=24, engagements=100, decisions=300
    ),
}

# Plain sentences, short words: the readability check passes them, and a few sentences reused a
# million times keep the files realistic in size without making every row different prose.
_SUMMARIES = (
    "More people get the help they need, when they need it.",
    "Streets and parks are clean and safe to use.",
    "Fewer families live in cold or damp homes.",
    "Children do well at school and feel safe.",
    "People can get about the town by bus, bike or on foot.",
    "Older people live well at home for as long as they can.",
)
_WHY = (
    "A safe home keeps children healthy and in school.",
    "People feel proud of where they live.",
    "Help that comes early costs less and works better.",
)
_METHODS = (
    "We count the cases on our system at the end of each month.",
    "We ask a random sample of residents the same question each month.",
    "We check a sample of streets and parks by hand each month.",
)
_CONTEXT = (
    "The weather and the cost of living matter too, not just our work.",
    "National rules and funding also move this figure.",
)
_NOTES = (
    "This figure may change when late returns come in.",
    "The survey was smaller this month.",
)
_QUESTIONS = (
    "What should we fix first in your area?",
    "How clean are the streets near your home?",
    "How should we spend the money for parks?",
)
_HEARD = (
    "People want repairs done faster and to be told when they will happen.",
    "Most people are happy but want more bins in parks.",
)
_BENEFITS = ("Faster repairs for the homes in the worst state.", "Lower cost to run each year.")
_DRAWBACKS = ("Some other work has to wait a year.", "Fewer staff to answer the phone.")
_RATIONALE = (
    "People told us this mattered most, and it costs less over time.",
    "It helps the people in most need first.",
)
_UP_FOR_GRABS = "Which areas come first was open; the total budget was fixed."
_YOU_SAID = ("Fix things faster.", "Tell us what is going on.", "Keep the library open later.")
_WE_DID = ("We moved money to repairs.", "We now send text updates.", "We looked at the cost.")
_NOT_DOING = "It would cost more than the whole budget for the service."
_AGES = ("16-24", "25-34", "35-49", "50-64", "65-74", "75 and over")
_WARDS = tuple(f"Ward {n}" for n in range(1, 19))
_UNITS = (("%", 1), ("days", 1), ("people", 0))


def _months(count: int, end_year: int = 2026, end_month: int = 3) -> list[str]:
    months = []
    year, month = end_year, end_month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _financial_years(count: int, last_start: int = 2025) -> list[str]:
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(last_start - count + 1, last_start + 1)]


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _shares(rng: random.Random, count: int) -> list[int]:
    """Whole-number percentages summing to exactly 100."""
    weights = [rng.randint(5, 30) for _ in range(count)]
    total = sum(weights)
    shares = [w * 100 // total for w in weights]
    shares[0] += 100 - sum(shares)
    return shares


def generate(out_dir: Path, size: str = "S", seed: int = 0) -> Path:
    """Write a valid synthetic report package of ``size`` into ``out_dir``; return the folder."""
    spec = SIZES[size]
    rng = random.Random(f"pvreport-{size}-{seed}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    bodies = [
        ("full-council", "Full Council", "upward", "The budget and the plan for the area",
         "Quarterly scrutiny committee"),
        ("residents", "Residents", "outward", "How well local services work for them",
         "Annual residents' survey"),
        ("staff", "Staff and trade unions", "inward", "Fair pay and safe work",
         "Monthly staff forum"),
        ("regulator", "The regulator", "upward", "Meeting the national standards",
         "Yearly inspection"),
    ]  # fmt: skip
    _write(
        out / "accountability.csv",
        ("id", "name", "direction", "holds_us_to_account_for", "mechanism", "url"),
        [(*body, "") for body in bodies],
    )

    engagements = [f"eng-{n:03d}" for n in range(1, spec.engagements + 1)]
    objectives = [f"obj-{n:03d}" for n in range(1, spec.objectives + 1)]
    objective_rows = []
    for n, oid in enumerate(objectives):
        # Every fifth objective sits under the one before it: a shallow hierarchy, no cycles.
        parent = objectives[n - 1] if n % 5 == 4 else ""
        objective_rows.append(
            (
                oid,
                f"Objective {n + 1}",
                _SUMMARIES[n % len(_SUMMARIES)],
                _WHY[n % len(_WHY)],
                ("service", "outcome", "trust")[n % 3],
                "Director of Services",
                parent,
                engagements[n % len(engagements)],
                "full-council;residents",
                "public",
            )
        )
    _write(
        out / "objectives.csv",
        ("id", "title", "summary", "why_it_matters", "dimension", "owner", "parent_id",
         "authorised_by", "accountable_to", "visibility"),
        objective_rows,
    )  # fmt: skip

    if spec.breakdowns:
        periods = _months(spec.periods)
        groups = ["all"] + [f"age: {a}" for a in _AGES] + [f"ward: {w}" for w in _WARDS]
        groups = groups[: spec.breakdowns + 1]
    else:
        periods = _financial_years(spec.periods)
        groups = ["all"]
    indicators = [f"ind-{n:04d}" for n in range(1, spec.indicators + 1)]
    indicator_rows = []
    result_rows: list[tuple[object, ...]] = []
    for n, iid in enumerate(indicators):
        unit, decimals = _UNITS[n % len(_UNITS)]
        direction = "increase" if n % 2 else "decrease"
        base = rng.uniform(20, 80)
        # The first indicator of each objective measures an outcome, so no objective is measured
        # by activity alone.
        kind = "outcome" if n < len(objectives) or n % 3 else "output"
        indicator_rows.append(
            (
                iid,
                objectives[n % len(objectives)],
                f"Indicator {n + 1}",
                kind,
                unit,
                direction,
                periods[0],
                f"{base:.{decimals}f}",
                periods[-1],
                f"{base * (1.1 if direction == 'increase' else 0.9):.{decimals}f}",
                "local",
                # Now and then a measure's own smallest change that counts (not a share: shares
                # carry ranges of uncertainty here, and a threshold is for figures without).
                "1" if n % 10 == 3 and unit != "%" else "",
                "",
                "false",
                _CONTEXT[n % len(_CONTEXT)],
                "2027-09-30",
                _METHODS[n % len(_METHODS)],
                "Our own records",
                "",
                "public",
            )
        )
        step = rng.uniform(-0.3, 0.3)
        for p, period in enumerate(periods):
            for g, group in enumerate(groups):
                value = max(0.0, base + step * p + rng.uniform(-2, 2) + g * 0.5)
                with_interval = g == 0 and unit == "%"
                result_rows.append(
                    (
                        iid,
                        period,
                        group,
                        f"{value:.{decimals}f}",
                        f"{value - 1.5:.{decimals}f}" if with_interval else "",
                        f"{value + 1.5:.{decimals}f}" if with_interval else "",
                        rng.randint(200, 2000) if unit == "%" else "",
                        "final" if p < len(periods) - 1 else "provisional",
                        "",
                        _NOTES[n % len(_NOTES)] if p == len(periods) - 1 and g == 0 else "",
                    )
                )
    _write(
        out / "indicators.csv",
        ("id", "objective_id", "title", "kind", "unit", "direction", "baseline_period",
         "baseline_value", "target_period", "target_value", "target_set_by", "change_threshold",
         "counterbalance_id", "proxy", "context", "next_update", "method", "source", "source_url",
         "visibility"),
        indicator_rows,
    )  # fmt: skip
    _write(
        out / "results.csv",
        ("indicator_id", "period", "group", "value", "lower", "upper", "sample_size", "status",
         "embargo_until", "note"),
        result_rows,
    )  # fmt: skip
    del result_rows

    methods = ("statutory", "customer_service", "market_research", "deliberative", "devolved")
    levels = ("consult", "involve", "collaborate", "empower")
    engagement_rows = []
    profile_rows = []
    response_rows = []
    for n, eid in enumerate(engagements):
        month = 1 + n % 12
        engagement_rows.append(
            (
                eid,
                f"Engagement {n + 1}",
                methods[n % len(methods)],
                levels[n % len(levels)],
                f"2025-{month:02d}-01",
                f"2025-{month:02d}-28",
                rng.randint(20, 2000),
                "All residents",
                _QUESTIONS[n % len(_QUESTIONS)],
                _HEARD[n % len(_HEARD)],
                "",
                "public",
            )
        )
        for dimension, categories in (("age", _AGES[:4]), ("ward", _WARDS[:3])):
            participants = _shares(rng, len(categories))
            population = _shares(rng, len(categories))
            for category, p_share, q_share in zip(categories, participants, population):
                profile_rows.append((eid, dimension, category, p_share, q_share))
        for r in range(3):
            outcome = ("done", "in_progress", "not_doing")[r]
            response_rows.append(
                (
                    eid,
                    f"resp-{r + 1}",
                    _YOU_SAID[r],
                    _WE_DID[r],
                    outcome,
                    _NOT_DOING if outcome == "not_doing" else "",
                    "",
                    "public",
                )
            )
    _write(
        out / "engagements.csv",
        ("id", "title", "method", "level", "start_date", "end_date", "participants", "audience",
         "question", "what_we_heard", "report_url", "visibility"),
        engagement_rows,
    )  # fmt: skip
    _write(
        out / "engagement_profile.csv",
        ("engagement_id", "dimension", "category", "participants_share", "population_share"),
        profile_rows,
    )
    _write(
        out / "responses.csv",
        ("engagement_id", "id", "you_said", "we_did", "outcome", "explanation", "decision_id",
         "visibility"),
        response_rows,
    )  # fmt: skip

    decision_rows = []
    option_rows = []
    statuses = ("decided", "implemented", "reviewed")
    for n in range(spec.decisions):
        did = f"dec-{n + 1:03d}"
        decision_rows.append(
            (
                did,
                f"Decision {n + 1}",
                f"2025-{1 + n % 12:02d}-15",
                "full-council",
                _SUMMARIES[n % len(_SUMMARIES)],
                _RATIONALE[n % len(_RATIONALE)],
                _UP_FOR_GRABS,
                objectives[n % len(objectives)],
                engagements[n % len(engagements)],
                statuses[n % len(statuses)],
                "2026-12-31",
                "",
                "public",
            )
        )
        chosen = rng.randrange(3)
        for o in range(3):
            option_rows.append(
                (
                    did,
                    f"option-{o + 1}",
                    f"Option {o + 1}",
                    "true" if o == chosen else "false",
                    rng.randint(10, 500) * 1000,
                    "£ per year",
                    _BENEFITS[o % 2],
                    _DRAWBACKS[o % 2],
                    "",
                    "",
                    "",
                    "public",
                )
            )
    _write(
        out / "decisions.csv",
        ("id", "title", "date", "decided_by", "summary", "rationale", "up_for_grabs",
         "objective_ids", "engagement_ids", "status", "review_date", "review_trigger",
         "visibility"),
        decision_rows,
    )  # fmt: skip
    _write(
        out / "options.csv",
        ("decision_id", "id", "title", "chosen", "cost", "cost_unit", "benefits", "drawbacks",
         "who_gains", "who_loses", "public_support", "visibility"),
        option_rows,
    )  # fmt: skip
    _write(
        out / "revisions.csv",
        ("date", "resource", "row_id", "field", "old_value", "new_value", "reason"),
        [
            ("2025-06-01", "indicators", indicators[0], "target_value", "10", "8",
             "The residents' panel asked us to aim higher."),
        ],
    )  # fmt: skip

    descriptor = {
        "name": f"synthetic-{size.lower()}-{seed}",
        "title": f"Synthetic Borough Council: public value report ({size}, seed {seed})",
        "description": "A made-up report for tests and timings. None of its figures are real.",
        "version": "1.0.0",
        "licenses": [{"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0"}],
        "organisation": {
            "name": "Synthetic Borough Council",
            "purpose": "We run local services for the people of a made-up town: homes, parks, "
            "libraries and bins. We ask people what matters most and tell them how we did.",
        },
        "reporting_period": {"label": "2025/26", "start": "2025-04-01", "end": "2026-03-31"},
        "resources": [
            {"name": name, "path": f"{name}.csv"}
            for name in contract.RESOURCES
            if (out / f"{name}.csv").exists()
        ],
    }
    (out / "datapackage.json").write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out


# More than one language ----------------------------------------------------------------------


def add_languages(package_dir: Path, languages: Sequence[str]) -> None:
    """Make a generated package one in ``languages`` (the first its data's): a translation of
    every text into each other language beside it (the text with the language's code after it),
    the translated properties, and a labels.csv of every breakdown's words."""
    others = list(languages[1:])
    descriptor_path = package_dir / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    descriptor["languages"] = list(languages)
    words: dict[str, None] = {}
    for name in contract.RESOURCES:
        path = package_dir / f"{name}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        if name == "results" and "group" in header:
            at = header.index("group")
            for group in dict.fromkeys(row[at] for row in body):
                dimension, colon, category = group.partition(":")
                if colon:
                    words |= {dimension.strip(): None, category.strip(): None}
        if name == "engagement_profile":
            for field in ("dimension", "category"):
                at = header.index(field)
                words |= dict.fromkeys(row[at] for row in body)
        fields = [f for f in contract.TRANSLATABLE.get(name, ()) if f in header]
        if not fields:
            continue
        positions = [header.index(f) for f in fields]
        added = [f"{f}_{lang}" for lang in others for f in fields]
        out = [header + added]
        for row in body:
            out.append(
                row + [f"{row[p]} ({lang})" if row[p] else "" for lang in others for p in positions]
            )
        _write(path, out[0], out[1:])
    _write(
        package_dir / "labels.csv",
        ["text", *(f"text_{lang}" for lang in others)],
        [[word, *(f"{word} ({lang})" for lang in others)] for word in words],
    )
    if not any(r.get("name") == "labels" for r in descriptor["resources"]):
        descriptor["resources"].append({"name": "labels", "path": "labels.csv"})
    organisation = descriptor["organisation"]
    for lang in others:
        for holder, key in ((descriptor, "title"), (descriptor, "description"),
                            (organisation, "name"), (organisation, "purpose")):  # fmt: skip
            if holder.get(key):
                holder[f"{key}_{lang}"] = f"{holder[key]} ({lang})"
        funding = organisation.get("funding")
        if isinstance(funding, dict) and funding.get("sources"):
            funding[f"sources_{lang}"] = [f"{s} ({lang})" for s in funding["sources"]]
    descriptor_path.write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


# Planted errors --------------------------------------------------------------------------------

#: Cells :func:`plant_errors` writes into results.csv: (what it is, field, cell, expected code).
_RESULT_PLANTS: tuple[tuple[str, str, str, str], ...] = (
    ("wrong type", "value", "twelve", "wrong-type"),
    ("not in list", "status", "finalised", "not-in-list"),
    ("bad id", "indicator_id", "Ind 0001", "bad-id"),
    ("required missing", "value", "", "missing-value"),
    ("unknown reference", "indicator_id", "ind-9999", "unknown-reference"),
    ("below minimum", "sample_size", "-3", "out-of-range"),
    ("not a whole number", "sample_size", "2.5", "wrong-type"),
    ("bad period", "period", "2024-13", "bad-period"),
    ("bad moment", "embargo_until", "soon", "bad-moment"),
    ("thousands separator", "value", "1,234", "number-thousands-separator"),
)


def plant_errors(package_dir: Path, seed: int = 0) -> list[Expected]:
    """Break a generated package in known ways; return the problems validation must report.

    results.csv gets one row per entry of ``_RESULT_PLANTS`` plus a repeated key, a lower bound
    above its value, an extra cell, a blank row and a note with a quoted line break (written
    first, so that every later row's physical line differs from its record number).
    indicators.csv gets a ``kind`` outside its list. Rows are chosen from the seed.
    """
    rng = random.Random(f"pvreport-plant-{seed}")
    package = Path(package_dir)
    results = package / "results.csv"
    with results.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    header = records[0]
    col = {name: header.index(name) for name in header}
    plain = [i for i in range(2, len(records)) if records[i][col["lower"]] == ""]
    with_interval = [i for i in range(2, len(records)) if records[i][col["lower"]] != ""]
    # Rows at least two apart and after the first two data rows, so that no plant lands on
    # the row another one copies its key from.
    chosen: list[int] = []
    while len(chosen) < len(_RESULT_PLANTS) + 3:
        pick = rng.choice(plain)
        if pick > 3 and all(abs(pick - other) > 2 for other in chosen):
            chosen.append(pick)
    chosen.sort()
    rng.shuffle(chosen)
    plants: list[tuple[int, str | None, str]] = []  # (record index, field, code)
    for index, (_, field, cell, code) in zip(chosen, _RESULT_PLANTS):
        records[index][col[field]] = cell
        plants.append((index, field, code))
    spare = chosen[len(_RESULT_PLANTS) :]
    # A repeated key: a row takes the indicator, period and group of the row above it.
    repeat_of, repeat = spare[0] - 1, spare[0]
    for name in ("indicator_id", "period", "group"):
        records[repeat][col[name]] = records[repeat_of][col[name]]
    plants.append((repeat, None, "duplicate-id"))
    # An interval that misses its value.
    bad_interval = rng.choice([i for i in with_interval if i > 3 and abs(i - repeat) > 1])
    value = float(records[bad_interval][col["value"]])
    records[bad_interval][col["lower"]] = f"{value + 5:.1f}"
    plants.append((bad_interval, "lower", "value-outside-interval"))
    # A line with one cell too many.
    records[spare[1]].append("extra")
    plants.append((spare[1], None, "extra-cell"))
    # A quoted line break in the first data row's note moves every later line down by one.
    records[1][col["note"]] = "The survey closed early.\nLate returns are not counted."
    # A blank line: a warning, and the lines after it move down once more.
    blank_at = spare[2]
    records.insert(blank_at, [])
    plants = [(i + 1 if i >= blank_at else i, f, c) for i, f, c in plants]
    plants.append((blank_at, None, "blank-row"))
    with results.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for record in records:
            if record:
                writer.writerow(record)
            else:
                handle.write("\n")
    # Physical lines: the header is line 1, the first data row (with the line break) takes
    # lines 2 and 3, so record i (i >= 2) starts on line i + 2.
    expected: list[Expected] = [
        ("results.csv", index + 2, field, code) for index, field, code in plants
    ]

    indicators = package / "indicators.csv"
    with indicators.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    kind = rows[0].index("kind")
    # An output indicator: its objective keeps the outcome indicator that measures it.
    target = rng.choice([i for i in range(1, len(rows)) if rows[i][kind] == "output"])
    rows[target][kind] = "outcomes"
    _write(indicators, rows[0], rows[1:])
    expected.append(("indicators.csv", target + 1, "kind", "not-in-list"))
    return sorted(expected, key=lambda e: (e[0], e[1], e[2] or "", e[3]))


# As other tools save a CSV file -----------------------------------------------------------------


def as_excel_saves(data: bytes) -> bytes:
    """A CSV file as Excel's "CSV UTF-8" saves it: a byte-order mark first, lines ending CR LF."""
    return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")


def every_cell_quoted(data: bytes) -> bytes:
    """A CSV file with every cell quoted, the heading's too, as many exports write them."""
    out = io.StringIO()
    records = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(records)
    return out.getvalue().encode("utf-8")
