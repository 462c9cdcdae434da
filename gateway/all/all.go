package all

import (
	_ "github.com/gonjet/gonjet/gateway/filter/access"
	_ "github.com/gonjet/gonjet/gateway/filter/authbasic"
	_ "github.com/gonjet/gonjet/gateway/filter/gzip"
	_ "github.com/gonjet/gonjet/gateway/filter/headers"
	_ "github.com/gonjet/gonjet/gateway/filter/maps"
	_ "github.com/gonjet/gonjet/gateway/filter/realip"
	_ "github.com/gonjet/gonjet/gateway/filter/rewrite"
	_ "github.com/gonjet/gonjet/gateway/filter/splitclients"
	_ "github.com/gonjet/gonjet/gateway/filter/ssi"
	_ "github.com/gonjet/gonjet/gateway/proxy"
	_ "github.com/gonjet/gonjet/gateway/static"
	_ "github.com/gonjet/gonjet/telemetry"
	_ "github.com/gonjet/gonjet/telemetry/vts"
	_ "github.com/gonjet/gonjet/upstream"
)
