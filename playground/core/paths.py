"""Where the project's files are: the repository root and its `assets/` folder."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
