package all

import (
	_ "github.com/gonjet/gonjet/dyn/bwlist"
	_ "github.com/gonjet/gonjet/dyn/dynheader"
	_ "github.com/gonjet/gonjet/dyn/dynloc"
	_ "github.com/gonjet/gonjet/dyn/dynmap"
	_ "github.com/gonjet/gonjet/dyn/dynsrv"
	_ "github.com/gonjet/gonjet/dyn/dynups"
	_ "github.com/gonjet/gonjet/dyn/httplog"
	_ "github.com/gonjet/gonjet/dyn/kv"
	_ "github.com/gonjet/gonjet/dyn/proxypass"
	_ "github.com/gonjet/gonjet/dyn/splitclients2"
	_ "github.com/gonjet/gonjet/dyn/upstreamapi"
	_ "github.com/gonjet/gonjet/dyn/vts"
)
