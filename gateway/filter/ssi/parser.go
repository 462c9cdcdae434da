package ssi

import (
	"bytes"
	"fmt"
)

// Limits of a command, as nginx's NGX_HTTP_SSI_COMMAND_LEN,
// NGX_HTTP_SSI_PARAM_LEN and NGX_HTTP_SSI_MAX_PARAMS.
const (
	maxCommandLen = 32
	maxParamLen   = 32
	maxParams     = 16
)

// pstate is a state of the command parser; the names follow nginx's.
type pstate uint8

const (
	stStart        pstate = iota // plain text
	stTag                        // "<" seen
	stComment0                   // "<!"
	stComment1                   // "<!-"
	stSharp                      // "<!--"
	stPrecommand                 // "<!--#", before the command name
	stCommand                    // in the command name
	stPreparam                   // before a parameter name
	stParam                      // in a parameter name
	stPreequal                   // after a parameter name
	stPrevalue                   // after "="
	stDoubleQuoted               // in a "value"
	stQuoted                     // in a 'value'
	stQuotedSymbol               // after a backslash in a value
	stPostparam                  // after a closing quote
	stCommentEnd0                // "-" of the closing "-->"
	stCommentEnd1                // "--"
	stError                      // a malformed command, skipped up to "-->"
	stErrorEnd0
	stErrorEnd1
)

// param is one key="value" of a command. The value keeps the
// backslashes of escapes, as nginx does; commands that evaluate it take
// them away.
type param struct {
	key, value string
}

// handler receives what the parser finds, in document order.
type handler interface {
	// text is document text outside commands; p is only valid during
	// the call.
	text(p []byte)
	// command is a complete, well-formed command.
	command(name string, params []param)
	// malformed is a command that ended with "-->" after an error the
	// parser already logged.
	malformed()
	// logf reports a syntax error to the error log.
	logf(format string, args ...any)
}

// lead is what a command starts with. Text that may be its beginning is
// held back between writes, since the rest may come with the next one;
// looked counts the bytes of it held.
var lead = []byte("<!--")

// parser is nginx's SSI state machine, fed with the body in pieces of any
// size: a command split over several writes is recognised the same.
type parser struct {
	state      pstate
	savedState pstate
	looked     int
	valueLen   int

	command []byte
	key     []byte
	value   []byte
	params  []param
}

func newParser(valueLen int) parser {
	return parser{valueLen: valueLen}
}

func isSpace(ch byte) bool { return ch == ' ' || ch == '\r' || ch == '\n' || ch == '\t' }

// feed parses b, calling h for text and commands.
func (p *parser) feed(b []byte, h handler) {
	for i := 0; i < len(b); {
		if p.state == stStart {
			// the tight loop: plain text up to a possible command
			j := bytes.IndexByte(b[i:], '<')
			if j < 0 {
				h.text(b[i:])
				return
			}
			if j > 0 {
				h.text(b[i : i+j])
			}
			i += j + 1
			p.state, p.looked = stTag, 1
			continue
		}
		ch := b[i]
		i++
		switch p.state {
		case stTag, stComment0, stComment1:
			if want := lead[p.looked]; ch == want {
				p.looked++
				p.state++
				continue
			}
			// not a command: what was held is text, and ch is looked at
			// again as text (it may start a command itself)
			p.release(h)
			i--
		case stSharp:
			switch ch {
			case '#':
				p.looked = 0
				p.state = stPrecommand
			default:
				p.release(h)
				i--
			}
		case stPrecommand:
			if isSpace(ch) {
				continue
			}
			p.command = append(p.command[:0], ch)
			p.params = p.params[:0]
			p.state = stCommand
		case stCommand:
			switch {
			case isSpace(ch):
				p.state = stPreparam
			case ch == '-':
				p.state = stCommentEnd0
			case len(p.command) == maxCommandLen:
				h.logf("the \"%s%c...\" SSI command is too long", p.command, ch)
				p.state = stError
			default:
				p.command = append(p.command, ch)
			}
		case stPreparam:
			switch {
			case isSpace(ch):
			case ch == '-':
				p.state = stCommentEnd0
			default:
				p.key = append(p.key[:0], ch)
				p.value = p.value[:0]
				p.state = stParam
			}
		case stParam:
			switch {
			case isSpace(ch):
				p.state = stPreequal
			case ch == '=':
				p.state = stPrevalue
			case ch == '-':
				p.key = append(p.key, ch)
				h.logf("invalid \"%s\" parameter in \"%s\" SSI command", p.key, p.command)
				p.state = stErrorEnd0
			case len(p.key) == maxParamLen:
				h.logf("too long \"%s%c...\" parameter in \"%s\" SSI command", p.key, ch, p.command)
				p.state = stError
			default:
				p.key = append(p.key, ch)
			}
		case stPreequal:
			switch {
			case isSpace(ch):
			case ch == '=':
				p.state = stPrevalue
			default:
				h.logf("unexpected \"%c\" symbol after \"%s\" parameter in \"%s\" SSI command", ch, p.key, p.command)
				p.fail(ch)
			}
		case stPrevalue:
			switch {
			case isSpace(ch):
			case ch == '"':
				p.state = stDoubleQuoted
			case ch == '\'':
				p.state = stQuoted
			default:
				h.logf("unexpected \"%c\" symbol before value of \"%s\" parameter in \"%s\" SSI command", ch, p.key, p.command)
				p.fail(ch)
			}
		case stDoubleQuoted, stQuoted:
			quote := byte('"')
			if p.state == stQuoted {
				quote = '\''
			}
			if ch == quote {
				p.params = append(p.params, param{key: string(p.key), value: string(p.value)})
				p.state = stPostparam
				continue
			}
			if ch == '\\' {
				// the backslash stays in the value; the next byte is
				// taken whatever it is
				p.savedState = p.state
				p.state = stQuotedSymbol
			}
			p.addValue(ch, h)
		case stQuotedSymbol:
			p.state = p.savedState
			p.addValue(ch, h)
		case stPostparam:
			switch {
			case isSpace(ch):
				p.state = stPreparam
			case ch == '-':
				p.state = stCommentEnd0
			default:
				last := p.params[len(p.params)-1]
				h.logf("unexpected \"%c\" symbol after \"%s\" value of \"%s\" parameter in \"%s\" SSI command", ch, last.value, last.key, p.command)
				p.state = stError
			}
		case stCommentEnd0, stCommentEnd1:
			if p.state == stCommentEnd0 && ch == '-' {
				p.state = stCommentEnd1
				continue
			}
			if p.state == stCommentEnd1 && ch == '>' {
				p.state = stStart
				h.command(string(p.command), p.params)
				continue
			}
			h.logf("unexpected \"%c\" symbol in \"%s\" SSI command", ch, p.command)
			p.state = stError
		case stError:
			if ch == '-' {
				p.state = stErrorEnd0
			}
		case stErrorEnd0:
			if ch == '-' {
				p.state = stErrorEnd1
			} else {
				p.state = stError
			}
		case stErrorEnd1:
			if ch == '>' {
				p.state = stStart
				h.malformed()
			} else {
				p.state = stError
			}
		}
	}
}

// release gives back the held beginning of what turned out not to be a
// command as text.
func (p *parser) release(h handler) {
	if p.looked > 0 {
		h.text(lead[:p.looked])
	}
	p.looked = 0
	p.state = stStart
}

// fail enters the error state after an unexpected byte; a '-' counts as
// the first of the closing "--", as in nginx.
func (p *parser) fail(ch byte) {
	if ch == '-' {
		p.state = stErrorEnd0
	} else {
		p.state = stError
	}
}

// addValue appends a byte of a parameter value, up to ssi_value_length.
func (p *parser) addValue(ch byte, h handler) {
	if len(p.value) == p.valueLen {
		h.logf("too long \"%s%c...\" value of \"%s\" parameter in \"%s\" SSI command", p.value, ch, p.key, p.command)
		p.state = stError
		return
	}
	p.value = append(p.value, ch)
}

// reconstruct writes a command back as text, for a block that stores the
// commands it contains to run them when it is output.
func reconstruct(name string, params []param) []byte {
	b := make([]byte, 0, 16+len(name)+len(params)*16)
	b = append(b, "<!--#"...)
	b = append(b, name...)
	for _, pr := range params {
		b = fmt.Appendf(b, " %s=\"%s\"", pr.key, pr.value)
	}
	return append(b, " -->"...)
}
