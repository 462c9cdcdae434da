package gateway

import (
	"errors"
	"strings"
)

var errBadURI = errors.New("invalid request URI")

// ParseRequestTarget splits a request target into the normalised path and
// the query string, as nginx's ngx_http_parse_complex_uri does: the
// absolute form loses its scheme and authority (returned as host), %XX
// escapes are decoded, "." and ".." segments resolved (".." above the root
// is an error), and runs of slashes merged when mergeSlashes is on.
func ParseRequestTarget(target string, mergeSlashes bool) (path, args, host string, err error) {
	if target == "" {
		return "", "", "", errBadURI
	}
	if target[0] != '/' {
		if target == "*" {
			return "", "", "", errBadURI
		}
		i := strings.Index(target, "://")
		if i <= 0 {
			return "", "", "", errBadURI
		}
		rest := target[i+3:]
		j := strings.IndexAny(rest, "/?")
		if j < 0 {
			host, target = rest, "/"
		} else {
			host, target = rest[:j], rest[j:]
			if target[0] == '?' {
				target = "/" + target
			}
		}
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
	}
	// a fragment is not part of the request, in the path or the args
	if h := strings.IndexByte(target, '#'); h >= 0 {
		target = target[:h]
	}
	raw := target
	if q := strings.IndexByte(target, '?'); q >= 0 {
		raw, args = target[:q], target[q+1:]
	}
	path, err = NormalizePath(raw, mergeSlashes)
	return path, args, host, err
}

// NormalizePath decodes and normalises an absolute URI path.
func NormalizePath(raw string, mergeSlashes bool) (string, error) {
	simple := true
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		if b == '%' || b == '.' || (b == '/' && i > 0 && raw[i-1] == '/') || b == 0 || b == '\\' {
			simple = false
			break
		}
	}
	if simple {
		return raw, nil
	}
	dec := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		if b == '%' {
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return "", errBadURI
			}
			b = unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
			if b == 0 {
				return "", errBadURI
			}
		} else if b == 0 {
			return "", errBadURI
		}
		dec = append(dec, b)
	}
	// resolve segments
	out := make([]byte, 0, len(dec))
	for i := 0; i < len(dec); {
		if dec[i] != '/' {
			out = append(out, dec[i])
			i++
			continue
		}
		// at a slash: look at the following segment
		j := i + 1
		if mergeSlashes {
			for j < len(dec) && dec[j] == '/' {
				j++
			}
		}
		seg := j
		for seg < len(dec) && dec[seg] != '/' {
			seg++
		}
		name := string(dec[j:seg])
		switch name {
		case ".":
			if seg == len(dec) {
				out = append(out, '/')
			}
			i = seg
			continue
		case "..":
			k := len(out) - 1
			for k >= 0 && out[k] != '/' {
				k--
			}
			if k < 0 {
				return "", errBadURI
			}
			out = out[:k]
			if seg == len(dec) {
				out = append(out, '/')
			}
			if len(out) == 0 && seg < len(dec) {
				// "/a/../" keeps the root
			}
			i = seg
			continue
		}
		out = append(out, '/')
		if !mergeSlashes {
			i++
			continue
		}
		i = j
	}
	if len(out) == 0 {
		out = append(out, '/')
	}
	return string(out), nil
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

func unhex(b byte) byte {
	switch {
	case b >= '0' && b <= '9':
		return b - '0'
	case b >= 'a' && b <= 'f':
		return b - 'a' + 10
	}
	return b - 'A' + 10
}

// ValidateHost checks and normalises a Host value as nginx does: lower
// case, port and a trailing dot removed; "" when the host is invalid.
func ValidateHost(h string) (string, bool) {
	const (
		hostStart = iota
		hostName
		hostIPLiteral
		hostEnd
		hostPort
	)
	state := hostStart
	dotPos, hostLen, port := -2, len(h), 0
	for i := 0; i < len(h); i++ {
		ch := h[i]
		switch state {
		case hostStart, hostName:
			if state == hostStart && ch == '[' {
				state = hostIPLiteral
				continue
			}
			state = hostName
			switch {
			case hostChar(ch):
			case ch == ':':
				hostLen, state = i, hostPort
			case ch == '.':
				if dotPos == i-1 {
					return "", false
				}
				dotPos = i
			default:
				return "", false
			}
		case hostIPLiteral:
			switch {
			case hostChar(ch) && ch != '%', ch == ':':
			case ch == ']':
				hostLen, state = i+1, hostEnd
			case ch == '.':
				if dotPos == i-1 {
					return "", false
				}
				dotPos = i
			default:
				return "", false
			}
		case hostEnd:
			if ch != ':' {
				return "", false
			}
			state = hostPort
		case hostPort:
			if ch < '0' || ch > '9' {
				return "", false
			}
			port = port*10 + int(ch-'0')
			if port > 65535 {
				return "", false
			}
		}
	}
	if state == hostIPLiteral {
		return "", false
	}
	if dotPos == hostLen-1 {
		hostLen--
	}
	if hostLen <= 0 {
		return "", false
	}
	return strings.ToLower(h[:hostLen]), true
}

// hostChar reports the characters RFC 3986 allows in a host name:
// unreserved, sub-delims and '%' of pct-encoding.
func hostChar(ch byte) bool { return hostChars[ch] }

// hostChars is hostChar's table: it runs for every byte of every Host.
var hostChars = func() (t [256]bool) {
	for ch := 0; ch < 256; ch++ {
		t[ch] = 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' ||
			strings.IndexByte("-_~!$&'()*+,;=%", byte(ch)) >= 0
	}
	return t
}()
