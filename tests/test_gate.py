"""The gate: safe JSON, safe paths, and the descriptor's own properties."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import BASE
from hypothesis import given, settings
from hypothesis import strategies as st

from pvreport.tables import gate

PVREPORT = Path(gate.__file__).parents[1]


def codes(result: gate.GateResult) -> list[str]:
    return sorted(p.code for p in result.problems)


def write_descriptor(package: Path, descriptor: object) -> None:
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def base_descriptor() -> dict:
    return json.loads((BASE / "datapackage.json").read_text(encoding="utf-8"))


def test_base_passes_with_resolved_paths() -> None:
    result = gate.check(BASE)
    assert result.problems == []
    assert result.descriptor is not None
    assert result.descriptor["organisation"]["name"] == "Riverside Borough Council"
    assert set(result.resources) == {
        "accountability", "objectives", "indicators", "results", "engagements",
        "engagement_profile", "decisions", "options", "responses", "revisions",
    }  # fmt: skip
    for name, resource in result.resources.items():
        assert resource.path == (BASE / f"{name}.csv").resolve()
        assert resource.path.is_absolute()


def test_duplicate_keys_are_all_named(tmp_path: Path) -> None:
    path = tmp_path / "datapackage.json"
    path.write_text('{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}', encoding="utf-8")
    value, problems = gate.read_json(path, "datapackage.json")
    assert value is None
    assert [(p.code, p.value) for p in problems] == [("duplicate-key", "c"), ("duplicate-key", "a")]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{\n  "a": 1,\n  "b": 2,\n}\n', 3, "a comma after the last item of an object"),
        ('{\n "a": [\n  1,\n  2,\n ]\n}', 4, "a comma after the last item of a list"),
        ('{\n "a": 1\n "b": 2\n}', 2, "a comma is missing at the end of this line"),
        ('{\n "a": [\n  {"x": 1}\n  {"x": 2}\n ]\n}', 3, "a comma is missing"),
        ('{\n "a": 1,,\n "b": 2}', 2, "two commas in a row"),
        ("{\n a: 1\n}", 2, "a name without double quotes"),
        ("{\n 'a': 1\n}", 2, "single quotes"),
        ("{\n \"a\": 'x'\n}", 2, "single quotes"),
        ('{\n "a": yes\n}', 2, "text without double quotes"),
        ('{\n "a": ,\n "b": 1}', 2, "a value is missing"),
        ('{\n "a" 1\n}', 2, "a name without a colon"),
        ('{\n "a": [1, 2\n', 2, "this [ is never closed"),
        ('{\n "a": {"b": 1}\n', 1, "this { is never closed"),
        ('{\n "a": "x\n}', 2, 'its closing double quote (") is missing'),
        ('{\n "a": 1\n}\n}\n', 4, "text after the end of the report's object"),
        ('{\n "a": 1\n}\nhello', 4, "text after the end of the report's object"),
        ('{\n "a": "C:\\data"\n}', 2, "a backslash"),
        ('{\n "a": \ufeff1}', 2, "byte-order mark"),
        ("", None, "the file is empty"),
        (" \n", None, "the file is empty"),
    ],
)
def test_json_syntax_error_in_plain_words(
    tmp_path: Path, text: str, line: int | None, words: str
) -> None:
    path = tmp_path / "datapackage.json"
    path.write_text(text, encoding="utf-8")
    value, problems = gate.read_json(path, "datapackage.json")
    assert value is None
    [problem] = problems
    assert (problem.code, problem.line) == ("descriptor-not-json", line)
    assert words in problem.message
    if line is not None:
        assert problem.message.startswith(f"datapackage.json is not valid JSON: line {line}: ")
    assert "The JSON reader's own words" in (problem.hint or "")


def test_json_saved_as_utf16_says_so(tmp_path: Path) -> None:
    path = tmp_path / "datapackage.json"
    path.write_bytes('{"a": 1}'.encode("utf-16"))
    _, [problem] = gate.read_json(path, "datapackage.json")
    assert "UTF-16" in problem.message


@pytest.mark.parametrize("depth", [gate.MAX_DEPTH + 1, 5000])
def test_absurd_depth_is_refused(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "datapackage.json"
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    value, problems = gate.read_json(path, "datapackage.json")
    assert value is None
    assert [p.code for p in problems] == ["descriptor-too-complex"]


def test_depth_at_the_limit_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "datapackage.json"
    depth = gate.MAX_DEPTH
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    value, problems = gate.read_json(path, "datapackage.json")
    assert problems == [] and value is not None


def test_absurd_size_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gate, "MAX_DESCRIPTOR_BYTES", 100)
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps({"description": "x" * 200}), encoding="utf-8")
    value, problems = gate.read_json(path, "datapackage.json")
    assert value is None
    assert [p.code for p in problems] == ["descriptor-too-complex"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_refused(tmp_path: Path, constant: str) -> None:
    path = tmp_path / "datapackage.json"
    path.write_text(f'{{"a": {constant}}}', encoding="utf-8")
    value, problems = gate.read_json(path, "datapackage.json")
    assert value is None and [p.code for p in problems] == ["descriptor-not-json"]


def test_utf8_bom_in_descriptor_is_accepted(package: Path) -> None:
    raw = (package / "datapackage.json").read_bytes()
    (package / "datapackage.json").write_bytes(b"\xef\xbb\xbf" + raw)
    assert gate.check(package).problems == []


def test_descriptor_must_be_an_object(package: Path) -> None:
    write_descriptor(package, [1, 2])
    result = gate.check(package)
    assert result.descriptor is None
    assert codes(result) == ["wrong-property-type"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("https://example.org/a.csv", "remote-reference"),
        ("HTTP://EXAMPLE.ORG/a.csv", "remote-reference"),
        ("ftp://example.org/a.csv", "remote-reference"),
        ("file:a.csv", "remote-reference"),
        ("s3://bucket/a.csv", "remote-reference"),
        ("//server/share/a.csv", "remote-reference"),
        ("/etc/a.csv", "path-outside-package"),
        ("C:\\data\\a.csv", "path-outside-package"),
        ("c:/data/a.csv", "path-outside-package"),
        ("../a.csv", "path-outside-package"),
        ("data/../../a.csv", "path-outside-package"),
        (".a.csv", "hidden-path"),
        (".git/a.csv", "hidden-path"),
        ("a.csv.gz", "compressed-resource"),
        ("a.zip", "compressed-resource"),
        ("a.xlsx", "unsupported-format"),
        ("a.json", "unsupported-format"),
        (["a.csv", "b.csv"], "unsupported-format"),
        (3, "wrong-property-type"),
        ("", "wrong-property-type"),
        ("missing.csv", "file-missing"),
        ("nul\x00.csv", "file-missing"),
    ],
)
def test_unsafe_paths(tmp_path: Path, raw: object, code: str) -> None:
    path, problems = gate.check_path(tmp_path, raw, what="the resource", field="path")
    assert path is None
    assert [p.code for p in problems] == [code]


def test_safe_paths_in_subfolders_and_upper_case_suffix(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.CSV").write_text("id\n", encoding="utf-8")
    path, problems = gate.check_path(tmp_path, "data/a.CSV", what="it", field="path")
    assert problems == [] and path == (tmp_path / "data" / "a.CSV").resolve()
    path, problems = gate.check_path(tmp_path, "./data/a.CSV", what="it", field="path")
    assert problems == [] and path is not None


def test_symlink_inside_the_package_is_fine(tmp_path: Path) -> None:
    (tmp_path / "real.csv").write_text("id\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to("real.csv")
    path, problems = gate.check_path(tmp_path, "link.csv", what="it", field="path")
    assert problems == [] and path == (tmp_path / "real.csv").resolve()


def test_symlinks_out_of_the_package_are_refused(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (tmp_path / "secret.csv").write_text("id\n", encoding="utf-8")
    (package / "file.csv").symlink_to(tmp_path / "secret.csv")
    (package / "folder").symlink_to(tmp_path)
    for raw in ("file.csv", "folder/secret.csv"):
        path, problems = gate.check_path(package, raw, what="it", field="path")
        assert path is None
        assert [p.code for p in problems] == ["path-outside-package"]


def test_symlink_loop_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "a.csv").symlink_to("b.csv")
    (tmp_path / "b.csv").symlink_to("a.csv")
    path, problems = gate.check_path(tmp_path, "a.csv", what="it", field="path")
    assert path is None and [p.code for p in problems] == ["file-missing"]


def test_fifo_is_not_a_regular_file(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(tmp_path / "pipe.csv")
    path, problems = gate.check_path(tmp_path, "pipe.csv", what="it", field="path")
    assert path is None and [p.code for p in problems] == ["file-missing"]


def test_descriptor_that_is_a_symlink_out_is_refused(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (tmp_path / "datapackage.json").write_text(json.dumps(base_descriptor()), encoding="utf-8")
    (package / "datapackage.json").symlink_to(tmp_path / "datapackage.json")
    result = gate.check(package)
    assert result.descriptor is None
    assert codes(result) == ["path-outside-package"]


def test_missing_folder_and_missing_descriptor(tmp_path: Path) -> None:
    assert codes(gate.check(tmp_path / "nope")) == ["descriptor-missing"]
    assert codes(gate.check(tmp_path)) == ["descriptor-missing"]


def test_dialect_and_schema_references_are_gated(package: Path) -> None:
    descriptor = base_descriptor()
    descriptor["resources"][0]["dialect"] = "http://example.org/dialect.json"
    descriptor["resources"][1]["schema"] = "../schema.json"
    descriptor["resources"][2]["schema"] = ["not", "a", "schema"]
    write_descriptor(package, descriptor)
    result = gate.check(package)
    assert sorted((p.code, p.field) for p in result.problems) == [
        ("path-outside-package", "schema"),
        ("remote-reference", "dialect"),
        ("schema-invalid", "schema"),
    ]
    # A resource that failed the gate is not handed on to be read.
    assert {"accountability", "objectives", "indicators"}.isdisjoint(result.resources)


def test_a_local_schema_file_is_read_safely(package: Path) -> None:
    descriptor = base_descriptor()
    descriptor["resources"][0]["schema"] = "schema.json"
    write_descriptor(package, descriptor)
    (package / "schema.json").write_text('{"fields": [], "fields": []}', encoding="utf-8")
    result = gate.check(package)
    assert [(p.code, p.file) for p in result.problems] == [("duplicate-key", "schema.json")]


def test_contract_names_and_unknown_resources(package: Path) -> None:
    descriptor = base_descriptor()
    # The contract says engagement_profile; "changes" has the path revisions.csv.
    descriptor["resources"][5]["name"] = "engagement-profile"
    descriptor["resources"][9]["name"] = "changes"
    descriptor["resources"].append({"name": "budget", "path": "budget.csv"})
    (package / "budget.csv").write_text("item,amount\nparks,300\n", encoding="utf-8")
    write_descriptor(package, descriptor)
    result = gate.check(package)
    found = sorted((p.code, p.value, p.severity) for p in result.problems)
    assert found == [
        ("resource-name-mismatch", "changes", "error"),
        ("resource-name-mismatch", "engagement-profile", "error"),
        ("unknown-resource", "budget", "warning"),
    ]
    hint = next(p.hint for p in result.problems if p.value == "changes")
    assert '"name": "revisions"' in (hint or "")
    assert "engagement_profile" not in result.resources and "budget" not in result.resources


def test_descriptor_properties(package: Path) -> None:
    descriptor = base_descriptor()
    descriptor["organisation"] = {"name": " ", "purpose": ["a list"]}
    descriptor["reporting_period"] = {"label": "2025/26", "start": "2025-04-01"}
    write_descriptor(package, descriptor)
    found = sorted((p.code, p.field) for p in gate.check(package).problems)
    assert found == [
        ("missing-property", "organisation.name"),
        ("missing-property", "reporting_period.end"),
        ("wrong-property-type", "organisation.purpose"),
    ]


@pytest.mark.parametrize(
    ("item", "code", "field"),
    [
        ("objectives.csv", "wrong-property-type", "resources"),
        ({"path": "objectives.csv"}, "missing-property", "name"),
        ({"name": 7, "path": "objectives.csv"}, "wrong-property-type", "name"),
        ({"name": "revisions"}, "missing-property", "path"),
        ({"name": "revisions", "path": "revisions.csv", "format": "xlsx"}, "unsupported-format", "format"),
        ({"name": "revisions", "path": "revisions.csv", "compression": "gz"}, "compressed-resource", "compression"),
        ({"name": "revisions", "data": [{"a": 1}]}, "inline-data", "data"),
        ({"name": "revisions", "path": "revisions.csv", "dialect": 3}, "wrong-property-type", "dialect"),
    ],
)  # fmt: skip
def test_resource_entries(package: Path, item: object, code: str, field: str) -> None:
    descriptor = base_descriptor()
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "revisions"]
    descriptor["resources"].append(item)
    write_descriptor(package, descriptor)
    result = gate.check(package)
    assert [(p.code, p.field) for p in result.problems] == [(code, field)]
    assert "revisions" not in result.resources


def test_required_resources_must_be_listed_and_hold_rows(package: Path) -> None:
    from pvreport.validate import validate_package

    descriptor = base_descriptor()
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "results"]
    write_descriptor(package, descriptor)
    (package / "indicators.csv").write_text(
        (package / "indicators.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8",
    )
    result = validate_package(package)
    gated = {(p.code, p.file, p.value) for p in result.problems if p.code.endswith("resource")}
    assert gated == {
        ("missing-resource", "datapackage.json", "results"),
        ("empty-resource", "indicators.csv", None),
    }


def test_nothing_trusts_a_package() -> None:
    # trusted=True would let frictionless follow any path or URL; pvreport never sets it.
    for path in PVREPORT.rglob("*.py"):
        assert not re.search(r"trusted\s*=\s*True", path.read_text(encoding="utf-8")), path.name


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


@settings(max_examples=80, deadline=None, derandomize=True)
@given(value=JSON, indent=st.sampled_from([None, 0, 2]))
def test_json_lines_finds_every_value(value: object, indent: int | None) -> None:
    text = json.dumps(value, indent=indent)
    lines, repeats = gate.json_lines(text)
    physical = text.split("\n")
    assert repeats == []
    for path in _paths(value):
        assert path in lines, path
        if path and isinstance(path[-1], str):
            # An object member's line is the line of its key.
            assert json.dumps(path[-1]) in physical[lines[path] - 1]


def test_json_lines_finds_repeated_keys_and_problems_get_lines(package: Path) -> None:
    text = '{\n  "a": {"b": 1,\n    "b": "x\\"y"},\n  "a": 2\n}'
    # Each repeat with its line and the line of the first of that key in its object.
    assert gate.json_lines(text)[1] == [("b", 3, 2), ("a", 4, 2)]
    descriptor = base_descriptor()
    descriptor["resources"][9]["path"] = "../revisions.csv"
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    [problem] = gate.check(package).problems
    physical = (package / "datapackage.json").read_text(encoding="utf-8").split("\n")
    assert problem.line is not None and '"../revisions.csv"' in physical[problem.line - 1]


def test_messages_keep_the_case_of_names(package: Path) -> None:
    descriptor = base_descriptor()
    descriptor["resources"].append({"name": "Budget", "data": []})
    write_descriptor(package, descriptor)
    messages = [p.message for p in gate.check(package).problems if p.code == "inline-data"]
    assert messages == ['The resource "Budget" holds its rows inside datapackage.json.']


# The descriptor's schema: every property pvreport reads ------------------------------------------


def _leaves(schema: dict, path: tuple = ()) -> list[tuple[tuple, str]]:
    """Every property the schema describes with a kind, as (path, kind); list items as 0."""
    found = []
    for name, sub in schema.get("properties", {}).items():
        here = (*path, name)
        if "type" in sub:
            found.append((here, sub["type"]))
        found += _leaves(sub, here)
        if "items" in sub:
            item = sub["items"]
            if "type" in item:
                found.append(((*here, 0), item["type"]))
            found += _leaves(item, (*here, 0))
    return found


def _set(descriptor: dict, path: tuple, value: object) -> None:
    node: object = descriptor
    for part in path[:-1]:
        if isinstance(part, int):
            while len(node) <= part:  # type: ignore[arg-type]
                node.append({})  # type: ignore[union-attr]
            node = node[part]  # type: ignore[index]
        else:
            node = node.setdefault(part, [] if isinstance(path[path.index(part) + 1], int) else {})  # type: ignore[union-attr]
    last = path[-1]
    if isinstance(last, int):
        node[:] = [value]  # type: ignore[index]
    else:
        node[last] = value  # type: ignore[index]


# The properties whose wrong kind the hand-written checks report, with their own messages.
BY_HAND = ("organisation", "reporting_period", "status_rules", "resources")


@pytest.mark.parametrize(
    "path",
    [
        p
        for p, _ in _leaves(gate.descriptor_schema())
        if p[0] not in BY_HAND or p[0] == "organisation"
    ],
    ids=lambda p: ".".join(map(str, p)),
)
def test_every_property_of_the_wrong_kind_is_named_with_its_line(
    tmp_path: Path, path: tuple
) -> None:
    """A descriptor property pvreport reads, of the wrong kind, is an error at its dotted path."""
    descriptor = base_descriptor()
    kind = dict(_leaves(gate.descriptor_schema()))[path]
    wrong: object = {"x": 1} if kind != "object" else 7
    _set(descriptor, path, wrong)
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    result = gate.check(tmp_path)
    field = ".".join(map(str, path))
    named = [p for p in result.problems if p.field == field and p.code == "wrong-property-type"]
    assert len(named) == 1, [(p.field, p.code) for p in result.problems]
    assert named[0].file == "datapackage.json" and named[0].line is not None
    assert named[0].hint


def test_the_funding_bound_is_the_contracts_largest_number() -> None:
    from pvreport import contract

    amount = gate.descriptor_schema()["properties"]["organisation"]["properties"]["funding"]
    assert amount["properties"]["amount"]["maximum"] == contract.LARGEST_NUMBER


@pytest.mark.parametrize("amount", ["1e400", "-1e400", "1000000000000001", "-5", str(10**400)])
def test_a_funding_amount_beyond_the_bound_is_an_error(tmp_path: Path, amount: str) -> None:
    descriptor = base_descriptor()
    descriptor["organisation"]["funding"] = {"amount": 0, "currency": "GBP"}
    text = json.dumps(descriptor, indent=2).replace('"amount": 0', f'"amount": {amount}')
    (tmp_path / "datapackage.json").write_text(text, encoding="utf-8")
    found = [p for p in gate.check(tmp_path).problems if p.field == "organisation.funding.amount"]
    assert [p.code for p in found] == ["property-out-of-range"]
    assert found[0].line is not None and "1,000,000,000,000,000" in found[0].message


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=4)
    | st.sampled_from([10**15, 10**15 + 1, -1, 0, "", "a"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["name", "title", "amount", "funding", "sources", "role", "roles", "label", "x"]
            ),
            inner,
            max_size=3,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    top=st.dictionaries(
        st.sampled_from(
            ["name", "title", "version", "licenses", "contributors", "organisation", "resources"]
        ),
        JSON,
    ),
    org=st.dictionaries(st.sampled_from(["name", "purpose", "website", "funding"]), JSON),
)
def test_the_schema_check_agrees_with_jsonschema(top: dict, org: dict) -> None:
    """pvreport checks the descriptor's schema itself (jsonschema's import would cost a tenth of
    a large validation); it finds a problem where jsonschema finds one, at the same paths."""
    import jsonschema

    descriptor = {**base_descriptor(), **top}
    if isinstance(descriptor.get("organisation"), dict):
        descriptor["organisation"] = {**descriptor["organisation"], **org}
    schema = gate.descriptor_schema()
    theirs = {
        (tuple(e.path), e.validator)
        for e in jsonschema.Draft202012Validator(schema).iter_errors(descriptor)
        if e.validator != "format"
    }
    ours = {(e.path, e.keyword) for e in gate.schema_errors(descriptor, schema)}
    assert ours == theirs


def test_unlisted_tables_are_looked_for_where_the_listed_files_are(package: Path) -> None:
    descriptor = base_descriptor()
    (package / "data").mkdir()
    (package / "results.csv").rename(package / "data" / "results.csv")
    for resource in descriptor["resources"]:
        if resource["name"] == "results":
            resource["path"] = "data/results.csv"
    write_descriptor(package, descriptor)
    (package / "data" / "results-2024.csv").write_text("a\n1\n", encoding="utf-8")
    (package / "notes.xlsx").write_bytes(b"PK")
    (package / "data" / "Notes.txt").write_text("not a table", encoding="utf-8")
    # A site built inside the package folder is not the package's business.
    (package / "site" / "data").mkdir(parents=True)
    (package / "site" / "data" / "results.csv").write_text("a\n1\n", encoding="utf-8")
    found = [(p.code, p.file, p.severity) for p in gate.check(package).problems]
    assert found == [
        ("unlisted-file", "notes.xlsx", "warning"),
        ("unlisted-file", "data/results-2024.csv", "warning"),
    ]


def test_a_case_twin_is_named_on_any_file_system(package: Path) -> None:
    (package / "results.csv").rename(package / "Results.csv")
    [problem] = gate.check(package).problems
    assert (problem.code, problem.field) == ("file-name-case", "path")
    assert '"Results.csv"' in problem.message and "only in small and capital" in problem.message
