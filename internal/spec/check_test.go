package spec

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// errorLines parses src as "t.json" and returns its errors, one line each.
func errorLines(t *testing.T, src string) []string {
	t.Helper()
	s, err := Parse("t.json", []byte(src))
	if err == nil {
		if s == nil {
			t.Fatal("Parse returned neither a spec nor an error")
		}
		return nil
	}
	if s != nil {
		t.Fatal("Parse returned both a spec and an error")
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want ErrorList: %v", err, err)
	}
	return strings.Split(list.Error(), "\n")
}

// TestChecks covers every schema rewrite and semantic check: each invalid
// spec must produce exactly these FILE:LINE:COL: /pointer: message lines.
func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"syntax error", "{\"flags\": {\"a\": {\"active\": tru}}}", []string{
			"t.json:1:31: syntax error: invalid character '}' in literal true (expecting 'e')",
		}},
		{"trailing data", "{\"flags\": {}} {}", []string{
			"t.json:1:15: syntax error: unexpected data after the top-level value",
		}},
		{"duplicate key", "{\"flags\": {\"a\": {\"active\": true, \"active\": false}}}", []string{
			"t.json:1:34: /flags/a/active: duplicate key \"active\"",
		}},
		{"missing flags", "{}", []string{
			"t.json:1:1: missing required field \"flags\"",
		}},
		{"unknown top-level field", "{\"flags\": {}, \"flag\": {}}", []string{
			"t.json:1:15: /flag: unknown field \"flag\" (did you mean \"flags\"?)",
		}},
		{"unknown flag field", "{\"flags\": {\"a\": {\"regons\": [\"US\"]}}}", []string{
			"t.json:1:18: /flags/a/regons: unknown field \"regons\" (did you mean \"regions\"?)",
		}},
		{"unknown field no suggestion", "{\"flags\": {\"a\": {\"zzzzzz\": 1}}}", []string{
			"t.json:1:18: /flags/a/zzzzzz: unknown field \"zzzzzz\"",
		}},
		{"wrong type", "{\"flags\": {\"a\": {\"owner\": 5}}}", []string{
			"t.json:1:27: /flags/a/owner: must be a string, got number",
		}},
		{"wrong type integer", "{\"flags\": {\"a\": {\"error_threshold\": 1.5}}}", []string{
			"t.json:1:37: /flags/a/error_threshold: must be an integer, got 1.5",
		}},
		{"enum kind", "{\"flags\": {\"a\": {\"kind\": \"feature\"}}}", []string{
			"t.json:1:26: /flags/a/kind: must be one of release, experiment, ops, permission, kill_switch",
		}},
		{"percentage above 100", "{\"flags\": {\"a\": {\"percentage_rollout\": 100.5}}}", []string{
			"t.json:1:40: /flags/a/percentage_rollout: must be between 0 and 100",
		}},
		{"percentage below 0", "{\"flags\": {\"a\": {\"percentage_rollout\": -1}}}", []string{
			"t.json:1:40: /flags/a/percentage_rollout: must be between 0 and 100",
		}},
		{"negative threshold", "{\"flags\": {\"a\": {\"error_threshold\": -1}}}", []string{
			"t.json:1:37: /flags/a/error_threshold: must be at least 0",
		}},
		{"users bool", "{\"flags\": {\"a\": {\"users\": [true]}}}", []string{
			"t.json:1:28: /flags/a/users/0: must be an integer or a string, got boolean",
		}},
		{"duplicate region", "{\"flags\": {\"a\": {\"regions\": [\"US\", \"US\"]}}}", []string{
			"t.json:1:36: /flags/a/regions/1: duplicate \"US\" (already at index 0)",
		}},
		{"empty rule values", "{\"context\": {\"d\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"d\", \"operator\": \"in\", \"values\": []}]}}}", []string{
			"t.json:1:113: /flags/a/rules/0/values: must not be empty",
		}},
		{"unknown operator", "{\"context\": {\"d\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"d\", \"operator\": \"like\", \"values\": [\"x\"]}]}}}", []string{
			"t.json:1:97: /flags/a/rules/0/operator: must be one of in, not_in, eq, neq, lt, lte, gt, gte, starts_with, ends_with, contains, matches, before, after, semver_eq, semver_lt, semver_gt",
		}},
		{"strategy name pattern", "{\"flags\": {\"a\": {\"strategy\": {\"name\": \"search\", \"on\": \"New\", \"off\": \"Old\"}}}}", []string{
			"t.json:1:39: /flags/a/strategy/name: must be an exported Go identifier, like SearchService",
		}},
		{"variant flag without variants", "{\"flags\": {\"a\": {\"type\": \"string\"}}}", []string{
			"t.json:1:17: /flags/a: missing required field \"default\" (a string flag needs variants and a default)",
			"t.json:1:17: /flags/a: missing required field \"variants\" (a string flag needs variants and a default)",
		}},
		{"attribute bad type", "{\"context\": {\"d\": {\"type\": \"date\"}}, \"flags\": {}}", []string{
			"t.json:1:28: /context/d/type: must be one of int, string, bool, float",
		}},
		{"unknown depends_on", "{\"flags\": {\"a\": {\"depends_on\": [\"new_iu\"]}, \"new_ui\": {}}}", []string{
			"t.json:1:33: /flags/a/depends_on/0: unknown flag \"new_iu\" (did you mean \"new_ui\"?)",
		}},
		{"depends on variant flag", "{\"flags\": {\"a\": {\"depends_on\": [\"c\"]}, \"c\": {\"type\": \"string\", \"default\": \"x\", \"variants\": {\"x\": 100}}}}", []string{
			"t.json:1:33: /flags/a/depends_on/0: \"c\" is a string flag: only bool flags can be depended on",
		}},
		{"self cycle", "{\"flags\": {\"a\": {\"depends_on\": [\"a\"]}}}", []string{
			"t.json:1:33: /flags/a/depends_on/0: dependency cycle a → a",
		}},
		{"cycle", "{\"flags\": {\"a\": {\"depends_on\": [\"b\"]}, \"b\": {\"depends_on\": [\"c\"]}, \"c\": {\"depends_on\": [\"a\"]}}}", []string{
			"t.json:1:33: /flags/a/depends_on/0: dependency cycle a → b → c → a",
		}},
		{"regions undeclared attribute", "{\"context\": {\"user_id\": {\"type\": \"int\"}}, \"flags\": {\"a\": {\"regions\": [\"US\"]}}}", []string{
			"t.json:1:70: /flags/a/regions: regions needs a \"region\" attribute in context",
		}},
		{"account_types undeclared attribute (an)", "{\"context\": {\"user_id\": {\"type\": \"int\"}}, \"flags\": {\"a\": {\"account_types\": [\"free\"]}}}", []string{
			"t.json:1:76: /flags/a/account_types: account_types needs an \"account_type\" attribute in context",
		}},
		{"float variant without value (a)", "{\"flags\": {\"a\": {\"type\": \"float\", \"default\": \"x\", \"variants\": {\"x\": 100}}}}", []string{
			"t.json:1:69: /flags/a/variants/x: a float variant needs a \"value\": {\"value\": ..., \"weight\": 100}",
		}},
		{"enum flag without default (an)", "{\"flags\": {\"a\": {\"type\": \"enum\", \"default\": null, \"variants\": {\"x\": 100}}}}", []string{
			"t.json:1:17: /flags/a: an enum flag needs a \"default\" variant",
			"t.json:1:45: /flags/a/default: must be a string, got null",
		}},
		{"duplicate string variant values", "{\"flags\": {\"a\": {\"type\": \"string\", \"default\": \"x\", \"variants\": {\"x\": {\"value\": \"blue\", \"weight\": 50}, \"y\": {\"value\": \"blue\", \"weight\": 50}}}}}", []string{
			"t.json:1:118: /flags/a/variants/y/value: variants \"x\" and \"y\" have the same value \"blue\": each variant needs its own",
		}},
		{"string variant value is another's name", "{\"flags\": {\"a\": {\"type\": \"string\", \"default\": \"blue\", \"variants\": {\"blue\": 50, \"y\": {\"value\": \"blue\", \"weight\": 50}}}}}", []string{
			"t.json:1:95: /flags/a/variants/y/value: variants \"blue\" and \"y\" have the same value \"blue\": each variant needs its own",
		}},
		{"duplicate int variant values 1 and 1.0", "{\"flags\": {\"a\": {\"type\": \"int\", \"default\": \"x\", \"variants\": {\"x\": {\"value\": 1, \"weight\": 50}, \"y\": {\"value\": 1.0, \"weight\": 50}}}}}", []string{
			"t.json:1:110: /flags/a/variants/y/value: variants \"x\" and \"y\" have the same value 1: each variant needs its own",
		}},
		{"duplicate float variant values 1 and 1.0", "{\"flags\": {\"a\": {\"type\": \"float\", \"default\": \"x\", \"variants\": {\"x\": {\"value\": 1, \"weight\": 50}, \"y\": {\"value\": 1.0, \"weight\": 50}}}}}", []string{
			"t.json:1:112: /flags/a/variants/y/value: variants \"x\" and \"y\" have the same value 1: each variant needs its own",
		}},
		{"regions outside enum", "{\"context\": {\"region\": {\"type\": \"string\", \"enum\": [\"US\", \"RO\"]}}, \"flags\": {\"a\": {\"regions\": [\"US\", \"FR\"]}}}", []string{
			"t.json:1:101: /flags/a/regions/1: \"FR\" is not a value of attribute \"region\" (one of US, RO)",
		}},
		{"regions on int attribute", "{\"context\": {\"region\": {\"type\": \"int\"}}, \"flags\": {\"a\": {\"regions\": [\"US\"]}}}", []string{
			"t.json:1:69: /flags/a/regions: regions needs \"region\" to be a string attribute, not int",
		}},
		{"account_types outside enum", "{\"context\": {\"account_type\": {\"type\": \"string\", \"enum\": [\"free\", \"premium\"]}}, \"flags\": {\"a\": {\"account_types\": [\"gold\"]}}}", []string{
			"t.json:1:114: /flags/a/account_types/0: \"gold\" is not a value of attribute \"account_type\" (one of free, premium)",
		}},
		{"beta_program undeclared", "{\"context\": {\"user_id\": {\"type\": \"int\"}}, \"flags\": {\"a\": {\"beta_program\": true}}}", []string{
			"t.json:1:75: /flags/a/beta_program: beta_program needs a \"beta_program\" attribute in context",
		}},
		{"beta_program not bool", "{\"context\": {\"beta_program\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"beta_program\": true}}}", []string{
			"t.json:1:83: /flags/a/beta_program: beta_program needs \"beta_program\" to be a bool attribute, not string",
		}},
		{"users string with int key", "{\"flags\": {\"a\": {\"users\": [1, \"bob\"]}}}", []string{
			"t.json:1:31: /flags/a/users/1: must be an integer, got string (key attribute \"user_id\" is int)",
		}},
		{"users int with string key", "{\"context\": {\"email\": {\"type\": \"string\", \"key\": true}}, \"flags\": {\"a\": {\"users\": [\"a@b.c\", 7]}}}", []string{
			"t.json:1:92: /flags/a/users/1: must be a string, got number (key attribute \"email\" is string)",
		}},
		{"users without key", "{\"context\": {\"region\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"users\": [1]}}}", []string{
			"t.json:1:70: /flags/a/users: users needs a key attribute to match (declare one with \"key\": true)",
		}},
		{"users out of range", "{\"flags\": {\"a\": {\"users\": [99999999999999999999]}}}", []string{
			"t.json:1:28: /flags/a/users/0: 99999999999999999999 is out of range for a 64-bit integer",
		}},
		{"rollout without key", "{\"context\": {\"region\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"percentage_rollout\": 50}}}", []string{
			"t.json:1:83: /flags/a/percentage_rollout: percentage_rollout needs a key attribute to bucket by (declare one with \"key\": true)",
		}},
		{"rule undeclared attribute", "{\"context\": {\"device\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"devise\", \"operator\": \"eq\", \"values\": [\"ios\"]}]}}}", []string{
			"t.json:1:85: /flags/a/rules/0/attribute: unknown attribute \"devise\": declare it in context (did you mean \"device\"?)",
		}},
		{"rule value wrong type", "{\"context\": {\"age\": {\"type\": \"int\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"age\", \"operator\": \"gte\", \"values\": [\"18\"]}]}}}", []string{
			"t.json:1:116: /flags/a/rules/0/values/0: must be an integer, got string (attribute \"age\" is int)",
		}},
		{"rule value not integer", "{\"context\": {\"age\": {\"type\": \"int\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"age\", \"operator\": \"gte\", \"values\": [1.5]}]}}}", []string{
			"t.json:1:116: /flags/a/rules/0/values/0: must be an integer, got 1.5 (attribute \"age\" is int)",
		}},
		{"rule value outside enum", "{\"context\": {\"device\": {\"type\": \"string\", \"enum\": [\"ios\", \"web\"]}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"device\", \"operator\": \"in\", \"values\": [\"ios\", \"tablet\"]}]}}}", []string{
			"t.json:1:155: /flags/a/rules/0/values/1: \"tablet\" is not a value of attribute \"device\" (one of ios, web)",
		}},
		{"operator on bool", "{\"context\": {\"beta\": {\"type\": \"bool\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"beta\", \"operator\": \"lt\", \"values\": [true]}]}}}", []string{
			"t.json:1:101: /flags/a/rules/0/operator: operator \"lt\" does not apply to bool attribute \"beta\" (use in, not_in, eq, neq)",
		}},
		{"operator on string", "{\"context\": {\"s\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"s\", \"operator\": \"gt\", \"values\": [\"a\"]}]}}}", []string{
			"t.json:1:97: /flags/a/rules/0/operator: operator \"gt\" does not apply to string attribute \"s\" (use in, not_in, eq, neq, starts_with, ends_with, contains, matches, before, after, semver_eq, semver_lt, semver_gt)",
		}},
		{"operator on int", "{\"context\": {\"n\": {\"type\": \"int\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"n\", \"operator\": \"starts_with\", \"values\": [1]}]}}}", []string{
			"t.json:1:94: /flags/a/rules/0/operator: operator \"starts_with\" does not apply to int attribute \"n\" (use in, not_in, eq, neq, lt, lte, gt, gte)",
		}},
		{"single value operator", "{\"context\": {\"n\": {\"type\": \"int\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"n\", \"operator\": \"eq\", \"values\": [1, 2]}]}}}", []string{
			"t.json:1:110: /flags/a/rules/0/values: operator \"eq\" takes exactly one value, got 2",
		}},
		{"invalid regex", "{\"context\": {\"s\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"s\", \"operator\": \"matches\", \"values\": [\"a(b\"]}]}}}", []string{
			"t.json:1:119: /flags/a/rules/0/values/0: invalid regular expression: missing closing ): `a(b`",
		}},
		{"invalid semver", "{\"context\": {\"v\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"v\", \"operator\": \"semver_gt\", \"values\": [\"2.3\"]}]}}}", []string{
			"t.json:1:121: /flags/a/rules/0/values/0: \"2.3\" is not a semantic version (want MAJOR.MINOR.PATCH, like 2.3.0)",
		}},
		{"invalid rule date", "{\"context\": {\"d\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"rules\": [{\"attribute\": \"d\", \"operator\": \"before\", \"values\": [\"next week\"]}]}}}", []string{
			"t.json:1:118: /flags/a/rules/0/values/0: \"next week\" is not a date (want 2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339 like 2006-01-02T15:04:05+02:00)",
		}},
		{"unparsable activation_date", "{\"flags\": {\"a\": {\"activation_date\": \"25/12/2022\"}}}", []string{
			"t.json:1:37: /flags/a/activation_date: \"25/12/2022\" is not a date (want 2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339 like 2006-01-02T15:04:05+02:00)",
		}},
		{"unparsable expires", "{\"flags\": {\"a\": {\"expires\": \"2024-13-01\"}}}", []string{
			"t.json:1:29: /flags/a/expires: \"2024-13-01\" is not a date (want 2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339 like 2006-01-02T15:04:05+02:00)",
		}},
		{"weights not 100", "{\"flags\": {\"a\": {\"type\": \"string\", \"default\": \"x\", \"variants\": {\"x\": 60, \"y\": 30}}}}", []string{
			"t.json:1:64: /flags/a/variants: variant weights must sum to 100, got 90",
		}},
		{"default not a variant", "{\"flags\": {\"a\": {\"type\": \"string\", \"default\": \"blu\", \"variants\": {\"blue\": 50, \"green\": 50}}}}", []string{
			"t.json:1:47: /flags/a/default: default \"blu\" is not a variant (did you mean \"blue\"?)",
		}},
		{"variant named (pinned)", "{\"flags\": {\"a\": {\"type\": \"string\", \"default\": \"x\", \"variants\": {\"x\": 50, \"(pinned)\": 50}}}}", []string{
			"t.json:1:86: /flags/a/variants/(pinned): variant name \"(pinned)\" is reserved: exposure counts evaluations of a flag pinned in a test under it",
		}},
		{"default on bool flag", "{\"flags\": {\"a\": {\"default\": \"on\"}}}", []string{
			"t.json:1:29: /flags/a/default: a bool flag has no default (it is false when it does not apply): set \"type\" for a variant flag",
		}},
		{"variants on bool flag", "{\"flags\": {\"a\": {\"variants\": {\"x\": 100}}}}", []string{
			"t.json:1:30: /flags/a/variants: a bool flag has no variants: set \"type\" to string, int, float or enum",
		}},
		{"rollout on variant flag", "{\"flags\": {\"a\": {\"type\": \"string\", \"default\": \"x\", \"variants\": {\"x\": 100}, \"percentage_rollout\": 10}}}", []string{
			"t.json:1:98: /flags/a/percentage_rollout: percentage_rollout is for bool flags: a string flag splits users with its variant weights",
		}},
		{"int variant without value", "{\"flags\": {\"a\": {\"type\": \"int\", \"default\": \"x\", \"variants\": {\"x\": 100}}}}", []string{
			"t.json:1:67: /flags/a/variants/x: an int variant needs a \"value\": {\"value\": ..., \"weight\": 100}",
		}},
		{"int variant with string value", "{\"flags\": {\"a\": {\"type\": \"int\", \"default\": \"x\", \"variants\": {\"x\": {\"value\": \"ten\", \"weight\": 100}}}}}", []string{
			"t.json:1:77: /flags/a/variants/x/value: must be an integer, got string",
		}},
		{"enum variant with value", "{\"flags\": {\"a\": {\"type\": \"enum\", \"default\": \"x\", \"variants\": {\"x\": {\"value\": \"y\", \"weight\": 100}}}}}", []string{
			"t.json:1:78: /flags/a/variants/x/value: an enum variant's value is its name: remove \"value\"",
		}},
		{"variants without key", "{\"context\": {\"region\": {\"type\": \"string\"}}, \"flags\": {\"a\": {\"type\": \"string\", \"default\": \"x\", \"variants\": {\"x\": 50, \"y\": 50}}}}", []string{
			"t.json:1:107: /flags/a/variants: splitting users between variants needs a key attribute to bucket by (declare one with \"key\": true)",
		}},
		{"release unknown flag", "{\"flags\": {\"a\": {}}, \"releases\": {\"r\": {\"flags\": [\"a\", \"b\"]}}}", []string{
			"t.json:1:56: /releases/r/flags/1: unknown flag \"b\"",
		}},
		{"undeclared environment", "{\"environments\": [\"dev\", \"prod\"], \"flags\": {\"a\": {\"environments\": [\"dev\", \"staging\"]}}}", []string{
			"t.json:1:75: /flags/a/environments/1: environment \"staging\" is not declared (declared: dev, prod)",
		}},
		{"two keys", "{\"context\": {\"user_id\": {\"type\": \"int\", \"key\": true}, \"email\": {\"type\": \"string\", \"key\": true}}, \"flags\": {}}", []string{
			"t.json:1:90: /context/email/key: only one attribute can be the key: \"user_id\" already is",
		}},
		{"bool key", "{\"context\": {\"beta\": {\"type\": \"bool\", \"key\": true}}, \"flags\": {}}", []string{
			"t.json:1:31: /context/beta/type: the key attribute must be int or string, not bool",
		}},
		{"float key user_id", "{\"context\": {\"user_id\": {\"type\": \"float\"}}, \"flags\": {}}", []string{
			"t.json:1:34: /context/user_id/type: the key attribute must be int or string, not float",
		}},
		{"go name collision", "{\"flags\": {\"new-ui\": {}, \"new_ui\": {}}}", []string{
			"t.json:1:36: /flags/new_ui: flag \"new_ui\" makes the Go name NewUI, already used by flag \"new-ui\"",
		}},
		{"go name reserved", "{\"flags\": {\"spec\": {}, \"new\": {}}}", []string{
			"t.json:1:20: /flags/spec: flag \"spec\" makes the Go name Spec, which the generated package already declares: rename it",
			"t.json:1:31: /flags/new: flag \"new\" makes the Go name New, which the generated package already declares: rename it",
		}},
		{"go name invalid", "{\"flags\": {\"1st\": {}}}", []string{
			"t.json:1:19: /flags/1st: flag \"1st\" does not make an exported Go identifier (\"1st\")",
		}},
		{"go name enum type collision", "{\"flags\": {\"search\": {\"type\": \"enum\", \"default\": \"a\", \"variants\": {\"a\": 100}}, \"search_variant\": {}}}", []string{
			"t.json:1:98: /flags/search_variant: flag \"search_variant\" makes the Go name SearchVariant, already used by the value type of enum flag \"search\"",
		}},
		{"go name enum constant collision", "{\"flags\": {\"search\": {\"type\": \"enum\", \"default\": \"a\", \"variants\": {\"a\": 100}}, \"search_a\": {}}}", []string{
			"t.json:1:92: /flags/search_a: flag \"search_a\" makes the Go name SearchA, already used by variant \"a\" of flag \"search\"",
		}},
		{"go name strategy collision", "{\"flags\": {\"a\": {\"strategy\": {\"name\": \"Search\", \"on\": \"X\", \"off\": \"Y\"}}, \"search_factory\": {}}}", []string{
			"t.json:1:92: /flags/search_factory: flag \"search_factory\" makes the Go name SearchFactory, already used by strategy \"Search\" of flag \"a\"",
		}},
		{"go name two strategies", "{\"flags\": {\"a\": {\"strategy\": {\"name\": \"Search\", \"on\": \"X\", \"off\": \"Y\"}}, \"b\": {\"strategy\": {\"name\": \"Search\", \"on\": \"X\", \"off\": \"Y\"}}}}", []string{
			"t.json:1:101: /flags/b/strategy/name: strategy \"Search\" of flag \"b\" makes the Go name SearchFactory, already used by strategy \"Search\" of flag \"a\"",
		}},
		{"attribute go name collision", "{\"context\": {\"user_id\": {\"type\": \"int\"}, \"user-id\": {\"type\": \"int\"}}, \"flags\": {}}", []string{
			"t.json:1:53: /context/user-id: attribute \"user-id\" makes the Go field name UserID, already used by attribute \"user_id\"",
		}},
		{"strategy missing state", "{\"flags\": {\"a\": {\"strategy\": {\"name\": \"S\", \"on\": \"New\"}}}}", []string{
			"t.json:1:30: /flags/a/strategy: strategy \"S\" must name an implementation for each state: missing \"off\"",
		}},
		{"strategy variants on bool", "{\"flags\": {\"a\": {\"strategy\": {\"name\": \"S\", \"on\": \"New\", \"off\": \"Old\", \"variants\": {}}}}}", []string{
			"t.json:1:83: /flags/a/strategy/variants: a bool flag's strategy names its implementations with \"on\" and \"off\", not \"variants\"",
		}},
		{"strategy on/off on variant flag", "{\"flags\": {\"a\": {\"type\": \"string\", \"default\": \"x\", \"variants\": {\"x\": 100}, \"strategy\": {\"name\": \"S\", \"on\": \"New\", \"off\": \"Old\"}}}}", []string{
			"t.json:1:88: /flags/a/strategy/variants: strategy \"S\" must name an implementation for each variant: missing \"x\"",
			"t.json:1:108: /flags/a/strategy/on: a string flag's strategy maps each variant to an implementation under \"variants\", not \"on\"/\"off\"",
			"t.json:1:122: /flags/a/strategy/off: a string flag's strategy maps each variant to an implementation under \"variants\", not \"on\"/\"off\"",
		}},
		{"strategy missing variant", "{\"flags\": {\"a\": {\"type\": \"string\", \"default\": \"x\", \"variants\": {\"x\": 50, \"y\": 50}, \"strategy\": {\"name\": \"S\", \"variants\": {\"x\": \"X\"}}}}}", []string{
			"t.json:1:122: /flags/a/strategy/variants: strategy \"S\" must name an implementation for each variant: missing \"y\"",
		}},
		{"strategy unknown variant", "{\"flags\": {\"a\": {\"type\": \"string\", \"default\": \"x\", \"variants\": {\"x\": 100}, \"strategy\": {\"name\": \"S\", \"variants\": {\"x\": \"X\", \"z\": \"Z\"}}}}}", []string{
			"t.json:1:130: /flags/a/strategy/variants/z: \"z\" is not a variant of \"a\"",
		}},
		{"strategy shared impl", "{\"flags\": {\"a\": {\"strategy\": {\"name\": \"S\", \"on\": \"Impl\", \"off\": \"Impl\"}}}}", []string{
			"t.json:1:65: /flags/a/strategy/off: implementation Impl is already used for \"on\": each state needs its own",
		}},
		{"enum value makes no constant", "{\"context\": {\"plan\": {\"type\": \"string\", \"enum\": [\"free\", \"--\"]}}, \"flags\": {}}", []string{
			"t.json:1:58: /context/plan/enum/1: value \"--\" of attribute \"plan\" makes no Go constant name: give it a letter or a digit",
		}},
		{"enum value makes an invalid constant", "{\"context\": {\"plan\": {\"type\": \"string\", \"enum\": [\"a+b\"]}}, \"flags\": {}}", []string{
			"t.json:1:50: /context/plan/enum/0: value \"a+b\" of attribute \"plan\" does not make an exported Go identifier (\"PlanA+b\")",
		}},
		{"enum values make one constant", "{\"context\": {\"plan\": {\"type\": \"string\", \"enum\": [\"pro_plus\", \"pro-plus\"]}}, \"flags\": {}}", []string{
			"t.json:1:62: /context/plan/enum/1: value \"pro-plus\" of attribute \"plan\" makes the Go name PlanProPlus, already used by value \"pro_plus\" of attribute \"plan\"",
		}},
		{"enum type collides with a flag", "{\"context\": {\"plan\": {\"type\": \"string\", \"enum\": [\"free\"]}}, \"flags\": {\"plan\": {}}}", []string{
			"t.json:1:79: /flags/plan: flag \"plan\" makes the Go name Plan, already used by the type of attribute \"plan\"",
		}},
		{"enum constant collides with a flag", "{\"context\": {\"plan\": {\"type\": \"string\", \"enum\": [\"free\"]}}, \"flags\": {\"plan_free\": {}, \"parse_plan\": {}}}", []string{
			"t.json:1:84: /flags/plan_free: flag \"plan_free\" makes the Go name PlanFree, already used by value \"free\" of attribute \"plan\"",
			"t.json:1:102: /flags/parse_plan: flag \"parse_plan\" makes the Go name ParsePlan, already used by the parse function of attribute \"plan\"",
		}},
		{"enum type reserved", "{\"context\": {\"context\": {\"type\": \"string\", \"enum\": [\"a\"]}}, \"flags\": {}}", []string{
			"t.json:1:25: /context/context: the type of attribute \"context\" makes the Go name Context, which the generated package already declares: rename it",
		}},
		{"enum types collide", "{\"context\": {\"plan\": {\"type\": \"string\", \"enum\": [\"free\"]}, \"plan_free\": {\"type\": \"string\", \"enum\": [\"x\"]}}, \"flags\": {}}", []string{
			"t.json:1:73: /context/plan_free: the type of attribute \"plan_free\" makes the Go name PlanFree, already used by value \"free\" of attribute \"plan\"",
		}},
		{"attribute enum wrong type", "{\"context\": {\"n\": {\"type\": \"int\", \"enum\": [1, \"two\"]}}, \"flags\": {}}", []string{
			"t.json:1:47: /context/n/enum/1: must be an integer, got string",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := errorLines(t, tc.src)
			if len(tc.want) == 0 {
				t.Fatal("test case without expected errors")
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Parse(%s) errors:\n%s\nwant:\n%s", tc.src, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
