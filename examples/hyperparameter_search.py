"""A fan-out hyperparameter search with memory declared.

Each trial declares what it needs (`ResourceSettings(memory=...)`), so dagwell starts
only as many at once as the node's memory holds, instead of starting them all and
letting the kernel pick victims. The best trial is picked by a final step.

    python examples/hyperparameter_search.py
"""

from dagwell import LocalOrchestrator, ResourceSettings, StepRetryConfig, pipeline, step

MB = 10**6


@step(
    resources=ResourceSettings(memory="300MB"),
    retry=StepRetryConfig(max_retries=1, memory_factor=2, max_memory="600MB"),
)
def trial(depth: int, learning_rate: float) -> dict[str, float]:
    from sklearn.datasets import load_digits
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.model_selection import cross_val_score

    x, y = load_digits(return_X_y=True)
    model = GradientBoostingClassifier(
        max_depth=depth, learning_rate=learning_rate, n_estimators=15, random_state=0
    )
    score = cross_val_score(model, x[:600], y[:600], cv=3).mean()
    print(f"depth={depth} learning_rate={learning_rate}: {score:.3f}")
    return {"depth": depth, "learning_rate": learning_rate, "score": float(score)}


@step
def best_of_four(
    a: dict[str, float], b: dict[str, float], c: dict[str, float], d: dict[str, float]
) -> dict[str, float]:
    return max((a, b, c, d), key=lambda r: r["score"])


@pipeline(enable_cache=False)
def search() -> None:
    results = [trial(depth, lr) for depth in (2, 3) for lr in (0.1, 0.3)]
    best_of_four(*results)


if __name__ == "__main__":
    # A 1 GB node: three 300 MB trials fit at once; the fourth waits for memory.
    run = search.with_options(orchestrator=LocalOrchestrator(memory="1GB"))()
    best = run.steps["best_of_four"].output.load()
    print(
        f"best: depth={best['depth']} learning_rate={best['learning_rate']} "
        f"score={best['score']:.3f}"
    )
    print(run.summary())
