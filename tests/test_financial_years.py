"""Academic years as financial years (placement_opt.finance.years), by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from placement_opt.finance.years import financial_year_label, fy_weights, to_financial_years


def test_weights_by_hand() -> None:
    # FY 2025 = 5/12 AY 2025 (estimate of AY 2024) + 7/12 AY 2025; FY 2026 = 5/12 AY 2025 + 7/12 AY 2026.
    np.testing.assert_allclose(fy_weights([2026, 2025]), [[1.0, 0.0], [5 / 12, 7 / 12]])


def test_frame_by_hand() -> None:
    frame = pd.DataFrame({"year": [2025, 2026, 2025], "line": ["a", "a", "b"],
                          "amount": [12.0, 24.0, 12.0]})
    out = to_financial_years(frame, ["amount"])
    assert out["financial_year"].tolist() == [2025, 2025, 2026, 2026]
    assert out["line"].tolist() == ["a", "b", "a", "b"]
    np.testing.assert_allclose(out["amount"], [12.0, 12.0, 5 + 14, 5.0])
    assert out["estimated"].tolist() == [True, True, False, False]
    assert financial_year_label(2099) == "2099-00"


def test_empty_frame() -> None:
    out = to_financial_years(pd.DataFrame({"year": [], "amount": []}), ["amount"])
    assert out.empty and "financial_year" in out.columns
