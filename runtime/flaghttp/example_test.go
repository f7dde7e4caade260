package flaghttp_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/runtime/flaghttp"
)

// An app serves its flags to browsers and other services next to its own
// routes: the OFREP handler mounted in the app's mux, with keys.
func ExampleNew() {
	flags, err := demo.New()
	if err != nil {
		log.Fatal(err)
	}
	defer flags.Close()
	h, err := flaghttp.New(flags.Runtime(), flaghttp.Config{
		ServerKeys: flaghttp.ParseKeys("s3rver-key"),
		ClientKeys: flaghttp.ParseKeys("br0wser-key"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer h.(io.Closer).Close()
	mux := http.NewServeMux()
	mux.Handle("/ofrep/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/ofrep/v1/evaluate/flags/native_share",
		strings.NewReader(`{"context":{"targetingKey":"42","device":"ios","app_version":"2.4.0"}}`))
	req.Header.Set("Authorization", "Bearer br0wser-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output: 200 {"key":"native_share","value":true,"reason":"TARGETING_MATCH","variant":"on"}
}
