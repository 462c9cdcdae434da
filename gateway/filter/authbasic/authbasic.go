package authbasic

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
)

// Filter checks HTTP Basic credentials against an htpasswd file in the
// access phase. The file is read at every request, so edits apply at
// once; a request without valid credentials gets 401 with a
// "WWW-Authenticate: Basic realm=..." challenge. A Filter is immutable
// and safe for concurrent use.
type Filter struct {
	// Realm is the realm shown to the user; the value "off" (after
	// variables are expanded) switches the check off for the request.
	Realm *gateway.Template
	// UserFile is the htpasswd file: "user:hash" lines, '#' comments.
	UserFile *gateway.Template
	// Dir resolves relative user file names (the configuration
	// directory, as nginx does); "" leaves them relative to the working
	// directory.
	Dir string
}

// Handle runs the check.
func (f *Filter) Handle(c *gateway.Ctx) gateway.Result {
	realm := f.Realm.Eval(c)
	if realm == "off" {
		return gateway.Continue
	}
	user, pass, ok := Credentials(c)
	if !ok {
		c.Logf(gateway.LevelInfo, "no user/password was provided for basic authentication")
		return challenge(c, realm)
	}
	path := f.UserFile.Eval(c)
	if !strings.HasPrefix(path, "/") && f.Dir != "" {
		// nginx prepends the prefix as text, without cleaning the name.
		path = strings.TrimSuffix(f.Dir, "/") + "/" + path
	}
	hash, found, err := lookup(path, user)
	if err != nil {
		return fileError(c, err)
	}
	if !found {
		c.Logf(gateway.LevelError, "user \"%s\" was not found in \"%s\"", user, path)
		return challenge(c, realm)
	}
	if !Verify(pass, hash) {
		c.Logf(gateway.LevelError, "user \"%s\": password mismatch", user)
		return challenge(c, realm)
	}
	return gateway.Allow()
}

// proxyAuth reports whether the request authenticates to a forward proxy
// (CONNECT), which uses Proxy-Authorization and 407 instead.
func proxyAuth(c *gateway.Ctx) bool { return c.Method == "CONNECT" }

// Credentials returns the user and password of the request's Basic
// Authorization header (Proxy-Authorization for CONNECT), with nginx's
// rules: the scheme is case-insensitive, the user is everything before
// the first ':' and must not be empty.
func Credentials(c *gateway.Ctx) (user, password string, ok bool) {
	name := "Authorization"
	if proxyAuth(c) {
		name = "Proxy-Authorization"
	}
	v, ok := c.Req.Header.Lookup(name)
	if !ok {
		return "", "", false
	}
	return ParseBasic(v)
}

// ParseBasic decodes the value of a Basic Authorization header.
func ParseBasic(v string) (user, password string, ok bool) {
	const prefix = "Basic "
	if len(v) < len(prefix) || !strings.EqualFold(v[:len(prefix)], prefix) {
		return "", "", false
	}
	v = strings.TrimLeft(v[len(prefix):], " ")
	if v == "" {
		return "", "", false
	}
	dec, ok := decodeBase64(v)
	if !ok {
		return "", "", false
	}
	i := strings.IndexByte(dec, ':')
	if i <= 0 {
		return "", "", false
	}
	return dec[:i], dec[i+1:], true
}

// decodeBase64 decodes as nginx's ngx_decode_base64: the text up to the
// first '=', which must hold base64 characters only.
func decodeBase64(s string) (string, bool) {
	if i := strings.IndexByte(s, '='); i >= 0 {
		s = s[:i]
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", false // Go's decoder would skip them; nginx does not
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// challenge adds the Basic challenge and answers 401 (407 to CONNECT).
func challenge(c *gateway.Ctx, realm string) gateway.Result {
	v := "Basic realm=\"" + realm + "\""
	if proxyAuth(c) {
		c.RespHeader.Add("Proxy-Authenticate", v)
		return gateway.Status(407)
	}
	c.RespHeader.Add("WWW-Authenticate", v)
	return gateway.Status(401)
}

// fileError answers a user file that cannot be read: 403 when it does
// not exist, 500 otherwise, logged as nginx does.
func fileError(c *gateway.Ctx, err error) gateway.Result {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		c.Logf(gateway.LevelCrit, "%v", err)
		return gateway.Status(500)
	}
	msg := pe.Op + "() \"" + pe.Path + "\" failed (" + errnoText(pe.Err) + ")"
	if pe.Op == "open" && errors.Is(pe.Err, syscall.ENOENT) {
		c.Logf(gateway.LevelError, "%s", msg)
		return gateway.Status(403)
	}
	c.Logf(gateway.LevelCrit, "%s", msg)
	return gateway.Status(500)
}

// errnoText formats an OS error as nginx appends errno: "2: No such file
// or directory".
func errnoText(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	s := errno.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return strconv.Itoa(int(errno)) + ": " + s
}

// bufPool holds read buffers; they are cleared before going back, as
// nginx wipes its buffer, since they held password hashes.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}

// lookup finds user's hash in the htpasswd file at path. It scans the
// file as nginx's state machine does, so its corner cases match: lines
// starting with '#' or CR are skipped, a line matches when it begins with
// "user:", the hash ends at CR, LF or ':', and a line that is a proper
// prefix of "user:" also hides the line after it.
func lookup(path, user string) (hash string, found bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	bp := bufPool.Get().(*[]byte)
	buf := *bp
	defer func() {
		clear(buf)
		bufPool.Put(bp)
	}()

	const (
		stLogin = iota
		stPasswd
		stSkip
	)
	state, login := stLogin, 0
	var pw []byte // the hash being read, when it spans reads
	key := user + ":"
	for {
		n, rerr := f.Read(buf)
		chunk := buf[:n]
		start := 0 // where the hash starts in chunk
		for i := 0; i < len(chunk); i++ {
			b := chunk[i]
			switch state {
			case stLogin:
				if login == 0 {
					if b == '#' || b == '\r' {
						state = stSkip
						continue
					}
					if b == '\n' {
						continue
					}
				}
				if b != key[login] {
					state = stSkip
					continue
				}
				login++
				if login == len(key) {
					state, start = stPasswd, i+1
				}
			case stPasswd:
				if b == '\n' || b == '\r' || b == ':' {
					pw = append(pw, chunk[start:i]...)
					h := string(pw)
					clear(pw)
					return h, true, nil
				}
			case stSkip:
				j := bytes.IndexByte(chunk[i:], '\n')
				if j < 0 {
					i = len(chunk)
					continue
				}
				i += j
				state, login = stLogin, 0
			}
		}
		if state == stPasswd {
			pw = append(pw, chunk[start:]...)
		}
		if rerr == io.EOF || n == 0 && rerr == nil {
			break
		}
		if rerr != nil {
			return "", false, &fs.PathError{Op: "pread", Path: path, Err: unwrapPathErr(rerr)}
		}
	}
	if state == stPasswd {
		h := string(pw)
		clear(pw)
		return h, true, nil
	}
	return "", false, nil
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
