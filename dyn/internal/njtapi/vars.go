package njtapi

import (
	"strings"

	"github.com/gonjet/gonjet/dyn"
)

// UnknownVariable scans s for variable references ("$name", "${name}")
// the way OpenNJet checks a value before using it, and returns the first
// one has does not know; a lone "$", an unclosed "${" and "$" followed by
// no name are reported as "$", "{" and "null variable". ok is false when
// every variable is known.
func UnknownVariable(s string, has func(string) bool) (name string, bad bool) {
	for i := 0; i < len(s); {
		if s[i] != '$' {
			i++
			continue
		}
		i++
		if i == len(s) {
			return "$", true
		}
		bracket := false
		if s[i] == '{' {
			bracket = true
			i++
			if i == len(s) {
				return "{", true
			}
		}
		start := i
		for ; i < len(s); i++ {
			c := s[i]
			if c == '}' && bracket {
				name = s[start:i]
				i++
				bracket = false
				break
			}
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
				continue
			}
			break
		}
		if bracket {
			return "{", true
		}
		if name == "" {
			name = s[start:i]
		}
		if name == "" {
			return "null variable", true
		}
		if !has(name) {
			return name, true
		}
		name = ""
	}
	return "", false
}

// KnownVariable reports whether the configuration rt serves defines the
// variable name (or its family, "$http_...").
func KnownVariable(rt *dyn.Runtime) func(string) bool {
	cfg := rt.Current()
	return func(name string) bool {
		if cfg == nil || cfg.Vars == nil {
			return false
		}
		if isDigits(name) {
			return true // regex captures
		}
		return cfg.Vars.Has(name)
	}
}

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
