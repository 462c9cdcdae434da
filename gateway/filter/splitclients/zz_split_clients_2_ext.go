package splitclients

import (
	"math/rand/v2"
	"strconv"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// split_clients_2 is OpenNJet's traffic split whose shares the dynamic
// API (/api/v1/config/http_split_clients_2) changes at run time:
//
//	split_clients_2 $backend {
//	    10% backend1;
//	    *   backend2;
//	}
//
// Unlike split_clients it hashes nothing: each request draws at random,
// so 10% of the requests (not of the clients) get backend1. Exactly two
// lines are allowed, the second being "*", and percentages are whole
// numbers.

var _ = conf.Register(&conf.Module{
	Name: "split_clients_2",
	Directives: []conf.Directive{
		{Name: "split_clients_2", Context: conf.HTTP, Args: conf.Take1, Block: true, Raw: true, Set: setSplit2},
	},
})

// Split2 is a two-way random split: Percent of the requests get First,
// the others Rest.
type Split2 struct {
	Percent     int
	First, Rest string
}

// Pick draws the value for one request.
func (s *Split2) Pick() string {
	if s.Percent > 0 && rand.IntN(100) < s.Percent {
		return s.First
	}
	return s.Rest
}

func setSplit2(bl *conf.Block, n *conf.Node) error {
	name := n.Args[0]
	if name == "" || name[0] != '$' {
		return conf.Errorf(n, "invalid variable name \"%s\"", name)
	}
	type line struct {
		last    bool
		percent int
		value   string
	}
	var lines []line
	for _, e := range n.Block {
		if e.Block != nil {
			return conf.Errorf(e, "unexpected \"{\"")
		}
		if len(e.Args) > 1 {
			return conf.Errorf(e, "split_clients_2 config error, semicolon is missing")
		}
		if len(e.Args) == 0 {
			return conf.Errorf(e, "invalid number of the split_clients_2 parameters")
		}
		l := line{value: e.Args[0]}
		if e.Name == "*" {
			l.last = true
		} else {
			p, ok := atoiPercent(e.Name)
			if !ok {
				return conf.Errorf(e, "percentage should be an integer, invalid percent value \"%s\", ", e.Name)
			}
			l.percent = p
		}
		lines = append(lines, l)
	}
	if len(lines) != 2 {
		return conf.Errorf(n, "split clients 2 should be configured with 2 groups, check if there are more than 2 lines")
	}
	if lines[0].last || !lines[1].last {
		return conf.Errorf(n, "split clients 2 should be configured with 2 groups only, and second line should be started with * ")
	}
	if lines[0].percent > 100 {
		return conf.Errorf(n, "percent total is greater than 100%%")
	}
	s := &Split2{Percent: lines[0].percent, First: lines[0].value, Rest: lines[1].value}
	bl.B.Vars().Define(gateway.Var{Name: name[1:], Get: func(*gateway.Ctx) (string, bool) { return s.Pick(), true }})
	return nil
}

// atoiPercent reads "N%" with N digits only, as njt_atoi.
func atoiPercent(s string) (int, bool) {
	if len(s) < 2 || s[len(s)-1] != '%' {
		return 0, false
	}
	digits := s[:len(s)-1]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.Atoi(digits)
	return v, err == nil
}
