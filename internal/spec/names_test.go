package spec

import "testing"

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"new_ui":          "NewUI",
		"user_id":         "UserID",
		"checkout-button": "CheckoutButton",
		"advanced_search": "AdvancedSearch",
		"api.v2":          "APIV2",
		"http_url_json":   "HTTPURLJSON",
		"sql":             "SQL",
		"id":              "ID",
		"ids":             "Ids",
		"already Camel":   "AlreadyCamel",
		"newUI":           "NewUI",
		"beta__program":   "BetaProgram",
		"_private":        "Private",
		"1st":             "1st",
		"":                "",
		"ünïcode_flag":    "ÜnïcodeFlag",
	} {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsExportedIdent(t *testing.T) {
	for in, want := range map[string]bool{
		"NewUI": true, "X": true, "newUI": false, "1st": false, "": false,
		"Flag+": false, "日本": false,
	} {
		if got := isExportedIdent(in); got != want {
			t.Errorf("isExportedIdent(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestValidSemver(t *testing.T) {
	for in, want := range map[string]bool{
		"2.3.0": true, "0.0.1": true, "1.2.3-rc.1": true, "1.2.3+build.5": true, "1.2.3-alpha-2+x": true,
		"2.3": false, "v2.3.0": false, "01.2.3": false, "1.2.3-01": false, "1.2.3-": false, "1.2.3+": false, "a.b.c": false,
	} {
		if got := validSemver(in); got != want {
			t.Errorf("validSemver(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2022-12-25":                "2022-12-25T00:00:00Z",
		"2022-12-25T10:30:00":       "2022-12-25T10:30:00Z", // D3: naive is UTC
		"2022-12-25T10:30:00.5":     "2022-12-25T10:30:00.5Z",
		"2022-12-25T10:30:00+02:00": "2022-12-25T08:30:00Z",
		"2022-12-25T10:30:00Z":      "2022-12-25T10:30:00Z",
	} {
		got, err := ParseDate(in)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", in, err)
			continue
		}
		if s := got.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"); s != want {
			t.Errorf("ParseDate(%q) = %s, want %s", in, s, want)
		}
	}
	for _, in := range []string{"", "25/12/2022", "2022-13-01", "2022-12-25 10:30:00", "tomorrow"} {
		if _, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) succeeded, want an error", in)
		}
	}
}
