"""The record of one output file a build made or found in its cache."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Built:
    volume: int  # 0: the complete edition
    format: str
    path: Path
    seconds: float
    pages: int | None = None
    cached: bool = False
