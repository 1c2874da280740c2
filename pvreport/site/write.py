"""The only module that writes files: the docs folder, downloads, the engine config, the swap.

Serialising (CSV downloads, the package zip, the config) is done to bytes by pure functions here
too, so that every byte the site ships is made in one place and can be made the same way twice.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import ctypes.util
import datetime as dt
import functools
import hashlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
import yaml

from .. import contract
from ..report.visibility import Withheld
from ..tables import read
from ..tables.read import WrittenNumber

# A cell that starts with one of these runs as a formula when a spreadsheet opens the CSV (OWASP:
# CSV injection). Tab and carriage return are on the list too: some spreadsheets strip them first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# ----------------------------------------------------------------------------------------------
# Downloads


def cell_text(value: Any) -> str:
    """A typed cell as the downloads write it: a number as the package wrote it (``97.50`` stays
    ``97.50``; ``16.0`` read as a plain float is ``16``), booleans as true/false, moments in UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, WrittenNumber):
        return value.text
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def neutralise(text: str) -> str:
    """A text cell made safe to open in a spreadsheet: a leading ``'`` before a formula start."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_field(text: str) -> str:
    """One field as Python's csv writer writes it (quoted where it must be)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([text, ""])
    return out.getvalue()[:-2]


def csv_header(labels: Iterable[str]) -> str:
    """A heading row of a download, its labels neutralised as text cells are."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([neutralise(label) for label in labels])
    return out.getvalue()


def _column_groups(table: read.Table, label: str) -> tuple[Any, list[Any]]:
    """Each row's group number by its cell as read, and each group's value: a million cells of a
    column hold a few distinct values, each formatted once."""
    if table.columns is not None and table.columns.count == table.row_count:
        return table.columns.groups(label)
    return read.group_cells((row.get(label) for row in table.rows), table.row_count)


def public_csv(
    table: read.Table, withheld: Withheld, languages: Sequence[str] = ()
) -> tuple[bytes, int]:
    """One resource as a public CSV: the contract's columns only (with their translations into
    ``languages``, every language after the first), withheld rows left out, references to
    withheld rows blanked, and cells that would give a withheld value away, headings and text
    cells neutralised (numbers are typed
    values, never touched). Returns bytes and row count.

    Worked column by column: each distinct cell of a column is formatted and quoted once, and the
    lines are joined by pyarrow (a results file has ten million cells).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    name = table.name
    gone_lines = withheld.lines.get(name, frozenset())
    fields = contract.fields(name)
    scrub: dict[str, frozenset[str]] = {}
    for field, (resource, _) in {
        **contract.single_references(name),
        **contract.list_references(name),
    }.items():
        if withheld.ids.get(resource):
            scrub[field] = withheld.ids[resource]
    lists = contract.list_references(name)
    # The contract's columns only: a column of the publisher's own (staff notes) is not public.
    header = public_header(table, languages)
    keep = None
    count = table.row_count
    if gone_lines:
        kept = np.fromiter(
            (row.line not in gone_lines for row in table.rows), dtype=bool, count=count
        )
        keep, count = pa.array(kept), int(np.count_nonzero(kept))
    columns = []
    for label in header:
        gone = scrub.get(label)
        is_list = label in lists
        is_string = fields.get(label, {}).get("type", "string") == "string"
        codes, distinct = _column_groups(table, label)
        texts = []
        for value in distinct:
            if gone is not None and isinstance(value, str):
                if is_list:
                    value = ";".join(i for i in read.split_ids(value) if i not in gone)
                elif value.strip() in gone:
                    value = None
            text = cell_text(value)
            if is_string or isinstance(value, str):
                text = neutralise(text)
            texts.append(_csv_field(text))
        column = pa.array(texts, pa.string()).take(pa.array(codes))
        blank = withheld.blanked.get(name, {}).get(label)
        if blank:
            # Cells of public rows that would give a withheld value away.
            mask = np.fromiter(
                (row.line in blank for row in table.rows), dtype=bool, count=len(column)
            )
            column = pc.if_else(pa.array(mask), "", column)
        columns.append(column if keep is None else column.filter(keep))
    head = csv_header(header)
    if not columns:
        body = "\n" * count
    else:
        lines = pc.binary_join_element_wise(*columns, ",") if len(columns) > 1 else columns[0]
        if len(columns) == 1:
            # A row of one empty field is written as "" by the csv writer, not as nothing.
            lines = pc.if_else(pc.equal(lines, ""), '""', lines)
        body = "".join(line + "\n" for line in lines.to_pylist())
    return (head + body).encode("utf-8"), count


def public_header(table: read.Table, languages: Sequence[str] = ()) -> list[str]:
    """The headings of a resource's public CSV: the contract's columns the file has, and their
    translations into ``languages`` (every language after the first), in its order (a column of
    the publisher's own, such as staff notes, is not public)."""
    fields = contract.fields(table.name)
    return [
        label
        for label in dict.fromkeys(table.header)
        if label in fields
        or ((found := contract.translation_of(table.name, label)) and found[1] in languages)
    ]


def public_schema(name: str, header: Sequence[str], names: Iterable[str]) -> dict[str, Any]:
    """The contract's Table Schema of a resource as its public CSV has it: its fields in the CSV's
    order, and only the keys whose fields and resources are published with it."""
    contract_schema = contract.schema(name)
    known = {f["name"]: f for f in contract_schema["fields"]}
    for label in header:
        found = contract.translation_of(name, label)
        if found is not None and label not in known:
            known[label] = contract.translation_fields(name, [found[1]])[
                contract.TRANSLATABLE[name].index(found[0])
            ]
    present = set(header)
    published = set(names)
    out: dict[str, Any] = {
        "fields": [
            {k: v for k, v in known[label].items() if k != contract.LIST_OF}
            for label in header
            if label in known
        ]
    }
    key = contract_schema.get("primaryKey")
    if key and set(key) <= present:
        out["primaryKey"] = key
    foreign = [
        fk
        for fk in contract_schema.get("foreignKeys", [])
        if set(fk["fields"]) <= present and (fk["reference"]["resource"] or name) in published
    ]
    if foreign:
        out["foreignKeys"] = foreign
    if "missingValues" in contract_schema:
        out["missingValues"] = contract_schema["missingValues"]
    return out


def public_descriptor(
    descriptor: Mapping[str, Any], headers: Mapping[str, Sequence[str]], *, folder: str = ""
) -> bytes:
    """``datapackage.json`` of the public data: each resource points at its public CSV (its
    name + ``.csv``, under ``folder``, relative to where the descriptor is published) and is
    described by the contract's schema of the columns that CSV has (a schema the package declared
    is not published: it may describe columns of the publisher's own). One writer for the
    descriptor in the zip and the one published at ``/data/datapackage.json``."""
    out = dict(descriptor)
    resources = []
    for resource in descriptor.get("resources", []):
        if isinstance(resource, Mapping) and resource.get("name") in headers:
            name = resource["name"]
            item = {
                k: v
                for k, v in resource.items()
                if k not in ("path", "data", "encoding", "schema", "dialect")
            }
            item["path"] = f"{folder}{name}.csv"
            item["format"] = "csv"
            item["mediatype"] = "text/csv"
            item["encoding"] = "utf-8"
            item["schema"] = public_schema(name, headers[name], headers)
            resources.append(item)
    out["resources"] = resources
    return (json.dumps(out, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


#: A number as JSON writes it; a written number that is not one is written as its float.
_JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


#: Values JSON writes as they are (most of a data file's cells): no need to look inside.
_AS_IS = frozenset({str, int, bool, type(None)})


class JsonRows(list):  # type: ignore[type-arg]
    """Rows (dicts) whose values are already as :func:`json_bytes` writes them (made by
    :func:`json_rows`): it does not look inside them again. A national report's measures hold a
    million results; walking each cell twice cost more than writing them."""


def json_column(values: Iterable[Any]) -> list[Any]:
    """A column's values as :func:`json_bytes` writes them: a plain float that is whole written
    whole (``16.0`` read from ``16`` is ``16``), the rest (text, integers, a
    :class:`WrittenNumber`, None) as they are."""
    return [int(v) if type(v) is float and v.is_integer() and abs(v) < 1e15 else v for v in values]


def json_rows(fields: Sequence[str], columns: Sequence[Sequence[Any]]) -> JsonRows:
    """Rows of ``fields`` from columns of values already as :func:`json_bytes` writes them
    (numbers through :func:`json_column`, dates as text)."""
    return JsonRows(map(dict, map(functools.partial(zip, fields), zip(*columns))))


def _fragment(item: Any) -> Any:
    """What orjson writes for a value it has no type for: a number as the package wrote it."""
    if isinstance(item, WrittenNumber):
        if _JSON_NUMBER.fullmatch(item.text):
            return orjson.Fragment(item.text)
        return float(item)
    raise TypeError(f"not JSON: {type(item).__name__}")


def json_bytes(value: Any) -> bytes:
    """A JSON file as pvreport publishes it: keys sorted, compact, text as UTF-8 (not
    escaped, so that a search of the bytes finds a text as it was written), and each number as
    the package wrote it, as the downloads have it (``97.50`` stays ``97.50``, ``16.0`` read as
    a plain float is ``16``; see :func:`cell_text`); not a number (NaN, infinities) is null.
    Rows from :func:`json_rows` are written as they are."""

    def marked(item: Any) -> Any:
        if isinstance(item, float) and not isinstance(item, WrittenNumber):
            # A plain float's shortest text is its cell's; a whole one is written whole.
            item = float(item)
            return int(item) if item.is_integer() and abs(item) < 1e15 else item
        if isinstance(item, JsonRows):
            return item
        if isinstance(item, Mapping):
            return {str(k): v if type(v) in _AS_IS else marked(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [v if type(v) in _AS_IS else marked(v) for v in item]
        return item

    # orjson: compact, keys sorted, UTF-8 as it is, NaN and infinities as null; about ten
    # times faster than the json module on a large measure's results.
    return orjson.dumps(marked(value), default=_fragment, option=orjson.OPT_SORT_KEYS) + b"\n"


def zip_bytes(files: Mapping[str, bytes], *, timestamp: dt.datetime) -> bytes:
    """A zip with fixed entry order, times and permissions: the same files give the same bytes."""
    stamp = max(timestamp, dt.datetime(1980, 1, 1, tzinfo=dt.UTC))
    date_time = stamp.astimezone(dt.UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            # The fastest deflate: a national report zips 70 MB of CSV on every build.
            archive.writestr(info, files[name], compresslevel=1)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------
# The docs folder and the config


def fresh_folder(path: Path) -> Path:
    """An empty folder at ``path``: whatever an earlier build left there is gone."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel in sorted(files):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = files[rel]
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


#: Beside a folder written by :func:`sync_folder`: what each file held when it was written.
MANIFEST_SUFFIX = ".manifest.json"


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def sync_folder(root: Path, files: Mapping[str, str | bytes]) -> int:
    """Make ``root`` hold exactly ``files`` (relative path to text or bytes); returns how many
    files were written.

    The result is the folder :func:`fresh_folder` plus :func:`write_files` would make, but a file
    whose bytes, size and modification time are as the last sync left them is not written
    again, and anything else under ``root`` is deleted. A rebuild after one changed row so
    rewrites a few files of a national report's ten thousand. A changed file is written beside
    its old self and renamed over it: a new file, never the old one rewritten, so a hard link to
    the old one (the engine links the site's copies, see :mod:`pvreport.site.engine`) keeps its bytes.
    """
    manifest_path = root.with_name(root.name + MANIFEST_SUFFIX)
    try:
        known = json.loads(manifest_path.read_text(encoding="utf-8"))
        known = known if isinstance(known, dict) else {}
    except (OSError, ValueError):
        known = {}
    if root.is_symlink() or root.is_file():
        root.unlink()
    root.mkdir(parents=True, exist_ok=True)
    # Whatever is there that the build does not write goes, folders included.
    wanted = set(files)
    for folder, dirs, names in os.walk(root, topdown=False):
        base = Path(folder)
        for name in names:
            path = base / name
            if path.relative_to(root).as_posix() not in wanted:
                path.unlink()
        for name in dirs:
            path = base / name
            if path.is_symlink():
                path.unlink()
            elif not any(path.iterdir()):
                path.rmdir()
    manifest: dict[str, list[Any]] = {}
    written = 0
    folders: set[str] = set()
    for rel in sorted(files):
        data = files[rel]
        raw = data.encode("utf-8") if isinstance(data, str) else data
        digest = _digest(raw)
        target = os.path.join(root, rel)
        entry = known.get(rel)
        try:
            found = os.lstat(target)
        except FileNotFoundError:
            found = None
        if found is not None and (
            stat.S_ISREG(found.st_mode) and entry == [digest, found.st_size, found.st_mtime_ns]
        ):
            manifest[rel] = entry
            continue
        folder = os.path.dirname(target)
        if folder not in folders:
            os.makedirs(folder, exist_ok=True)
            folders.add(folder)
        if found is None:
            # A new file: nothing can link to it yet, so it is written in place.
            with open(target, "xb") as handle:
                handle.write(raw)
        else:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".pvreport-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(raw)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
        done = os.lstat(target)
        written += 1
        manifest[rel] = [digest, done.st_size, done.st_mtime_ns]
    manifest_path.write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
    return written


def tree_files(source: Path, *, skip: Iterable[str] = ()) -> dict[str, bytes]:
    """Every regular file under ``source`` by relative path (hidden ones and symlinks left out)."""
    skipped = set(skip)
    found: dict[str, bytes] = {}
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source).as_posix()
        if rel in skipped or not path.is_file() or path.is_symlink():
            continue
        if any(part.startswith(".") for part in path.relative_to(source).parts):
            continue
        found[rel] = path.read_bytes()
    return found


def copy_tree(source: Path, target: Path, *, skip: Iterable[str] = ()) -> list[str]:
    """Copy every regular file under ``source`` into ``target``; returns the relative paths."""
    found = tree_files(source, skip=skip)
    write_files(target, found)
    return list(found)


class _Tagged:
    """A YAML value with a tag pvreport does not interpret (``!ENV``, ``!!python/name:...``)."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class ConfigLoader(yaml.SafeLoader):
    pass


class ConfigDumper(yaml.SafeDumper):
    pass


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tagged:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return _Tagged(node.tag, value)


def _represent_tagged(dumper: yaml.SafeDumper, data: _Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, data.value)


#: The tagged values of a read config, for callers that resolve one (``!ENV``).
Tagged = _Tagged

ConfigLoader.add_multi_constructor("!", _construct_tagged)
ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", _construct_tagged)
ConfigDumper.add_representer(_Tagged, _represent_tagged)


def read_config(path: Path) -> dict[str, Any]:
    """A project's ``mkdocs.yml``, keeping tags such as ``!ENV`` as they are."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=ConfigLoader)
    return data if isinstance(data, dict) else {}


def plugin_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``pvreport`` plugin's options in a project config (empty if it is not listed)."""
    for entry in config.get("plugins") or []:
        if isinstance(entry, Mapping) and "pvreport" in entry:
            return dict(entry["pvreport"] or {})
    return {}


def config_text(config: Mapping[str, Any]) -> str:
    return yaml.dump(
        dict(config), Dumper=ConfigDumper, sort_keys=False, allow_unicode=True, width=1000
    )


# ----------------------------------------------------------------------------------------------
# Publishing


#: In every site pvreport publishes: the mark that lets the next build replace the folder.
SITE_MARKER = ".pvreport-site"
SITE_MARKER_TEXT = (
    "This folder is a website published by pvreport build. The next build replaces all of it:\n"
    "keep nothing else here.\n"
)
#: What MkDocs writes into every site. A folder holding all of these but no mark is a site an
#: earlier version of pvreport (or MkDocs itself) published, and may be replaced too.
SITE_FILES = ("index.html", "sitemap.xml", "search/search_index.json")


def is_published_site(folder: Path) -> bool:
    """Whether a folder is a site pvreport published: its mark, or MkDocs' own files."""
    if (folder / SITE_MARKER).is_file():
        return True
    return all((folder / name).is_file() for name in SITE_FILES)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def sibling_folder(target: Path, label: str) -> Path:
    """A new empty folder next to ``target`` (same file system, so a rename is atomic), named
    ``.<target>-<label>-XXXXXXXX`` (see :func:`clear_leftovers`), with the permissions a new
    folder gets (``mkdtemp`` makes it readable by its owner only, and a web server running as
    another user could not read the site published from it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}-{label}-", dir=target.parent))
    os.chmod(folder, 0o777 & ~_umask())
    return folder


def _leftover_pattern(target: Path) -> re.Pattern[str]:
    # tempfile.mkdtemp's names: the prefix, then 8 of a-z, 0-9 and _.
    return re.compile(rf"\.{re.escape(target.name)}-(new|old)-[a-z0-9_]{{8}}")


def clear_leftovers(target: Path) -> list[Path]:
    """Remove what a build that was killed (``kill -9``, a power cut) left beside ``target``:
    the folders :func:`sibling_folder` makes for it, and nothing else. Where the build was killed
    between the two renames of :func:`publish`, the site is missing and the old one is aside: it
    is put back first. Returns the folders removed."""
    parent = target.parent
    if not parent.is_dir():
        return []
    pattern = _leftover_pattern(target)
    found = sorted(
        p
        for p in parent.iterdir()
        if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
    )
    aside = [p for p in found if p.name.startswith(f".{target.name}-old-")]
    if aside and not target.exists() and not target.is_symlink():
        newest = max(aside, key=lambda p: p.stat().st_mtime_ns)
        os.replace(newest, target)
        found.remove(newest)
    for folder in found:
        shutil.rmtree(folder)
    return found


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where it is not available."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def publish(fresh: Path, site_dir: Path) -> None:
    """Put a checked site in place of the old one.

    Where there is no site yet, one ``os.replace``. Otherwise the two folders are exchanged
    atomically where the system can (readers never see a missing or mixed site), else the old
    site is moved aside and the new one moved in with two renames, the old put back if the second
    fails. The old site is deleted only once the new one is in place. The new site is marked
    as pvreport's (:data:`SITE_MARKER`), so that the next build may replace it.
    """
    (fresh / SITE_MARKER).write_text(SITE_MARKER_TEXT, encoding="utf-8")
    if not site_dir.exists() and not site_dir.is_symlink():
        os.replace(fresh, site_dir)
        return
    if site_dir.is_dir() and not site_dir.is_symlink() and _exchange(fresh, site_dir):
        shutil.rmtree(fresh)
        return
    aside = sibling_folder(site_dir, "old")
    aside.rmdir()
    os.replace(site_dir, aside)
    try:
        os.replace(fresh, site_dir)
    except BaseException:
        os.replace(aside, site_dir)
        raise
    with contextlib.suppress(OSError):
        if aside.is_dir() and not aside.is_symlink():
            shutil.rmtree(aside)
        else:
            aside.unlink()


def remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
