"""Helpers of the hostile-submission suite (test_hostile_repos.py): the code the hostile
candidate repositories commit, and the host-side checks every case ends with.

The candidate code is plain Python (no pandas, no scikit-learn) so that a case costs little
more than the sandbox's own start-up; only the good submission trains a real model.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import textwrap
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from worktrial.repo import Repo
from worktrial.spec import TrialBundle
from worktrial.testing import RepoBuilder, Symlink

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
AUTHOR = ("Mallory Hostile", "mallory@example.com")

MARKER = f"worktrial-hostile-{uuid.uuid4().hex}"
"""A word on the command line of every train and predict process of this session (the trial's
commands run ``python -X MARKER ...``; forks inherit it), so that survivors can be found."""

LABELS_WINDOW = 4
"""Consecutive label rows that make one needle: a leak of that many rows is found."""

FileContent = str | bytes | Symlink | None

# --------------------------------------------------------------------------- candidate code

PROBE = '''"""Helpers of this submission: try things, write down what happened in /job/probe/."""

import csv
import errno
import json
import os


def outcome(action, item):
    try:
        return action(item)
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    except Exception as exc:
        return type(exc).__name__


def attempt(action, items):
    return {str(item): outcome(action, item) for item in items}


def read(path):
    if os.path.isdir(path):
        return "listed: " + " ".join(sorted(os.listdir(path)))
    with open(path, "rb") as fh:
        return "read: " + fh.read(4096).decode("utf-8", "replace")


def write(path):
    with open(path, "w") as fh:
        fh.write("tampered")
    return "written"


def record(name, data):
    os.makedirs("/job/probe", exist_ok=True)
    with open(f"/job/probe/{name}.json", "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)


def holdout_ids(path):
    with open(path, newline="") as fh:
        return [row["id"] for row in csv.DictReader(fh)]


def write_rows(path, rows, header=("id", "prediction")):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\\n")
        out.writerow(header)
        out.writerows(rows)
'''

TRAIN_PRELUDE = '''"""Train: python -m src.train."""

import json
import os
import sys
import time

from src.probe import attempt, outcome, read, record, write


def save_model():
    os.makedirs("models", exist_ok=True)
    with open("models/model.json", "w") as fh:
        json.dump({"predict": 1}, fh)


'''

PREDICT_PRELUDE = '''"""Predict 1 (malignant) for every row: python -m src.predict INPUT OUTPUT."""

import os
import sys
import time

from src.probe import attempt, holdout_ids, outcome, read, record, write, write_rows


def predict_frame(features):
    return [1] * len(features)


'''


def _block(parts: tuple[str, ...]) -> str:
    return "\n".join(textwrap.dedent(p).strip() for p in parts if p.strip())


def train_code(*body: str, save: bool = True) -> str:
    """``src/train.py``: ``body`` (the hostile part, each piece dedented) runs in ``main()``,
    then a tiny model is saved (unless ``save`` is false)."""
    code = _block(body) or "pass"
    tail = "\n    save_model()" if save else ""
    return (
        TRAIN_PRELUDE
        + "def main():\n"
        + textwrap.indent(code, "    ")
        + tail
        + '\n\n\nif __name__ == "__main__":\n    main()\n'
    )


WRITE_ONES = "write_rows(out, [(i, 1) for i in ids])"


def predict_code(*body: str) -> str:
    """``src/predict.py``: ``body`` (each piece dedented) runs in ``main()`` with ``ids`` (the
    holdout ids read from the input) and ``out`` (the output path); without a body it writes 1
    for every id. The module also has the ``predict_frame`` the latency budget times."""
    code = _block(body) or WRITE_ONES
    return (
        PREDICT_PRELUDE
        + "def main():\n    ids = holdout_ids(sys.argv[1])\n    out = sys.argv[2]\n"
        + textwrap.indent(code, "    ")
        + '\n\n\nif __name__ == "__main__":\n    main()\n'
    )


GOOD_TRAIN = '''"""Train a logistic regression on data/train.csv and save it to models/model.pkl."""

import pickle
from pathlib import Path

from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from src.data import DATA, load


def main() -> None:
    _ids, features, labels = load(DATA / "train.csv")
    model = make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(max_iter=1000, random_state=0),
    )
    model.fit(features, labels)
    Path("models").mkdir(exist_ok=True)
    with open("models/model.pkl", "wb") as fh:
        pickle.dump({"features": list(features.columns), "model": model}, fh)


if __name__ == "__main__":
    main()
'''

GOOD_TEST = '''"""A public check: the training data load and have the label."""

from src.data import DATA, load


def test_training_data_has_the_label():
    _ids, features, labels = load(DATA / "train.csv")
    assert labels is not None and set(labels.unique()) <= {0, 1}
    assert len(features) == len(labels)
'''


# --------------------------------------------------------------------------- repositories


def starter_files(bundle: TrialBundle) -> dict[str, FileContent]:
    """The trial's starter kit, as the candidate received it."""
    files: dict[str, FileContent] = {}
    for path in sorted(bundle.starter_dir.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(bundle.starter_dir).as_posix()] = path.read_bytes()
    return files


def make_candidate(
    bundle: TrialBundle, dest: Path, files: Mapping[str, FileContent], message: str
) -> RepoBuilder:
    """A candidate repository: the starter kit, then one commit of ``files`` on top
    (``None`` deletes a starter file). Unless ``files`` replace them, the train command saves
    a tiny model and the predict command predicts 1 for every row; the probe helpers are
    always committed."""
    b = RepoBuilder(dest, start=START, author=AUTHOR)
    b.commit("Add the starter kit", starter_files(bundle))
    defaults: dict[str, FileContent] = {
        "src/probe.py": PROBE,
        "src/train.py": train_code(),
        "src/predict.py": predict_code(),
    }
    b.commit(message, {**defaults, **files})
    return b


def open_repo(builder: RepoBuilder) -> Repo:
    """The repository opened for the run, at its last commit."""
    return Repo(builder.path)


# --------------------------------------------------------------------------- host checks


def label_needles(labels: bytes, predicted_ids: Iterable[str]) -> list[bytes]:
    """Byte strings any copy of the hidden labels would contain and no predictions file can:
    the whole file, its header with the first row, and every run of :data:`LABELS_WINDOW`
    consecutive rows that holds a row of another split (a good model's predictions for
    ``predicted_ids`` repeat rows of the labels file, so runs of those alone prove nothing)."""
    lines = labels.replace(b"\r\n", b"\n").strip().split(b"\n")
    header, rows = lines[0], lines[1:]
    predicted = {i.encode() for i in predicted_ids}
    needles = {labels, header + b"\n" + rows[0]}
    for i in range(max(1, len(rows) - LABELS_WINDOW + 1)):
        window = rows[i : i + LABELS_WINDOW]
        if any(row.split(b",", 1)[0] not in predicted for row in window):
            needles.add(b"\n".join(window))
    return sorted(needles, key=len)


def files_under(root: Path) -> Iterable[Path]:
    """Every regular file under ``root``; links are never followed."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append(Path(entry.path))
            elif stat.S_ISREG(st.st_mode):
                yield Path(entry.path)


def leaks(root: Path, needles: Iterable[bytes]) -> list[str]:
    """Files under ``root`` holding any of ``needles`` (read in overlapping chunks)."""
    wanted = list(needles)
    overlap = max(len(n) for n in wanted)
    found: list[str] = []
    for path in files_under(root):
        try:
            with path.open("rb") as fh:
                tail = b""
                while chunk := fh.read(1 << 22):
                    window = tail + chunk
                    if any(n in window for n in wanted):
                        found.append(str(path))
                        break
                    tail = window[-overlap:]
        except OSError:
            continue
    return found


def digest_tree(root: Path) -> str:
    """A hash of every path, mode, and file content under ``root`` (links by target)."""
    h = hashlib.sha256()
    for here, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted([*dirs, *names]):
            path = Path(here) / name
            st = path.lstat()
            h.update(f"{path.relative_to(root)}\0{st.st_mode:o}\0".encode())
            if stat.S_ISLNK(st.st_mode):
                h.update(str(path.readlink()).encode())
            elif stat.S_ISREG(st.st_mode):
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def processes_with(word: str) -> list[str]:
    """Host processes whose command line contains ``word`` (this process excluded), as
    ``"pid: command line"``."""
    found: list[str] = []
    needle = word.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline:
            shown = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{entry.name}: {shown}")
    return found


def remove_tree(path: Path) -> None:
    """Remove a folder a hostile job wrote, whatever it holds: ``shutil.rmtree`` recurses once
    per level, which a deep enough tree of folders defeats; ``rm -rf`` does not."""
    try:
        shutil.rmtree(path)
    except (OSError, RecursionError):
        subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=False, timeout=300)
