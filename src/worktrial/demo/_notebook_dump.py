"""Persona: the notebook dump.

Nothing in the repository for nine and a half days; then, in the early hours before the
deadline, two "Add files via upload" commits from the web interface: one long notebook with
everything in it (exploration, seven models compared on accuracy, two grid searches), the
training and dev CSV files, and a training script copied out of the notebook; then a
three-line README. No experiment log, no updates, no questions, no tests.

Every notebook output is what its cell prints on the template's data.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from tempfile import TemporaryDirectory

from worktrial.demo._kit import TRIAL, Cell, PersonaRepo, Story, clock, code, md, notebook

NAME = "notebook-dump"
TITLE = "one notebook uploaded in the last hours; data committed; no log or updates"
AUTHOR = ("Tomás Herrera", "tomas.herrera@example.com")
WEB_COMMITTER = ("GitHub", "noreply@github.com")

_ID, _Y = TRIAL.id_column, TRIAL.target

CELLS: list[Cell] = [
    md("# Breast Cancer Classification"),
    code(
        "import pandas as pd\n"
        "import numpy as np\n"
        "import warnings\n"
        "warnings.filterwarnings('ignore')\n\n"
        "train = pd.read_csv('train.csv')\n"
        "dev = pd.read_csv('dev.csv')\n"
        "print(train.shape, dev.shape)",
        "(243, 32) (114, 32)",
    ),
    md("## EDA"),
    code(
        "train.head()",
        f"     {_ID}  mean_radius  ...  worst_fractal_dimension  {_Y}\n"
        "0  1001        14.02  ...                  0.06710          1\n"
        "1  1004        13.45  ...                  0.06603          0\n"
        "2  1006        21.16  ...                  0.07526          1\n"
        "3  1007        10.88  ...                  0.10800          0\n"
        "4  1008        14.40  ...                  0.06464          0\n\n"
        "[5 rows x 32 columns]",
    ),
    code(
        "train.describe().T.round(3)",
        "                         count      mean  ...       75%       max\n"
        "id                       243.0  1282.346  ...  1428.000  1569.000\n"
        "mean_radius              237.0    13.067  ...    14.470    23.270\n"
        "mean_texture             239.0    18.596  ...    20.770    39.280\n"
        "mean_perimeter           236.0    84.354  ...    93.970   153.500\n"
        "mean_area                237.0   550.605  ...   646.100  1686.000\n"
        "...\n"
        "worst_concave_points     201.0     0.093  ...     0.122     0.265\n"
        "worst_symmetry           236.0     0.278  ...     0.306     0.517\n"
        "worst_fractal_dimension  236.0     0.081  ...     0.087     0.173\n"
        f"{_Y}                243.0     0.218  ...     0.000     1.000\n\n"
        "[32 rows x 8 columns]",
    ),
    code(f"train['{_Y}'].value_counts()", f"{_Y}\n0    190\n1     53\nName: count, dtype: int64"),
    code(
        "train.isnull().sum().sort_values(ascending=False).head(10)",
        "worst_concave_points       42\nmean_concavity             15\n"
        "fractal_dimension_error    14\nsmoothness_error           12\n"
        "worst_compactness          10\nsymmetry_error              9\n"
        "perimeter_error             9\nmean_compactness            9\n"
        "worst_smoothness            9\nworst_texture               9\ndtype: int64",
    ),
    code(
        f"corr = train.drop(columns=['{_ID}']).corr()['{_Y}'].sort_values(ascending=False)\n"
        "print(corr.round(3).head(12).to_string())",
        f"{_Y}                  1.000\nworst_perimeter            0.688\n"
        "worst_area                 0.677\nworst_radius               0.676\n"
        "mean_area                  0.650\nmean_perimeter             0.648\n"
        "worst_concave_points       0.635\nmean_radius                0.633\n"
        "mean_concave_points        0.624\narea_error                 0.580\n"
        "mean_concavity             0.536\nworst_concavity            0.507",
    ),
    md("## Preprocessing"),
    code(
        "from sklearn.impute import SimpleImputer\n"
        "imp = SimpleImputer(strategy='mean')\n"
        f"features = [c for c in train.columns if c not in ('{_ID}', '{_Y}')]\n"
        "X_train = imp.fit_transform(train[features])\n"
        "X_dev = imp.transform(dev[features])\n"
        f"y_train, y_dev = train['{_Y}'], dev['{_Y}']\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "sc = StandardScaler()\n"
        "X_train = sc.fit_transform(X_train)\n"
        "X_dev = sc.transform(X_dev)"
    ),
    md("## Models"),
    code(
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.neighbors import KNeighborsClassifier\n"
        "from sklearn.svm import SVC\n"
        "from sklearn.tree import DecisionTreeClassifier\n"
        "from sklearn.ensemble import RandomForestClassifier, GradientBoostingClassifier\n"
        "from sklearn.naive_bayes import GaussianNB\n"
        "from sklearn.metrics import accuracy_score, confusion_matrix, classification_report\n\n"
        "models = {\n"
        "    'Logistic Regression': LogisticRegression(max_iter=1000),\n"
        "    'KNN': KNeighborsClassifier(),\n"
        "    'SVM': SVC(),\n"
        "    'Decision Tree': DecisionTreeClassifier(random_state=0),\n"
        "    'Random Forest': RandomForestClassifier(random_state=0),\n"
        "    'Gradient Boosting': GradientBoostingClassifier(random_state=0),\n"
        "    'Naive Bayes': GaussianNB(),\n"
        "}\n"
        "for name, model in models.items():\n"
        "    model.fit(X_train, y_train)\n"
        "    print(name, accuracy_score(y_dev, model.predict(X_dev)))",
        "Logistic Regression 0.9473684210526315\nKNN 0.9473684210526315\n"
        "SVM 0.9210526315789473\nDecision Tree 0.8596491228070176\n"
        "Random Forest 0.9298245614035088\nGradient Boosting 0.9122807017543859\n"
        "Naive Bayes 0.9210526315789473",
    ),
    code(
        "best = models['Logistic Regression']\nprint(confusion_matrix(y_dev, best.predict(X_dev)))",
        "[[71  1]\n [ 5 37]]",
    ),
    code(
        "print(classification_report(y_dev, best.predict(X_dev)))",
        "              precision    recall  f1-score   support\n\n"
        "           0       0.93      0.99      0.96        72\n"
        "           1       0.97      0.88      0.93        42\n\n"
        "    accuracy                           0.95       114\n"
        "   macro avg       0.95      0.93      0.94       114\n"
        "weighted avg       0.95      0.95      0.95       114\n",
    ),
    md("## Tuning"),
    code(
        "from sklearn.model_selection import GridSearchCV\n"
        "grid = GridSearchCV(LogisticRegression(max_iter=1000), "
        "{'C': [0.01, 0.1, 1, 10, 100]}, cv=5)\n"
        "grid.fit(X_train, y_train)\n"
        "print(grid.best_params_, accuracy_score(y_dev, grid.predict(X_dev)))",
        "{'C': 0.1} 0.9473684210526315",
    ),
    code(
        "grid = GridSearchCV(SVC(), {'C': [0.1, 1, 10], 'gamma': ['scale', 0.01, 0.1]}, cv=5)\n"
        "grid.fit(X_train, y_train)\n"
        "print(grid.best_params_, accuracy_score(y_dev, grid.predict(X_dev)))",
        "{'C': 1, 'gamma': 0.01} 0.9210526315789473",
    ),
    code(
        "rf = RandomForestClassifier(n_estimators=500, random_state=0).fit(X_train, y_train)\n"
        "imp_ = pd.Series(rf.feature_importances_, index=features).sort_values(ascending=False)\n"
        "print(imp_.head(10).round(3).to_string())",
        "worst_perimeter         0.127\nworst_radius            0.087\n"
        "worst_area              0.083\nworst_concave_points    0.066\n"
        "mean_perimeter          0.061\nmean_concave_points     0.054\n"
        "mean_concavity          0.054\nmean_area               0.053\n"
        "mean_radius             0.051\nworst_concavity         0.032",
    ),
    md("## Final model"),
    code(
        "final = LogisticRegression(max_iter=1000).fit(X_train, y_train)\n"
        "print('final dev accuracy', accuracy_score(y_dev, final.predict(X_dev)))",
        "final dev accuracy 0.9473684210526315",
    ),
]

TRAIN = """\
import pickle
from pathlib import Path

from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from src.data import DATA, load


def main():
    _, X_train, y_train = load(DATA / "train.csv")
    _, X_dev, y_dev = load(DATA / "dev.csv")
    model = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler(),
                          LogisticRegression(max_iter=1000))
    model.fit(X_train, y_train)
    print("dev accuracy", accuracy_score(y_dev, model.predict(X_dev)))
    Path("models").mkdir(exist_ok=True)
    with open("models/model.pkl", "wb") as f:
        pickle.dump({"features": list(X_train.columns), "model": model}, f)


if __name__ == "__main__":
    main()
"""

README = """\
# Breast cancer classification

All my work is in `analysis.ipynb`: data exploration, 7 models compared and tuned. Logistic
regression was the best model, 94.7% accuracy on the dev set.

Run `python -m src.train`, then `python -m src.predict input.csv output.csv`.
"""


@lru_cache(maxsize=1)
def _data_files() -> dict[str, bytes]:
    """The public CSV files of the ``classification`` template, byte for byte.

    The candidate uploaded the trial's data with the notebook; the template's generator makes
    the same bytes every time (fixed seeds), without touching the network.
    """
    from worktrial.spec._generate import generate_classification

    with TemporaryDirectory(prefix="worktrial-demo-data-") as tmp:
        root = Path(tmp)
        generate_classification(root)
        return {name: (root / "data" / name).read_bytes() for name in ("train.csv", "dev.csv")}


def build_notebook_dump(dest: Path, *, starter: Path | None, start: datetime) -> PersonaRepo:
    """Build the notebook dump's repository at ``dest`` (see the module docstring).

    Args:
        dest: a new or empty folder.
        starter: the starter kit's git repository to start from, or ``None``.
        start: the trial's start (timezone-aware).

    Raises:
        UsageError: ``dest`` is not empty or ``start`` is naive.
        GitCommandError: git failed.
    """
    s = Story(dest, starter=starter, start=start, author=AUTHOR)
    data = _data_files()
    last = TRIAL.duration_days
    s.commit(
        "Add files via upload",
        {
            "analysis.ipynb": notebook(CELLS),
            "train.csv": data["train.csv"],
            "dev.csv": data["dev.csv"],
        },
        at=clock(last, "05:12"),
        committer=WEB_COMMITTER,
    )
    s.commit(
        "Add files via upload",
        {"src/train.py": TRAIN},
        at=clock(last, "05:16"),
        committer=WEB_COMMITTER,
    )
    s.commit(
        "Update README.md", {"README.md": README}, at=clock(last, "05:34"), committer=WEB_COMMITTER
    )
    return s.finish(name=NAME, title=TITLE, duration_days=TRIAL.duration_days)
