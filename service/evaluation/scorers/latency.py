"""latency: wall time of one draft request as the client saw it (in process or over HTTP)."""

from __future__ import annotations

from service.evaluation.scorers.base import Direction, Score, Trial


class Latency:
    """Milliseconds per request; metadata has the pipeline's own per-stage timings."""

    name = "latency_ms"
    direction: Direction = "info"

    def score(self, trial: Trial) -> Score:
        timings = trial.response.timings_ms
        stages = ", ".join(f"{k}={v:.0f}" for k, v in timings.items() if k != "total")
        return Score(value=round(trial.wall_ms, 1), explanation=stages,
                     metadata={"timings_ms": timings, "model": trial.response.model})
