package spec

import "testing"

func TestExpiresText(t *testing.T) {
	for _, in := range []string{"2024-06-30", "2024-06-30T12:00:00Z", "2024-06-30T00:00:00+02:00"} {
		e, err := ParseDate(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := (&Flag{Expires: &e}).ExpiresText(); got != in {
			t.Errorf("ExpiresText of %s = %s", in, got)
		}
	}
	if got := (&Flag{}).ExpiresText(); got != "" {
		t.Errorf("ExpiresText without expires = %q", got)
	}
}
