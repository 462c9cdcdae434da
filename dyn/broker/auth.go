package broker

import (
	"bufio"
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// passwordHash is one mosquitto_passwd entry: "$6$salt$hash" (salted
// SHA-512) or "$7$iterations$salt$hash" (PBKDF2-HMAC-SHA512).
type passwordHash struct {
	kind       int
	iterations int
	salt, hash []byte
}

func (p passwordHash) check(password []byte) bool {
	var sum []byte
	switch p.kind {
	case 6:
		h := sha512.New()
		h.Write(password)
		h.Write(p.salt)
		sum = h.Sum(nil)
	case 7:
		var err error
		sum, err = pbkdf2.Key(sha512.New, string(password), p.salt, p.iterations, len(p.hash))
		if err != nil {
			return false
		}
	}
	return subtle.ConstantTimeCompare(sum, p.hash) == 1
}

// loadPasswordFile reads a Mosquitto password file ("user:hash" lines).
func loadPasswordFile(path string) (map[string]passwordHash, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("Error: Unable to open pwfile \"%s\": %w", path, err)
	}
	users := map[string]passwordHash{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("Error: Invalid line in password file %s:%d", path, n)
		}
		ph, err := parsePasswordHash(hash)
		if err != nil {
			return nil, fmt.Errorf("Error: Unable to decode password for user %s, %v (%s:%d)", user, err, path, n)
		}
		users[user] = ph
	}
	return users, nil
}

func parsePasswordHash(s string) (passwordHash, error) {
	parts := strings.Split(s, "$")
	// "$6$salt$hash" splits to ["", "6", salt, hash].
	if len(parts) < 4 || parts[0] != "" {
		return passwordHash{}, fmt.Errorf("unknown hash format")
	}
	var p passwordHash
	switch {
	case parts[1] == "6" && len(parts) == 4:
		p.kind = 6
	case parts[1] == "7" && len(parts) == 5:
		p.kind = 7
		it, err := strconv.Atoi(parts[2])
		if err != nil || it <= 0 {
			return passwordHash{}, fmt.Errorf("invalid iteration count")
		}
		p.iterations = it
		parts = append(parts[:2], parts[3:]...)
	default:
		return passwordHash{}, fmt.Errorf("unknown hash format")
	}
	var err error
	if p.salt, err = base64.StdEncoding.DecodeString(parts[2]); err != nil {
		return passwordHash{}, fmt.Errorf("invalid salt")
	}
	if p.hash, err = base64.StdEncoding.DecodeString(parts[3]); err != nil || len(p.hash) == 0 {
		return passwordHash{}, fmt.Errorf("invalid hash")
	}
	return p, nil
}
