package proxy

// nameSet is a set of header field names with case-insensitive lookup,
// built at configuration time. Names are grouped by length, so a lookup
// compares against the few names of the same length and allocates
// nothing (nginx uses a hash for the same job).
type nameSet struct {
	byLen [64][]string
	long  []string
}

func (s *nameSet) add(name string) {
	if s.has(name) {
		return
	}
	if len(name) < len(s.byLen) {
		s.byLen[len(name)] = append(s.byLen[len(name)], name)
		return
	}
	s.long = append(s.long, name)
}

func (s *nameSet) remove(name string) {
	del := func(l []string) []string {
		out := l[:0]
		for _, n := range l {
			if !eqFold(n, name) {
				out = append(out, n)
			}
		}
		return out
	}
	if len(name) < len(s.byLen) {
		s.byLen[len(name)] = del(s.byLen[len(name)])
		return
	}
	s.long = del(s.long)
}

func (s *nameSet) has(name string) bool {
	l := s.long
	if len(name) < len(s.byLen) {
		l = s.byLen[len(name)]
	}
	for _, n := range l {
		if eqFold(n, name) {
			return true
		}
	}
	return false
}

// eqFold compares ASCII strings case-insensitively, header names being
// ASCII.
func eqFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s starts with prefix, case aside.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && eqFold(s[:len(prefix)], prefix)
}

// indexFold returns the index of the first case-insensitive occurrence of
// sub in s, or -1.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if eqFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
