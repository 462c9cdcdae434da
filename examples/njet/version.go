package main

import (
	"runtime"
	"strings"

	"github.com/gonjet/gonjet/gateway/conf"
)

// A module of nginx's build, with the directive whose presence proves
// that GoNJet has it. Optional modules (off in nginx by default) print
// --with-NAME when present; default modules print --without-NAME when
// absent, so that tools reading "-V" see exactly what this build does.
type buildModule struct {
	flag      string // as in nginx's configure: http_realip_module
	directive string
	optional  bool
}

var buildModules = []buildModule{
	{"http_ssl_module", "ssl_certificate", true},
	{"http_v2_module", "http2", true},
	{"http_v3_module", "http3", true},
	{"http_realip_module", "set_real_ip_from", true},
	{"http_sub_module", "sub_filter", true},
	{"http_auth_request_module", "auth_request", true},
	{"http_addition_module", "add_before_body", true},
	{"http_dav_module", "dav_methods", true},
	{"http_flv_module", "flv", true},
	{"http_mp4_module", "mp4", true},
	{"http_gunzip_module", "gunzip", true},
	{"http_gzip_static_module", "gzip_static", true},
	{"http_random_index_module", "random_index", true},
	{"http_secure_link_module", "secure_link", true},
	{"http_slice_module", "slice", true},
	{"http_stub_status_module", "stub_status", true},
	{"stream", "stream", true},
	{"http_charset_module", "charset", false},
	{"http_gzip_module", "gzip", false},
	{"http_ssi_module", "ssi", false},
	{"http_userid_module", "userid", false},
	{"http_access_module", "allow", false},
	{"http_auth_basic_module", "auth_basic", false},
	{"http_mirror_module", "mirror", false},
	{"http_autoindex_module", "autoindex", false},
	{"http_geo_module", "geo", false},
	{"http_map_module", "map", false},
	{"http_split_clients_module", "split_clients", false},
	{"http_referer_module", "valid_referers", false},
	{"http_rewrite_module", "rewrite", false},
	{"http_proxy_module", "proxy_pass", false},
	{"http_fastcgi_module", "fastcgi_pass", false},
	{"http_uwsgi_module", "uwsgi_pass", false},
	{"http_scgi_module", "scgi_pass", false},
	{"http_grpc_module", "grpc_pass", false},
	{"http_memcached_module", "memcached_pass", false},
	{"http_limit_conn_module", "limit_conn", false},
	{"http_limit_req_module", "limit_req", false},
	{"http_empty_gif_module", "empty_gif", false},
	{"http_browser_module", "modern_browser", false},
	{"http_upstream_hash_module", "hash", false},
	{"http_upstream_ip_hash_module", "ip_hash", false},
	{"http_upstream_least_conn_module", "least_conn", false},
	{"http_upstream_random_module", "random", false},
	{"http_upstream_keepalive_module", "keepalive", false},
	{"http_upstream_zone_module", "zone", false},
	{"http_upstream_sticky", "sticky", false},
	{"http-cache", "proxy_cache", false},
	{"http_tunnel_module", "tunnel_pass", false},
}

// configureArguments prints the modules of this build in the words of
// nginx's configure script.
func configureArguments() string {
	args := []string{"--prefix=" + strings.TrimSuffix(defaultPrefix, "/"), "--conf-path=" + defaultPrefix + "njet.conf"}
	for _, m := range buildModules {
		have := conf.HasDirective(m.directive)
		switch {
		case m.optional && have:
			args = append(args, "--with-"+m.flag)
		case !m.optional && !have:
			args = append(args, "--without-"+m.flag)
		}
	}
	return strings.Join(args, " ")
}

func goVersion() string { return runtime.Version() }
