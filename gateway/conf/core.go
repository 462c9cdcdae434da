package conf

import (
	"strings"
	"sync"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// coreModule is nginx's ngx_http_core_module (with the copy filter's
// output_buffers): server, location, listen, types, error_page and the
// connection and request settings. It is registered first, so its Apply
// fills Location.Core before any feature's Apply runs.
var coreModule *Module

// Contexts of the core directives.
const (
	hs    = HTTP | Server
	hsl   = HTTP | Server | Location
	hslIf = hsl | LocationIf
)

// nginxDefaultTypes is what a location maps extensions to when no types{}
// block applies: nginx knows only these three without mime.types.
var nginxDefaultTypes = map[string]string{"html": "text/html", "gif": "image/gif", "jpg": "image/jpeg"}

// baseCore holds gateway's defaults for CoreConf fields the core module
// does not manage, so that fields added to CoreConf later keep their
// defaults.
var baseCore = sync.OnceValue(gateway.DefaultCoreConf)

func newCoreConf() any {
	return &coreConf{core: baseCore(), set: make([]bool, len(coreMergers))}
}

// Field indexes the custom setters need.
var fTypes, fErrorPages, fKeepalive, fKeepaliveHeader, fKeepaliveDisable int

func init() {
	coreModule = Register(&Module{
		Name:       "core",
		NewConf:    newCoreConf,
		Merge:      mergeCore,
		Apply:      applyCore,
		Directives: coreDirectives(),
	})
}

func coreDirectives() []Directive {
	ds := []Directive{
		// http{} level.
		slot("variables_hash_max_size", HTTP, Take1, func(c *coreConf) *int { return &c.http.VariablesHashMaxSize }, 1024, parseNum),
		slot("variables_hash_bucket_size", HTTP, Take1, func(c *coreConf) *int { return &c.http.VariablesHashBucketSize }, 64, parseNum),
		slot("server_names_hash_max_size", HTTP, Take1, func(c *coreConf) *int { return &c.http.ServerNamesHashMaxSize }, 512, parseNum),
		slot("server_names_hash_bucket_size", HTTP, Take1, func(c *coreConf) *int { return &c.http.ServerNamesHashBucketSize }, 64, parseNum),

		// server level.
		slot("connection_pool_size", hs, Take1, func(c *coreConf) *int64 { return &c.ext.ConnectionPoolSize }, 512, parsePoolSize),
		slot("request_pool_size", hs, Take1, func(c *coreConf) *int64 { return &c.ext.RequestPoolSize }, 4096, parsePoolSize),
		slot("client_header_timeout", hs, Take1, func(c *coreConf) *time.Duration { return &c.ext.ClientHeaderTimeout }, 60*time.Second, parseMsec),
		slot("client_header_buffer_size", hs, Take1, func(c *coreConf) *int64 { return &c.ext.ClientHeaderBufferSize }, 1024, parseSize),
		slot("large_client_header_buffers", hs, Take2, func(c *coreConf) *Bufs { return &c.ext.LargeClientHeaderBuffers }, Bufs{4, 8192}, parseBufs),
		slot("max_headers", hs, Take1, func(c *coreConf) *int { return &c.ext.MaxHeaders }, 1000, parseNum),
		slot("http2", hs, Flag, func(c *coreConf) *bool { return &c.ext.HTTP2 }, false, parseFlag),
		slot("http2_max_concurrent_streams", hs, Take1, func(c *coreConf) *int { return &c.ext.HTTP2MaxConcurrentStreams }, 128, parseNum),
		slot("http2_body_preread_size", hs, Take1, func(c *coreConf) *int64 { return &c.ext.HTTP2BodyPrereadSize }, 64<<10, parseSize),
		slot("ignore_invalid_headers", hs, Flag, func(c *coreConf) *bool { return &c.srv.IgnoreInvalidHeaders }, true, parseFlag),
		slot("merge_slashes", hs, Flag, func(c *coreConf) *bool { return &c.srv.MergeSlashes }, true, parseFlag),
		slot("underscores_in_headers", hs, Flag, func(c *coreConf) *bool { return &c.srv.UnderscoresInHeaders }, false, parseFlag),

		// location level.
		slot("types_hash_max_size", hsl, Take1, func(c *coreConf) *int { return &c.ext.TypesHashMaxSize }, 1024, parseNum),
		slot("types_hash_bucket_size", hsl, Take1, func(c *coreConf) *int { return &c.ext.TypesHashBucketSize }, 64, parseNum),
		slot("default_type", hsl, Take1, func(c *coreConf) *string { return &c.core.DefaultType }, "text/plain", parseStr),
		slot("client_max_body_size", hsl, Take1, func(c *coreConf) *int64 { return &c.core.ClientMaxBodySize }, 1<<20, parseOff),
		slot("client_body_buffer_size", hsl, Take1, func(c *coreConf) *int64 { return &c.ext.ClientBodyBufferSize }, 8192, parseSize),
		slot("client_body_timeout", hsl, Take1, func(c *coreConf) *time.Duration { return &c.core.ClientBodyTimeout }, 60*time.Second, parseMsec),
		slot("client_body_temp_path", hsl, Take1234, func(c *coreConf) *tempPath { return &c.bodyTemp }, tempPath{Path: "client_body_temp"}, parseTempPath),
		slot("client_body_in_file_only", hsl, Take1, func(c *coreConf) *string { return &c.ext.ClientBodyInFileOnly }, "off", parseEnum("off", "on", "clean")),
		slot("client_body_in_single_buffer", hsl, Flag, func(c *coreConf) *bool { return &c.ext.ClientBodyInSingleBuffer }, false, parseFlag),
		slot("sendfile", hslIf, Flag, func(c *coreConf) *bool { return &c.ext.Sendfile }, false, parseFlag),
		slot("sendfile_max_chunk", hsl, Take1, func(c *coreConf) *int64 { return &c.ext.SendfileMaxChunk }, 2<<20, parseSize),
		slot("subrequest_output_buffer_size", hsl, Take1, func(c *coreConf) *int64 { return &c.ext.SubrequestOutputBufferSize }, 4096, parseSize),
		slot("aio_write", hsl, Flag, func(c *coreConf) *bool { return &c.ext.AioWrite }, false, parseFlag),
		slot("read_ahead", hsl, Take1, func(c *coreConf) *int64 { return &c.ext.ReadAhead }, 0, parseSize),
		slot("directio", hsl, Take1, func(c *coreConf) *int64 { return &c.ext.Directio }, -1, parseDirectio),
		slot("directio_alignment", hsl, Take1, func(c *coreConf) *int64 { return &c.ext.DirectioAlignment }, 512, parseOff),
		slot("tcp_nopush", hsl, Flag, func(c *coreConf) *bool { return &c.ext.TCPNopush }, false, parseFlag),
		slot("tcp_nodelay", hsl, Flag, func(c *coreConf) *bool { return &c.ext.TCPNodelay }, true, parseFlag),
		slot("send_timeout", hsl, Take1, func(c *coreConf) *time.Duration { return &c.core.SendTimeout }, 60*time.Second, parseMsec),
		slot("send_lowat", hsl, Take1, func(c *coreConf) *int64 { return &c.ext.SendLowat }, 0, parseSize),
		slot("postpone_output", hsl, Take1, func(c *coreConf) *int64 { return &c.ext.PostponeOutput }, 1460, parseSize),
		slot("output_buffers", hsl, Take2, func(c *coreConf) *Bufs { return &c.ext.OutputBuffers }, Bufs{2, 32768}, parseBufs),
		slot("limit_rate", hslIf, Take1, func(c *coreConf) *sizeValue { return &c.limitRate }, sizeValue{}, parseSizeValue),
		slot("limit_rate_after", hslIf, Take1, func(c *coreConf) *sizeValue { return &c.limitRateAfter }, sizeValue{}, parseSizeValue),
		slot("keepalive_time", hsl, Take1, func(c *coreConf) *time.Duration { return &c.ext.KeepaliveTime }, time.Hour, parseMsec),
		slot("keepalive_min_timeout", hsl, Take1, func(c *coreConf) *time.Duration { return &c.ext.KeepaliveMinTimeout }, 0, parseMsec),
		slot("keepalive_requests", hsl, Take1, func(c *coreConf) *int { return &c.core.KeepaliveRequests }, 1000, parseNum),
		slot("satisfy", hsl, Take1, func(c *coreConf) *string { return &c.satisfy }, "all", parseEnum("all", "any")),
		slot("auth_delay", hsl, Take1, func(c *coreConf) *time.Duration { return &c.ext.AuthDelay }, 0, parseMsec),
		slot("lingering_close", hsl, Take1, func(c *coreConf) *string { return &c.core.LingeringClose }, "on", parseEnum("off", "on", "always")),
		slot("lingering_time", hsl, Take1, func(c *coreConf) *time.Duration { return &c.ext.LingeringTime }, 30*time.Second, parseMsec),
		slot("lingering_timeout", hsl, Take1, func(c *coreConf) *time.Duration { return &c.ext.LingeringTimeout }, 5*time.Second, parseMsec),
		slot("reset_timedout_connection", hsl, Flag, func(c *coreConf) *bool { return &c.core.ResetTimedoutConn }, false, parseFlag),
		slot("absolute_redirect", hsl, Flag, func(c *coreConf) *bool { return &c.core.AbsoluteRedirect }, true, parseFlag),
		slot("server_name_in_redirect", hsl, Flag, func(c *coreConf) *bool { return &c.core.ServerNameInRedirect }, false, parseFlag),
		slot("port_in_redirect", hsl, Flag, func(c *coreConf) *bool { return &c.core.PortInRedirect }, true, parseFlag),
		slot("msie_padding", hsl, Flag, func(c *coreConf) *bool { return &c.core.MsiePadding }, true, parseFlag),
		slot("msie_refresh", hsl, Flag, func(c *coreConf) *bool { return &c.ext.MsieRefresh }, false, parseFlag),
		slot("log_not_found", hsl, Flag, func(c *coreConf) *bool { return &c.core.LogNotFound }, true, parseFlag),
		slot("log_subrequest", hsl, Flag, func(c *coreConf) *bool { return &c.ext.LogSubrequest }, false, parseFlag),
		slot("recursive_error_pages", hsl, Flag, func(c *coreConf) *bool { return &c.core.RecursiveErrorPages }, false, parseFlag),
		slot("server_tokens", hsl, Take1, func(c *coreConf) *string { return &c.core.ServerTokens }, "on", parseEnum("off", "on", "build")),
		slot("if_modified_since", hsl, Take1, func(c *coreConf) *string { return &c.core.IfModifiedSince }, "exact", parseEnum("off", "exact", "before")),
		slot("max_ranges", hsl, Take1, func(c *coreConf) *int { return &c.core.MaxRanges }, -1, parseNum),
		slot("chunked_transfer_encoding", hsl, Flag, func(c *coreConf) *bool { return &c.core.ChunkedTransfer }, true, parseFlag),
		slot("etag", hsl, Flag, func(c *coreConf) *bool { return &c.core.Etag }, true, parseFlag),
		slot("open_file_cache_valid", hsl, Take1, func(c *coreConf) *time.Duration { return &c.ext.OpenFileCacheValid }, 60*time.Second, parseSec),
		slot("open_file_cache_min_uses", hsl, Take1, func(c *coreConf) *int { return &c.ext.OpenFileCacheMinUses }, 1, parseNum),
		slot("open_file_cache_errors", hsl, Flag, func(c *coreConf) *bool { return &c.ext.OpenFileCacheErrors }, false, parseFlag),
		slot("open_file_cache_events", hsl, Flag, func(c *coreConf) *bool { return &c.ext.OpenFileCacheEvents }, false, parseFlag),
		slot("resolver_timeout", hsl, Take1, func(c *coreConf) *time.Duration { return &c.ext.ResolverTimeout }, 30*time.Second, parseMsec),
		slot("open_file_cache", hsl, Take12, func(c *coreConf) *OpenFileCache { return &c.ext.OpenFileCache }, OpenFileCache{}, parseOpenFileCache),
		slot("disable_symlinks", hsl, Take12, func(c *coreConf) *symlinks { return &c.symlinks }, symlinks{mode: "off"}, parseDisableSymlinks),
		slot("aio", hsl, Take1, func(c *coreConf) *aioValue { return &c.aio }, aioValue{mode: "off"}, parseAio),
		slot("resolver", hsl, OneOrMore, func(c *coreConf) **Resolver { return &c.ext.Resolver }, nil, parseResolver),
		slot("internal", Location, NoArgs, func(c *coreConf) *bool { return &c.core.Internal }, false, func(*Block, *Node) (bool, error) { return true, nil }),
	}
	fTypes = field(func(c *coreConf) *map[string]string { return &c.core.Types }, nginxDefaultTypes)
	fErrorPages = field(func(c *coreConf) *[]gateway.ErrorPage { return &c.core.ErrorPages }, nil)
	fKeepalive = field(func(c *coreConf) *time.Duration { return &c.core.KeepaliveTimeout }, 75*time.Second)
	fKeepaliveHeader = field(func(c *coreConf) *time.Duration { return &c.ext.KeepaliveHeader }, 0)
	fKeepaliveDisable = field(func(c *coreConf) *uint8 { return &c.keepaliveDisable }, kaDisableMSIE6)
	return append(ds,
		Directive{Name: "keepalive_timeout", Context: hsl, Args: Take12, Set: setKeepaliveTimeout},
		Directive{Name: "keepalive_disable", Context: hsl, Args: Take12, Set: setKeepaliveDisable},
		Directive{Name: "error_page", Context: hslIf, Args: TwoOrMore, Set: setErrorPage},
		Directive{Name: "types", Context: hsl, Args: NoArgs, Block: true, Raw: true, Set: setTypes},
		Directive{Name: "http", Context: Main, Args: NoArgs, Block: true, Set: setHTTP},
		Directive{Name: "server", Context: HTTP, Args: NoArgs, Block: true, Set: setServer},
		Directive{Name: "listen", Context: Server, Args: OneOrMore, Set: setListen},
		Directive{Name: "server_name", Context: Server, Args: OneOrMore, Set: setServerName},
		Directive{Name: "location", Context: Server | Location, Args: Take12, Block: true, Set: setLocation},
		Directive{Name: "limit_except", Context: Location, Args: OneOrMore, Block: true, Set: setLimitExcept},
	)
}

// mergeCore is ngx_http_core_merge_srv_conf and _loc_conf.
func mergeCore(parent, child any) error {
	p, c := parent.(*coreConf), child.(*coreConf)
	for _, m := range coreMergers {
		m(p, c)
	}
	if c.ext.LargeClientHeaderBuffers.Size < c.ext.ConnectionPoolSize {
		return &Error{Msg: "the \"large_client_header_buffers\" size must be equal to or greater than \"connection_pool_size\""}
	}
	return nil
}

// applyCore copies the merged settings into the location; root and alias
// belong to the static module and are left alone.
func applyCore(b *Builder, loc *gateway.Location, v any) error {
	c := v.(*coreConf)
	root, alias := loc.Core.Root, loc.Core.Alias
	loc.Core = c.core
	loc.Core.Root, loc.Core.Alias = root, alias
	loc.Core.SatisfyAny = c.satisfy == "any"
	ext := c.ext
	ext.ClientBodyTempPath = b.Path(c.bodyTemp.Path)
	ext.ClientBodyTempLevels = c.bodyTemp.Levels
	ext.KeepaliveDisableMSIE6 = c.keepaliveDisable&kaDisableMSIE6 != 0
	ext.KeepaliveDisableSafari = c.keepaliveDisable&kaDisableSafari != 0
	ext.LimitRate, ext.LimitRateAfter = c.limitRate.tpl, c.limitRateAfter.tpl
	ext.DisableSymlinks, ext.DisableSymlinksFrom = c.symlinks.mode, c.symlinks.from
	ext.Aio, ext.AioThreadPool = c.aio.mode, c.aio.pool
	loc.SetExt(settingsKey, &ext)
	loc.Core.KeepaliveTime = ext.KeepaliveTime
	loc.Core.KeepaliveDisableMSIE6 = ext.KeepaliveDisableMSIE6
	loc.Core.KeepaliveDisableSafari = ext.KeepaliveDisableSafari
	if loc.Match == gateway.MatchServer && loc.Server != nil {
		loc.Server.MergeSlashes = c.srv.MergeSlashes
		loc.Server.UnderscoresInHeaders = c.srv.UnderscoresInHeaders
		loc.Server.IgnoreInvalidHeaders = c.srv.IgnoreInvalidHeaders
	}
	return nil
}

// setKeepaliveTimeout is "keepalive_timeout timeout [header_timeout]".
func setKeepaliveTimeout(bl *Block, n *Node) error {
	c := coreOf(bl)
	if c.set[fKeepalive] {
		return Duplicate(n)
	}
	t, err := ParseDuration(n.Args[0])
	if err != nil {
		return InvalidValue(n)
	}
	var h time.Duration
	if len(n.Args) == 2 {
		if h, err = ParseSeconds(n.Args[1]); err != nil {
			return InvalidValue(n)
		}
	}
	c.core.KeepaliveTimeout, c.ext.KeepaliveHeader = t, h
	c.set[fKeepalive], c.set[fKeepaliveHeader] = true, true
	return nil
}

const (
	kaDisableNone uint8 = 1 << iota
	kaDisableMSIE6
	kaDisableSafari
)

// setKeepaliveDisable is nginx's bitmask slot: values accumulate, a
// repeated value is only a warning.
func setKeepaliveDisable(bl *Block, n *Node) error {
	c := coreOf(bl)
	if !c.set[fKeepaliveDisable] {
		c.keepaliveDisable, c.set[fKeepaliveDisable] = 0, true
	}
	for _, a := range n.Args {
		var bit uint8
		switch strings.ToLower(a) {
		case "none":
			bit = kaDisableNone
		case "msie6":
			bit = kaDisableMSIE6
		case "safari":
			bit = kaDisableSafari
		default:
			return Errorf(n, "invalid value \"%s\"", a)
		}
		if c.keepaliveDisable&bit != 0 {
			bl.B.Warnf(n, "duplicate value \"%s\"", a)
		}
		c.keepaliveDisable |= bit
	}
	return nil
}

// setErrorPage is "error_page code ... [=[response]] uri".
func setErrorPage(bl *Block, n *Node) error {
	c := coreOf(bl)
	if !c.set[fErrorPages] {
		c.core.ErrorPages, c.set[fErrorPages] = nil, true
	}
	args := n.Args
	last := len(args) - 1
	override := 0 // no "=": keep the original status
	codes := args[:last]
	if v := args[last-1]; v != "" && v[0] == '=' {
		if last-1 == 0 {
			return Errorf(n, "invalid value \"%s\"", v)
		}
		if len(v) > 1 {
			o, err := ParseNumber(v[1:])
			if err != nil {
				return Errorf(n, "invalid value \"%s\"", v)
			}
			override = o
		}
		if override == 0 {
			override = -1 // "=": the status the page answers with
		}
		codes = args[:last-1]
	}
	uri, err := bl.Template(n, args[last])
	if err != nil {
		return err
	}
	ep := gateway.ErrorPage{Override: override, URI: uri}
	for _, s := range codes {
		code, err := ParseNumber(s)
		if err != nil || code == 499 {
			return Errorf(n, "invalid value \"%s\"", s)
		}
		if code < 300 || code > 599 {
			return Errorf(n, "value \"%s\" must be between 300 and 599", s)
		}
		page := ep
		page.Codes = []int{code}
		if override == 0 {
			switch code {
			case 494, 495, 496, 497:
				// The special 4xx codes of nginx are sent as 400.
				page.Override = 400
			}
		}
		c.core.ErrorPages = append(c.core.ErrorPages, page)
	}
	return nil
}

// setTypes is "types { mime/type ext ...; }". Several types blocks in
// one level add up; a level without one inherits its parent's table.
func setTypes(bl *Block, n *Node) error {
	c := coreOf(bl)
	if !c.set[fTypes] {
		c.core.Types, c.set[fTypes] = map[string]string{}, true
	}
	for _, t := range n.Block {
		if t.Block != nil {
			return Errorf(t, "unexpected \"{\"")
		}
		for _, ext := range t.Args {
			ext = strings.ToLower(ext)
			if old, dup := c.core.Types[ext]; dup {
				bl.B.Warnf(t, "duplicate extension \"%s\", content type: \"%s\", previous content type: \"%s\"", ext, t.Name, old)
			}
			c.core.Types[ext] = t.Name
		}
	}
	return nil
}
