package vts_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/conf"
)

func TestDirectiveErrorsReadAsNginx(t *testing.T) {
	tests := []struct {
		name, http, loc, want string
	}{
		{"zone twice", "vhost_traffic_status_zone; vhost_traffic_status_zone;", "",
			`"vhost_traffic_status_zone" directive is duplicate in line 2`},
		{"zone bad parameter", "vhost_traffic_status_zone other:x:1m;", "",
			`invalid parameter "other:x:1m" in line 2`},
		{"zone without size", "vhost_traffic_status_zone shared:x;", "",
			`invalid shared size "shared:x" in line 2`},
		{"zone bad size", "vhost_traffic_status_zone shared:x:1g;", "",
			`invalid shared size "shared:x:1g" in line 2`},
		{"zone too small", "vhost_traffic_status_zone shared:x:16k;", "",
			`shared "shared:x:16k" is too small in line 2`},
		{"zone in server", "", "vhost_traffic_status_zone;",
			`"vhost_traffic_status_zone" directive is not allowed here in line 6`},
		{"flag value", "vhost_traffic_status maybe;", "",
			`invalid value "maybe" in "vhost_traffic_status" directive, it must be "on" or "off" in line 2`},
		{"flag twice", "", "vhost_traffic_status on; vhost_traffic_status off;",
			`"vhost_traffic_status" directive is duplicate in line 6`},
		{"empty filter key", `vhost_traffic_status_filter_by_set_key "" x;`, "",
			`empty key pattern in line 2`},
		{"unknown variable in key", `vhost_traffic_status_filter_by_set_key $nosuch x;`, "",
			`unknown "nosuch" variable`},
		{"display format", "", "vhost_traffic_status_display_format xml;",
			`invalid value "xml" in "vhost_traffic_status_display_format" directive in line 6`},
		{"display at http", "vhost_traffic_status_display;", "",
			`"vhost_traffic_status_display" directive is not allowed here in line 2`},
		{"average method", "", "vhost_traffic_status_average_method EMA;",
			`invalid value "EMA" in "vhost_traffic_status_average_method" directive in line 6`},
		{"average period", "", "vhost_traffic_status_average_method WMA x;",
			`invalid parameter "x" in line 6`},
		{"bucket zero", "vhost_traffic_status_histogram_buckets 0.0005;", "",
			`invalid parameter "0.0005" in line 2`},
		{"bucket text", "vhost_traffic_status_histogram_buckets 1 a;", "",
			`invalid parameter "a" in line 2`},
		{"max node", "vhost_traffic_status_filter_max_node -1;", "",
			`invalid number of filter_max_node "-1" in line 2`},
		{"limit without size", "", "vhost_traffic_status_limit_traffic in;",
			`limit_traffic() empty size pattern in line 6`},
		{"limit bad size", "", "vhost_traffic_status_limit_traffic in:x;",
			`limit_traffic() invalid limit size "in:x" in line 6`},
		{"limit on vts variable", "", "vhost_traffic_status_limit_traffic $vts_x:1;",
			`limit_traffic() $vts_* is not allowed here in line 6`},
		{"limit by key empty", "", `vhost_traffic_status_limit_traffic_by_set_key "" in:1;`,
			`limit_traffic_by_set_key() empty key pattern in line 6`},
		{"set by filter name", "", "vhost_traffic_status_set_by_filter x server/a/requestCounter;",
			`invalid variable name "x" in line 6`},
		{"dump period", "vhost_traffic_status_dump /tmp/x never;", "",
			`invalid parameter "never" in line 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "http {\n" + tt.http + "\n    server {\n        listen 80;\n        location / {\n" + tt.loc + "\n        }\n    }\n}\n"
			_, err := conf.LoadString(src, conf.Options{Prefix: t.TempDir()})
			require.Error(t, err)
			require.Equal(t, tt.want, err.Error())
		})
	}
}

func TestDirectivesAcceptTheirForms(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone shared:vts:32m;
    vhost_traffic_status_filter_max_node 16 uris client::ports;
    vhost_traffic_status_average_method WMA 30s;
    vhost_traffic_status_histogram_buckets 0.005 0.01 0.05 0.1 0.5 1 5 10;
    vhost_traffic_status_filter_check_duplicate off;
    vhost_traffic_status_limit_check_duplicate off;
    vhost_traffic_status_filter on;
    vhost_traffic_status_limit on;
    server {
        listen 80;
        vhost_traffic_status_filter_by_host off;
        vhost_traffic_status_display_sum_key total;
        location /status {
            vhost_traffic_status_bypass_limit on;
            vhost_traffic_status_bypass_stats on;
            vhost_traffic_status_display;
            vhost_traffic_status_display_format json;
            vhost_traffic_status_display_jsonp cb;
        }
    }
}`)
	doc := status(t, g, "/status")
	require.Equal(t, "vts", path(t, doc, "sharedZones", "name"))
	require.EqualValues(t, 32<<20, num(t, doc, "sharedZones", "maxSize"))
	require.Contains(t, path(t, doc, "serverZones"), "total")
}
