package authbasic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
)

// Crypt hashes password the way the stored hash (or just its salt part)
// says, as nginx's ngx_crypt does for htpasswd files:
//
//   - "$apr1$salt$..."  Apache's MD5 (htpasswd -m)
//   - "{PLAIN}text"      the password in clear
//   - "{SHA}base64"      SHA-1 (htpasswd -s)
//   - "{SSHA}base64"     salted SHA-1 (LDAP)
//
// and, where nginx hands over to the C library's crypt(3), the methods of
// Linux's libxcrypt that need no outside code:
//
//   - "$1$salt$..."      MD5-crypt
//   - "$5$..." "$6$..."  SHA-256-crypt and SHA-512-crypt, with "rounds=N$"
//   - "saHHHHHHHHHHH"    traditional DES (and bigcrypt for longer hashes)
//   - "_CCCCSSSS..."     BSDi extended DES
//
// ok is false when salt names no supported method or is malformed, where
// crypt(3) returns its failure token: no password matches it then.
// bcrypt ("$2y$") and yescrypt ("$y$") are not supported.
//
// As in C, password and salt end at their first NUL byte.
func Crypt(password, salt string) (hashed string, ok bool) {
	password = cString(password)
	salt = cString(salt)
	switch {
	case strings.HasPrefix(salt, "$apr1$"):
		return md5Crypt(password, salt[len("$apr1$"):], "$apr1$"), true
	case strings.HasPrefix(salt, "{PLAIN}"):
		return "{PLAIN}" + password, true
	case strings.HasPrefix(salt, "{SSHA}"):
		return sshaCrypt(password, salt[len("{SSHA}"):]), true
	case strings.HasPrefix(salt, "{SHA}"):
		sum := sha1.Sum([]byte(password))
		return "{SHA}" + base64.StdEncoding.EncodeToString(sum[:]), true
	}
	return libcCrypt(password, salt)
}

// Verify reports whether password matches a stored hash.
func Verify(password, stored string) bool {
	h, ok := Crypt(password, stored)
	return ok && subtle.ConstantTimeCompare([]byte(h), []byte(cString(stored))) == 1
}

func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// maxPassphrase is libxcrypt's CRYPT_MAX_PASSPHRASE_SIZE: longer
// passwords fail.
const maxPassphrase = 512

// libcCrypt is the part of libxcrypt's crypt(3) that Linux builds of
// nginx reach.
func libcCrypt(phrase, setting string) (string, bool) {
	if len(phrase) >= maxPassphrase || badSettingChars(setting) {
		return "", false
	}
	switch {
	case strings.HasPrefix(setting, "$1$"):
		return md5Crypt(phrase, setting[3:], "$1$"), true
	case strings.HasPrefix(setting, "$5$"):
		return shaCrypt(phrase, setting[3:], false)
	case strings.HasPrefix(setting, "$6$"):
		return shaCrypt(phrase, setting[3:], true)
	case strings.HasPrefix(setting, "_"):
		return bsdiCrypt(phrase, setting)
	}
	return desCrypt(phrase, setting)
}

// badSettingChars is libxcrypt's check: a setting holds printable ASCII
// only, without space and the delimiters of passwd(5) and shadow(5).
func badSettingChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '!' || c == '*' || c == ':' || c == ';' || c == '\\' {
			return true
		}
	}
	return false
}

// cryptSalt is the salt of an MD5- or SHA-crypt setting: up to the next
// '$', at most max characters.
func cryptSalt(s string, max int) string {
	if i := strings.IndexByte(s, '$'); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		s = s[:max]
	}
	return s
}

// md5Crypt is Poul-Henning Kamp's MD5-based crypt, with magic "$1$" or
// Apache's "$apr1$".
func md5Crypt(key, salt, magic string) string {
	salt = cryptSalt(salt, 8)
	k, s := []byte(key), []byte(salt)

	alt := md5.New()
	alt.Write(k)
	alt.Write(s)
	alt.Write(k)
	final := alt.Sum(nil)

	h := md5.New()
	h.Write(k)
	h.Write([]byte(magic))
	h.Write(s)
	for n := len(k); n > 0; n -= 16 {
		h.Write(final[:min(n, 16)])
	}
	for i := len(k); i > 0; i >>= 1 {
		if i&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write(k[:1])
		}
	}
	final = h.Sum(final[:0])

	for i := 0; i < 1000; i++ {
		h.Reset()
		if i&1 != 0 {
			h.Write(k)
		} else {
			h.Write(final)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(k)
		}
		if i&1 != 0 {
			h.Write(final)
		} else {
			h.Write(k)
		}
		final = h.Sum(final[:0])
	}

	out := make([]byte, 0, len(magic)+len(salt)+1+22)
	out = append(out, magic...)
	out = append(out, salt...)
	out = append(out, '$')
	out = to64(out, uint32(final[0])<<16|uint32(final[6])<<8|uint32(final[12]), 4)
	out = to64(out, uint32(final[1])<<16|uint32(final[7])<<8|uint32(final[13]), 4)
	out = to64(out, uint32(final[2])<<16|uint32(final[8])<<8|uint32(final[14]), 4)
	out = to64(out, uint32(final[3])<<16|uint32(final[9])<<8|uint32(final[15]), 4)
	out = to64(out, uint32(final[4])<<16|uint32(final[10])<<8|uint32(final[5]), 4)
	out = to64(out, uint32(final[11]), 2)
	return string(out)
}

// to64 appends n characters of v, lowest 6 bits first.
func to64(out []byte, v uint32, n int) []byte {
	for ; n > 0; n-- {
		out = append(out, ascii64[v&0x3f])
		v >>= 6
	}
	return out
}

// sshaCrypt is "{SSHA}" base64(SHA1(password salt) salt), the salt being
// what follows the 20-byte digest in the stored value. A stored value
// that does not decode gives an empty salt (and so a mismatch), as nginx.
func sshaCrypt(key, stored string) string {
	if i := strings.IndexByte(stored, '='); i >= 0 {
		stored = stored[:i]
	}
	var salt []byte
	if dec, err := base64.RawStdEncoding.DecodeString(stored); err == nil && len(dec) >= sha1.Size {
		salt = dec[sha1.Size:]
	}
	h := sha1.New()
	h.Write([]byte(key))
	h.Write(salt)
	sum := h.Sum(nil)
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(sum, salt...))
}

// SHA-crypt limits, as libxcrypt enforces them.
const (
	shaRoundsDefault = 5000
	shaRoundsMin     = 1000
	shaRoundsMax     = 999999999
	shaSaltMax       = 16
)

// shaCrypt is Ulrich Drepper's SHA-256/SHA-512 crypt. setting is what
// follows "$5$" or "$6$": an optional "rounds=N$", then the salt.
func shaCrypt(key, setting string, is512 bool) (string, bool) {
	magic, newHash := "$5$", sha256.New
	if is512 {
		magic, newHash = "$6$", sha512.New
	}
	rounds, custom := shaRoundsDefault, false
	if rest, ok := strings.CutPrefix(setting, "rounds="); ok {
		// libxcrypt takes no leading zeros, and no count out of range.
		end := strings.IndexByte(rest, '$')
		if end <= 0 || rest[0] < '1' || rest[0] > '9' || end > 9 {
			return "", false
		}
		n, err := strconv.Atoi(rest[:end])
		if err != nil || n < shaRoundsMin || n > shaRoundsMax {
			return "", false
		}
		rounds, custom, setting = n, true, rest[end+1:]
	}
	salt := cryptSalt(setting, shaSaltMax)
	k, s := []byte(key), []byte(salt)

	h := newHash()
	h.Write(k)
	h.Write(s)
	h.Write(k)
	b := h.Sum(nil)

	h.Reset()
	h.Write(k)
	h.Write(s)
	writeRepeated(h, b, len(k))
	for n := len(k); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write(b)
		} else {
			h.Write(k)
		}
	}
	a := h.Sum(nil)

	h.Reset()
	for range k {
		h.Write(k)
	}
	p := repeatTo(h.Sum(nil), len(k))

	h.Reset()
	for i := 0; i < 16+int(a[0]); i++ {
		h.Write(s)
	}
	ss := repeatTo(h.Sum(nil), len(s))

	c := a
	for i := 0; i < rounds; i++ {
		h.Reset()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(ss)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(c[:0])
	}

	out := make([]byte, 0, 3+len("rounds=999999999$")+len(salt)+1+86)
	out = append(out, magic...)
	if custom {
		out = append(out, "rounds="...)
		out = strconv.AppendInt(out, int64(rounds), 10)
		out = append(out, '$')
	}
	out = append(out, salt...)
	out = append(out, '$')
	if is512 {
		// 21 groups of three bytes i, i+21, i+42, rotated by i%3.
		for i := 0; i < 21; i++ {
			x := [3]byte{c[i], c[i+21], c[i+42]}
			r := i % 3
			out = to64(out, uint32(x[r])<<16|uint32(x[(r+1)%3])<<8|uint32(x[(r+2)%3]), 4)
		}
		out = to64(out, uint32(c[63]), 2)
	} else {
		// 10 groups of three bytes i, i+10, i+20, rotated by i%3 the
		// other way.
		for i := 0; i < 10; i++ {
			x := [3]byte{c[i], c[i+10], c[i+20]}
			r := (3 - i%3) % 3
			out = to64(out, uint32(x[r])<<16|uint32(x[(r+1)%3])<<8|uint32(x[(r+2)%3]), 4)
		}
		out = to64(out, uint32(c[31])<<8|uint32(c[30]), 3)
	}
	return string(out), true
}

// writeRepeated writes n bytes of b repeated.
func writeRepeated(h hash.Hash, b []byte, n int) {
	for ; n > len(b); n -= len(b) {
		h.Write(b)
	}
	h.Write(b[:n])
}

// repeatTo returns n bytes of b repeated.
func repeatTo(b []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, b[:min(len(b), n-len(out))]...)
	}
	return out
}
