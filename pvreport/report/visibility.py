"""What the public may see: confidential rows and results under embargo are removed here.

:func:`withhold` takes the whole report and returns the public report plus a :class:`Withheld`
record. Every later stage (derive, charts, render, downloads) reads only the public report, so a
withheld value cannot reach a page by accident. The record says *where* something was withheld
and *why*, as counts, so pages can say "one option is not shown because it is confidential"
without a trace of what it was. It also keeps the withheld texts (never rendered) so the build can
check, as defence in depth, that none of them ended up in the built site.

Withholding cascades down: the indicators of a withheld objective, the results of a withheld
indicator, the options of a withheld decision, and the responses and profile of a withheld
engagement are withheld with it. References from public rows to withheld rows are removed, and
counted on the page of the public row. Revisions about withheld rows are dropped too (a revision
would show the old and new value), and so are revisions whose old or new value is a withheld id:
the row a revision names is read by :func:`pvreport.keys.resolve`, as validation reads it.

Public figures that would give a withheld one away are held back with it: every result of an
indicator's period with one under embargo (the figure for everyone and a breakdown's groups give
each other away), and the public support of every option of a decision whose withheld option has
one (the shares add up to 100). The downloads blank those cells (``Withheld.blanked``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar

from .. import contract, keys
from ..tables import read
from . import model

Row = TypeVar("Row")

Reason = Literal["confidential", "embargo"]

# A withheld text shorter than this is too likely to occur by chance in a public page (a word,
# a short id) to be a useful canary for the final check.
_CANARY_MIN_LENGTH = 10


@dataclasses.dataclass(frozen=True)
class WithheldNote:
    """``count`` rows of resource ``what`` were withheld from the page at ``place`` for ``reason``.

    ``place`` is a page key: ``"decisions/<id>"``, ``"objectives/<id>"``, ``"indicators/<id>"``,
    ``"engagements/<id>"``, or a resource name for the list page and downloads of that resource.
    ``role`` says how the withheld rows relate to the page (``"child"``: they belong to it, such as
    a decision's options; ``"parent"``, ``"counterbalance"``, ``"link"``: the page referred to them).
    """

    place: str
    what: str
    count: int
    reason: Reason
    role: str = "child"


@dataclasses.dataclass(frozen=True)
class Canary:
    """A text of a withheld row that must not be in the built site, and where it was written."""

    text: str
    file: str
    line: int
    field: str

    @property
    def row(self) -> str:
        """Where the text is, in the words of the spreadsheet: ``options.csv line 7, field
        title``."""
        return f"{self.file} line {self.line}, field {self.field}"


@dataclasses.dataclass(frozen=True)
class Withheld:
    notes: tuple[WithheldNote, ...] = ()
    #: Rows withheld per resource (for the data page and downloads).
    rows: Mapping[str, int] = dataclasses.field(default_factory=dict)
    #: Physical CSV lines withheld per resource (downloads skip them).
    lines: Mapping[str, frozenset[int]] = dataclasses.field(default_factory=dict)
    #: Withheld ids per resource (downloads blank references to them).
    ids: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    #: Distinctive texts of withheld rows: the build checks none of them reached the site.
    canaries: tuple[Canary, ...] = ()
    #: Public decisions whose chosen option is withheld: their pages say a choice was made.
    chosen: frozenset[str] = frozenset()
    #: Cells of public rows blanked because they would give a withheld value away, by resource
    #: and field: the physical lines whose cell the downloads leave empty.
    blanked: Mapping[str, Mapping[str, frozenset[int]]] = dataclasses.field(default_factory=dict)

    def at(self, place: str) -> tuple[WithheldNote, ...]:
        return tuple(n for n in self.notes if n.place == place)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _is_confidential(row: Any) -> bool:
    return getattr(row, "visibility", "public") == "confidential"


def withheld_measures(
    objectives: Iterable[Any], indicators: Iterable[Any]
) -> tuple[set[str], set[str]]:
    """The ids of the objectives and indicators left off the site: confidential ones, and the
    indicators of a confidential objective (rows read by ``id``, ``visibility`` and
    ``objective_id`` attributes)."""
    gone_obj = {o.id for o in objectives if _is_confidential(o)}
    gone_ind = {i.id for i in indicators if _is_confidential(i) or i.objective_id in gone_obj}
    return gone_obj, gone_ind


def under_embargo(result: model.Result, now: dt.datetime) -> bool:
    """The one embargo filter: a result is withheld while its ``embargo_until`` is after
    ``now`` (the run's :class:`pvreport.tables.moments.Clock`), and published from that moment on."""
    return result.embargo_until is not None and result.embargo_until > now


def _texts(row: Any, name: str) -> Iterable[str]:
    """Every text of a row (for what public rows write)."""
    for field_name in _field_names(type(row)):
        value = getattr(row, field_name)
        if isinstance(value, str):
            yield value


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(kind))


def _own_texts(row: Any, name: str) -> Iterable[tuple[str, str]]:
    """The row's own writing, by field: what only this row could have put on a page."""
    for field_name in _free_text_fields(type(row), name):
        value = getattr(row, field_name)
        if isinstance(value, str):
            yield field_name, value


# Looked up once per row type: a large report has a hundred thousand rows of a few types.
@functools.cache
def _free_text_fields(kind: type, name: str) -> tuple[str, ...]:
    """Fields whose text is the row's own. Not evidence of a leak, because the site writes them
    for other reasons: words from a fixed list (visibility, status: "confidential"), ids and
    periods (addresses and headings are made of words, and a public heading's address can hold
    a withheld id), lists of ids, and units (a public row or the data dictionary writes
    "£ per year")."""
    schema_fields = contract.fields(name)
    out = []
    for field in dataclasses.fields(kind):
        spec = schema_fields.get(field.name, {})
        constraints = spec.get("constraints", {})
        if "enum" in constraints or "pattern" in constraints or contract.LIST_OF in spec:
            continue
        if field.name == "id" or field.name.endswith(("_id", "_ids")):
            continue
        if field.name == "unit" or field.name.endswith("_unit"):
            continue
        if spec.get("type", "string") != "string":
            continue
        out.append(field.name)
    return tuple(out)


@functools.cache
def pvreport_text() -> str:
    """Everything pvreport writes by itself (its code, templates, schemas and problem
    catalogue): a withheld row's text that pvreport writes anyway, as the data dictionary
    writes "for example £ per year", is no evidence of a leak."""
    from importlib import resources

    root = resources.files("pvreport")
    found: list[str] = []

    def walk(folder: Any) -> None:
        for item in folder.iterdir():
            if item.is_dir():
                walk(item)
            elif item.name.endswith((".py", ".json", ".yaml", ".j2", ".md", ".html", ".css")):
                if item.name == "synthetic.py":
                    continue  # test data, never written to a site
                found.append(item.read_text(encoding="utf-8", errors="replace"))

    walk(root)
    return " ".join(" ".join(found).split())


def withhold(
    report: model.Report, *, now: dt.datetime, files: Mapping[str, str] | None = None
) -> tuple[model.Report, Withheld]:
    """The public report, and what was withheld from it, at the moment ``now`` (aware).
    ``files`` names each resource's file, for messages (default ``<resource>.csv``)."""
    notes: list[WithheldNote] = []
    dropped: dict[str, list[Any]] = {name: [] for name in model.ROW_TYPES}

    def note(place: str, what: str, count: int, reason: Reason, role: str = "child") -> None:
        if count:
            notes.append(WithheldNote(place, what, count, reason, role))

    # Which rows go, resource by resource, parents before children.
    gone_obj, gone_ind = withheld_measures(report.objectives, report.indicators)
    gone_eng = {e.id for e in report.engagements if _is_confidential(e)}
    gone_dec = {d.id for d in report.decisions if _is_confidential(d)}

    objectives = []
    for o in report.objectives:
        if o.id in gone_obj:
            dropped["objectives"].append(o)
            continue
        parent = o.parent_id if o.parent_id not in gone_obj else None
        note(
            f"objectives/{o.id}", "objectives", int(parent != o.parent_id), "confidential", "parent"
        )
        authorised = tuple(e for e in o.authorised_by if e not in gone_eng)
        note(
            f"objectives/{o.id}",
            "engagements",
            len(o.authorised_by) - len(authorised),
            "confidential",
            "link",
        )
        children = sum(1 for c in report.objectives if c.parent_id == o.id and c.id in gone_obj)
        note(f"objectives/{o.id}", "objectives", children, "confidential", "child")
        measures = sum(1 for i in report.indicators if i.objective_id == o.id and i.id in gone_ind)
        note(f"objectives/{o.id}", "indicators", measures, "confidential", "child")
        objectives.append(dataclasses.replace(o, parent_id=parent, authorised_by=authorised))

    embargoed: Counter[str] = Counter()
    # The other results of a period with one under embargo are held back with it: the figure
    # for everyone and the other groups of a breakdown give a group's figure away (a sum, or a
    # mean weighted by sample size), and the groups give the figure for everyone away.
    companions: Counter[str] = Counter()
    release = {
        (r.indicator_id, r.period)
        for r in report.results
        if r.indicator_id not in gone_ind and under_embargo(r, now)
    }
    results = []
    for r in report.results:
        if r.indicator_id in gone_ind:
            dropped["results"].append(r)
        elif under_embargo(r, now):
            dropped["results"].append(r)
            embargoed[r.indicator_id] += 1
        elif (r.indicator_id, r.period) in release:
            dropped["results"].append(r)
            companions[r.indicator_id] += 1
        else:
            results.append(r)

    indicators = []
    for i in report.indicators:
        if i.id in gone_ind:
            dropped["indicators"].append(i)
            continue
        counterbalance = i.counterbalance_id if i.counterbalance_id not in gone_ind else None
        note(
            f"indicators/{i.id}",
            "indicators",
            int(counterbalance != i.counterbalance_id),
            "confidential",
            "counterbalance",
        )
        note(f"indicators/{i.id}", "results", embargoed[i.id], "embargo")
        note(f"indicators/{i.id}", "results", companions[i.id], "embargo", "companion")
        indicators.append(dataclasses.replace(i, counterbalance_id=counterbalance))

    engagements = _kept(report.engagements, "id", gone_eng, dropped["engagements"])
    profile = _kept(
        report.engagement_profile, "engagement_id", gone_eng, dropped["engagement_profile"]
    )

    decisions = []
    for d in report.decisions:
        if d.id in gone_dec:
            dropped["decisions"].append(d)
            continue
        objective_ids = tuple(x for x in d.objective_ids if x not in gone_obj)
        engagement_ids = tuple(x for x in d.engagement_ids if x not in gone_eng)
        note(
            f"decisions/{d.id}",
            "objectives",
            len(d.objective_ids) - len(objective_ids),
            "confidential",
            "link",
        )
        note(
            f"decisions/{d.id}",
            "engagements",
            len(d.engagement_ids) - len(engagement_ids),
            "confidential",
            "link",
        )
        decisions.append(
            dataclasses.replace(d, objective_ids=objective_ids, engagement_ids=engagement_ids)
        )

    options = []
    hidden_options: Counter[str] = Counter()
    chosen_hidden: set[str] = set()
    for opt in report.options:
        if opt.decision_id in gone_dec:
            dropped["options"].append(opt)
        elif _is_confidential(opt):
            dropped["options"].append(opt)
            hidden_options[opt.decision_id] += 1
            if opt.chosen:
                chosen_hidden.add(opt.decision_id)
        else:
            options.append(opt)
    for decision_id, count in hidden_options.items():
        note(f"decisions/{decision_id}", "options", count, "confidential")

    # A withheld option's share of public support is 100 less the shares of the others: where
    # a withheld option has a share, no option of that decision shows one (nor a revision of it).
    told = {
        o.decision_id
        for o in dropped["options"]
        if o.decision_id not in gone_dec and o.public_support is not None
    }
    support_blanked: list[Any] = []
    if told:
        for index, opt in enumerate(options):
            if opt.decision_id in told and opt.public_support is not None:
                support_blanked.append(opt)
                options[index] = dataclasses.replace(opt, public_support=None)
        for decision_id in sorted(told):
            note(f"decisions/{decision_id}", "options", 1, "confidential", "support")
    blanked_support = {id(o) for o in support_blanked}

    responses = []
    hidden_responses: Counter[str] = Counter()
    hidden_decision_links: Counter[str] = Counter()
    for resp in report.responses:
        if resp.engagement_id in gone_eng:
            dropped["responses"].append(resp)
        elif _is_confidential(resp):
            dropped["responses"].append(resp)
            hidden_responses[resp.engagement_id] += 1
        else:
            if resp.decision_id in gone_dec:
                hidden_decision_links[resp.engagement_id] += 1
                resp = dataclasses.replace(resp, decision_id=None)
            responses.append(resp)
    for engagement_id, count in hidden_responses.items():
        note(f"engagements/{engagement_id}", "responses", count, "confidential")
    for engagement_id, count in hidden_decision_links.items():
        note(f"engagements/{engagement_id}", "decisions", count, "confidential", "link")

    gone_ids = {
        "objectives": gone_obj,
        "indicators": gone_ind,
        "engagements": gone_eng,
        "decisions": gone_dec,
        "options": {o.id for o in dropped["options"]},
        "responses": {r.id for r in dropped["responses"]},
    }
    revisions = []
    # A revision about a result under embargo is shown once the embargo lifts: it is counted as
    # held back by the embargo, not as confidential.
    embargoed_rows = {id(r) for r in dropped["results"] if r.indicator_id not in gone_ind}
    revisions_embargoed = 0
    for rev, about in zip(
        report.revisions,
        _revisions_about_withheld(report, dropped, gone_ids, {"public_support": blanked_support}),
        strict=True,
    ):
        if about is False:
            revisions.append(rev)
            continue
        dropped["revisions"].append(rev)
        if about is not True and id(about) in embargoed_rows:
            revisions_embargoed += 1

    # List pages and downloads say how many rows of each kind are not shown.
    for name in ("objectives", "indicators", "engagements", "decisions"):
        note(name, name, len(dropped[name]), "confidential")
    embargoed_total = sum(embargoed.values())
    companions_total = sum(companions.values())
    note(
        "results",
        "results",
        len(dropped["results"]) - embargoed_total - companions_total,
        "confidential",
    )
    note("results", "results", embargoed_total, "embargo")
    note("results", "results", companions_total, "embargo", "companion")
    for name in ("options", "responses", "engagement_profile"):
        note(name, name, len(dropped[name]), "confidential")
    note("revisions", "revisions", len(dropped["revisions"]) - revisions_embargoed, "confidential")
    note("revisions", "revisions", revisions_embargoed, "embargo")

    public = dataclasses.replace(
        report,
        objectives=tuple(objectives),
        indicators=tuple(indicators),
        results=tuple(results),
        engagements=tuple(engagements),
        engagement_profile=tuple(profile),
        decisions=tuple(decisions),
        options=tuple(options),
        responses=tuple(responses),
        revisions=tuple(revisions),
    )
    withheld = Withheld(
        notes=tuple(notes),
        rows={name: len(rows) for name, rows in dropped.items() if rows},
        lines={name: frozenset(r.line for r in rows) for name, rows in dropped.items() if rows},
        ids={name: frozenset(ids) for name, ids in gone_ids.items() if ids},
        canaries=_canaries(report, public, dropped, files or {}),
        chosen=frozenset(chosen_hidden),
        blanked=(
            {"options": {"public_support": frozenset(o.line for o in support_blanked)}}
            if support_blanked
            else {}
        ),
    )
    return public, withheld


def _kept(rows: Iterable[Row], key: str, gone: set[str], dropped: list[Any]) -> list[Row]:
    """The rows whose ``key`` is not in ``gone``; the others are added to ``dropped``."""
    kept = []
    for row in rows:
        (dropped if getattr(row, key) in gone else kept).append(row)
    return kept


def _revisions_about_withheld(
    report: model.Report,
    dropped: Mapping[str, list[Any]],
    gone_ids: Mapping[str, set[str]],
    blanked: Mapping[str, set[int]] | None = None,
) -> list[Any]:
    """For each revision, whether it is about something withheld: ``False`` where it is not,
    else the withheld row it names, or ``True`` where it is withheld for another reason.

    A revision is withheld when its row_id names a withheld row (read by :func:`keys.resolve`,
    the reading validation uses), when it changed a cell of a public row that is blanked
    (``blanked``: field name -> ``id()`` of those rows), when it names no row at all (validation refuses that; here it
    is withheld rather than guessed at), or when its old or new value is a withheld id.
    """
    if not report.revisions:
        return []
    ids = frozenset().union(*gone_ids.values())
    gone_rows = {id(row) for rows in dropped.values() for row in rows}
    indexes: dict[str, dict[keys.Key, Any]] = {}
    for resource in {rev.resource for rev in report.revisions} & set(keys.KEY_FIELDS):
        # Only the rows some revision could name: a first key cell (an id, an indicator, a
        # decision, an engagement) a revision mentions. A million results are not all keyed.
        first = keys.KEY_FIELDS[resource][0]
        want = keys.wanted(resource, (r.row_id for r in report.revisions if r.resource == resource))
        firsts = {key[0] for key in want}
        rows = (row for row in getattr(report, resource) if getattr(row, first) in firsts)
        indexes[resource] = keys.keyed(resource, rows, getattr)
    out = []
    for rev in report.revisions:
        row = keys.resolve(rev.resource, rev.row_id, indexes.get(rev.resource, {}))
        if row is not None and id(row) in gone_rows:
            out.append(row)
        elif row is not None and blanked and id(row) in blanked.get(rev.field, ()):
            out.append(True)
        else:
            out.append(
                row is None
                or _names_withheld_id(rev.old_value, ids)
                or _names_withheld_id(rev.new_value, ids)
            )
    return out


def _names_withheld_id(value: str | None, ids: frozenset[str]) -> bool:
    """Whether a revision's value is a withheld id, or a list of ids holding one."""
    if not value or not ids:
        return False
    return value.strip() in ids or any(part in ids for part in read.split_ids(value))


def _canaries(
    report: model.Report,
    public: model.Report,
    dropped: Mapping[str, list[Any]],
    files: Mapping[str, str],
) -> tuple[Canary, ...]:
    """The withheld rows' own texts that nothing public writes: the final check looks for each
    as a whole text (see :func:`find_canaries`)."""
    candidates: dict[str, Canary] = {}
    for name, rows in dropped.items():
        for row in rows:
            if name == "results":
                # An embargoed result's note may be shared with public results; its value is a
                # number, which no text check can tell apart. Notes only.
                texts: Iterable[tuple[str, str]] = [("note", row.note)] if row.note else []
            else:
                texts = _own_texts(row, name)
            for field_name, text in texts:
                text = " ".join(text.split())
                if len(text) >= _CANARY_MIN_LENGTH and text not in candidates:
                    file = files.get(name, f"{name}.csv")
                    candidates[text] = Canary(text, file, row.line, field_name)
    if not candidates:
        # Nothing withheld has a text of its own: no need to gather a million public texts.
        return ()
    seen_public: list[str] = [
        t
        for t in (
            report.name,
            report.title,
            report.description,
            report.organisation.name,
            report.organisation.purpose,
            report.reporting_period.label,
        )
        if isinstance(t, str)
    ]
    for name in model.ROW_TYPES:
        for row in getattr(public, name):
            seen_public.extend(_texts(row, name))
    public_text = " ".join(" ".join(seen_public).split())
    own = pvreport_text()
    return tuple(
        candidates[t]
        for t in sorted(candidates)
        if t not in public_text and not _whole_text_in(t, own)
    )


def _whole(text: str) -> re.Pattern[str]:
    """A text found whole: no letter, digit, hyphen or underscore touches it on either side
    ("three-months" is not found in "within-three-months", nor "Plan B" in "Plan Bravo");
    any run of spaces matches a space."""
    body = r"\s+".join(re.escape(part) for part in text.split())
    return re.compile(rf"(?<![\w-]){body}(?![\w-])")


def _whole_text_in(text: str, haystack: str) -> bool:
    return text in haystack and _whole(text).search(haystack) is not None


def find_canaries(canaries: Iterable[Canary], texts: str) -> list[Canary]:
    """The canaries found whole in ``texts`` (readable texts with spaces folded)."""
    return [c for c in canaries if _whole_text_in(c.text, texts)]
