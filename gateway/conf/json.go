package conf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// isJSON tells a JSON configuration (OpenNJet §3.73) from nginx text: a
// "*.json" name, or a text that is a JSON array.
func isJSON(name string, src []byte) bool {
	if strings.HasSuffix(name, ".json") {
		return true
	}
	t := bytes.TrimLeft(src, " \t\r\n")
	return len(t) > 0 && t[0] == '[' && json.Valid(src)
}

// jsonDirective is the JSON form of one directive:
//
//	{"cmd": "listen", "args": ["8080"]}
//	{"cmd": "location", "args": ["/"], "block": [ ... ]}
//	{"cmd": "content_by_lua_block", "args": [], "block": [{"code": "..."}]}
type jsonDirective struct {
	Cmd   string   `json:"cmd"`
	Args  []string `json:"args"`
	Block *[]any   `json:"block,omitempty"` // nil: no block; empty: "{}"
}

// jsonCode is the block item holding a code block's text.
type jsonCode struct {
	Code string `json:"code"`
}

// MarshalJSON writes nodes in the JSON configuration form, which Parse
// and LoadFile read back into the same nodes.
func MarshalJSON(nodes []*Node) ([]byte, error) {
	return json.MarshalIndent(toJSON(nodes), "", "  ")
}

func toJSON(nodes []*Node) []any {
	out := make([]any, 0, len(nodes))
	for _, n := range nodes {
		d := jsonDirective{Cmd: n.Name, Args: append([]string{}, n.Args...)}
		switch {
		case n.Code != "":
			d.Block = &[]any{jsonCode{Code: n.Code}}
		case n.Block != nil:
			b := toJSON(n.Block)
			d.Block = &b
		}
		out = append(out, d)
	}
	return out
}

// jsonReader walks a JSON configuration with a token decoder so that
// every directive keeps the line it starts on.
type jsonReader struct {
	p    *parser
	file string
	src  []byte
	dec  *json.Decoder
}

// parseJSON reads a JSON configuration: an array of directive objects.
func (p *parser) parseJSON(file string, src []byte, at *Node) ([]*Node, error) {
	if p.json {
		return nil, jsonError(at, "parse json file only support one json file now")
	}
	p.json = true
	var probe any
	if err := json.Unmarshal(src, &probe); err != nil {
		line, col := 1, 1
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the offending byte; report its own column.
			line, col = position(src, max(int(se.Offset)-1, 0))
		}
		return nil, &Error{Msg: fmt.Sprintf("JSON file parse error (line %d, colume %d): %v", line, col, err), File: file}
	}
	if _, ok := probe.([]any); !ok {
		return nil, &Error{Msg: "json root is null or is non-array-type", File: file}
	}
	r := &jsonReader{p: p, file: file, src: src, dec: json.NewDecoder(bytes.NewReader(src))}
	r.dec.UseNumber()
	r.dec.Token() // [
	nodes, _, err := r.array()
	return nodes, err
}

func jsonError(at *Node, msg string) error {
	if at == nil {
		return &Error{Msg: msg}
	}
	return Errorf(at, "%s", msg)
}

// line returns the line where the next token starts.
func (r *jsonReader) line() int {
	off := int(r.dec.InputOffset())
	for off < len(r.src) && (isSpace(r.src[off]) || r.src[off] == ',' || r.src[off] == ':') {
		off++
	}
	line, _ := position(r.src, off)
	return line
}

// array reads directive objects up to the closing bracket. A {"code": ...}
// item is returned as code instead of a directive.
func (r *jsonReader) array() (nodes []*Node, code *string, err error) {
	nodes = []*Node{}
	for r.dec.More() {
		line := r.line()
		tok, _ := r.dec.Token()
		if tok != json.Delim('{') {
			if err := r.skip(tok); err != nil {
				return nil, nil, err
			}
			return nil, nil, &Error{Msg: "item should be a json object", File: r.file, Line: line}
		}
		n := &Node{File: r.file, Line: line, Args: []string{}}
		isCode := false
		for r.dec.More() {
			keyTok, _ := r.dec.Token()
			key, _ := keyTok.(string)
			vline := r.line()
			switch key {
			case "cmd":
				if n.Name, err = r.str(key, vline); err != nil {
					return nil, nil, err
				}
			case "args":
				if n.Args, err = r.args(vline); err != nil {
					return nil, nil, err
				}
			case "block":
				tok, _ := r.dec.Token()
				if tok != json.Delim('[') {
					r.skip(tok)
					return nil, nil, &Error{Msg: "block should be a json array", File: r.file, Line: vline}
				}
				block, c, err := r.array()
				if err != nil {
					return nil, nil, err
				}
				n.Block = block
				if c != nil {
					n.Code = *c
				}
			case "code":
				s, err := r.str(key, vline)
				if err != nil {
					return nil, nil, err
				}
				code, isCode = &s, true
			default:
				tok, _ := r.dec.Token()
				r.skip(tok)
			}
		}
		r.dec.Token() // }
		if isCode && n.Name == "" {
			continue
		}
		if n.Name == "" {
			return nil, nil, &Error{Msg: "cmd should be a json string", File: r.file, Line: line}
		}
		n.Quoted = make([]bool, len(n.Args))
		for i, a := range n.Args {
			n.Quoted[i] = needsQuotes(a)
		}
		if n.Name == "include" {
			if n.Block != nil {
				return nil, nil, Errorf(n, "directive \"include\" is not terminated by \";\"")
			}
			inc, err := r.p.include(n)
			if err != nil {
				return nil, nil, err
			}
			nodes = append(nodes, inc...)
			continue
		}
		nodes = append(nodes, n)
	}
	r.dec.Token() // ]
	return nodes, code, nil
}

// str reads the string value of key.
func (r *jsonReader) str(key string, line int) (string, error) {
	tok, _ := r.dec.Token()
	s, ok := tok.(string)
	if !ok {
		r.skip(tok)
		return "", &Error{Msg: key + " should be a json string", File: r.file, Line: line}
	}
	return s, nil
}

// args reads an array of arguments; numbers and booleans are taken as
// written.
func (r *jsonReader) args(line int) ([]string, error) {
	tok, _ := r.dec.Token()
	if tok == nil {
		return []string{}, nil
	}
	if tok != json.Delim('[') {
		r.skip(tok)
		return nil, &Error{Msg: "args should be a json array", File: r.file, Line: line}
	}
	args := []string{}
	for r.dec.More() {
		tok, _ := r.dec.Token()
		switch v := tok.(type) {
		case string:
			args = append(args, v)
		case json.Number:
			args = append(args, v.String())
		case bool:
			args = append(args, fmt.Sprint(v))
		default:
			r.skip(tok)
			return nil, &Error{Msg: "args should be an array of json strings", File: r.file, Line: line}
		}
	}
	r.dec.Token() // ]
	return args, nil
}

// skip consumes the rest of a value whose first token is tok.
func (r *jsonReader) skip(tok json.Token) error {
	if d, ok := tok.(json.Delim); ok && (d == '[' || d == '{') {
		for depth := 1; depth > 0; {
			t, err := r.dec.Token()
			if err != nil {
				return err
			}
			if d, ok := t.(json.Delim); ok {
				if d == '[' || d == '{' {
					depth++
				} else {
					depth--
				}
			}
		}
	}
	return nil
}

// needsQuotes reports whether an argument could only have been written
// quoted in nginx syntax, which is what Node.Quoted records.
func needsQuotes(s string) bool {
	return s == "" || strings.ContainsAny(s, " \t\r\n;{}#\"'")
}

// position converts a byte offset to a 1-based line and column.
func position(src []byte, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line = 1 + bytes.Count(src[:off], []byte{'\n'})
	col = off - bytes.LastIndexByte(src[:off], '\n')
	return line, col
}
