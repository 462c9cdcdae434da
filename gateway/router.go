package gateway

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// listenGroup is the set of servers sharing one listen socket, with their
// names compiled for lookup: exact, "*.suffix", "prefix.*", then regexes
// in configuration order, as nginx does.
type listenGroup struct {
	key       string
	listen    Listen
	def       *Server
	exact     map[string]*Server
	wildFront []wildName // "*.example.com", longest suffix first
	wildBack  []wildName // "www.example.*", longest prefix first
	regex     []serverRegex
	regexSrv  []*Server
}

type wildName struct {
	part string // ".example.com" or "www.example."
	srv  *Server
}

// locTree is one level of locations compiled for search.
type locTree struct {
	exact    map[string]*Location
	prefixes []*Location // longest name first
	regexes  []*Location // configuration order
	// regexEnd holds, for each regex, the bytes its matches can end
	// with, nil when not known (see endBytes)
	regexEnd []*endBytes
	named    map[string]*Location
}

// Prepare compiles the snapshot: listen groups, server names and location
// trees. It returns the first configuration error, such as a duplicate
// location or listen conflict, in nginx's words.
func (cfg *Config) Prepare() error {
	if cfg.prepared {
		return nil
	}
	if cfg.Vars == nil {
		cfg.Vars = NewVarTable()
	}
	if err := cfg.Vars.Check(); err != nil {
		return err
	}
	cfg.groups = make(map[string]*listenGroup)
	for _, s := range cfg.Servers {
		if len(s.Listens) == 0 {
			s.Listens = []Listen{{Addr: "*:80"}}
		}
		if s.Root == nil {
			s.Root = NewLocation(MatchServer, "")
		}
		s.Root.Match = MatchServer
		setServer(s.Root, s)
		named := map[string]*Location{}
		if err := prepareTree(s.Root, named); err != nil {
			return err
		}
		s.Root.tree.named = named
		s.regexNames = s.regexNames[:0]
		for _, n := range s.Names {
			if strings.HasPrefix(n, "~") {
				expr := n[1:]
				// nginx matches a name with capitals caselessly, since
				// the host it is matched against is lower case
				if strings.ToLower(expr) != expr {
					expr = "(?i)" + expr
				}
				re, err := regexp.Compile(expr)
				if err != nil {
					return fmt.Errorf("invalid server name \"%s\": %v", n, err)
				}
				s.regexNames = append(s.regexNames, serverRegex{re: re, name: n})
			}
		}
		for _, l := range s.Listens {
			g := cfg.groups[l.Key()]
			if g == nil {
				g = &listenGroup{key: l.Key(), listen: l, exact: map[string]*Server{}}
				cfg.groups[l.Key()] = g
				cfg.listenKey = append(cfg.listenKey, l.Key())
			}
			if l.DefaultServer {
				if g.def != nil && g.listen.DefaultServer {
					return fmt.Errorf("a duplicate default server for %s", l.Addr)
				}
				g.def = s
				g.listen = mergeListen(g.listen, l)
			} else if g.def == nil {
				g.def = s
			}
			if err := g.addNames(s); err != nil {
				return err
			}
		}
	}
	for _, g := range cfg.groups {
		sort.SliceStable(g.wildFront, func(i, j int) bool { return len(g.wildFront[i].part) > len(g.wildFront[j].part) })
		sort.SliceStable(g.wildBack, func(i, j int) bool { return len(g.wildBack[i].part) > len(g.wildBack[j].part) })
	}
	cfg.prepared = true
	return nil
}

func mergeListen(a, b Listen) Listen {
	b.SSL = b.SSL || a.SSL
	b.HTTP2 = b.HTTP2 || a.HTTP2
	return b
}

func setServer(l *Location, s *Server) {
	l.Server = s
	for _, c := range l.Children {
		c.Parent = l
		setServer(c, s)
	}
	if l.LimitExcept != nil {
		l.LimitExcept.Parent = l
		setServer(l.LimitExcept, s)
	}
}

func (g *listenGroup) addNames(s *Server) error {
	names := s.Names
	if len(names) == 0 {
		names = []string{""}
	}
	for _, n := range names {
		ln := strings.ToLower(n)
		switch {
		case strings.HasPrefix(n, "~"):
			for _, r := range s.regexNames {
				if r.name == n {
					g.regex = append(g.regex, r)
					g.regexSrv = append(g.regexSrv, s)
				}
			}
		case strings.HasPrefix(ln, "*."):
			g.wildFront = append(g.wildFront, wildName{part: ln[1:], srv: s})
		case strings.HasPrefix(ln, "."):
			if _, dup := g.exact[ln[1:]]; !dup {
				g.exact[ln[1:]] = s
			}
			g.wildFront = append(g.wildFront, wildName{part: ln, srv: s})
		case strings.HasSuffix(ln, ".*"):
			g.wildBack = append(g.wildBack, wildName{part: ln[:len(ln)-1], srv: s})
		default:
			if _, dup := g.exact[ln]; !dup {
				g.exact[ln] = s
			}
		}
	}
	return nil
}

// prepareTree sorts one level of locations and recurses into children.
func prepareTree(l *Location, named map[string]*Location) error {
	t := &locTree{exact: map[string]*Location{}}
	seen := map[string]bool{}
	for _, c := range l.Children {
		c.Parent = l
		switch c.Match {
		case MatchExact:
			if _, dup := t.exact[c.Name]; dup {
				return fmt.Errorf("duplicate location \"%s\"", c.Name)
			}
			t.exact[c.Name] = c
		case MatchPrefix, MatchPrefixNoRegex:
			if seen[c.Name] {
				return fmt.Errorf("duplicate location \"%s\"", c.Name)
			}
			seen[c.Name] = true
			t.prefixes = append(t.prefixes, c)
		case MatchRegex, MatchRegexCaseless:
			if c.Regex == nil {
				expr := c.Name
				if c.Match == MatchRegexCaseless {
					expr = "(?i)" + expr
				}
				re, err := regexp.Compile(expr)
				if err != nil {
					return fmt.Errorf("pcre2_compile() failed: %v in \"%s\"", err, c.Name)
				}
				c.Regex = re
			}
			t.regexes = append(t.regexes, c)
			t.regexEnd = append(t.regexEnd, endBytesOf(c.Regex))
		case MatchNamed:
			// the first of equal names wins, as in nginx
			if _, dup := named[c.Name]; !dup {
				named[c.Name] = c
			}
		}
		if err := prepareTree(c, named); err != nil {
			return err
		}
	}
	sort.SliceStable(t.prefixes, func(i, j int) bool { return len(t.prefixes[i].Name) > len(t.prefixes[j].Name) })
	l.tree = t
	return nil
}

// ListenKeys returns the distinct listen socket keys of the snapshot, in
// configuration order.
func (cfg *Config) ListenKeys() []string { return cfg.listenKey }

// ListenFor returns the merged Listen options of a socket key.
func (cfg *Config) ListenFor(key string) (Listen, bool) {
	g, ok := cfg.groups[key]
	if !ok {
		return Listen{}, false
	}
	return g.listen, true
}

// FindServer picks the server for a request that came in on the listen
// socket key with the given (validated, lower-case) host name. Regex names
// may set captures and variables, hence the Ctx.
func (cfg *Config) FindServer(c *Ctx, key, host string) *Server {
	g := cfg.groups[key]
	if g == nil {
		if len(cfg.Servers) == 0 {
			return nil
		}
		return cfg.Servers[0]
	}
	if s, ok := g.exact[host]; ok {
		return s
	}
	if host != "" {
		for _, w := range g.wildFront {
			if strings.HasSuffix(host, w.part) || (w.part[0] == '.' && host == w.part[1:]) {
				return w.srv
			}
		}
		for _, w := range g.wildBack {
			if strings.HasPrefix(host, w.part) {
				return w.srv
			}
		}
	}
	for i, r := range g.regex {
		if c != nil && c.Config != nil {
			if c.MatchRegex(r.re, host) {
				return g.regexSrv[i]
			}
		} else if r.re.MatchString(host) {
			return g.regexSrv[i]
		}
	}
	return g.def
}

// DefaultServer returns the default server of a listen socket key.
func (cfg *Config) DefaultServer(key string) *Server {
	if g := cfg.groups[key]; g != nil {
		return g.def
	}
	if len(cfg.Servers) > 0 {
		return cfg.Servers[0]
	}
	return nil
}

// findLocation searches the locations nested in l for uri, nginx's way:
// exact match wins at once; otherwise the longest prefix, then its nested
// locations; then, unless that prefix was "^~", the regexes of this level
// in order. It returns nil when nothing at this level matches, and
// redirect=true when the auto-redirect to "uri/" applies.
func (c *Ctx) findLocation(l *Location, uri string) (found *Location, redirect bool) {
	t := l.tree
	if t == nil {
		return nil, false
	}
	if e, ok := t.exact[uri]; ok {
		return e, false
	}
	var prefix *Location
	for _, p := range t.prefixes {
		if strings.HasPrefix(uri, p.Name) {
			prefix = p
			break
		}
	}
	// nginx redirects "/dir" to "/dir/" when a location "/dir/" has a
	// proxy-like handler and nothing matched "/dir" exactly.
	if prefix == nil || len(prefix.Name) < len(uri)+1 {
		for _, p := range t.prefixes {
			if p.AutoRedirect && len(p.Name) == len(uri)+1 && p.Name[len(uri)] == '/' && strings.HasPrefix(p.Name, uri) {
				if prefix == nil || len(prefix.Name) <= len(uri) {
					return p, true
				}
			}
		}
	}
	noRegex := false
	if prefix != nil {
		noRegex = prefix.Match == MatchPrefixNoRegex
		if nested, redir := c.findLocation(prefix, uri); nested != nil {
			if redir || nested.Match == MatchExact || nested.Match == MatchRegex || nested.Match == MatchRegexCaseless {
				return nested, redir
			}
			prefix = nested
		}
	}
	if !noRegex {
		for i, r := range t.regexes {
			if end := t.regexEnd[i]; end != nil && !end.mayMatch(uri) {
				continue
			}
			if c.MatchRegex(r.Regex, uri) {
				if nested, redir := c.findLocation(r, uri); nested != nil {
					return nested, redir
				}
				return r, false
			}
		}
	}
	return prefix, false
}

// NamedLocation returns the server's location "@name".
func (s *Server) NamedLocation(name string) *Location {
	if s.Root == nil || s.Root.tree == nil {
		return nil
	}
	return s.Root.tree.named[name]
}
