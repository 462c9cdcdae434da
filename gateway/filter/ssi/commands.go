package ssi

import (
	"bytes"
	"strings"
)

// paramDef declares a parameter of a command.
type paramDef struct {
	name      string
	mandatory bool
}

// maxCmdParams is the most parameters a command declares (include).
const maxCmdParams = 5

// args holds the parameters of one command by their index in the
// command's table.
type args struct {
	set [maxCmdParams]bool
	val [maxCmdParams]string
}

func (a *args) get(i int) (string, bool) { return a.val[i], a.set[i] }

// command is an entry of the command table, nginx's
// ngx_http_ssi_command_t.
type command struct {
	params []paramDef
	// run executes the command; false prints the error message.
	run func(w *writer, a *args) bool
	// conditional is the context elif/else (condIf) and endif (condElse)
	// need at least.
	conditional int
	// block marks endblock, which runs even while a block is recorded.
	block bool
}

func (c *command) index(key string) int {
	for i, p := range c.params {
		if p.name == key {
			return i
		}
	}
	return -1
}

// Parameter indexes.
const (
	incVirtual = iota
	incFile
	incWait
	incSet
	incStub
)

const (
	echoVar = iota
	echoDefault
	echoEncoding
)

const (
	cfgErrmsg = iota
	cfgTimefmt
)

const (
	setVar = iota
	setValue
)

// commands is the SSI command table. It is filled in init: the commands
// run nested documents (stubs), which go through this table again.
var commands map[string]*command

func init() {
	ifParams := []paramDef{{name: "expr", mandatory: true}}
	commands = map[string]*command{
		"include":  {params: []paramDef{{name: "virtual"}, {name: "file"}, {name: "wait"}, {name: "set"}, {name: "stub"}}, run: (*writer).include},
		"echo":     {params: []paramDef{{name: "var", mandatory: true}, {name: "default"}, {name: "encoding"}}, run: (*writer).echo},
		"config":   {params: []paramDef{{name: "errmsg"}, {name: "timefmt"}}, run: (*writer).config},
		"set":      {params: []paramDef{{name: "var", mandatory: true}, {name: "value", mandatory: true}}, run: (*writer).set},
		"if":       {params: ifParams, run: func(w *writer, a *args) bool { return w.cond(a, true) }},
		"elif":     {params: ifParams, run: func(w *writer, a *args) bool { return w.cond(a, false) }, conditional: condIf},
		"else":     {run: (*writer).elseCmd, conditional: condIf},
		"endif":    {run: (*writer).endif, conditional: condElse},
		"block":    {params: []paramDef{{name: "name", mandatory: true}}, run: (*writer).blockCmd},
		"endblock": {run: (*writer).endblock, block: true},
	}
}

// include runs a subrequest for virtual= (or file=, which is the same
// here) and puts its body in place, into a variable (set=), or, when it
// fails or answers nothing, the content of a block (stub=). Subrequests
// run one at a time, so wait= only needs to be valid.
func (w *writer) include(a *args) bool {
	uri, hasURI := a.get(incVirtual)
	file, hasFile := a.get(incFile)
	wait, hasWait := a.get(incWait)
	set, hasSet := a.get(incSet)
	stub, hasStub := a.get(incStub)
	if hasURI && hasFile {
		// sic: nginx's message has this spelling
		w.logf("inlcusion may be either virtual=\"%s\" or file=\"%s\"", uri, file)
		return false
	}
	if !hasURI && !hasFile {
		w.logf("no parameter in \"include\" SSI command")
		return false
	}
	if hasSet && hasStub {
		w.logf("\"set\" and \"stub\" cannot be used together in \"include\" SSI command")
		return false
	}
	if hasWait {
		if !hasURI {
			w.logf("\"wait\" cannot be used with file=\"%s\"", file)
			return false
		}
		if !strings.EqualFold(wait, "no") && !strings.EqualFold(wait, "yes") {
			w.logf("invalid value \"%s\" in the \"wait\" parameter", wait)
			return false
		}
	}
	if !hasURI {
		uri = file
	}
	uri, ok := w.evaluate(uri, true)
	if !ok {
		return false
	}
	path, query, ok := parseUnsafeURI(uri)
	if !ok {
		w.logf("unsafe URI \"%s\" was detected", uri)
		return false
	}
	ms := w.rs.ms
	var stubContent []byte
	if hasStub {
		bl := ms.findBlock(stub)
		if bl == nil {
			w.logf("\"stub\"=\"%s\" for \"include\" not found", stub)
			return false
		}
		// taken now: the include may record blocks of its own
		stubContent = bl.content
	}
	switch {
	case hasSet:
		name := strings.ToLower(set)
		if _, ok := ms.vars[name]; !ok {
			// the variable exists from now on, empty unless the
			// subrequest succeeds
			ms.setVar(name, "")
		}
		var body bytes.Buffer
		status, err := w.c.Subrequest(path, query, &sink{out: &body, ms: ms})
		if err != nil {
			return false
		}
		if status < 300 {
			ms.setVar(name, body.String())
		}
	case hasStub:
		var body bytes.Buffer
		s := &sink{out: &body, ms: ms}
		status, err := w.c.Subrequest(path, query, s)
		if err != nil {
			return false
		}
		if status < 300 && body.Len() > 0 {
			w.out(body.Bytes())
			return true
		}
		w.outputStub(s, stubContent)
	default:
		if _, err := w.c.Subrequest(path, query, &sink{out: passOn{w}, ms: ms}); err != nil {
			return false
		}
	}
	return w.err == nil
}

// outputStub puts a block in place of a failed or empty include. nginx
// sends it as the subrequest's body, so the subrequest's location
// processes the commands it recorded when it has SSI on.
func (w *writer) outputStub(s *sink, content []byte) {
	if s.subFilter == nil || s.sub == nil {
		w.out(content)
		return
	}
	rs := newReqState(s.subFilter, w.rs.ms)
	rs.started = true
	s.sub.SetData(reqKey, rs)
	nested := newWriter(s.sub, rs, passOn{w})
	nested.p.feed(content, nested)
}

// passOn writes a subrequest's body into the page's response.
type passOn struct{ w *writer }

func (p passOn) Write(b []byte) (int, error) {
	p.w.out(b)
	if p.w.err != nil {
		return 0, p.w.err
	}
	return len(b), nil
}

func (p passOn) Close() error { return nil }

// echo prints a variable: an SSI variable (set, include set=, named
// captures), a capture $0..$9 of the last if regex, or any variable of
// the configuration. A missing one prints default= or "(none)"; an
// empty one prints nothing. encoding= changes the encoding for this and
// the following echos.
func (w *writer) echo(a *args) bool {
	name := strings.ToLower(a.val[echoVar])
	value, found := w.lookup(name)
	if !found {
		def, ok := a.get(echoDefault)
		switch {
		case !ok:
			value = "(none)"
		case def == "":
			return true
		default:
			value = def
		}
	} else if value == "" {
		return true
	}
	if enc, ok := a.get(echoEncoding); ok {
		switch enc {
		case "none":
			w.rs.encoding = encNone
		case "url":
			w.rs.encoding = encURL
		case "entity":
			w.rs.encoding = encEntity
		default:
			w.logf("unknown encoding \"%s\" in the \"echo\" command", enc)
		}
	}
	switch w.rs.encoding {
	case encURL:
		value = escapeURIHTML(value)
	case encEntity:
		value = escapeHTML(value)
	}
	w.outString(value)
	return true
}

// config sets the error message and the time format of this document.
func (w *writer) config(a *args) bool {
	if v, ok := a.get(cfgTimefmt); ok {
		w.rs.timefmt = v
	}
	if v, ok := a.get(cfgErrmsg); ok {
		w.rs.errmsg = v
	}
	return true
}

// set gives an SSI variable a value, in which variables are replaced.
func (w *writer) set(a *args) bool {
	value, ok := w.evaluate(a.val[setValue], false)
	if !ok {
		return false
	}
	w.rs.ms.setVar(strings.ToLower(a.val[setVar]), value)
	return true
}

// cond is if and elif. Conditions do not nest, as in nginx.
func (w *writer) cond(a *args, isIf bool) bool {
	rs := w.rs
	if isIf && rs.conditional != condNone {
		w.logf("the \"if\" command inside the \"if\" command")
		return false
	}
	if rs.outputChosen {
		rs.output = false
		return true
	}
	holds, ok := w.condition(a.val[0])
	if !ok {
		return false
	}
	rs.output = holds
	rs.outputChosen = holds
	rs.conditional = condIf
	return true
}

func (w *writer) elseCmd(*args) bool {
	rs := w.rs
	rs.output = !rs.outputChosen
	rs.conditional = condElse
	return true
}

func (w *writer) endif(*args) bool {
	rs := w.rs
	rs.output, rs.outputChosen, rs.conditional = true, false, condNone
	return true
}

// blockCmd starts recording a named block for include stub=.
func (w *writer) blockCmd(a *args) bool {
	ms := w.rs.ms
	ms.blocks = append(ms.blocks, block{name: a.val[0]})
	w.rs.output, w.rs.block = false, true
	return true
}

func (w *writer) endblock(*args) bool {
	w.rs.output, w.rs.block = true, false
	return true
}
