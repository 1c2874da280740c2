"""write.sync_folder: the docs folder ends up holding exactly the build's files, and files
unchanged since the last build are left alone."""

from __future__ import annotations

from pathlib import Path

from pvreport.site import write


def listing(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_folder_holds_exactly_the_files_given(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / "old" / "deep").mkdir(parents=True)
    (root / "old" / "deep" / "stale.md").write_text("stale", encoding="utf-8")
    (root / "keep.md").write_text("before", encoding="utf-8")
    files = {"keep.md": "after", "charts/a.svg": b"<svg/>", "index.md": "# Home\n"}
    assert write.sync_folder(root, files) == 3
    assert listing(root) == {
        "keep.md": b"after",
        "charts/a.svg": b"<svg/>",
        "index.md": b"# Home\n",
    }
    assert not (root / "old").exists()


def test_unchanged_files_are_not_written_and_changed_ones_are_new_files(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    files: dict[str, str | bytes] = {"a.md": "one", "b.md": "two", "c/d.csv": b"x,y\n"}
    assert write.sync_folder(root, files) == 3
    inodes = {rel: (root / rel).stat().st_ino for rel in files}
    linked = tmp_path / "published-b.md"
    linked.hardlink_to(root / "b.md")

    assert write.sync_folder(root, files) == 0
    assert {rel: (root / rel).stat().st_ino for rel in files} == inodes

    files["b.md"] = "two, changed"
    assert write.sync_folder(root, files) == 1
    assert (root / "b.md").read_text(encoding="utf-8") == "two, changed"
    # A hard link to the old file (as the engine makes in the site) keeps the old bytes.
    assert linked.read_text(encoding="utf-8") == "two"
    assert (root / "a.md").stat().st_ino == inodes["a.md"]


def test_a_file_changed_behind_its_back_is_written_again(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    files = {"a.md": "the build's text"}
    write.sync_folder(root, files)
    (root / "a.md").write_text("edited by hand, longer than before", encoding="utf-8")
    assert write.sync_folder(root, files) == 1
    assert (root / "a.md").read_text(encoding="utf-8") == "the build's text"

    (root / "a.md").unlink()
    assert write.sync_folder(root, files) == 1
    assert (root / "a.md").is_file()
