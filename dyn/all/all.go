package all

import (
	_ "github.com/gonjet/gonjet/dyn/dynups"
	_ "github.com/gonjet/gonjet/dyn/kv"
	_ "github.com/gonjet/gonjet/dyn/upstreamapi"
	_ "github.com/gonjet/gonjet/dyn/vts"
)
