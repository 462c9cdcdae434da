package rewrite

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// Script is the ordered list of rewrite directives of one configuration
// level — a server block or a location — run as a single filter, as
// nginx's rewrite module runs one compiled script per level. Install it in
// gateway.PhaseServerRewrite of a server's Root, or gateway.PhaseRewrite of
// a location.
//
// When a step rewrote the URI and the script ended without "break", the
// filter returns gateway.Restart, so that the location is searched again
// for the new URI.
type Script struct {
	Steps []Step
	// Log writes every regex test and rewrite result to the error log at
	// the notice level (rewrite_log on).
	Log bool
}

// Step is one directive of a script: *Rewrite, *Return, *Set, *If or
// Break.
type Step interface {
	run(e *engine) flow
}

// flow says how a script goes on after a step.
type flow uint8

const (
	next   flow = iota // the following step
	stop               // end the script (break, last)
	answer             // end the script with engine.res
)

// engine is the state of one run of a script.
type engine struct {
	c          *gateway.Ctx
	log        bool
	uriChanged bool
	res        gateway.Result
}

// Handle runs the script for a request.
func (s *Script) Handle(c *gateway.Ctx) gateway.Result {
	e := engine{c: c, log: s.Log}
	if e.run(s.Steps) == answer {
		return e.res
	}
	if e.uriChanged {
		return gateway.Restart()
	}
	return gateway.Continue
}

func (e *engine) run(steps []Step) flow {
	for _, s := range steps {
		if f := s.run(e); f != next {
			return f
		}
	}
	return next
}

// match tests a regex the way nginx's script engine does: a failed test
// forgets the previous captures, and a pattern without groups leaves them
// alone, so that "rewrite ^ /x$1" can use the location's captures.
func (e *engine) match(re *regexp.Regexp, name, subject string) bool {
	var ok bool
	if re.NumSubexp() == 0 {
		ok = re.MatchString(subject)
	} else {
		ok = e.c.MatchRegex(re, subject)
	}
	if !ok {
		e.c.SetCaptures("", nil)
	}
	if e.log {
		verb := "matches"
		if !ok {
			verb = "does not match"
		}
		e.c.Logf(gateway.LevelNotice, "\"%s\" %s \"%s\"", name, verb, subject)
	}
	return ok
}

// Flag is the optional last argument of a rewrite.
type Flag uint8

// The rewrite flags.
const (
	// FlagNone applies the rewrite and goes on with the next directive;
	// the location is searched again for the new URI at the end.
	FlagNone Flag = iota
	// FlagLast stops the script and searches the location again.
	FlagLast
	// FlagBreak stops the script and keeps the current location.
	FlagBreak
	// FlagRedirect answers 302 with the result as Location.
	FlagRedirect
	// FlagPermanent answers 301 with the result as Location.
	FlagPermanent
)

// Rewrite is the rewrite directive: when Regex matches the URI, the URI
// becomes the replacement, in which $1..$9 are the captures of the match.
// A '?' in the replacement starts new arguments, to which the request's
// arguments are appended unless the replacement ends with '?'. A
// replacement starting with "http://", "https://" or "$scheme" redirects
// with 302.
type Rewrite struct {
	// Pattern, Replacement and Flag are the arguments as written; they are
	// compiled by NewRewrite.
	Pattern     string
	Replacement string
	Flag        Flag

	re       *regexp.Regexp
	repl     *replacement
	status   int
	redirect bool
	addArgs  bool
}

// NewRewrite compiles a rewrite against the configuration's variables.
func NewRewrite(vars *gateway.VarTable, pattern, replacement string, flag Flag) (*Rewrite, error) {
	r, err := parseRewrite(vars, pattern, replacement, flag)
	if err != nil {
		return nil, err
	}
	return r, r.bind(vars)
}

func parseRewrite(vars *gateway.VarTable, pattern, replacement string, flag Flag) (*Rewrite, error) {
	if replacement == "" {
		return nil, fmt.Errorf("empty replacement")
	}
	re, err := compileRegex(vars, pattern, false)
	if err != nil {
		return nil, err
	}
	r := &Rewrite{Pattern: pattern, Replacement: replacement, Flag: flag, re: re}
	repl := replacement
	if repl[len(repl)-1] == '?' {
		// the last '?' drops the request's arguments
		repl = repl[:len(repl)-1]
	} else {
		r.addArgs = true
	}
	if strings.HasPrefix(repl, "http://") || strings.HasPrefix(repl, "https://") || strings.HasPrefix(repl, "$scheme") {
		r.status, r.redirect = 302, true
	}
	switch flag {
	case FlagRedirect:
		r.status, r.redirect = 302, true
	case FlagPermanent:
		r.status, r.redirect = 301, true
	}
	r.repl, err = parseReplacement(repl, !r.redirect)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Rewrite) bind(vars *gateway.VarTable) error { return r.repl.bind(vars) }

func (r *Rewrite) run(e *engine) flow {
	c := e.c
	if !e.match(r.re, r.Pattern, c.URI) {
		return next
	}
	breakCycle := r.Flag == FlagBreak
	if breakCycle {
		c.InvalidateLocationURI()
		e.uriChanged = false
	} else {
		e.uriChanged = true
	}
	uri, args := r.repl.eval(c, r.redirect, clientURIEscaped(c))
	if r.redirect {
		loc := unescapeRedirect(uri)
		if r.addArgs && c.Args != "" {
			sep := "?"
			if r.repl.question {
				sep = "&"
			}
			loc += sep + c.Args
		}
		if e.log {
			c.Logf(gateway.LevelNotice, "rewritten redirect: \"%s\"", loc)
		}
		c.RespHeader.Del("Location")
		c.RespHeader.Add("Location", loc)
		e.res = gateway.Status(r.status)
		return answer
	}
	newArgs := c.Args
	switch {
	case r.repl.split:
		newArgs = args
		if r.addArgs && c.Args != "" {
			newArgs += "&" + c.Args
		}
	case !r.addArgs:
		newArgs = ""
	}
	if e.log {
		c.Logf(gateway.LevelNotice, "rewritten data: \"%s\", args: \"%s\"", uri, newArgs)
	}
	if uri == "" {
		c.Logf(gateway.LevelError, "the rewritten URI has a zero length")
		e.res = gateway.Status(500)
		return answer
	}
	c.RewriteURI(uri, newArgs)
	if r.Flag == FlagLast || breakCycle {
		return stop
	}
	return next
}

// Return is the return directive: it ends processing with Code. Codes
// below 400, and any code with a Text, answer at once: 301, 302, 303, 307
// and 308 send Text as the Location, the others send Text as the body.
// Other codes (and 444, which closes the connection) finish the request
// with that status, which error_page may catch.
type Return struct {
	Code int
	// Text is the body or redirect target; nil for none.
	Text *gateway.Template

	text string
}

// NewReturn compiles a return directive; text "" means none.
func NewReturn(vars *gateway.VarTable, code int, text string) (*Return, error) {
	r := &Return{Code: code, text: text}
	return r, r.bind(vars)
}

func (r *Return) bind(vars *gateway.VarTable) error {
	if r.text == "" {
		return nil
	}
	t, err := vars.CompileTemplate(r.text)
	if err != nil {
		return err
	}
	r.Text = t
	return nil
}

func (r *Return) run(e *engine) flow {
	c := e.c
	if r.Code >= 400 && r.Text == nil {
		e.res = gateway.Status(r.Code)
		return answer
	}
	text := ""
	if r.Text != nil {
		text = r.Text.Eval(c)
	}
	switch r.Code {
	case 301, 302, 303, 307, 308:
		c.RespHeader.Del("Location")
		c.RespHeader.Add("Location", text)
		e.res = gateway.Status(r.Code)
	default:
		e.res = c.Send(r.Code, contentType(c), []byte(text))
	}
	return answer
}

// contentType is the type nginx gives a response it makes up: the one
// already set, else the type of the URI's extension, else default_type.
func contentType(c *gateway.Ctx) string {
	if c.RespHeader.Has("Content-Type") {
		return ""
	}
	core := &c.Loc.Core
	if ext := exten(c.URI); ext != "" {
		if t, ok := core.Types[strings.ToLower(ext)]; ok {
			return t
		}
	}
	return core.DefaultType
}

// exten is the URI's file extension as nginx's ngx_http_set_exten finds
// it: after the last '.' of the last segment, unless the dot starts it.
func exten(uri string) string {
	for i := len(uri) - 1; i > 1; i-- {
		if uri[i] == '.' && uri[i-1] != '/' {
			return uri[i+1:]
		}
		if uri[i] == '/' {
			return ""
		}
	}
	return ""
}

// Set is the set directive: it stores Value in a variable.
type Set struct {
	// Var is the variable's slot.
	Var   int
	Value *gateway.Template

	value string
}

// NewSet compiles "set $name value"; name is without '$'. A variable
// without a definition is declared.
func NewSet(vars *gateway.VarTable, name, value string) (*Set, error) {
	s := &Set{Var: declare(vars, name, nil), value: value}
	return s, s.bind(vars)
}

// declare returns the slot of the variable "set" stores into. A name that
// is already known (a built-in, a map, a previous set, or one of the
// $http_... families, which keep reading the header where nothing set
// them) is reused; otherwise a plain variable is defined whose unset value
// is empty, reported by warn when the request's location asks for it.
func declare(vars *gateway.VarTable, name string, warn func(c *gateway.Ctx, name string)) int {
	if vars.Has(name) {
		if slot, err := vars.Index(name); err == nil {
			return slot
		}
	}
	lname := strings.ToLower(name)
	return vars.Define(gateway.Var{Name: name, Get: func(c *gateway.Ctx) (string, bool) {
		if warn != nil {
			warn(c, lname)
		}
		return "", true
	}})
}

func (s *Set) bind(vars *gateway.VarTable) error {
	t, err := vars.CompileTemplate(s.value)
	if err != nil {
		return err
	}
	s.Value = t
	return nil
}

func (s *Set) run(e *engine) flow {
	e.c.SetVar(s.Var, s.Value.Eval(e.c))
	return next
}

// If is an "if" block: when Cond holds, Loc (the block's own
// configuration, nil at server level) becomes the request's location and
// Steps run; otherwise the script goes on after the block.
type If struct {
	Cond  *Cond
	Loc   *gateway.Location
	Steps []Step
}

func (s *If) bind(vars *gateway.VarTable) error { return s.Cond.bind(vars) }

func (s *If) run(e *engine) flow {
	if !s.Cond.test(e) {
		return next
	}
	if s.Loc != nil {
		e.c.EnterLocation(s.Loc)
	}
	return e.run(s.Steps)
}

// Break is the break directive: it ends the script and keeps the
// location, even when an earlier rewrite changed the URI.
type Break struct{}

func (Break) run(e *engine) flow {
	if e.uriChanged {
		e.c.InvalidateLocationURI()
		e.uriChanged = false
	}
	return stop
}

// binder is a step whose variables are resolved after the whole
// configuration is read, since nginx lets a directive name a variable
// that a later one defines.
type binder interface {
	bind(vars *gateway.VarTable) error
}
