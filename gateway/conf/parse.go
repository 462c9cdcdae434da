package conf

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxIncludeDepth stops an include loop; nginx itself would recurse until
// it runs out of file descriptors.
const maxIncludeDepth = 64

// parser reads configuration files into nodes, following includes. It
// records every file it read, once, in reading order, for "njet -T".
type parser struct {
	confPrefix string
	files      []string
	contents   map[string][]byte
	depth      int
	json       bool // a JSON file was read already
}

func newParser(confPrefix string) *parser {
	return &parser{confPrefix: confPrefix, contents: map[string][]byte{}}
}

// readFile reads a configuration file, with nginx's error texts; at is
// the include directive asking for it (nil for the main file).
func (p *parser) readFile(name string, at *Node) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, p.sysError(at, "open() \"%s\" failed (%s)", name, err)
	}
	defer f.Close()
	src, err := io.ReadAll(f)
	if err != nil {
		return nil, p.sysError(at, "pread() \"%s\" failed (%s)", name, err)
	}
	if _, ok := p.contents[name]; !ok {
		p.files = append(p.files, name)
		p.contents[name] = src
	}
	return src, nil
}

func (p *parser) sysError(at *Node, format, name string, err error) error {
	e := &Error{Msg: fmt.Sprintf(format, name, sysErrText(err))}
	if at != nil {
		e.File, e.Line = at.File, at.Line
	}
	return e
}

// parseFile reads and parses one file, text or JSON.
func (p *parser) parseFile(name string, at *Node) ([]*Node, error) {
	src, err := p.readFile(name, at)
	if err != nil {
		return nil, err
	}
	if isJSON(name, src) {
		return p.parseJSON(name, src, at)
	}
	return p.parseText(name, src)
}

// parseText parses configuration text; file names the source in errors
// (commandLine for -g).
func (p *parser) parseText(file string, src []byte) ([]*Node, error) {
	lx := newLexer(file, src)
	return p.parseBlock(lx, false)
}

// parseBlock reads directives up to the end of the block (inBlock) or of
// the input, with ngx_conf_parse's checks. On a syntax error it returns
// the directives read so far with the error, the unfinished block marked
// partial, so that the builder can report an earlier error first, as
// nginx (which builds while it reads) would.
func (p *parser) parseBlock(lx *lexer, inBlock bool) ([]*Node, error) {
	nodes := []*Node{}
	for {
		kind, words, quoted, err := lx.read()
		if err != nil {
			return nodes, err
		}
		switch kind {
		case tokBlockDone:
			if !inBlock {
				return nodes, lx.errorf("unexpected \"}\"")
			}
			return nodes, nil
		case tokEOF:
			if inBlock {
				return nodes, lx.errorf("unexpected end of file, expecting \"}\"")
			}
			return nodes, nil
		case tokBlockStart:
			if lx.file == commandLine {
				return nodes, lx.errorf("block directives are not supported in -g option")
			}
		}
		n := &Node{Name: words[0], Args: words[1:], Quoted: quoted[1:], File: lx.file, Line: lx.line}
		if n.Name == "include" {
			if kind == tokBlockStart {
				return nodes, Errorf(n, "directive \"include\" is not terminated by \";\"")
			}
			inc, err := p.include(n)
			nodes = append(nodes, inc...)
			if err != nil {
				return nodes, err
			}
			continue
		}
		if kind == tokBlockStart {
			if isCodeBlock(n.Name) {
				if n.Code, err = lx.readCode(); err != nil {
					return nodes, err
				}
				n.Block = []*Node{}
			} else if n.Block, err = p.parseBlock(lx, true); err != nil {
				n.partial = true
				return append(nodes, n), err
			}
		}
		nodes = append(nodes, n)
	}
}

// include expands an include directive: a file or a glob pattern,
// relative to the configuration directory. A pattern that matches nothing
// includes nothing, as nginx's glob does. On an error it returns what was
// read before it.
func (p *parser) include(n *Node) ([]*Node, error) {
	if len(n.Args) != 1 {
		return nil, Errorf(n, "invalid number of arguments in \"include\" directive")
	}
	if p.depth >= maxIncludeDepth {
		return nil, Errorf(n, "too deep include of \"%s\"", n.Args[0])
	}
	p.depth++
	defer func() { p.depth-- }()
	name := fullName(p.confPrefix, n.Args[0])
	if !strings.ContainsAny(name, "*?[") {
		return p.parseFile(name, n)
	}
	matches, err := filepath.Glob(name)
	if err != nil {
		return nil, Errorf(n, "glob() \"%s\" failed (%v)", name, err)
	}
	var nodes []*Node
	hidden := !strings.HasPrefix(filepath.Base(name), ".")
	for _, m := range matches {
		// glob(3) does not let a wildcard match a leading dot.
		if hidden && strings.HasPrefix(filepath.Base(m), ".") {
			continue
		}
		inc, err := p.parseFile(m, n)
		nodes = append(nodes, inc...)
		if err != nil {
			return nodes, err
		}
	}
	return nodes, nil
}

// Parse reads configuration text (nginx syntax, or the JSON form when it
// is a JSON array) into nodes without building anything. file names the
// source in error messages and is where relative includes start from.
// The dynamic API uses it for location and upstream bodies.
func Parse(file string, src []byte) ([]*Node, error) {
	dir := ""
	if file != "" {
		dir = filepath.Dir(file) + "/"
	}
	p := newParser(dir)
	if isJSON(file, src) {
		return p.parseJSON(file, src, nil)
	}
	nodes, err := p.parseText(file, src)
	if err != nil {
		return nil, err
	}
	return nodes, nil
}

// Dump writes files the way "nginx -T" does: each one under a
// "# configuration file NAME:" line, followed by an empty line. A JSON
// configuration is not dumped, as OpenNJet refuses to.
func Dump(w io.Writer, files ...string) error {
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("open() \"%s\" failed (%s)", name, sysErrText(err))
		}
		if err := dumpOne(w, name, src); err != nil {
			return err
		}
	}
	return nil
}

func dumpOne(w io.Writer, name string, src []byte) error {
	if isJSON(name, src) {
		return fmt.Errorf("\"%s\" is a json file, see the file directly", name)
	}
	var b bytes.Buffer
	b.WriteString("# configuration file ")
	b.WriteString(name)
	b.WriteString(":\n")
	b.Write(src)
	b.WriteString("\n")
	_, err := w.Write(b.Bytes())
	return err
}
