package gateway

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// endBytes is a cheap test run before a regex that can only match at the
// end of the subject, as most suffix locations do ("\.php$",
// "\.(?:png|jpe?g|gif)$"): the set of bytes such a match can end with.
// A URI whose last byte is not in the set cannot match, and Go's regexp
// engine, which scans the whole subject for an unanchored pattern, is
// not run for it.
type endBytes [4]uint64

func (e *endBytes) add(b byte)             { e[b>>6] |= 1 << (b & 63) }
func (e *endBytes) has(b byte) bool        { return e[b>>6]&(1<<(b&63)) != 0 }
func (e *endBytes) mayMatch(s string) bool { return len(s) > 0 && e.has(s[len(s)-1]) }

// endBytesOf returns the end set of re, or nil when re is not of that
// shape or the set cannot be told cheaply (non-ASCII endings, a last
// element that may be empty all the way back, any-character endings).
func endBytesOf(re *regexp.Regexp) *endBytes {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil
	}
	tree = tree.Simplify()
	if tree.Op != syntax.OpConcat || len(tree.Sub) < 2 || tree.Sub[len(tree.Sub)-1].Op != syntax.OpEndText {
		return nil
	}
	var set endBytes
	if !lastBytes(tree.Sub[:len(tree.Sub)-1], &set) {
		return nil
	}
	return &set
}

// lastBytes adds to set the bytes a match of the sequence seq can end
// with; false when it cannot tell, or when seq may match nothing.
// A false anywhere gives up on the whole regex, so what was added by
// then does not matter.
func lastBytes(seq []*syntax.Regexp, set *endBytes) bool {
	for i := len(seq) - 1; i >= 0; i-- {
		ok, mayBeEmpty := lastBytesOf(seq[i], set)
		if !ok {
			return false
		}
		if !mayBeEmpty {
			return true
		}
	}
	return false
}

// lastBytesOf adds the bytes a match of re can end with; mayBeEmpty is
// true when re can also match the empty string.
func lastBytesOf(re *syntax.Regexp, set *endBytes) (ok, mayBeEmpty bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return true, true
		}
		return addRune(set, re.Rune[len(re.Rune)-1], re.Flags&syntax.FoldCase != 0), false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi >= utf8.RuneSelf {
				return false, false
			}
			for r := lo; r <= hi; r++ {
				set.add(byte(r))
			}
		}
		return true, false
	case syntax.OpCapture:
		return lastBytesOf(re.Sub[0], set)
	case syntax.OpPlus:
		return lastBytesOf(re.Sub[0], set)
	case syntax.OpStar, syntax.OpQuest:
		ok, _ := lastBytesOf(re.Sub[0], set)
		return ok, true
	case syntax.OpRepeat:
		ok, empty := lastBytesOf(re.Sub[0], set)
		return ok, empty || re.Min == 0
	case syntax.OpConcat:
		// a nested sequence that may match nothing is given up on
		return lastBytes(re.Sub, set), false
	case syntax.OpAlternate:
		empty := false
		for _, sub := range re.Sub {
			ok, e := lastBytesOf(sub, set)
			if !ok {
				return false, false
			}
			empty = empty || e
		}
		return true, empty
	case syntax.OpEmptyMatch:
		return true, true
	}
	// any character, anchors and word boundaries inside: not worth it
	return false, false
}

// addRune adds the last byte of r's UTF-8 form, and of its other case
// when fold is set; only ASCII is handled.
func addRune(set *endBytes, r rune, fold bool) bool {
	if r >= utf8.RuneSelf {
		return false
	}
	set.add(byte(r))
	if fold {
		switch {
		case 'a' <= r && r <= 'z':
			set.add(byte(r - 'a' + 'A'))
		case 'A' <= r && r <= 'Z':
			set.add(byte(r - 'A' + 'a'))
		}
		// caseless k and s also match the Kelvin sign (U+212A) and the
		// long s (U+017F): their UTF-8 forms end in 0xAA and 0xBF
		switch r {
		case 'k', 'K':
			set.add(0xAA)
		case 's', 'S':
			set.add(0xBF)
		}
	}
	return true
}
