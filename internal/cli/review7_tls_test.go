package cli

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// review7Serial returns the serial number of the leaf c serves now, and
// the number of certificates in the chain it serves.
func review7Serial(t *testing.T, c *certFiles) (int64, int) {
	t.Helper()
	cert, err := c.get(nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return x.SerialNumber.Int64(), len(cert.Certificate)
}

// review7Issue issues serial into certFile and keyFile (modified at mod),
// again until the certificate file is want bytes long (0: any length): an
// ECDSA signature varies by a byte or two.
func review7Issue(t *testing.T, ca *testCA, serial int64, certFile, keyFile string, mod time.Time, want int64) {
	t.Helper()
	for range 200 {
		ca.issue(t, serial, certFile, keyFile, mod)
		fi, err := os.Stat(certFile)
		if err != nil {
			t.Fatal(err)
		}
		if want == 0 || fi.Size() == want {
			return
		}
	}
	t.Fatalf("no certificate of %d bytes", want)
}

// review7Secret lays out a pair as a Kubernetes secret volume does:
// dir/tls.crt -> ..data/tls.crt, dir/..data -> ..gen (a directory), and
// returns a function that publishes a new generation atomically (the
// ..data symlink renamed over), issuing serial with its files modified at
// mod and of the sizes of the generation before when same.
func review7Secret(t *testing.T, ca *testCA, serial int64, mod time.Time) (certFile, keyFile string, publish func(serial int64, mod time.Time, sameSize bool)) {
	dir := t.TempDir()
	gen := 0
	var size int64
	publish = func(serial int64, mod time.Time, sameSize bool) {
		t.Helper()
		gen++
		g := filepath.Join(dir, "..gen"+string(rune('0'+gen)))
		if err := os.Mkdir(g, 0o755); err != nil {
			t.Fatal(err)
		}
		want := int64(0)
		if sameSize {
			want = size
		}
		review7Issue(t, ca, serial, filepath.Join(g, "tls.crt"), filepath.Join(g, "tls.key"), mod, want)
		fi, err := os.Stat(filepath.Join(g, "tls.crt"))
		if err != nil {
			t.Fatal(err)
		}
		size = fi.Size()
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(filepath.Base(g), tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	publish(serial, mod, false)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	for _, f := range []string{"tls.crt", "tls.key"} {
		if err := os.Symlink(filepath.Join("..data", f), filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, publish
}

// TestReview7CertReloadK8sSecret: a Kubernetes-style secret volume, whose
// renewal swaps the ..data symlink to a directory of new files, is
// reloaded (the new files have a new modification time).
func TestReview7CertReloadK8sSecret(t *testing.T) {
	ca := newTestCA(t)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	certFile, keyFile, publish := review7Secret(t, ca, 1, t0)
	c, err := loadCertFiles(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	publish(2, t0.Add(time.Minute), false)
	if got, _ := review7Serial(t, c); got != 2 {
		t.Fatalf("after the ..data swap: serial %d, want 2", got)
	}
}

// TestReview7CertReloadSameStamp: a renewal published by swapping the
// ..data symlink (or renaming new files over the old ones) whose files
// have the sizes and modification times of the pair before is never
// loaded: the stamp is size and mtime only, though the files are other
// files (other inodes). Same sizes are common (same key type and CA); same
// mtimes come from tools that keep them (cp -p, rsync -a, tar, ConfigMap
// or image builds with SOURCE_DATE_EPOCH, the Nix store's mtime of 1).
func TestReview7CertReloadSameStamp(t *testing.T) {
	ca := newTestCA(t)
	t0 := time.Unix(1, 0) // as in the Nix store
	certFile, keyFile, publish := review7Secret(t, ca, 1, t0)
	c, err := loadCertFiles(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	publish(2, t0, true)
	if got, _ := review7Serial(t, c); got != 2 {
		t.Fatalf("after the ..data swap to other files of the same size and mtime: still serving serial %d, want 2", got)
	}
}

// TestReview7CertReloadOrders: a renewal written key first or certificate
// first, or with a modification time earlier than the pair's, is loaded
// once both files are written; the half-written state keeps the old pair
// and warns once.
func TestReview7CertReloadOrders(t *testing.T) {
	for _, order := range []string{"key first", "cert first", "mtime backwards"} {
		t.Run(order, func(t *testing.T) {
			ca, certFile, keyFile, t0 := issuedPair(t, 1)
			var logs bytes.Buffer
			c, err := loadCertFiles(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			nc, nk := filepath.Join(dir, "c"), filepath.Join(dir, "k")
			mod := t0.Add(time.Minute)
			if order == "mtime backwards" {
				mod = t0.Add(-time.Hour)
			}
			ca.issue(t, 2, nc, nk, mod)
			first, second := [2]string{nk, keyFile}, [2]string{nc, certFile}
			if order != "key first" {
				first, second = second, first
			}
			if err := os.Rename(first[0], first[1]); err != nil {
				t.Fatal(err)
			}
			if order != "mtime backwards" {
				for range 3 {
					if got, _ := review7Serial(t, c); got != 1 {
						t.Fatalf("half renewed: serial %d, want 1", got)
					}
				}
			}
			if err := os.Rename(second[0], second[1]); err != nil {
				t.Fatal(err)
			}
			if got, _ := review7Serial(t, c); got != 2 {
				t.Fatalf("renewed: serial %d, want 2", got)
			}
			want := 1
			if order == "mtime backwards" {
				want = 0
			}
			if n := strings.Count(logs.String(), "level=WARN"); n != want {
				t.Errorf("%d warnings, want %d:\n%s", n, want, &logs)
			}
		})
	}
}

// TestReview7CertChain: a certificate file holding the leaf and its CA
// serves both.
func TestReview7CertChain(t *testing.T) {
	ca, certFile, keyFile, _ := issuedPair(t, 1)
	b, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})...)
	writeFile(t, certFile, string(b))
	c, err := loadCertFiles(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if got, n := review7Serial(t, c); got != 1 || n != 2 {
		t.Fatalf("serial %d, chain of %d; want 1 and 2", got, n)
	}
}

// TestReview7CertConcurrent: handshakes (GetCertificate calls) from many
// goroutines while the pair is renewed over and over, run with -race:
// each gets a whole pair, the last one once renewing stops.
func TestReview7CertConcurrent(t *testing.T) {
	ca, certFile, keyFile, t0 := issuedPair(t, 1)
	c, err := loadCertFiles(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				cert, err := c.get(nil)
				if err != nil || cert == nil || cert.PrivateKey == nil || len(cert.Certificate) == 0 {
					t.Errorf("get: %v, %v", cert, err)
					return
				}
			}
		})
	}
	dir := t.TempDir()
	for i := int64(2); i <= 20; i++ {
		nc, nk := filepath.Join(dir, "c"), filepath.Join(dir, "k")
		ca.issue(t, i, nc, nk, t0.Add(time.Duration(i)*time.Second))
		if err := os.Rename(nk, keyFile); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(nc, certFile); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if got, _ := review7Serial(t, c); got != 20 {
		t.Fatalf("serial %d, want 20", got)
	}
}

// TestReview7CertErrorsLeakNoKey: the errors of a pair that cannot be
// loaded (at start, or logged at a renewal) never quote the key file's
// contents: a mismatched key, the files swapped, a key that is no PEM.
func TestReview7CertErrorsLeakNoKey(t *testing.T) {
	ca, certFile, keyFile, _ := issuedPair(t, 1)
	dir := t.TempDir()
	otherCert, otherKey := filepath.Join(dir, "o.crt"), filepath.Join(dir, "o.key")
	ca.issue(t, 2, otherCert, otherKey, time.Now())
	kb, err := os.ReadFile(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Split(string(kb), "\n")[1] // a line of the key's base64
	garbage := filepath.Join(dir, "garbage.key")
	writeFile(t, garbage, "s3cr3t-key-material-"+body)
	for _, p := range [][2]string{{certFile, otherKey}, {otherKey, otherKey}, {otherKey, certFile}, {certFile, garbage}} {
		_, err := loadCertFiles(p[0], p[1], slog.New(slog.DiscardHandler))
		if err == nil {
			t.Fatalf("%v loaded", p)
		}
		if strings.Contains(err.Error(), body[:16]) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("loading %v: %v quotes the key", p, err)
		}
	}
	var logs bytes.Buffer
	c, err := loadCertFiles(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, keyFile, "s3cr3t-key-material-"+body)
	c.get(nil)
	if !strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), body[:16]) || strings.Contains(logs.String(), "s3cr3t") {
		t.Errorf("renewal warning quotes the key or is missing:\n%s", &logs)
	}
}
