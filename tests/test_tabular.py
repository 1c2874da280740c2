"""frictionless with the contract's schemas: column order, physical lines, declared schemas."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import AS_OF

from pvreport import contract
from pvreport.tables import read
from pvreport.validate import tabular, validate_package


def problems_of(package: Path) -> list[tuple[str, str | None, int | None, str | None]]:
    result = validate_package(package, as_of=AS_OF)
    return [(p.code, p.file, p.line, p.field) for p in result.problems]


def rewrite_columns(path: Path, order: list[str]) -> None:
    """Rewrite a CSV with its columns in another order (columns not named are dropped)."""
    rows = [record for _, record in read.csv_records(path)]
    header = rows[0]
    index = [header.index(name) for name in order]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for record in rows:
            writer.writerow([record[i] for i in index])


def test_file_schema_follows_the_heading_row() -> None:
    header = ("title", "id", "notes", "summary", "dimension", "owner", "id", "")
    schema, shown = tabular.file_schema("objectives", header)
    names = [f["name"] for f in schema["fields"]]
    assert names == [
        "title", "id", "pvreport-column-3", "summary", "dimension", "owner",
        "pvreport-column-7", "pvreport-column-8",
    ]  # fmt: skip
    assert shown == ["title", "id", "notes", "summary", "dimension", "owner", "id", "column 8"]
    assert schema["fields"][2]["type"] == "string"
    assert schema["primaryKey"] == ["id"]
    # parent_id is not in the file, so its foreign key cannot be checked.
    assert schema["foreignKeys"] == []
    # The contract's own property never reaches frictionless.
    assert all(contract.LIST_OF not in f for f in schema["fields"])


def test_key_is_dropped_when_a_key_column_is_missing() -> None:
    schema, _ = tabular.file_schema("results", ("indicator_id", "group", "value"))
    assert "primaryKey" not in schema
    assert [fk["fields"] for fk in schema["foreignKeys"]] == [["indicator_id"]]


def test_reordered_columns_without_optional_ones_pass(package: Path) -> None:
    # frictionless alone would match these columns by position and report every later column.
    rewrite_columns(
        package / "indicators.csv",
        ["title", "id", "objective_id", "method", "source", "kind", "unit", "direction",
         "counterbalance_id", "baseline_period", "baseline_value", "target_value",
         "target_period", "proxy"],
    )  # fmt: skip
    rewrite_columns(
        package / "results.csv", ["value", "period", "indicator_id", "group", "upper", "lower"]
    )
    assert problems_of(package) == []


def test_an_error_after_reordered_columns_names_the_right_column(package: Path) -> None:
    rewrite_columns(
        package / "accountability.csv",
        ["mechanism", "direction", "name", "id", "holds_us_to_account_for"],
    )
    path = package / "accountability.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",inward,", ",Inwards,"), "utf-8")
    assert problems_of(package) == [("not-in-list", "accountability.csv", 4, "direction")]


def test_lines_are_physical_lines(package: Path) -> None:
    path = package / "objectives.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    # A leading blank line, a quoted cell spanning three lines, a blank row, CRLF line ends.
    lines[1] = lines[1].replace(
        "Fewer families live in cold or damp homes.",
        '"Fewer families live\r\nin cold or damp\r\nhomes."',
    )
    text = "\r\n" + "\r\n".join([lines[0], lines[1], "", lines[2]]) + "\r\n"
    text += "Bad Id,Parks,Parks are green.,,service,Director of Environment,,,,public\r\n"
    path.write_bytes(text.encode("utf-8"))
    found = problems_of(package)
    # header 2; safe-homes 3-5; blank 6; clean-streets 7; the bad row 8.
    assert ("bad-id", "objectives.csv", 8, "id") in found
    assert ("blank-row", "objectives.csv", 6, None) in found
    table = validate_package(package, as_of=AS_OF).tables["objectives"]
    assert table.header_line == 2
    assert [row.line for row in table.rows] == [3, 7, 8]


def test_hints_say_how_to_fix(package: Path) -> None:
    path = package / "objectives.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("safe-homes,Safe", "Safe Homes!,Safe").replace(",outcome,", ",outcomes,")
    text = text.replace("service,Director of Environment", "service,")
    path.write_text(text, encoding="utf-8")
    result = validate_package(package, as_of=AS_OF)
    by_code = {p.code: p for p in result.problems if p.file == "objectives.csv"}
    assert by_code["bad-id"].hint is not None and '"safe-homes"' in by_code["bad-id"].hint
    assert by_code["not-in-list"].hint == "Write one of: service, outcome, trust."
    assert by_code["missing-value"].hint == "Fill in owner."


def test_hygiene_explanations_are_not_repeated(package: Path) -> None:
    path = package / "results.csv"
    text = path.read_text(encoding="utf-8").replace(",400,", ',"1,400",').replace(",520,", ",52%,")
    path.write_text(text, encoding="utf-8")
    assert problems_of(package) == [
        ("number-thousands-separator", "results.csv", 5, "value"),
        ("number-percent-sign", "results.csv", 6, "value"),
    ]


def test_foreign_keys_into_absent_resources_are_left_to_the_rules(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "decisions"]
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    codes = {code for code, *_ in problems_of(package)}
    assert "unknown-reference" not in codes
    assert "reference-to-absent-resource" in codes


def test_foreign_keys_into_unreadable_files_are_not_checked(package: Path) -> None:
    (package / "objectives.csv").write_bytes(b"PK\x03\x04 a workbook")
    found = problems_of(package)
    assert ("excel-file-as-csv", "objectives.csv", None, None) in found
    assert not [f for f in found if f[0] == "unknown-reference" and f[1] == "indicators.csv"]


def test_a_declared_schema_that_agrees_is_fine(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        schema = contract.schema(resource["name"])
        schema["fields"].append({"name": "internal_ref", "type": "string"})
        resource["schema"] = schema
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert problems_of(package) == []


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (lambda s: s["fields"][3].update(type="string"), "schema-type-mismatch", "results.value"),
        (lambda s: s["fields"][3].pop("type"), "schema-type-mismatch", "results.value"),
        (lambda s: s["fields"][0].pop("constraints"), "schema-constraint-mismatch", "results.indicator_id"),
        (lambda s: s["fields"][6]["constraints"].update(maximum=10), "schema-constraint-mismatch", "results.sample_size"),
        (lambda s: s["fields"].pop(2), "schema-missing-field", "results.group"),
        (lambda s: s["fields"].append({"name": "x", "constraints": {"required": True}}), "schema-extra-required-field", "results.x"),
        (lambda s: s.update(primaryKey=["indicator_id", "period"]), "schema-key-mismatch", "results.primaryKey"),
    ],
)  # fmt: skip
def test_declared_schema_disagreements(change: object, code: str, field: str) -> None:
    schema = contract.schema("results")
    change(schema)  # type: ignore[operator]
    found = [(p.code, p.field, p.file) for p in tabular.compare_schema("results", schema)]
    assert found == [(code, field, "datapackage.json")]


def test_optional_fields_left_out_of_a_declared_schema_are_fine() -> None:
    schema = contract.schema("results")
    schema["fields"] = [f for f in schema["fields"] if f.get("constraints", {}).get("required")]
    assert list(tabular.compare_schema("results", schema)) == []


def test_data_is_checked_with_the_contract_schema_not_the_declared_one(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    schema = contract.schema("results")
    schema["fields"][3]["type"] = "string"  # value as text would accept anything
    next(r for r in descriptor["resources"] if r["name"] == "results")["schema"] = schema
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    path = package / "results.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",610,", ",lots,"), "utf-8")
    assert problems_of(package) == [
        ("schema-type-mismatch", "datapackage.json", None, "results.value"),
        ("wrong-type", "results.csv", 7, "value"),
    ]


def test_short_row_is_one_problem(package: Path) -> None:
    path = package / "responses.csv"
    path.write_text(path.read_text(encoding="utf-8") + "eng-streets,late\n", encoding="utf-8")
    found = [f for f in problems_of(package) if f[1] == "responses.csv"]
    assert found == [("missing-cell", "responses.csv", 6, "you_said")]


def test_every_file_is_read_one_way_by_column_whatever_its_size(tmp_path: Path) -> None:
    # A small file with what spreadsheets leave in: blank lines above the heading, a blank row,
    # a short row, a long row, a cell with a line break, a number that is not one. It is held
    # by column like a large file, and its rows are made from the columns.
    path = tmp_path / "results.csv"
    path.write_text(
        "\n , \n"
        "Indicator_ID,period,group,value,note\n"
        "damp-homes,2024,all,12.50,\n"
        " , , , , \n"
        "damp-homes,2025,all\n"
        'damp-homes,2026,all,1;2,"two\nlines",extra\n'
        "damp-homes,2027,all,7,fine\n",
        encoding="utf-8",
    )
    table = read.read_table("results", path, "results.csv", contract.schema("results"))
    assert table.columns is not None
    assert (table.header, table.header_line) == (
        ("indicator_id", "period", "group", "value", "note"),
        3,
    )
    assert [(r.line, r.cells, set(r.unreadable)) for r in table.rows] == [
        (4, {"indicator_id": "damp-homes", "period": "2024", "group": "all", "value": 12.5,
             "note": None}, set()),
        (6, {"indicator_id": "damp-homes", "period": "2025", "group": "all", "value": None,
             "note": None}, set()),
        (7, {"indicator_id": "damp-homes", "period": "2026", "group": "all", "value": None,
             "note": "two\nlines"}, {"value"}),
        (9, {"indicator_id": "damp-homes", "period": "2027", "group": "all", "value": 7,
             "note": "fine"}, set()),
    ]  # fmt: skip
