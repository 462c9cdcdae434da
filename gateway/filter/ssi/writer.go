package ssi

import (
	"github.com/gonjet/gonjet/gateway"
)

// writer is the body writer of a processed response: it parses what the
// handler writes, passes text on to next, and runs the commands in
// place. Includes run as subrequests while the writer waits, so their
// bodies land in order.
type writer struct {
	c    *gateway.Ctx
	rs   *reqState
	next gateway.BodyWriter
	p    parser
	// err is the first error of next; the writer stops then.
	err error
}

func newWriter(c *gateway.Ctx, rs *reqState, next gateway.BodyWriter) *writer {
	return &writer{c: c, rs: rs, next: next, p: newParser(rs.f.valueLen)}
}

// Write parses p. It reports the error of the writer behind it, if any.
func (w *writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.p.feed(p, w)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// Flush passes a flush on. What may be the start of a command stays held
// until the rest comes.
func (w *writer) Flush() error {
	if f, ok := w.next.(gateway.BodyFlusher); ok {
		return f.Flush()
	}
	return nil
}

// Close ends the document and closes the writer behind. An unfinished
// command at the end is dropped, as nginx drops it.
func (w *writer) Close() error {
	err := w.next.Close()
	if w.err != nil {
		return w.err
	}
	return err
}

// out writes to the response, remembering the first error.
func (w *writer) out(p []byte) {
	if w.err != nil || len(p) == 0 {
		return
	}
	if _, err := w.next.Write(p); err != nil {
		w.err = err
	}
}

func (w *writer) outString(s string) {
	if w.err == nil && s != "" {
		w.out([]byte(s))
	}
}

// text routes document text: to the response while output is on, into
// the block being recorded inside block/endblock, nowhere in a branch of
// if that was not taken.
func (w *writer) text(p []byte) {
	switch {
	case w.rs.output:
		w.out(p)
	case w.rs.block:
		w.appendBlock(p)
	}
}

func (w *writer) appendBlock(p []byte) {
	bl := w.rs.ms.blocks
	if len(bl) == 0 {
		return
	}
	last := &bl[len(bl)-1]
	last.content = append(last.content, p...)
}

func (w *writer) logf(format string, args ...any) {
	w.c.Logf(gateway.LevelError, format, args...)
}

// malformed is a command the parser could not read.
func (w *writer) malformed() { w.fail() }

// fail prints the error message where a command failed, unless
// ssi_silent_errors is on. As in nginx it is printed even where output is
// off.
func (w *writer) fail() {
	if w.rs.f.silentErrors {
		return
	}
	w.outString(w.rs.errmsg)
}

// command checks a parsed command against its table entry and runs it,
// following nginx's body filter: unknown commands, commands in a branch
// not taken, the commands a block records, the context of
// elif/else/endif, and the parameters.
func (w *writer) command(name string, params []param) {
	rs := w.rs
	cmd := commands[name]
	if cmd == nil {
		if rs.output {
			w.logf("invalid SSI command: \"%s\"", name)
			w.fail()
		}
		return
	}
	if !rs.output && !cmd.block {
		if rs.block {
			w.appendBlock(reconstruct(name, params))
			return
		}
		if cmd.conditional == condNone {
			return
		}
	}
	if cmd.conditional != condNone && (rs.conditional == condNone || rs.conditional > cmd.conditional) {
		w.logf("invalid context of SSI command: \"%s\"", name)
		w.fail()
		return
	}
	if len(params) > maxParams {
		w.logf("too many SSI command parameters: \"%s\"", name)
		w.fail()
		return
	}
	var a args
	for _, pr := range params {
		i := cmd.index(pr.key)
		if i < 0 {
			w.logf("invalid parameter name: \"%s\" in \"%s\" SSI command", pr.key, name)
			w.fail()
			return
		}
		if a.set[i] {
			w.logf("duplicate \"%s\" parameter in \"%s\" SSI command", pr.key, name)
			w.fail()
			return
		}
		a.set[i], a.val[i] = true, pr.value
	}
	for i, pd := range cmd.params {
		if pd.mandatory && !a.set[i] {
			w.logf("mandatory \"%s\" parameter is absent in \"%s\" SSI command", pd.name, name)
			w.fail()
			return
		}
	}
	if !cmd.run(w, &a) {
		w.fail()
	}
}
