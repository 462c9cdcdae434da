package static

import (
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// Config is how one location maps request URIs to files and serves them:
// nginx's root, alias, index, try_files and autoindex settings of a
// location, already merged with the enclosing levels.
type Config struct {
	// Root is the document root: the file for a request is Root followed
	// by the URI ("root /var/www" serves /a.html from /var/www/a.html).
	// A relative root is taken relative to Prefix. Nil Root and nil Alias
	// mean "html" under Prefix, nginx's default.
	Root *gateway.Template
	// Alias, when not nil, is used instead of Root: it replaces the first
	// AliasLen bytes of the URI, the part the location's prefix matched
	// ("location /i/ { alias /data/w3/images/; }" serves /i/top.gif from
	// /data/w3/images/top.gif). In a regular-expression location
	// (AliasRegex) the alias is the whole file path, usually built from
	// the location's captures.
	Alias      *gateway.Template
	AliasLen   int
	AliasRegex bool
	// Prefix is the directory relative roots and aliases are resolved
	// against (the -p prefix of njet, with a trailing slash).
	Prefix string
	// Index names the files tried, in order, for a URI that ends in '/';
	// nil means "index.html". The first one that exists answers through
	// an internal redirect to its URI. The last name may be an absolute
	// URI ("/index.php"), which is redirected to without a test.
	Index []*gateway.Template
	// TryFiles, when not nil, runs before the content handler: it picks
	// the first candidate file that exists, or falls back.
	TryFiles *TryFiles
	// Autoindex answers URIs ending in '/' that have no index file with
	// a listing of the directory.
	Autoindex Autoindex

	// prepared form of Root/Alias
	baseTpl  *gateway.Template // static ones made absolute
	alias    bool
	dynDir   string // prepended to a dynamic root that is not absolute
	dynCheck bool   // dynamic root starting with '$': resolve at run time
	index    []*gateway.Template
}

// TryFiles is the try_files list: Files are checked in order and the
// first that exists becomes the request's URI; when none does, the
// request goes to Fallback (a URI, possibly with arguments, or "@name"),
// or finishes with Code when it is not 0 ("=404").
type TryFiles struct {
	Files    []TryFile
	Fallback *gateway.Template
	Code     int
}

// TryFile is one try_files candidate. Dir asks for a directory instead of
// a file (written with a trailing slash, "$uri/").
type TryFile struct {
	Name *gateway.Template
	Dir  bool
}

// Autoindex configures directory listings.
type Autoindex struct {
	On bool
	// Format is "html" (the default), "json", "jsonp" or "xml".
	Format string
	// ExactSize prints file sizes in bytes in HTML listings instead of
	// rounded to K, M or G.
	ExactSize bool
	// Localtime prints HTML listing times in local time instead of UTC.
	Localtime bool
}

var (
	extKey = gateway.NewExtKey()
	reqKey = gateway.NewCtxKey()
)

var defaultIndex = []*gateway.Template{gateway.StaticTemplate("index.html")}

// Install attaches cfg to loc: it becomes the location's file mapping
// (also mirrored into loc.Core.Root and loc.Core.Alias), its try_files
// filter is added to the pre-content phase, and the static handler
// becomes the location's content handler unless the location already
// has one or is an if/limit_except block (those keep the content handler
// of their location). Call it once per location while building a Config.
func Install(loc *gateway.Location, cfg *Config) {
	attach(loc, cfg)
	if loc.Content == nil && loc.Match != gateway.MatchIf && loc.Match != gateway.MatchLimitExcept {
		loc.Content = Handler
	}
}

func attach(loc *gateway.Location, cfg *Config) {
	cfg.prepare()
	loc.SetExt(extKey, cfg)
	if cfg.alias {
		loc.Core.Alias, loc.Core.Root = cfg.baseTpl, nil
	} else {
		loc.Core.Root, loc.Core.Alias = cfg.baseTpl, nil
	}
	if cfg.TryFiles != nil {
		loc.Use(gateway.PhasePreContent, &tryFilesFilter{tf: cfg.TryFiles})
	}
}

// prepare computes the request-time form of the root or alias.
func (cfg *Config) prepare() {
	tpl := cfg.Root
	cfg.alias = cfg.Alias != nil
	if cfg.alias {
		tpl = cfg.Alias
	}
	if tpl == nil {
		tpl = gateway.StaticTemplate("html")
	}
	raw := tpl.Raw()
	abs := strings.HasPrefix(raw, "/")
	cfg.dynDir, cfg.dynCheck = "", false
	if tpl.IsStatic() {
		if !cfg.alias && strings.HasSuffix(raw, "/") {
			raw = raw[:len(raw)-1]
		}
		if !abs {
			raw = cfg.Prefix + raw
		}
		tpl = gateway.StaticTemplate(raw)
	} else {
		switch {
		case strings.HasPrefix(raw, "$"):
			cfg.dynCheck = true
		case !abs:
			cfg.dynDir = cfg.Prefix
		}
	}
	cfg.baseTpl = tpl
	cfg.index = cfg.Index
	if len(cfg.index) == 0 {
		cfg.index = defaultIndex
	}
}

// ConfigOf returns the configuration Install attached to loc, or nil.
func ConfigOf(loc *gateway.Location) *Config {
	if loc == nil {
		return nil
	}
	cfg, _ := loc.ExtValue(extKey).(*Config)
	return cfg
}

// configFor returns the configuration of the request's current location;
// a location built by hand without Install maps URIs with its Core.Root
// or Core.Alias.
func configFor(c *gateway.Ctx) *Config {
	if cfg := ConfigOf(c.Loc); cfg != nil {
		return cfg
	}
	cfg := &Config{Root: c.Loc.Core.Root, Alias: c.Loc.Core.Alias}
	if cfg.Alias != nil {
		switch c.Loc.Match {
		case gateway.MatchRegex, gateway.MatchRegexCaseless:
			cfg.AliasRegex = true
		default:
			cfg.AliasLen = len(c.Loc.Name)
		}
	}
	cfg.prepare()
	return cfg
}

// reqState is what try_files leaves for the content handler: with an
// alias in a regex location the URI it found is appended to the alias
// (nginx's add_uri_to_alias). It is valid while the URI it was made for
// is the request's URI, since an internal redirect resets it.
type reqState struct {
	uri string
}

func addURIToAlias(c *gateway.Ctx) bool {
	st, _ := c.Data(reqKey).(*reqState)
	return st != nil && st.uri == c.URI
}

// root evaluates the root or alias for the request, made absolute.
func (cfg *Config) root(c *gateway.Ctx) string {
	if cfg.baseTpl.IsStatic() {
		return cfg.baseTpl.Raw()
	}
	r := cfg.baseTpl.Eval(c)
	if cfg.dynDir != "" {
		return cfg.dynDir + r
	}
	if cfg.dynCheck && !strings.HasPrefix(r, "/") {
		return cfg.Prefix + r
	}
	return r
}

// mapURI is nginx's ngx_http_map_uri_to_path: the file path for uri and
// the length of its root part.
func (cfg *Config) mapURI(c *gateway.Ctx, uri string) (path string, rootLen int) {
	root, rest := cfg.mapURIParts(c, uri)
	return root + rest, len(root)
}

// mapURIParts is mapURI with the path left in its two parts, the root
// (or alias) and the rest of the URI, for callers that join them without
// making a string.
func (cfg *Config) mapURIParts(c *gateway.Ctx, uri string) (root, rest string) {
	root = cfg.root(c)
	if !cfg.alias {
		return root, uri
	}
	if cfg.AliasRegex {
		if !addURIToAlias(c) {
			return root, ""
		}
		return root, uri
	}
	skip := cfg.AliasLen
	if skip > len(uri) {
		skip = len(uri)
	}
	return root, uri[skip:]
}

// DocumentRoot returns the root or alias that applies to the request
// ($document_root).
func DocumentRoot(c *gateway.Ctx) string { return configFor(c).root(c) }

// Filename returns the file the request's URI maps to
// ($request_filename).
func Filename(c *gateway.Ctx) string {
	p, _ := configFor(c).mapURI(c, c.URI)
	return p
}
