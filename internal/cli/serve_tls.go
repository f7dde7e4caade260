package cli

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certFiles serves 'flaggen serve -tls-cert -tls-key': the certificate
// and key in two PEM files, read again at the next TLS handshake after
// either file changes (its size or modification time, or the file itself:
// a new file renamed over it, a symbolic link pointed at another, as a
// Kubernetes secret volume does), so that a renewed certificate needs no
// restart. A renewal that cannot be read (say, one
// file written and not yet the other) keeps the certificate in use, logs
// a warning once per change, and is tried again at the next handshake.
type certFiles struct {
	certFile, keyFile string
	log               *slog.Logger

	mu     sync.Mutex
	cert   *tls.Certificate
	stamp  [2]fileStamp // of the files cert was read from
	failed [2]fileStamp // of the files last seen unreadable: warned once
}

// fileStamp is what tells that a file changed. fi is the file's
// os.FileInfo, for os.SameFile: a renewal published as other files with
// the size and modification time of the old ones (tools that keep mtimes:
// cp -p, rsync -a, tar, builds with SOURCE_DATE_EPOCH) is another file.
type fileStamp struct {
	size int64
	mod  time.Time
	fi   os.FileInfo
}

// sameStamps reports whether a and b stamp the same files, unchanged.
func sameStamps(a, b [2]fileStamp) bool {
	for i := range a {
		if a[i].size != b[i].size || !a[i].mod.Equal(b[i].mod) || (a[i].fi == nil) != (b[i].fi == nil) ||
			a[i].fi != nil && !os.SameFile(a[i].fi, b[i].fi) {
			return false
		}
	}
	return true
}

// loadCertFiles reads the pair once, for serve to refuse to start on a
// missing, unreadable or mismatched pair, naming the options.
func loadCertFiles(certFile, keyFile string, log *slog.Logger) (*certFiles, error) {
	c := &certFiles{certFile: certFile, keyFile: keyFile, log: log}
	st, err := c.stamps()
	if err == nil {
		c.cert, err = c.read()
	}
	if err != nil {
		return nil, err
	}
	c.stamp = st
	return c, nil
}

// stamps returns the two files' stamps.
func (c *certFiles) stamps() ([2]fileStamp, error) {
	var st [2]fileStamp
	for i, f := range [2]struct{ opt, name string }{{"-tls-cert", c.certFile}, {"-tls-key", c.keyFile}} {
		fi, err := os.Stat(f.name)
		if err != nil {
			return st, fmt.Errorf("%s %s: %w", f.opt, f.name, err)
		}
		if !fi.Mode().IsRegular() {
			return st, fmt.Errorf("%s %s: not a regular file", f.opt, f.name)
		}
		st[i] = fileStamp{fi.Size(), fi.ModTime(), fi}
	}
	return st, nil
}

// read parses the pair.
func (c *certFiles) read() (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("-tls-cert %s, -tls-key %s: %w", c.certFile, c.keyFile, err)
	}
	return &cert, nil
}

// get is the tls.Config's GetCertificate: the pair as the files hold it
// now, else the one in use.
func (c *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.stamps()
	if err != nil || sameStamps(st, c.stamp) {
		if err != nil && !sameStamps(st, c.failed) {
			c.failed = st
			c.log.Warn("flaggen serve: TLS certificate files unreadable; serving the one read before", "err", err)
		}
		return c.cert, nil
	}
	cert, err := c.read()
	if err != nil {
		if !sameStamps(st, c.failed) {
			c.failed = st
			c.log.Warn("flaggen serve: new TLS certificate not loaded; serving the one read before", "err", err)
		}
		return c.cert, nil
	}
	c.cert, c.stamp, c.failed = cert, st, [2]fileStamp{}
	c.log.Info("flaggen serve: TLS certificate reloaded", "cert", c.certFile)
	return c.cert, nil
}

// tlsConfig is the server's TLS configuration: TLS 1.2 at least, the
// pair from c.
func (c *certFiles) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.get}
}
