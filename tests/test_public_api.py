"""The public API is a contract: exactly these names, documented, with these parameters.

Changing a list below is a deliberate change of the contract (say so in the commit).  Adding a
keyword parameter with a default keeps it; removing or renaming one breaks it.
"""

import inspect

import bounds
import verify

BOUNDS_API = ["Hypothesis", "HypothesisError", "Source", "Statement"]
VERIFY_API = ["ALPHA", "Action", "Check", "EquivarianceError", "Experiment", "Param", "Plan",
              "Result", "TaskSpec", "UsageError", "actions_from_group", "actions_from_matrices",
              "delta_se", "equivariance_budget", "equivariance_error", "gather", "get", "load_plugin", "mean_se",
              "model_equivariance", "register", "run", "run_many", "through_origin_slope"]

#: callable -> the parameters a caller may rely on (in this order, before any new ones)
SIGNATURES = {
    "run": ["exp", "quick", "overrides", "seed", "workers", "alpha", "cache"],
    "run_many": ["items", "seed", "workers", "scheduler", "alpha", "cache"],
    "register": ["exp"],
    "get": ["slug"],
    "load_plugin": ["spec"],
    "gather": ["tasks", "outputs", "count"],
    "mean_se": ["x"],
    "equivariance_budget": ["X", "Y", "group", "input_rep", "output_rep", "alpha", "n_boot",
                            "seed", "n_train"],
    "model_equivariance": ["f", "group", "input_rep", "output_rep", "inputs", "n", "shape",
                           "n_elements", "alpha", "seed", "floor"],
    "delta_se": ["g", "samples"],
    "through_origin_slope": ["x", "y", "se"],
    "Param": ["name", "type", "default", "help", "quick", "choices", "low"],
    "TaskSpec": ["fn", "kwargs", "key"],
    "Plan": ["tasks", "reduce", "params"],
    "Experiment": ["slug", "kind", "family", "claim", "params", "planner", "statement",
                   "details", "in_all"],
    "Check": ["name", "kind", "predicted", "measured", "se", "tol", "relation", "asserted"],
    "Statement": ["name", "quantity", "expr", "relation", "hypotheses", "source",
                  "description"],
    "Hypothesis": ["condition", "text"],
    "Source": ["paper", "family", "label", "note"],
}


def test_exported_names_are_exactly_the_contract():
    assert sorted(bounds.__all__) == BOUNDS_API
    assert sorted(verify.__all__) == VERIFY_API
    for mod, names in ((bounds, BOUNDS_API), (verify, VERIFY_API)):
        for name in names:
            assert getattr(mod, name) is not None, name
        assert sorted(n for n in dir(mod) if n in names) == names


def test_every_public_callable_has_a_docstring():
    for mod, names in ((bounds, BOUNDS_API), (verify, VERIFY_API)):
        for name in names:
            obj = getattr(mod, name)
            if callable(obj):
                doc = inspect.getdoc(obj) or ""
                assert len(doc) > 20 and doc != inspect.getdoc(type), f"{mod.__name__}.{name}"
    assert "contract" in verify.__doc__ and "contract" in bounds.__doc__


def test_signatures_keep_their_parameters():
    for name, expected in SIGNATURES.items():
        obj = getattr(verify, name, None) or getattr(bounds, name)
        params = list(inspect.signature(obj).parameters.values())
        got = [p.name for p in params]
        assert got[:len(expected)] == expected, f"{name}: {got}"
        extra = params[len(expected):]
        assert all(p.default is not inspect.Parameter.empty or p.name.startswith("_")
                   for p in extra), f"{name}: new parameters need defaults: {got}"


def test_unknown_public_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute"):
        verify.not_a_public_name  # noqa: B018
