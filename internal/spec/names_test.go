package spec

import (
	"go/token"
	"go/types"
	"testing"
	"time"
)

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

func TestParseSemver(t *testing.T) {
	for s, ok := range map[string]bool{
		"2.3.0": true, "0.0.0": true, "1.0.0-alpha.1": true, "1.0.0-0.3.7": true, "1.0.0+build.5": true, "1.0.0-rc.1+b-2": true,
		"v2.3.0": false, "2.3": false, "2": false, "2.3.0.1": false, "02.3.0": false, "2.3.0-": false, "2.3.0+": false,
		"2.3.0-01": false, "2.3.0-a..b": false, "2.3.0-a_b": false, "": false, "2.3.x": false, "99999999999999999999.0.0": false,
	} {
		if _, got := ParseSemver(s); got != ok {
			t.Errorf("ParseSemver(%q) ok = %v, want %v", s, got, ok)
		}
	}
	// The SemVer 2.0.0 precedence example, in ascending order.
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"}
	for i, a := range order {
		for j, b := range order {
			va, _ := ParseSemver(a)
			vb, _ := ParseSemver(b)
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := va.Compare(vb); got != want {
				t.Errorf("%s vs %s = %d, want %d", a, b, got, want)
			}
		}
	}
	if v, _ := ParseSemver("1.0.0+b1"); v.Compare(Semver{Major: 1}) != 0 {
		t.Error("build metadata must not count")
	}
	if n := testing.AllocsPerRun(100, func() { ParseSemver("1.0.0-rc.1+build.5") }); n != 0 {
		t.Errorf("ParseSemver allocates %v times", n)
	}
}

// TestNoPredeclaredNameIsExported backs isExportedIdent's shortcut: no
// keyword or predeclared identifier can be an exported name.
func TestNoPredeclaredNameIsExported(t *testing.T) {
	for _, name := range types.Universe.Names() {
		if token.IsExported(name) {
			t.Errorf("predeclared %s is exported: isExportedIdent must exclude it", name)
		}
	}
	for tok := token.BREAK; tok <= token.VAR; tok++ {
		if token.IsExported(tok.String()) {
			t.Errorf("keyword %s is exported", tok)
		}
	}
}

func TestExpired(t *testing.T) {
	at := func(s string) time.Time {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		expires, now string
		want         bool
	}{
		{"2024-06-30", "2024-06-30", false},
		{"2024-06-30", "2024-06-30T23:59:59.999", false}, // the last valid day
		{"2024-06-30", "2024-07-01", true},
		{"2024-06-30", "2024-07-01T01:00:00+02:00", false}, // still 06-30 in UTC
		{"2024-06-30T12:00:00", "2024-06-30T12:00:00", false},
		{"2024-06-30T12:00:00", "2024-06-30T12:00:01", true}, // an instant: after it
		{"2024-06-30T00:00:00+02:00", "2024-06-29T22:00:01Z", true},
	} {
		e := at(tc.expires)
		f := &Flag{Expires: &e}
		if got := f.Expired(at(tc.now)); got != tc.want {
			t.Errorf("expires %s, now %s: Expired = %v, want %v", tc.expires, tc.now, got, tc.want)
		}
	}
	if (&Flag{}).Expired(time.Now()) {
		t.Error("a flag without expires expired")
	}
}
