package conf

import "fmt"

// The outcomes of reading one directive, as nginx's ngx_conf_read_token.
const (
	tokDirective  = iota // words ended by ";"
	tokBlockStart        // words ended by "{"
	tokBlockDone         // "}"
	tokEOF               // end of input
)

// confBuffer is nginx's NGX_CONF_BUFFER: a single parameter (or comment)
// may not be this long.
const confBuffer = 4096

// lexer splits configuration text into directives exactly as nginx does:
// whitespace separates words, "#" starts a comment at a word boundary,
// '...' and "..." quote a whole word, a backslash escapes the next
// character, "${" does not open a block, and a quoted word must be
// followed by a space, ";", "{" or ")".
type lexer struct {
	src  []byte
	pos  int
	line int
	file string // commandLine for -g text
}

func newLexer(file string, src []byte) *lexer {
	lx := &lexer{src: src, line: 1, file: file}
	if file == commandLine {
		lx.line = 0
	}
	return lx
}

func (lx *lexer) errorf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...), File: lx.file, Line: lx.line}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// read returns the next directive's words, which of them were quoted, and
// how the directive ended.
func (lx *lexer) read() (kind int, words []string, quoted []bool, err error) {
	var (
		needSpace, sharpComment, variable bool
		escaped, sQuoted, dQuoted         bool
		lastSpace                         = true
		start                             = lx.pos
		startLine                         = lx.line
		wordQuoted                        bool
	)
	param := lx.file == commandLine
	for {
		if lx.pos >= len(lx.src) {
			if len(words) > 0 || !lastSpace {
				if param {
					return 0, nil, nil, lx.errorf("unexpected end of parameter, expecting \";\"")
				}
				return 0, nil, nil, lx.errorf("unexpected end of file, expecting \";\" or \"}\"")
			}
			return tokEOF, nil, nil, nil
		}
		if lx.pos-start >= confBuffer {
			lx.line = startLine
			switch {
			case dQuoted:
				return 0, nil, nil, lx.errorf("too long parameter, probably missing terminating \"%c\" character", '"')
			case sQuoted:
				return 0, nil, nil, lx.errorf("too long parameter, probably missing terminating \"%c\" character", '\'')
			}
			return 0, nil, nil, lx.errorf("too long parameter \"%s...\" started", lx.src[start:start+10])
		}

		ch := lx.src[lx.pos]
		lx.pos++
		if ch == '\n' {
			lx.line++
			sharpComment = false
		}
		if sharpComment {
			continue
		}
		if escaped {
			escaped = false
			continue
		}
		if needSpace {
			switch {
			case isSpace(ch):
				lastSpace, needSpace = true, false
				continue
			case ch == ';':
				return tokDirective, words, quoted, nil
			case ch == '{':
				return tokBlockStart, words, quoted, nil
			case ch == ')':
				// "if ($a = "x")": the parenthesis starts a word of its own.
				lastSpace, needSpace = true, false
			default:
				return 0, nil, nil, lx.errorf("unexpected \"%c\"", ch)
			}
		}

		if lastSpace {
			start = lx.pos - 1
			startLine = lx.line
			if isSpace(ch) {
				continue
			}
			wordQuoted = false
			switch ch {
			case ';', '{':
				if len(words) == 0 {
					return 0, nil, nil, lx.errorf("unexpected \"%c\"", ch)
				}
				if ch == '{' {
					return tokBlockStart, words, quoted, nil
				}
				return tokDirective, words, quoted, nil
			case '}':
				if len(words) != 0 {
					return 0, nil, nil, lx.errorf("unexpected \"}\"")
				}
				return tokBlockDone, nil, nil, nil
			case '#':
				sharpComment = true
				continue
			case '\\':
				escaped = true
				lastSpace = false
				continue
			case '"':
				start++
				dQuoted, wordQuoted = true, true
				lastSpace = false
				continue
			case '\'':
				start++
				sQuoted, wordQuoted = true, true
				lastSpace = false
				continue
			case '$':
				variable = true
				lastSpace = false
				continue
			default:
				lastSpace = false
			}
			continue
		}

		if ch == '{' && variable {
			continue
		}
		variable = false
		if ch == '\\' {
			escaped = true
			continue
		}
		if ch == '$' {
			variable = true
			continue
		}
		found := false
		switch {
		case dQuoted:
			if ch == '"' {
				dQuoted, needSpace, found = false, true, true
			}
		case sQuoted:
			if ch == '\'' {
				sQuoted, needSpace, found = false, true, true
			}
		case isSpace(ch) || ch == ';' || ch == '{':
			lastSpace, found = true, true
		}
		if !found {
			continue
		}
		words = append(words, unescape(lx.src[start:lx.pos-1]))
		quoted = append(quoted, wordQuoted)
		if ch == ';' {
			return tokDirective, words, quoted, nil
		}
		if ch == '{' {
			return tokBlockStart, words, quoted, nil
		}
	}
}

// unescape applies nginx's escapes: \" \' \\ become the character, \t \r
// \n the control characters; any other backslash stays as written.
func unescape(s []byte) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '"', '\'', '\\':
				i++
			case 't':
				out = append(out, '\t')
				i += 2
				continue
			case 'r':
				out = append(out, '\r')
				i += 2
				continue
			case 'n':
				out = append(out, '\n')
				i += 2
				continue
			}
		}
		out = append(out, s[i])
		i++
	}
	return string(out)
}

// readCode reads the body of a code block (content_by_lua_block { ... })
// up to its closing brace, which it consumes, and returns the text in
// between verbatim. It knows Lua's strings, long brackets and comments,
// as OpenResty's block reader does, so braces inside them do not count.
func (lx *lexer) readCode() (string, error) {
	start := lx.pos
	depth := 0
	src := lx.src
	for lx.pos < len(src) {
		ch := src[lx.pos]
		switch {
		case ch == '\n':
			lx.line++
			lx.pos++
		case ch == '{':
			depth++
			lx.pos++
		case ch == '}':
			if depth == 0 {
				code := string(src[start:lx.pos])
				lx.pos++
				return code, nil
			}
			depth--
			lx.pos++
		case ch == '"' || ch == '\'':
			lx.pos++
			for lx.pos < len(src) && src[lx.pos] != ch {
				if src[lx.pos] == '\\' {
					lx.pos++
				}
				if lx.pos < len(src) && src[lx.pos] == '\n' {
					lx.line++
				}
				lx.pos++
			}
			if lx.pos >= len(src) {
				return "", lx.errorf("unexpected end of file, expecting terminating characters for lua code block")
			}
			lx.pos++
		case ch == '[' && longBracket(src[lx.pos:]) >= 0:
			if err := lx.skipLong(longBracket(src[lx.pos:])); err != nil {
				return "", err
			}
		case ch == '-' && lx.pos+1 < len(src) && src[lx.pos+1] == '-':
			lx.pos += 2
			if lx.pos < len(src) && src[lx.pos] == '[' && longBracket(src[lx.pos:]) >= 0 {
				if err := lx.skipLong(longBracket(src[lx.pos:])); err != nil {
					return "", err
				}
				continue
			}
			for lx.pos < len(src) && src[lx.pos] != '\n' {
				lx.pos++
			}
		default:
			lx.pos++
		}
	}
	return "", lx.errorf("unexpected end of file, expecting \"}\"")
}

// longBracket returns the level of a Lua long bracket "[==[" at the start
// of s, or -1.
func longBracket(s []byte) int {
	if len(s) < 2 || s[0] != '[' {
		return -1
	}
	i := 1
	for i < len(s) && s[i] == '=' {
		i++
	}
	if i < len(s) && s[i] == '[' {
		return i - 1
	}
	return -1
}

// skipLong moves past a long string or comment of the given level.
func (lx *lexer) skipLong(level int) error {
	lx.pos += level + 2
	for lx.pos < len(lx.src) {
		ch := lx.src[lx.pos]
		if ch == '\n' {
			lx.line++
		}
		if ch == ']' {
			j := lx.pos + 1
			for j < len(lx.src) && lx.src[j] == '=' {
				j++
			}
			if j < len(lx.src) && lx.src[j] == ']' && j-lx.pos-1 == level {
				lx.pos = j + 1
				return nil
			}
		}
		lx.pos++
	}
	return lx.errorf("unexpected end of file, expecting terminating characters for lua code block")
}
