package splitclients

import (
	"fmt"

	"github.com/gonjet/gonjet/gateway"
)

// Part is one line of a split: a share of the hash space and the value
// given to the keys that fall in it.
type Part struct {
	// Percent is the share in hundredths of a percent (51.2% is 5120).
	// 0 takes whatever the parts before it leave over ("*").
	Percent int
	Value   string
}

// Split assigns a value to each request by hashing a key (typically the
// client address) with MurmurHash2 and cutting the 32-bit hash space into
// consecutive shares, as nginx's split_clients. The same key always gets
// the same value, which makes it suitable for A/B testing.
type Split struct {
	Key   *gateway.Template
	parts []part
}

type part struct {
	// bound is the hash value up to which (exclusive) the part applies; 0
	// means "every hash left".
	bound uint32
	value string
}

// New builds a split of parts in order. It fails when the shares add up
// to more than 100%.
func New(key *gateway.Template, parts []Part) (*Split, error) {
	s := &Split{Key: key, parts: make([]part, len(parts))}
	var sum, last uint32
	for i, p := range parts {
		if p.Percent < 0 {
			return nil, fmt.Errorf("invalid percent value %d", p.Percent)
		}
		percent := uint32(p.Percent)
		if percent != 0 {
			sum += percent
		} else {
			sum = 10000
		}
		if sum == 10000 {
			// the part completing 100% takes every hash left, so that
			// rounding leaves no gap at the top
			percent = 0
		}
		if sum > 10000 {
			return nil, fmt.Errorf("percent total is greater than 100%%")
		}
		if percent != 0 {
			last += uint32(uint64(percent) * 0xffffffff / 10000)
			s.parts[i].bound = last
		}
		s.parts[i].value = p.Value
	}
	return s, nil
}

// Lookup returns the value for a request; "" when the shares do not
// cover 100% and the key's hash falls in the rest.
func (s *Split) Lookup(c *gateway.Ctx) string {
	key := ""
	if s.Key != nil {
		key = s.Key.Eval(c)
	}
	return s.pick(MurmurHash2(key))
}

func (s *Split) pick(hash uint32) string {
	for i := range s.parts {
		if p := &s.parts[i]; hash < p.bound || p.bound == 0 {
			return p.value
		}
	}
	return ""
}

// Var returns the definition of the variable name (without '$') that
// holds the split's result, for gateway.VarTable.Define.
func (s *Split) Var(name string) gateway.Var {
	return gateway.Var{Name: name, Get: func(c *gateway.Ctx) (string, bool) { return s.Lookup(c), true }}
}

// ParsePercent reads a share as written in split_clients: "*" is 0 (the
// rest), otherwise a number with at most two decimals followed by '%'
// ("0.5%", "51.2%"), returned in hundredths of a percent.
func ParsePercent(s string) (int, error) {
	if s == "*" {
		return 0, nil
	}
	bad := fmt.Errorf("invalid percent value \"%s\"", s)
	if len(s) < 2 || s[len(s)-1] != '%' {
		return 0, bad
	}
	// nginx's ngx_atofp(s, 2)
	digits, point, dot, v := s[:len(s)-1], 2, false, 0
	for i := 0; i < len(digits); i++ {
		if point == 0 {
			return 0, bad
		}
		ch := digits[i]
		if ch == '.' {
			if dot {
				return 0, bad
			}
			dot = true
			continue
		}
		if ch < '0' || ch > '9' {
			return 0, bad
		}
		if v > (1<<31-1)/10 {
			return 0, bad
		}
		v = v*10 + int(ch-'0')
		if dot {
			point--
		}
	}
	for ; point > 0; point-- {
		v *= 10
	}
	if v == 0 {
		return 0, bad
	}
	return v, nil
}

// MurmurHash2 is Austin Appleby's 32-bit MurmurHash2 with seed 0, byte
// for byte the hash nginx uses for split_clients (ngx_murmur_hash2).
func MurmurHash2[T ~string | ~[]byte](data T) uint32 {
	const m = 0x5bd1e995
	n := len(data)
	h := uint32(n)
	i := 0
	for ; n-i >= 4; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> 24
		k *= m
		h *= m
		h ^= k
	}
	switch n - i {
	case 3:
		h ^= uint32(data[i+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[i+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[i])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}
