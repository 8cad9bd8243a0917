"""Persona: the leaderboard chaser.

Treats the trial as a competition on dev accuracy: a notebook that grows one model at a time
(forests, boosting, stacking, feature selection), terse commit messages, an experiment log with
numbers and nothing else, accuracy instead of the recall the brief asks for, a final script tuned
to dev. The README is still the starter kit's, there are no tests, no updates, no questions, and
the dependencies are unpinned. The raw number is respectable: 0.965 dev accuracy.

Every notebook output is what its cell prints on the template's data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from worktrial.demo._kit import TRIAL, Cell, PersonaRepo, Story, clock, code, notebook

NAME = "leaderboard-chaser"
TITLE = "tunes models for dev accuracy; numbers only, no write-up, no updates"
AUTHOR = ("Lukas Brenner", "lukas.brenner@example.com")

_ID, _Y = TRIAL.id_column, TRIAL.target

CELLS: list[Cell] = [
    code(
        "import pandas as pd\n"
        "import numpy as np\n"
        "from sklearn.impute import SimpleImputer\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import accuracy_score\n\n"
        "train = pd.read_csv('../data/train.csv')\n"
        "dev = pd.read_csv('../data/dev.csv')\n"
        f"X, y = train.drop(columns=['{_ID}', '{_Y}']), train['{_Y}']\n"
        f"Xd, yd = dev.drop(columns=['{_ID}', '{_Y}']), dev['{_Y}']\n"
        "X.shape, Xd.shape",
        "((243, 30), (114, 30))",
    ),
    code(
        "lr = make_pipeline(SimpleImputer(strategy='median'), StandardScaler(), "
        "LogisticRegression(max_iter=5000))\n"
        "lr.fit(X, y)\n"
        "accuracy_score(yd, lr.predict(Xd))",
        "0.956140350877193",
    ),
    code(
        "from sklearn.ensemble import RandomForestClassifier\n"
        "rf = make_pipeline(SimpleImputer(strategy='median'), "
        "RandomForestClassifier(n_estimators=100, random_state=42))\n"
        "rf.fit(X, y)\n"
        "accuracy_score(yd, rf.predict(Xd))",
        "0.9298245614035088",
    ),
    code(
        "# xgboost not installed in the sandbox -> sklearn hist gbm\n"
        "from sklearn.ensemble import HistGradientBoostingClassifier\n"
        "xgb = HistGradientBoostingClassifier(random_state=42)\n"
        "xgb.fit(X, y)\n"
        "accuracy_score(yd, xgb.predict(Xd))",
        "0.9122807017543859",
    ),
    code(
        "from sklearn.ensemble import GradientBoostingClassifier\n"
        "best = (0, None)\n"
        "for n in [100, 300, 500]:\n"
        "    for d in [2, 3]:\n"
        "        for lrate in [0.03, 0.1]:\n"
        "            gb = make_pipeline(SimpleImputer(strategy='median'), "
        "GradientBoostingClassifier(n_estimators=n, max_depth=d, learning_rate=lrate, "
        "subsample=0.8, random_state=42))\n"
        "            gb.fit(X, y)\n"
        "            acc = accuracy_score(yd, gb.predict(Xd))\n"
        "            if acc > best[0]:\n"
        "                best = (acc, (n, d, lrate))\n"
        "best",
        "(0.9210526315789473, (500, 3, 0.03))",
    ),
    code(
        "from sklearn.ensemble import ExtraTreesClassifier\n"
        "et = make_pipeline(SimpleImputer(strategy='median'), "
        "ExtraTreesClassifier(n_estimators=1000, random_state=42))\n"
        "et.fit(X, y)\n"
        "accuracy_score(yd, et.predict(Xd))",
        "0.9298245614035088",
    ),
    code(
        "from sklearn.ensemble import StackingClassifier\n"
        "imp = lambda: SimpleImputer(strategy='median')\n"
        "stack = StackingClassifier([\n"
        "    ('rf', make_pipeline(imp(), RandomForestClassifier(n_estimators=1000, "
        "max_features=0.3, random_state=42))),\n"
        "    ('gb', make_pipeline(imp(), GradientBoostingClassifier(n_estimators=500, "
        "learning_rate=0.03, max_depth=2, subsample=0.8, random_state=42))),\n"
        "    ('lr', make_pipeline(imp(), StandardScaler(), LogisticRegression(C=0.3, "
        "max_iter=5000))),\n"
        "], final_estimator=LogisticRegression(), cv=5)\n"
        "stack.fit(X, y)\n"
        "accuracy_score(yd, stack.predict(Xd))",
        "0.9122807017543859",
    ),
    code(
        "stack2 = StackingClassifier([('et', make_pipeline(imp(), "
        "ExtraTreesClassifier(n_estimators=1000, random_state=42)))] + stack.estimators, "
        "final_estimator=LogisticRegression(), cv=5)\n"
        "stack2.fit(X, y)\n"
        "accuracy_score(yd, stack2.predict(Xd))",
        "0.9385964912280702",
    ),
    code(
        "from sklearn.feature_selection import SelectKBest, f_classif\n"
        "res = {}\n"
        "for k in range(10, 31, 2):\n"
        "    m = make_pipeline(imp(), StandardScaler(), SelectKBest(f_classif, k=k), "
        "LogisticRegression(max_iter=5000))\n"
        "    m.fit(X, y)\n"
        "    res[k] = round(accuracy_score(yd, m.predict(Xd)), 3)\n"
        "res",
        "{10: 0.912, 12: 0.921, 14: 0.921, 16: 0.939, 18: 0.965, 20: 0.956, 22: 0.947, "
        "24: 0.956, 26: 0.956, 28: 0.965, 30: 0.956}",
    ),
    code(
        "res = {}\n"
        "for k in [17, 18, 19]:\n"
        "    for C in [0.3, 1, 3]:\n"
        "        m = make_pipeline(imp(), StandardScaler(), SelectKBest(f_classif, k=k), "
        "LogisticRegression(C=C, max_iter=5000))\n"
        "        m.fit(X, y)\n"
        "        res[(k, C)] = round(accuracy_score(yd, m.predict(Xd)), 3)\n"
        "res",
        "{(17, 0.3): 0.93, (17, 1): 0.947, (17, 3): 0.947, (18, 0.3): 0.939, (18, 1): 0.965, "
        "(18, 3): 0.947, (19, 0.3): 0.939, (19, 1): 0.965, (19, 3): 0.947}",
    ),
]


def _nb(cells: int) -> str:
    return notebook(CELLS[:cells])


TRAIN = """\
import pickle
from pathlib import Path

from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from src.data import DATA, load

K = 18  # best on dev, see notebook


def main():
    _, X, y = load(DATA / "train.csv")
    _, Xd, yd = load(DATA / "dev.csv")
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                          SelectKBest(f_classif, k=K), LogisticRegression(C=1, max_iter=5000))
    model.fit(X, y)
    print("dev acc", accuracy_score(yd, model.predict(Xd)))
    Path("models").mkdir(exist_ok=True)
    pickle.dump({"features": list(X.columns), "model": model}, open("models/model.pkl", "wb"))


if __name__ == "__main__":
    main()
"""

TRAIN_NO_MKDIR = TRAIN.replace('    Path("models").mkdir(exist_ok=True)\n', "")
TRAIN_FINAL = TRAIN.replace(
    '    print("dev acc", accuracy_score(yd, model.predict(Xd)))\n',
    '    print("dev acc", accuracy_score(yd, model.predict(Xd)))  # 0.965\n',
)

REQUIREMENTS_XGB = """\
numpy
pandas
scikit-learn
xgboost
"""


def build_leaderboard_chaser(dest: Path, *, starter: Path | None, start: datetime) -> PersonaRepo:
    """Build the leaderboard chaser's repository at ``dest`` (see the module docstring).

    Args:
        dest: a new or empty folder.
        starter: the starter kit's git repository to start from, or ``None``.
        start: the trial's start (timezone-aware).

    Raises:
        UsageError: ``dest`` is not empty or ``start`` is naive.
        GitCommandError: git failed.
    """
    s = Story(dest, starter=starter, start=start, author=AUTHOR)
    nb = "notebooks/model.ipynb"

    def run(
        at: str,
        day: int,
        message: str,
        files: dict[str, str | None],
        model: str,
        accuracy: float,
        **params: object,
    ) -> None:
        sha = s.commit(message, files, at=clock(day, at))
        # `worktrial log --metric accuracy=... --param model=...`: numbers, nothing else
        s.experiment(
            at=clock(day, at) + timedelta(minutes=6),
            commit=sha,
            params={"model": model, **params},
            metrics={"accuracy": accuracy},
        )

    run("10:40", 0, "notebook", {nb: _nb(2)}, "logreg", 0.956)
    run("13:25", 0, "try rf", {nb: _nb(3)}, "random_forest", 0.93, n_estimators=100)
    run(
        "16:10", 0, "try xgb", {nb: _nb(4), "requirements.txt": REQUIREMENTS_XGB}, "hist_gbm", 0.912
    )
    run(
        "10:20",
        1,
        "tune",
        {nb: _nb(5)},
        "gbm",
        0.921,
        n_estimators=500,
        max_depth=3,
        learning_rate=0.03,
    )
    run("14:05", 1, "more trees", {nb: _nb(6)}, "extra_trees", 0.93, n_estimators=1000)
    run("19:40", 1, "stacking", {nb: _nb(7)}, "stack_rf_gb_lr", 0.912)
    run("11:15", 2, "add et to stack", {nb: _nb(8)}, "stack_et_rf_gb_lr", 0.939)
    run("23:50", 2, "feature selection", {nb: _nb(9)}, "kbest_logreg", 0.965, k=18)
    run("00:25", 3, "0.97!!", {"src/train.py": TRAIN_NO_MKDIR}, "kbest_logreg", 0.965, k=18, C=1)
    run("13:00", 5, "more tuning", {nb: _nb(10)}, "kbest_logreg", 0.965, k=19, C=1)
    s.commit("fix", {"src/train.py": TRAIN}, at=clock(8, "21:30"))
    s.commit("final", {"src/train.py": TRAIN_FINAL}, at=clock(9, "23:10"))
    return s.finish(name=NAME, title=TITLE, duration_days=TRIAL.duration_days)
