package flaghttp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestClientErrorsPublic checks that errors answered to a client key (a
// browser holds it) name only the members the caller sent: never the
// spec's declared attributes, an attribute's enum values or the key
// attribute and its type. A server key gets the full message.
func TestClientErrorsPublic(t *testing.T) {
	s := start(t, Config{}, false)
	secrets := []string{"user_id", "cart_total", "signup_date", "enterprise", "premium", "free", "int", "decimal"}
	for _, c := range []struct{ body, client, server string }{
		{`{"context":{"zzz":1}}`, `context: \"zzz\" is not valid`, `declared: user_id`},
		{`{"context":{"account_type":"x"}}`, `context: \"account_type\" is not valid`, `"enterprise`},
		{`{"context":{"region":7,"zzz":1}}`, `context: \"region\" is not valid; context: \"zzz\" is not valid`, `want a string`},
		{`{"context":{"targetingKey":"abc"}}`, `context: \"targetingKey\" is not valid`, `the key attribute user_id is an int`},
		{`{"context":{"targetingKey":7}}`, `context: \"targetingKey\" is not valid`, `targetingKey: want a string`},
		{`{"context":{"targetingKey":"5","user_id":6}}`, `context: \"targetingKey\" is not valid`, `user_id 6 differ`},
	} {
		for _, path := range []string{"/ofrep/v1/evaluate/flags/native_share", "/ofrep/v1/evaluate/flags"} {
			_, out, _ := s.do(t, "POST", path, clientKey, []byte(c.body))
			if !strings.Contains(string(out), c.client) {
				t.Errorf("client key, %s %s: %s, want %s", path, c.body, out, c.client)
			}
			for _, leak := range secrets {
				if strings.Contains(string(out), leak) {
					t.Errorf("client key, %s %s: the error discloses %q: %s", path, c.body, leak, out)
				}
			}
			if _, out, _ := s.do(t, "POST", path, serverKey, []byte(c.body)); !strings.Contains(string(out), c.server) {
				t.Errorf("server key, %s %s: %s, want %s", path, c.body, out, c.server)
			}
		}
	}
	// TARGETING_KEY_MISSING: a client flag whose answer needs the key.
	if err := s.c.Set(context.Background(), "native_share", json.RawMessage(`{"percentage_rollout":50}`), "test", "rollout"); err != nil {
		t.Fatal(err)
	}
	const mobile = `{"context":{"device":"ios","app_version":"2.4.0"}}`
	for _, path := range []string{"/ofrep/v1/evaluate/flags/native_share", "/ofrep/v1/evaluate/flags"} {
		_, out, _ := s.do(t, "POST", path, clientKey, []byte(mobile))
		if !strings.Contains(string(out), `"errorCode":"TARGETING_KEY_MISSING","errorDetails":"the flag's answer needs targetingKey"`) {
			t.Errorf("client key, %s, no key: %s", path, out)
		}
		if _, out, _ := s.do(t, "POST", path, serverKey, []byte(mobile)); !strings.Contains(string(out), "(the key attribute user_id)") {
			t.Errorf("server key, %s, no key: %s", path, out)
		}
	}
}
