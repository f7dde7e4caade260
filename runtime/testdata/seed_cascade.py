#!/usr/bin/env python3
"""Expected evaluation table from the seed's FeatureManager.is_enabled.

Regenerate seed_cascade.json with:  python3 seed_cascade.py > seed_cascade.json
(TestSeedTableFresh runs this when python3 is installed and compares.)

is_enabled and rollout below are the seed article's code, verbatim except for the
deliberate differences of SEMANTICS.md, each marked "# Dn":
  D1  a dependency is evaluated in the caller's environment;
  D2  a missing attribute fails its check (modelled by a context dict that returns a
      falsy sentinel found in no list, and a rollout that fails without a user id);
  D3  activation dates without an offset are UTC ("now" is fixed, in UTC).
Monitor steps 4 and 5 need counts, which these tables do not exercise (no reports).
"""
import datetime
import hashlib
import json
import random


def rollout_hash(user_id, salt="FeatureSalt", max_value=100):
    hasher = hashlib.sha256()
    hasher.update(f"{user_id}{salt}".encode())
    hashed_value = int(hasher.hexdigest(), 16)
    return hashed_value % max_value


class _Missing:
    def __bool__(self):
        return False

    def __eq__(self, other):
        return False

    def __hash__(self):
        return 0


MISSING = _Missing()


class Context(dict):  # D2
    def __missing__(self, key):
        return MISSING


def is_rolled_out(user_id, percentage, salt="FeatureSalt"):
    if user_id is MISSING:  # D2
        return False
    value = rollout_hash(user_id, salt)
    threshold = percentage
    return value < threshold


NOW = datetime.datetime(2025, 6, 1, 12, 0, 0)  # D3: a fixed UTC "now"


class FeatureManager:
    def __init__(self, features):
        self.features = features
        self._error_counts = {}
        self._performance_logs = {}

    def is_enabled(self, feature_name, user_context, environment="production"):
        feature_config = self.features.get(feature_name, {})

        # Global Activation Check
        if not feature_config.get("active"):
            return False

        # If no other fields are set, and "active" is True, the feature is enabled for everyone.
        if len(feature_config) == 1:  # Only 'active' field is present
            return True

        # Check for scheduled activation
        if "activation_date" in feature_config:
            activation_date = datetime.datetime.fromisoformat(feature_config["activation_date"])
            if NOW < activation_date:  # D3
                return False

        # Check for environment
        if "environments" in feature_config and environment not in feature_config["environments"]:
            return False

        # Check for performance degradation
        if self._performance_logs.get(feature_name, 0) > feature_config.get("performance_threshold", float("inf")):
            return False

        # Check for error limit
        if self._error_counts.get(feature_name, 0) > feature_config.get("error_threshold", float("inf")):
            return False

        # Check feature dependencies (we check reccursive)
        if "depends_on" in feature_config:
            for dependency in feature_config["depends_on"]:
                if not self.is_enabled(dependency, user_context, environment):  # D1
                    return False

        # If no user context is provided and the feature is active, we return True
        if user_context == {}:
            return True

        # User Specific Check
        if "users" in feature_config and user_context["user_id"] in feature_config["users"]:
            return True

        # Region Specific Check
        region_enabled = "regions" not in feature_config or user_context["region"] in feature_config["regions"]

        # Account Type and Beta Program Checks
        account_type_enabled = "account_types" not in feature_config or user_context["account_type"] in feature_config["account_types"]

        beta_program_enabled = not feature_config.get("beta_program") or user_context["beta_program"]

        # If both account type and beta program conditions are met, then check for regions.
        if account_type_enabled and beta_program_enabled and region_enabled:
            if "percentage_rollout" in feature_config:
                # Check for percentage rollout
                if is_rolled_out(
                    user_id=user_context["user_id"],
                    percentage=feature_config["percentage_rollout"],
                    salt=feature_name
                ):
                    return True
            else:
                return True

        return False


PAST, FUTURE = "2022-12-25T00:00:00", "2030-06-01T00:00:00"
FIELDS = {
    "activation_date": [PAST, FUTURE],
    "environments": [["dev", "staging", "production"], ["dev"], []],
    "users": [[123, 456, 789], [], [7]],
    "regions": [["US", "RO"], ["FR"], []],
    "account_types": [["premium", "enterprise"], ["free"]],
    "beta_program": [True, False],
    "percentage_rollout": [90, 50, 0, 100, 12.5],
    "error_threshold": [100],
    "performance_baseline": [1.0],
    "performance_threshold": [3],
}
DEPS = [
    {"active": True},
    {"active": False},
    {"active": True, "regions": ["US"]},
    {"active": True, "environments": ["dev"]},  # D1 shows here
    {"active": True, "percentage_rollout": 50},
]


def configs():
    out = [{"f": {"active": False}}, {"f": {"active": True}}, {"f": {"active": False, "regions": ["US"]}}]
    # One seed field at a time.
    for field, values in FIELDS.items():
        for v in values:
            out.append({"f": {"active": True, field: v}})
    for d in DEPS:
        out.append({"f": {"active": True, "depends_on": ["dep"]}, "dep": d})
        out.append({"f": {"active": True, "depends_on": ["dep"], "regions": ["US", "RO"], "percentage_rollout": 85}, "dep": d})
    # The seed's own config.
    seed = json.load(open("../../testdata/seed/flags.json"))["flags"]
    out.append({"f": seed["new_ui"]})
    out.append({"f": seed["advanced_search"], "new_ui": seed["new_ui"]})
    # Combinations.
    rnd = random.Random(1)
    names = list(FIELDS)
    for _ in range(120):
        cfg = {"active": rnd.random() < 0.9}
        for field in rnd.sample(names, rnd.randint(2, 6)):
            cfg[field] = rnd.choice(FIELDS[field])
        entry = {"f": cfg}
        if rnd.random() < 0.3:
            cfg["depends_on"] = ["dep"]
            entry["dep"] = rnd.choice(DEPS)
        out.append(entry)
    return out


def contexts():
    out = [
        {"user_id": 123, "region": "US", "account_type": "premium", "beta_program": True},  # main.py
        {},
        {"user_id": 456},
        {"region": "US"},
        {"user_id": 5, "region": "US", "account_type": "premium"},
        {"user_id": 5, "region": "US", "account_type": "premium", "beta_program": False},
        {"region": "RO", "account_type": "enterprise", "beta_program": True},
    ]
    rnd = random.Random(2)
    for _ in range(33):
        c = {}
        if rnd.random() < 0.9:
            c["user_id"] = rnd.randint(1, 10000)
        if rnd.random() < 0.9:
            c["region"] = rnd.choice(["US", "RO", "FR"])
        if rnd.random() < 0.9:
            c["account_type"] = rnd.choice(["free", "premium", "enterprise"])
        if rnd.random() < 0.9:
            c["beta_program"] = rnd.random() < 0.6
        out.append(c)
    return out


def main():
    envs = ["production", "dev", "qa"]
    cfgs, ctxs = configs(), contexts()
    table = []
    for cfg in cfgs:
        fm = FeatureManager(cfg)
        row = ""
        for env in envs:
            for ctx in ctxs:
                row += "1" if fm.is_enabled("f", Context(ctx), env) else "0"
        table.append(row)
    json.dump({"now": NOW.isoformat() + "Z", "environments": envs, "contexts": ctxs, "configs": cfgs, "want": table},
              __import__("sys").stdout, indent=None, separators=(",", ":"))
    print()


if __name__ == "__main__":
    main()
