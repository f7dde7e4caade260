package flaghttp

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// browserOrigin returns u's origin as browsers serialize it in the Origin
// header (the WHATWG URL standard): scheme and host in lower case, an IP
// address in its canonical form (IPv4 dotted decimal, IPv6 compressed,
// lower case), the port in decimal without leading zeros and left out
// when empty or the scheme's default. An error: no browser sends an
// origin for u (a port beyond 65535, an address it cannot parse).
func browserOrigin(u *url.URL) (string, error) {
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	switch {
	case strings.HasPrefix(u.Host, "["):
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Errorf("origin %q: %q is no IPv6 address a browser accepts", u.String(), host)
		}
		host = "[" + ipv6String(a) + "]"
	case endsInNumber(host):
		a, ok := parseIPv4(host)
		if !ok {
			return "", fmt.Errorf("origin %q: %q is no IPv4 address a browser accepts", u.String(), host)
		}
		host = a
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return "", fmt.Errorf("origin %q: port %s is out of range", u.String(), port)
		}
		port = strconv.FormatUint(n, 10)
		if port == "443" && scheme == "https" || port == "80" && scheme == "http" {
			port = ""
		}
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// ipv6String is a's serialization in a URL: RFC 5952 compressed, with
// the last 32 bits in hex even for an IPv4-mapped address.
func ipv6String(a netip.Addr) string {
	if !a.Is4In6() {
		return a.String()
	}
	b := a.As16()
	return fmt.Sprintf("::ffff:%x:%x", uint16(b[12])<<8|uint16(b[13]), uint16(b[14])<<8|uint16(b[15]))
}

// endsInNumber reports whether browsers parse host as an IPv4 address:
// its last label (a trailing dot aside) is a decimal or 0x-hex number.
func endsInNumber(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if h, ok := strings.CutPrefix(last, "0x"); ok {
		last = h
		for i := 0; i < len(h); i++ {
			if !('0' <= h[i] && h[i] <= '9' || 'a' <= h[i] && h[i] <= 'f') {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return true
}

// parseIPv4 parses host as browsers parse an IPv4 host (1 to 4 parts,
// each decimal, 0x-hex or 0-led octal, the last filling the bytes left)
// and returns it in dotted decimal.
func parseIPv4(host string) (string, bool) {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) > 4 {
		return "", false
	}
	var v uint64
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		n := uint64(0)
		if p != "" {
			var err error
			if n, err = strconv.ParseUint(p, base, 32); err != nil {
				return "", false
			}
		}
		if i < len(parts)-1 {
			if n > 255 {
				return "", false
			}
			v = v<<8 | n
			continue
		}
		left := 4 - i
		if n >= 1<<(8*left) {
			return "", false
		}
		v = v<<(8*left) | n
	}
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&255, v>>8&255, v&255), true
}
