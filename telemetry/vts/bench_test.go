package vts

import (
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// BenchmarkCollector measures the log-phase cost of counting one request
// under its server zone, in parallel as workers would.
func BenchmarkCollector(b *testing.B) {
	z := OpenZone("bench", 64<<20)
	defer z.Close()
	col := NewCollector(z, CollectorOptions{ServerName: "example.com"})
	defer col.Close()
	cfg := &gateway.Config{Vars: gateway.NewVarTable()}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := &gateway.Request{Method: "GET", RequestURI: "/", Start: time.Now(), Body: gateway.NoBody, HeaderLength: 100,
			Conn: &gateway.ConnInfo{ID: 1}}
		c := &gateway.Ctx{Req: req, Config: cfg, Status: 200, BytesSent: 500}
		for pb.Next() {
			col.Handle(c)
		}
	})
}
