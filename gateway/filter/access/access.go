package access

import (
	"fmt"

	"github.com/gonjet/gonjet/gateway"
)

// Rule is one allow or deny line.
type Rule struct {
	// Deny refuses the clients the rule matches; otherwise it lets them
	// in.
	Deny bool
	// All matches every client (IPv4, IPv6 and unix sockets); Range is
	// then unused.
	All bool
	// Range is the addresses the rule matches.
	Range CIDR
}

// ParseRule reads the argument of an allow (deny=false) or deny
// (deny=true) directive: "all", "unix:", an address or a CIDR range.
// lowBits reports a range written with host bits set, which nginx accepts
// with a warning.
func ParseRule(deny bool, arg string) (r Rule, lowBits bool, err error) {
	if arg == "all" {
		return Rule{Deny: deny, All: true}, false, nil
	}
	c, lowBits, err := ParseCIDR(arg)
	if err != nil {
		return Rule{}, false, fmt.Errorf("invalid parameter \"%s\"", arg)
	}
	return Rule{Deny: deny, Range: c}, lowBits, nil
}

// rule4 and rule6 are rules compiled for matching without allocation.
type rule4 struct {
	addr, mask uint32
	deny       bool
}

type rule6 struct {
	addr, mask [16]byte
	deny       bool
}

// Filter checks the client address against allow/deny rules in the
// access phase. The first rule that matches decides: deny answers 403,
// allow grants access (with "satisfy any" no other check runs); when no
// rule matches the filter has no opinion.
//
// As in nginx, rules are kept per address family: an IPv4 client is
// checked against the IPv4 rules only, an IPv6 client against the IPv6
// rules, except that an IPv4-mapped IPv6 client ("::ffff:192.0.2.1") is
// checked as IPv4 when the list has IPv4 rules; "all" belongs to every
// family. A Filter is immutable and safe for concurrent use.
type Filter struct {
	v4     []rule4
	v6     []rule6
	unix   []bool // deny flags of "unix:" and "all" rules, in order
	has4   bool
	has6   bool
	hasUnx bool
}

// New compiles rules, kept in their order.
func New(rules []Rule) *Filter {
	f := &Filter{}
	for _, r := range rules {
		if r.All || !r.Range.Unix && r.Range.Prefix.Addr().Is4() {
			var x rule4
			if !r.All {
				a := r.Range.Prefix.Addr().As4()
				x.addr = uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
				if b := r.Range.Prefix.Bits(); b > 0 {
					x.mask = ^uint32(0) << (32 - b)
				}
			}
			x.deny = r.Deny
			f.v4 = append(f.v4, x)
			f.has4 = true
		}
		if r.All || !r.Range.Unix && r.Range.Prefix.Addr().Is6() {
			var x rule6
			if !r.All {
				x.addr = r.Range.Prefix.Addr().As16()
				bits := r.Range.Prefix.Bits()
				for i := 0; i < 16 && bits > 0; i++ {
					s := min(bits, 8)
					x.mask[i] = byte(0xff << (8 - s))
					bits -= s
				}
			}
			x.deny = r.Deny
			f.v6 = append(f.v6, x)
			f.has6 = true
		}
		if r.All || r.Range.Unix {
			f.unix = append(f.unix, r.Deny)
			f.hasUnx = true
		}
	}
	return f
}

// Check returns whether a rule matched the client and, if so, whether it
// denies access.
func (f *Filter) Check(a Addr) (matched, deny bool) {
	switch {
	case a.Unix:
		if f.hasUnx {
			// nginx does not look at socket paths: the first unix rule
			// decides.
			return true, f.unix[0]
		}
	case a.IP.Is4() || a.IP.Is4In6() && f.has4:
		if !f.has4 {
			return false, false
		}
		b := a.IP.Unmap().As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		for i := range f.v4 {
			if v&f.v4[i].mask == f.v4[i].addr {
				return true, f.v4[i].deny
			}
		}
	case a.IP.Is6() && f.has6:
		b := a.IP.As16()
	next:
		for i := range f.v6 {
			r := &f.v6[i]
			for n := 0; n < 16; n++ {
				if b[n]&r.mask[n] != r.addr[n] {
					continue next
				}
			}
			return true, r.deny
		}
	}
	return false, false
}

// Handle runs the check for the request's client address (the one realip
// may have replaced).
func (f *Filter) Handle(c *gateway.Ctx) gateway.Result {
	a, ok := ParseRemote(c.RemoteAddr())
	if !ok {
		return gateway.Continue
	}
	matched, deny := f.Check(a)
	switch {
	case !matched:
		return gateway.Continue
	case deny:
		if !c.Loc.Core.SatisfyAny {
			c.Logf(gateway.LevelError, "access forbidden by rule")
		}
		return gateway.Status(403)
	}
	return gateway.Allow()
}
