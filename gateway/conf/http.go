package conf

import (
	"fmt"
	"os"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// setHTTP is the http{} block.
func setHTTP(bl *Block, n *Node) error {
	if err := bl.Once(n); err != nil {
		return err
	}
	child, err := bl.Nest(n, HTTP, nil, nil)
	if err != nil {
		return err
	}
	b := bl.B
	// The http{}-only settings with their defaults applied; the rest is
	// merged into the servers once everything is read.
	c := *coreOf(child)
	c.set = append([]bool(nil), c.set...)
	mergeCore(&coreConf{set: make([]bool, len(coreMergers))}, &c)
	b.extra.HTTP = c.http
	b.extra.Listens = b.listen.byKey
	b.extra.ListenOrder = b.listen.order
	b.warnConflictingNames()
	return nil
}

// warnConflictingNames warns, as nginx does when it builds its server
// name hashes, about a name claimed by two servers on one socket: the
// first server keeps it.
func (b *Builder) warnConflictingNames() {
	for _, key := range b.listen.order {
		o := b.listen.byKey[key]
		owner := map[string]*gateway.Server{}
		for _, srv := range o.servers {
			names := srv.Names
			if len(names) == 0 {
				names = []string{""}
			}
			for _, name := range names {
				if strings.HasPrefix(name, "~") {
					continue
				}
				if s, ok := owner[name]; ok && s != srv {
					b.Warnings = append(b.Warnings, fmt.Sprintf("conflicting server name \"%s\" on %s, ignored", name, o.Text))
					continue
				}
				owner[name] = srv
			}
		}
	}
}

// setServer is a server{} block of http{}.
func setServer(bl *Block, n *Node) error {
	srv := &gateway.Server{}
	srv.Root = &gateway.Location{Match: gateway.MatchServer, Server: srv, Core: baseCore()}
	b := bl.B
	b.Config.Servers = append(b.Config.Servers, srv)
	child := bl.newChild(n, Server, srv.Root, nil)
	child.Server = srv
	if err := child.Run(n.Block); err != nil {
		return err
	}
	if !b.extra.hasListen[srv] {
		return defaultListen(b, n, srv)
	}
	return nil
}

// hostname is what "$hostname" in server_name stands for.
var (
	hostname        = os.Hostname
	defaultHostname = os.Hostname
)

// setServerName is "server_name name ...": exact names, "*.wildcards",
// "wildcards.*", ".example.com", "~regex", "" and "$hostname".
func setServerName(bl *Block, n *Node) error {
	srv := bl.Server
	for _, name := range n.Args {
		if (strings.HasPrefix(name, "*") && (len(name) < 3 || name[1] != '.')) || (strings.HasPrefix(name, ".") && len(name) < 2) {
			return Errorf(n, "server name \"%s\" is invalid", name)
		}
		if strings.Contains(name, "/") {
			bl.B.Warnf(n, "server name \"%s\" has suspicious symbols", name)
		}
		if strings.EqualFold(name, "$hostname") {
			h, err := hostname()
			if err != nil {
				return Errorf(n, "gethostname() failed (%s)", sysErrText(err))
			}
			name = h
		}
		if !strings.HasPrefix(name, "~") {
			srv.Names = append(srv.Names, strings.ToLower(name))
			continue
		}
		if len(name) == 1 {
			return Errorf(n, "empty regex in server name \"%s\"", name)
		}
		re, err := compileRegex(name[1:], false)
		if err != nil {
			return Errorf(n, "%s", err)
		}
		bl.B.Vars().DeclareCaptures(re)
		srv.Names = append(srv.Names, name)
	}
	return nil
}

// regexError is a pattern that does not compile, worded as nginx's PCRE
// errors: `pcre2_compile() failed: <reason> in "<pattern>" [at "<rest>"]`.
type regexError struct {
	pattern string
	reason  string
	at      int // offset of the error in pattern; len(pattern) prints no "at"
}

func (e *regexError) Error() string {
	s := "pcre2_compile() failed: " + e.reason + " in \"" + e.pattern + "\""
	if e.at >= 0 && e.at < len(e.pattern) {
		s += " at \"" + e.pattern[e.at:] + "\""
	}
	return s
}

// compileRegex compiles a configuration regex (caseless for "~*").
func compileRegex(pattern string, caseless bool) (*regexp.Regexp, error) {
	expr := pattern
	if caseless {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err == nil {
		return re, nil
	}
	e := &regexError{pattern: pattern, reason: err.Error(), at: len(pattern)}
	se, ok := err.(*syntax.Error)
	if !ok {
		return nil, e
	}
	// Where PCRE2 would stop: at the last byte of the offending piece,
	// or at the end for unterminated groups and classes.
	last := len(pattern)
	if i := strings.Index(pattern, se.Expr); i >= 0 && se.Expr != "" {
		last = i + len(se.Expr) - 1
	}
	switch se.Code {
	case syntax.ErrMissingParen:
		e.reason = "missing closing parenthesis"
	case syntax.ErrMissingBracket:
		e.reason = "missing terminating ] for character class"
	case syntax.ErrTrailingBackslash:
		e.reason = "\\ at end of pattern"
	case syntax.ErrUnexpectedParen:
		e.reason, e.at = "unmatched closing parenthesis", unmatchedParen(pattern)
	case syntax.ErrMissingRepeatArgument, syntax.ErrInvalidRepeatOp:
		e.reason, e.at = "quantifier does not follow a repeatable item", last
	case syntax.ErrInvalidCharRange:
		e.reason, e.at = "range out of order in character class", last
	case syntax.ErrInvalidRepeatSize:
		e.reason, e.at = "number too big in {} quantifier", last
		var lo, hi int
		if n, _ := fmt.Sscanf(se.Expr, "{%d,%d}", &lo, &hi); n == 2 && lo > hi {
			e.reason = "numbers out of order in {} quantifier"
		}
	case syntax.ErrInvalidEscape:
		e.reason, e.at = "unrecognized character follows \\", last+1
	default:
		e.reason = string(se.Code) + ": " + se.Expr
	}
	return nil, e
}

// unmatchedParen returns the offset of the first ")" without its "(",
// skipping escapes and character classes.
func unmatchedParen(p string) int {
	depth, class := 0, false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return len(p)
}

// setLocation is "location [=|~|~*|^~] uri { }" and "location @name { }",
// with nginx's nesting rules.
func setLocation(bl *Block, n *Node) error {
	kind, name, err := locationName(n)
	if err != nil {
		return err
	}
	loc := &gateway.Location{Name: name, Match: kind, Server: bl.Server, Core: baseCore()}
	if kind == gateway.MatchNamed {
		// The router finds named locations by the name without "@", the
		// form gateway.Named takes.
		loc.Name = name[1:]
	}
	if kind == gateway.MatchRegex || kind == gateway.MatchRegexCaseless {
		if loc.Regex, err = compileRegex(name, kind == gateway.MatchRegexCaseless); err != nil {
			return Errorf(n, "%s", err)
		}
		bl.B.Vars().DeclareCaptures(loc.Regex)
	}
	parent := bl.Loc
	if bl.Ctx == Location {
		switch {
		case parent.Match == gateway.MatchExact:
			return Errorf(n, "location \"%s\" cannot be inside the exact location \"%s\"", name, parent.Name)
		case parent.Match == gateway.MatchNamed:
			return Errorf(n, "location \"%s\" cannot be inside the named location \"@%s\"", name, parent.Name)
		case kind == gateway.MatchNamed:
			return Errorf(n, "named location \"%s\" can be on the server level only", name)
		case loc.Regex == nil && !strings.HasPrefix(name, parent.Name):
			return Errorf(n, "location \"%s\" is outside location \"%s\"", name, parent.Name)
		}
	}
	for _, sib := range parent.Children {
		if sib.Name == name && (kind == gateway.MatchExact && sib.Match == gateway.MatchExact ||
			inclusive(kind) && inclusive(sib.Match)) {
			return Errorf(n, "duplicate location \"%s\"", name)
		}
	}
	loc.Parent = parent
	parent.Children = append(parent.Children, loc)
	_, err = bl.Nest(n, Location, loc, nil)
	return err
}

func inclusive(k gateway.MatchKind) bool {
	return k == gateway.MatchPrefix || k == gateway.MatchPrefixNoRegex
}

// locationName reads the modifier and name of a location directive,
// written apart ("~ \.php$") or joined ("~\.php$").
func locationName(n *Node) (gateway.MatchKind, string, error) {
	if len(n.Args) == 2 {
		switch n.Args[0] {
		case "=":
			return gateway.MatchExact, n.Args[1], nil
		case "^~":
			return gateway.MatchPrefixNoRegex, n.Args[1], nil
		case "~":
			return gateway.MatchRegex, n.Args[1], nil
		case "~*":
			return gateway.MatchRegexCaseless, n.Args[1], nil
		}
		return 0, "", Errorf(n, "invalid location modifier \"%s\"", n.Args[0])
	}
	name := n.Args[0]
	switch {
	case strings.HasPrefix(name, "="):
		return gateway.MatchExact, name[1:], nil
	case strings.HasPrefix(name, "^~"):
		return gateway.MatchPrefixNoRegex, name[2:], nil
	case strings.HasPrefix(name, "~*"):
		return gateway.MatchRegexCaseless, name[2:], nil
	case strings.HasPrefix(name, "~"):
		return gateway.MatchRegex, name[1:], nil
	case strings.HasPrefix(name, "@"):
		return gateway.MatchNamed, name, nil
	}
	return gateway.MatchPrefix, name, nil
}

// httpMethods are the methods limit_except knows.
var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL", "COPY", "MOVE", "OPTIONS", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH"}

// setLimitExcept is "limit_except method ... { }": requests with other
// methods get the block's configuration (its access rules). GET implies
// HEAD.
func setLimitExcept(bl *Block, n *Node) error {
	loc := bl.Loc
	if loc.LimitExcept != nil {
		return Duplicate(n)
	}
	var methods []string
	for _, a := range n.Args {
		m := ""
		for _, known := range httpMethods {
			if strings.EqualFold(a, known) {
				m = known
				break
			}
		}
		if m == "" {
			return Errorf(n, "invalid method \"%s\"", a)
		}
		methods = append(methods, m)
	}
	le := &gateway.Location{Name: loc.Name, Match: gateway.MatchLimitExcept, Parent: loc, Server: loc.Server, Core: baseCore()}
	loc.LimitExcept, loc.LimitExceptMethods = le, methods
	_, err := bl.Nest(n, LimitExcept, le, nil)
	return err
}
