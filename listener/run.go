package listener

import "github.com/gonjet/gonjet/gateway"

// Run builds a gateway for cfg and serves it on cfg's listen sockets with
// the HTTP/1 engine until the process ends: the one call a main.go needs.
func Run(cfg *gateway.Config) error {
	g, err := gateway.New(cfg)
	if err != nil {
		return err
	}
	return ListenAndServe(g)
}
