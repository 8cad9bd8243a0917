"""Loading a whole bundle, and the candidate kit that must never hold a hidden file."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from spec_samples import MINIMAL_TOML, write_minimal_bundle

from worktrial.errors import SpecError, UsageError
from worktrial.spec import TEMPLATES, TrialBundle, export_candidate_kit, load_bundle


def problems(root: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_bundle(root)
    return info.value.message.splitlines()


def test_minimal_bundle_loads(tmp_path: Path) -> None:
    root = write_minimal_bundle(tmp_path / "b")
    bundle = load_bundle(root / "trial.toml")
    assert bundle.root == root.resolve()
    assert bundle.brief.startswith("# Tiny")
    assert bundle.public_files == (root.resolve() / "data/train.csv",)
    assert bundle.hidden_files == (
        root.resolve() / "hidden/features.csv",
        root.resolve() / "hidden/labels.csv",
    )
    assert bundle.starter_dir == root.resolve() / "starter"
    assert bundle.solution_dir == root.resolve() / "solution"
    assert bundle.files_with_role("holdout_labels") == (root.resolve() / "hidden/labels.csv",)
    assert bundle.brief_path == root.resolve() / "brief.md"


def test_missing_files_and_folders_are_named_by_key(tmp_path: Path) -> None:
    root = write_minimal_bundle(tmp_path / "b")
    (root / "brief.md").unlink()
    (root / "data/train.csv").unlink()
    shutil.rmtree(root / "solution")
    shutil.rmtree(root / "starter")
    spec = root / "trial.toml"
    assert problems(root) == [
        f"{spec}: brief: expected an existing file in the bundle, found 'brief.md' (no such file)",
        f"{spec}: starter: expected a folder in the bundle, found 'starter' (no such folder)",
        f"{spec}: solution.dir: expected a folder in the bundle, found 'solution' (no such folder)",
        f"{spec}: data.files[0].path: expected an existing file in the bundle, "
        "found 'data/train.csv' (no such file)",
    ]


def test_a_data_path_may_not_leave_the_bundle_through_a_link(tmp_path: Path) -> None:
    root = write_minimal_bundle(tmp_path / "b")
    (tmp_path / "secret.csv").write_text("id,y\n1,1\n")
    (root / "data/train.csv").unlink()
    (root / "data/train.csv").symlink_to(tmp_path / "secret.csv")
    assert problems(root) == [
        f"{root / 'trial.toml'}: data.files[0].path: expected a path inside the bundle folder, "
        "found 'data/train.csv' (it leads outside)"
    ]


def test_a_hidden_file_inside_the_starter_folder_is_refused(tmp_path: Path) -> None:
    toml = MINIMAL_TOML.replace('path = "hidden/labels.csv"', 'path = "starter/labels.csv"')
    root = write_minimal_bundle(tmp_path / "b", toml)
    shutil.move(root / "hidden/labels.csv", root / "starter/labels.csv")
    assert problems(root) == [
        f"{root / 'trial.toml'}: data.files[2].path: expected a hidden file outside the starter "
        "folder 'starter' (everything in it is given to candidates), found 'starter/labels.csv'"
    ]


def test_a_copy_of_a_hidden_file_is_refused(tmp_path: Path) -> None:
    root = write_minimal_bundle(tmp_path / "b")
    shutil.copyfile(root / "hidden/labels.csv", root / "starter/answers.txt")
    assert problems(root) == [
        f"{root / 'starter/answers.txt'}: content: expected no copy of a hidden file in anything "
        "candidates receive, found the same bytes as the hidden file hidden/labels.csv"
    ]


def test_csv_columns_must_fit_the_role(tmp_path: Path) -> None:
    root = write_minimal_bundle(tmp_path / "b")
    (root / "data/train.csv").write_text("key,a,label\n1,0.5,1\n")
    (root / "hidden/features.csv").write_text("id,a,y\n3,0.7,1\n")
    assert problems(root) == [
        f"{root / 'data/train.csv'}: header: expected the columns 'id' (data.id_column) and "
        "'y' (data.target) for role 'train', found the columns key, a, label",
        f"{root / 'hidden/features.csv'}: header: expected no label column 'y' in the holdout "
        "features (it would reveal the answers to the predict command), found the columns "
        "id, a, y",
    ]


def test_starter_with_a_symlink_is_refused(tmp_path: Path) -> None:
    root = write_minimal_bundle(tmp_path / "b")
    (root / "starter/labels.csv").symlink_to("../hidden/labels.csv")
    with pytest.raises(SpecError) as info:
        load_bundle(root)
    assert info.value.message == (
        "starter/labels.csv: expected regular files and folders in the starter folder, "
        "found a symbolic link"
    )


def test_kit_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    bundle = load_bundle(write_minimal_bundle(tmp_path / "b"))
    dest = tmp_path / "kit"
    dest.mkdir()
    (dest / "x").write_text("x")
    with pytest.raises(UsageError) as info:
        export_candidate_kit(bundle, dest)
    assert info.value.message == (
        f"{dest}: expected a new or empty folder for the candidate kit, found one that is not empty"
    )
    assert [p.name for p in dest.iterdir()] == ["x"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".worktrial-kit-")]


def test_kit_of_a_bundle_changed_after_loading_refuses_a_leak(tmp_path: Path) -> None:
    root = write_minimal_bundle(tmp_path / "b")
    bundle = load_bundle(root)
    shutil.copyfile(root / "hidden/labels.csv", root / "data/train.csv")
    with pytest.raises(SpecError) as info:
        export_candidate_kit(bundle, tmp_path / "kit")
    assert info.value.message == (
        f"{bundle.root / 'data/train.csv'}: content: expected no copy of a hidden file in "
        "anything candidates receive, found the same bytes as the hidden file hidden/labels.csv"
    )
    assert not (tmp_path / "kit").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".worktrial-kit-")]


def _kit_bytes(kit: Path) -> dict[str, bytes]:
    """Every file of the kit, plus every blob and path committed in its repository."""
    out = {str(p.relative_to(kit)): p.read_bytes() for p in kit.rglob("*") if p.is_file()}
    repo = kit / "repo"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "HEAD"],
        cwd=repo,
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        blob = subprocess.run(
            ["git", "cat-file", "blob", meta.split()[2]],
            cwd=repo,
            env=env,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        out[f"git:{path}"] = blob + path.encode()
    return out


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_no_hidden_byte_sequence_reaches_the_kit(
    name: str, bundles: dict[str, TrialBundle], tmp_path: Path
) -> None:
    bundle = bundles[name]
    kit = export_candidate_kit(bundle, tmp_path / "kit")
    assert kit.root == tmp_path / "kit"
    files = _kit_bytes(kit.root)
    assert "brief.md" in files
    for public in bundle.public_files:
        assert f"repo/{public.relative_to(bundle.root)}" in files
    assert "repo/README.md" in files
    assert not any(k.startswith(("hidden", "repo/hidden", "solution")) for k in files)
    assert not any(Path(k).name in ("DATA.md", "trial.toml") for k in files)
    for hidden in bundle.hidden_files:
        content = hidden.read_bytes()
        rows = [r for r in content.splitlines()[1:] if r]
        for where, blob in files.items():
            assert content not in blob, f"{hidden.name} inside {where}"
            assert hidden.name.encode() not in blob, f"{hidden.name} named in {where}"
            assert hidden.name not in where
            lines = set(blob.splitlines())
            leaked = [r for r in rows if r in lines]
            assert not leaked, f"rows of {hidden.name} in {where}: {leaked[:3]}"
    # the data files are in the work tree but not committed
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"],
        cwd=kit.repo,
        capture_output=True,
        check=True,
        timeout=60,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
    ).stdout.decode()
    assert status.strip() == "!! data/"
    assert kit.starter_commit == bundle.spec.starter_commits[0]
    worktree = [k for k in files if not k.startswith(("git:", "repo/.git/"))]
    assert kit.files == tuple(sorted(worktree))
