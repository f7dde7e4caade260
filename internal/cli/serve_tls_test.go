package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA is a certificate authority that signs certificates for
// 127.0.0.1, for the TLS tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "flaggen test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert, key, pool}
}

// issue writes a certificate for 127.0.0.1 with the serial number serial,
// and its key, as PEM to certFile and keyFile, and moves both files'
// modification time to mod.
func (ca *testCA) issue(t *testing.T, serial int64, certFile, keyFile string, mod time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
	for _, f := range []string{certFile, keyFile} {
		if err := os.Chtimes(f, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
}

// issuedPair writes a certificate with the serial number serial, from a
// new CA, and its key to a temporary directory, both modified at t0, a
// time in the past.
func issuedPair(t *testing.T, serial int64) (ca *testCA, certFile, keyFile string, t0 time.Time) {
	ca = newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	t0 = time.Now().Add(-time.Minute).Truncate(time.Second)
	ca.issue(t, serial, certFile, keyFile, t0)
	return ca, certFile, keyFile, t0
}

// client returns an HTTP client that trusts only ca, over a connection of
// its own (so that each client does a new handshake), HTTP/2 allowed.
func (ca *testCA) client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: ca.pool},
		ForceAttemptHTTP2: true,
	}}
}

// servedSerial returns the serial number of the certificate the server
// at url shows to a new connection.
func servedSerial(t *testing.T, ca *testCA, url string) int64 {
	t.Helper()
	c := ca.client()
	defer c.CloseIdleConnections()
	resp, err := c.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
}

// TestServeTLS starts the built binary with -tls-cert and -tls-key: it
// serves OFREP over HTTPS and HTTP/2, its bulk answer points the event
// stream at https, a plain-HTTP request gets no flags, and a renewed
// certificate serves the next connection without a restart, while a
// broken renewal keeps the one in use.
func TestServeTLS(t *testing.T) {
	ca, certFile, keyFile, t0 := issuedPair(t, 100)
	s := startServe(t, []string{"FLAGGEN_SERVER_KEYS=s3rver-key", "FLAGGEN_SPEC=" + demoSpec}, "-tls-cert", certFile, "-tls-key", keyFile)
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("listening at %s, want https://", s.url)
	}

	c := ca.client()
	defer c.CloseIdleConnections()
	req, err := http.NewRequest("POST", s.url+"/ofrep/v1/evaluate/flags", strings.NewReader(`{"context": {"targetingKey": "123"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3rver-key")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Fatalf("bulk over TLS: %s %s %s", resp.Proto, resp.Status, body)
	}
	if want := `"url":"` + s.url + `/ofrep/v1/events?token=`; !bytes.Contains(body, []byte(want)) {
		t.Errorf("bulk answer %s: want the event stream at %s…", body, want)
	}

	plain, err := http.Get("http://" + strings.TrimPrefix(s.url, "https://") + "/ofrep/v1/configuration")
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := io.ReadAll(plain.Body)
	plain.Body.Close()
	if plain.StatusCode != 400 || bytes.Contains(pb, []byte("flagEvaluation")) {
		t.Errorf("plain HTTP to the TLS port: %s %s, want 400 and no answer", plain.Status, pb)
	}

	if got := servedSerial(t, ca, s.url); got != 100 {
		t.Fatalf("serial %d, want 100", got)
	}
	ca.issue(t, 101, certFile, keyFile, t0.Add(time.Second))
	if got := servedSerial(t, ca, s.url); got != 101 {
		t.Fatalf("after renewal: serial %d, want 101", got)
	}
	s.waitLog(t, "TLS certificate reloaded")

	// A renewal half written: the key file no longer matches.
	writeFile(t, keyFile, "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n")
	if got := servedSerial(t, ca, s.url); got != 101 {
		t.Fatalf("after a broken renewal: serial %d, want 101 (the one in use)", got)
	}
	s.waitLog(t, "new TLS certificate not loaded")
	if got := servedSerial(t, ca, s.url); got != 101 {
		t.Errorf("broken renewal, second connection: serial %d, want 101", got)
	}
	ca.issue(t, 102, certFile, keyFile, t0.Add(2*time.Second))
	if got := servedSerial(t, ca, s.url); got != 102 {
		t.Errorf("after the renewal is complete: serial %d, want 102", got)
	}
}

// TestCertFilesWarnOnce: unreadable files are warned about once per
// change, not at every handshake, and the pair in use is kept.
func TestCertFilesWarnOnce(t *testing.T) {
	_, certFile, keyFile, _ := issuedPair(t, 7)
	var logs bytes.Buffer
	c, err := loadCertFiles(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	serial := func() int64 {
		t.Helper()
		cert, err := c.get(nil)
		if err != nil {
			t.Fatal(err)
		}
		x, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return x.SerialNumber.Int64()
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got := serial(); got != 7 {
			t.Fatalf("key file gone: serial %d, want 7", got)
		}
	}
	writeFile(t, keyFile, "garbage")
	for range 3 {
		if got := serial(); got != 7 {
			t.Fatalf("key file garbage: serial %d, want 7", got)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 2 {
		t.Errorf("%d warnings, want 2 (one per change):\n%s", n, &logs)
	}
	if !strings.Contains(logs.String(), "-tls-key "+keyFile) {
		t.Errorf("warnings do not name -tls-key %s:\n%s", keyFile, &logs)
	}
}

// TestServeTLSRefuses: half a pair, missing files, a directory, and a key
// that is not the certificate's refuse to start, naming the options.
func TestServeTLSRefuses(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	otherCert, otherKey := filepath.Join(dir, "o.crt"), filepath.Join(dir, "o.key")
	ca.issue(t, 1, certFile, keyFile, time.Now())
	ca.issue(t, 2, otherCert, otherKey, time.Now())
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-tls-cert", certFile}, 2, "-tls-cert and -tls-key go together"},
		{[]string{"-tls-key", keyFile}, 2, "-tls-cert and -tls-key go together"},
		{[]string{"-tls-cert", filepath.Join(dir, "none"), "-tls-key", keyFile}, 1, "-tls-cert " + filepath.Join(dir, "none") + ": "},
		{[]string{"-tls-cert", certFile, "-tls-key", dir}, 1, "-tls-key " + dir + ": not a regular file"},
		{[]string{"-tls-cert", certFile, "-tls-key", otherKey}, 1, "private key does not match public key"},
		{[]string{"-tls-cert", keyFile, "-tls-key", keyFile}, 1, "-tls-cert " + keyFile},
	} {
		args := append([]string{"serve", "-spec", demoSpec, "-addr", "127.0.0.1:0"}, c.args...)
		code, _, errs := run(t, args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("flaggen %s: exit %d, stderr %q; want %d and %q", strings.Join(args, " "), code, errs, c.code, c.want)
		}
	}
}
