package njtapi

// OpenNJet reads the bodies of its declarative config APIs with jsmn, a
// tokenizer that only splits JSON into tokens, in strict mode and with
// OpenNJet's own "what came last" checks. Its quirks decide which bodies
// are refused and where an error is reported, so they are reproduced
// here: strings may hold raw control characters, primitives are not
// checked beyond their first byte ("tru" is a primitive), a NUL byte ends
// the input, and a comma counts as a colon for the checks that follow.

// tokType is a jsmn token type.
type tokType int

const (
	tokUndefined tokType = iota
	tokObject
	tokArray
	tokString
	tokPrimitive
)

func (t tokType) String() string {
	switch t {
	case tokObject:
		return "OBJECT"
	case tokArray:
		return "ARRAY"
	case tokString:
		return "STRING"
	case tokPrimitive:
		return "PRIMITIVE"
	}
	return "UNDEFINED"
}

// token is a jsmn token: a string token spans the text between its
// quotes; an object or array counts its keys or elements in size; a key
// has size 1 once its value was read.
type token struct {
	typ        tokType
	start, end int
	size       int
}

// What the tokenizer saw last; a comma is recorded as a colon, as
// OpenNJet's jsmn does.
const (
	lastUndefined = iota
	lastObjectStart
	lastArrayStart
	lastString
	lastPrimitive
	lastComma
	lastColon
	lastObjectEnd
	lastArrayEnd
)

// jsmn's results.
const (
	errInval = -2 // invalid character
	errPart  = -3 // more bytes expected
)

// tokenize splits js into tokens; n is the token count or an error code
// (errInval, errPart).
func tokenize(js []byte) (toks []token, n int) {
	pos, super, count := 0, -1, 0
	last, seenColon := lastUndefined, false
	for ; pos < len(js) && js[pos] != 0; pos++ {
		c := js[pos]
		switch c {
		case '{', '[':
			count++
			if super != -1 {
				// an object or array cannot be a key
				if toks[super].typ == tokObject {
					return nil, errInval
				}
				toks[super].size++
			}
			typ := tokObject
			if c == '[' {
				typ = tokArray
			}
			switch last {
			case lastObjectStart, lastArrayEnd, lastObjectEnd, lastString, lastPrimitive:
				return nil, errInval
			}
			last = lastObjectStart
			if c == '[' {
				last = lastArrayStart
			}
			seenColon = false
			toks = append(toks, token{typ: typ, start: pos, end: -1})
			super = len(toks) - 1
		case '}', ']':
			typ := tokObject
			if c == ']' {
				typ = tokArray
			}
			switch last {
			case lastColon, lastComma, lastUndefined:
				return nil, errInval
			}
			last = lastObjectEnd
			if c == ']' {
				last = lastArrayEnd
			}
			if last == lastArrayEnd && seenColon {
				return nil, errInval
			}
			seenColon = false
			i := len(toks) - 1
			for ; i >= 0; i-- {
				if t := &toks[i]; t.start != -1 && t.end == -1 {
					if t.typ != typ {
						return nil, errInval
					}
					super = -1
					t.end = pos + 1
					break
				}
			}
			if i == -1 {
				return nil, errInval
			}
			for ; i >= 0; i-- {
				if t := &toks[i]; t.start != -1 && t.end == -1 {
					super = i
					break
				}
			}
		case '"':
			start := pos
			pos++
			closed := false
			for ; pos < len(js) && js[pos] != 0; pos++ {
				ch := js[pos]
				if ch == '"' {
					toks = append(toks, token{typ: tokString, start: start + 1, end: pos})
					closed = true
					break
				}
				if ch == '\\' && pos+1 < len(js) {
					pos++
					switch js[pos] {
					case '"', '/', '\\', 'b', 'f', 'r', 'n', 't':
					case 'u':
						pos++
						for i := 0; i < 4 && pos < len(js) && js[pos] != 0; i++ {
							if !isHex(js[pos]) {
								return nil, errInval
							}
							pos++
						}
						pos--
					default:
						return nil, errInval
					}
				}
			}
			if !closed {
				return nil, errPart
			}
			switch last {
			case lastArrayEnd, lastObjectEnd, lastString, lastPrimitive, lastUndefined:
				return nil, errInval
			}
			last = lastString
			count++
			if super != -1 {
				toks[super].size++
			}
		case '\t', '\r', '\n', ' ':
		case ':':
			if last != lastString {
				return nil, errInval
			}
			last, seenColon = lastColon, true
			super = len(toks) - 1
		case ',':
			switch last {
			case lastArrayStart, lastObjectStart, lastColon, lastComma, lastUndefined:
				return nil, errInval
			}
			last = lastColon
			if super != -1 && toks[super].typ != tokArray && toks[super].typ != tokObject {
				for i := len(toks) - 1; i >= 0; i-- {
					if t := toks[i]; (t.typ == tokArray || t.typ == tokObject) && t.start != -1 && t.end == -1 {
						super = i
						break
					}
				}
			}
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 't', 'f', 'n':
			// primitives are values, never keys
			if super != -1 {
				if t := toks[super]; t.typ == tokObject || (t.typ == tokString && t.size != 0) {
					return nil, errInval
				}
			}
			switch last {
			case lastColon, lastComma, lastArrayStart:
			default:
				return nil, errInval
			}
			last = lastPrimitive
			start := pos
			found := false
			for ; pos < len(js) && js[pos] != 0; pos++ {
				ch := js[pos]
				if ch == '\t' || ch == '\r' || ch == '\n' || ch == ' ' || ch == ',' || ch == ']' || ch == '}' {
					found = true
					break
				}
				if ch < 32 || ch >= 127 {
					return nil, errInval
				}
			}
			if !found {
				// a primitive must be followed by a delimiter
				return nil, errPart
			}
			toks = append(toks, token{typ: tokPrimitive, start: start, end: pos})
			pos--
			count++
			if super != -1 {
				toks[super].size++
			}
		default:
			return nil, errInval
		}
	}
	for i := len(toks) - 1; i >= 0; i-- {
		if toks[i].start != -1 && toks[i].end == -1 {
			return nil, errPart
		}
	}
	return toks, count
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
