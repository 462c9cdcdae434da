// Package vts counts traffic per virtual server, per upstream peer and per
// user-defined key, and shows the counts as a status page: GoNJet's
// version of nginx-module-vts as OpenNJet ships it (njt_http_vtsc_module
// collects, njt_http_vtsd_module displays).
//
// A Zone holds the counters. Zones live in a process-wide registry keyed
// by name, so the configuration that replaces another on reload keeps
// counting where it left off, and a control-plane configuration can show
// the zone of the data plane, as nginx workers share a shared memory
// zone. A Collector, a log-phase filter, counts each request under its
// server name (serverZones, with "*" the total), under each filter key
// (filterZones) and under the upstream peer that answered it
// (upstreamZones, with the peer's weight, max_fails, fail_timeout, backup
// and down settings taken from the upstream package). Writers take no
// lock: every node spreads its counters over shards.
//
// A Display, a content handler, renders a zone's Report as
// nginx-module-vts's JSON (the field names and order of OpenNJet's
// module, which also has njetVersion, a per-peer "timeout" count and the
// request-delay percentiles p50reqdelayMsecr...), JSONP, Prometheus text
// (nginx_vts_* metrics) or a self-contained HTML page that polls the JSON.
// The format is the one the URI names ("/status/format/prometheus") or
// the configured one; ".../control?cmd=status|reset|delete&group=...&zone=..."
// reads, zeroes or deletes nodes.
//
// In njet.conf:
//
//	http {
//	    vhost_traffic_status_zone;                 # shared:NAME:SIZE, default njt_http_vhost_traffic_status, 1m
//	    vhost_traffic_status_filter_by_set_key $uri uris::$server_name;
//	    server {
//	        listen 8080;
//	        location /api { proxy_pass http://backend; }
//	        location /metrics {
//	            vhost_traffic_status off;          # do not count the status page
//	            vhost_traffic_status_display;
//	            vhost_traffic_status_display_format html;
//	        }
//	    }
//	}
//
// The other directives of the module are supported with their meaning:
// vhost_traffic_status on|off, vhost_traffic_status_filter,
// vhost_traffic_status_filter_by_host, vhost_traffic_status_filter_check_duplicate,
// vhost_traffic_status_filter_max_node, vhost_traffic_status_average_method,
// vhost_traffic_status_histogram_buckets, vhost_traffic_status_bypass_stats,
// vhost_traffic_status_limit, vhost_traffic_status_limit_traffic,
// vhost_traffic_status_limit_traffic_by_set_key,
// vhost_traffic_status_limit_check_duplicate, vhost_traffic_status_bypass_limit,
// vhost_traffic_status_set_by_filter, vhost_traffic_status_dump (GoNJet's
// own file format: counters only), vhost_traffic_status_display_jsonp and
// vhost_traffic_status_display_sum_key.
//
// From Go, without a configuration file:
//
//	z := vts.OpenZone("traffic", 32<<20)
//	defer z.Close()
//	col := vts.NewCollector(z, vts.CollectorOptions{ServerName: "example.com"})
//	api.Use(gateway.PhaseLog, col)
//	status.Content = vts.NewDisplay(vts.DisplayOptions{Zone: z, Format: vts.FormatPrometheus})
//	rep := z.Report(vts.ReportOptions{Average: vts.DefaultAverage})
//	fmt.Println(rep.Server("example.com").RequestCounter)
//
// The connection counters of the page come from SetConnectionsSource,
// which the component owning the sockets sets; cache counters stay 0 until
// a cache module defines $upstream_cache_status, and cacheZones is not
// shown.
package vts
