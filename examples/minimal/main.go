package main

import (
	"log"
	"os"

	"github.com/gonjet/gonjet/gateway"
	_ "github.com/gonjet/gonjet/gateway/all"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/listener"
)

// main proxies /api/ on address $1 to the backends $2 and $3 by round robin.
func main() {
	res, err := conf.LoadString(`http { upstream api { server `+os.Args[2]+`; server `+os.Args[3]+`; }
		server { listen `+os.Args[1]+`; location /api/ { proxy_pass http://api; } } }`, conf.Options{})
	if err != nil {
		log.Fatal(err)
	}
	res.Config.Servers[0].Root.Use(gateway.PhaseServerRewrite, gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		c.Req.Header.Set("X-Gateway", "gonjet") // a Go filter: the backends see who forwarded the request
		return gateway.Continue
	}))
	log.Fatal(listener.Run(res.Config))
}
