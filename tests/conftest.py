"""Hypothesis profiles: "ci" (the default: few examples, so the suite stays fast) and "long"
(``pytest tests/test_properties.py --hypothesis-profile=long``) for a longer local search."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=40, **_COMMON)
settings.register_profile("long", max_examples=2_000, **_COMMON)
settings.load_profile("ci")  # --hypothesis-profile=... loads another after this
