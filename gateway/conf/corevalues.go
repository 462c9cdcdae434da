package conf

import (
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// tempPath is a "path [level1 [level2 [level3]]]" setting.
type tempPath struct {
	Path   string
	Levels []int
}

// parseTempPath is ngx_conf_set_path_slot.
func parseTempPath(_ *Block, n *Node) (tempPath, error) {
	t := tempPath{Path: strings.TrimSuffix(n.Args[0], "/")}
	total := 0
	for _, a := range n.Args[1:] {
		l, err := ParseNumber(a)
		if err != nil || l == 0 {
			return tempPath{}, InvalidValue(n)
		}
		t.Levels = append(t.Levels, l)
		total += l
	}
	if total > 10 {
		return tempPath{}, InvalidValue(n)
	}
	return t, nil
}

// parseDirectio is "directio off|size".
func parseDirectio(_ *Block, n *Node) (int64, error) {
	if n.Args[0] == "off" {
		return -1, nil
	}
	return parseOff(nil, n)
}

// sizeValue is a size that may contain variables (limit_rate).
type sizeValue struct{ tpl *gateway.Template }

// parseSizeValue is ngx_http_set_complex_value_size_slot: a value without
// variables must be a valid size.
func parseSizeValue(bl *Block, n *Node) (sizeValue, error) {
	tpl, err := bl.Template(n, n.Args[0])
	if err != nil {
		return sizeValue{}, err
	}
	if tpl.IsStatic() {
		if _, err := ParseSize(n.Args[0]); err != nil {
			return sizeValue{}, InvalidValue(n)
		}
	}
	return sizeValue{tpl: tpl}, nil
}

// parseOpenFileCache is "open_file_cache off | max=N [inactive=time]".
func parseOpenFileCache(_ *Block, n *Node) (OpenFileCache, error) {
	c := OpenFileCache{Inactive: 60e9}
	off := false
	for _, a := range n.Args {
		var err error
		switch {
		case strings.HasPrefix(a, "max="):
			c.Max, err = ParseNumber(a[4:])
			if err == nil && c.Max <= 0 {
				err = errInvalid
			}
		case strings.HasPrefix(a, "inactive="):
			c.Inactive, err = ParseSeconds(a[9:])
		case a == "off":
			off = true
		default:
			err = errInvalid
		}
		if err != nil {
			return c, Errorf(n, "invalid \"open_file_cache\" parameter \"%s\"", a)
		}
	}
	if off {
		return OpenFileCache{}, nil
	}
	if c.Max == 0 {
		return c, Errorf(n, "\"open_file_cache\" must have the \"max\" parameter")
	}
	return c, nil
}

// symlinks is the disable_symlinks setting.
type symlinks struct {
	mode string
	from *gateway.Template
}

// parseDisableSymlinks is "disable_symlinks off|on|if_not_owner [from=part]".
func parseDisableSymlinks(bl *Block, n *Node) (symlinks, error) {
	var s symlinks
	fromSet := false
	for _, a := range n.Args {
		switch {
		case a == "off" || a == "on" || a == "if_not_owner":
			s.mode = a
		case strings.HasPrefix(a, "from="):
			tpl, err := bl.Template(n, a[5:])
			if err != nil {
				return s, err
			}
			s.from, fromSet = tpl, true
		default:
			return s, Errorf(n, "invalid parameter \"%s\"", a)
		}
	}
	if s.mode == "" {
		return s, Errorf(n, "\"%s\" must have \"off\", \"on\" or \"if_not_owner\" parameter", n.Name)
	}
	if len(n.Args) == 2 {
		if !fromSet {
			return s, Errorf(n, "duplicate parameters \"%s %s\"", n.Args[0], n.Args[1])
		}
		if s.mode == "off" {
			return s, Errorf(n, "\"from=\" cannot be used with \"off\" parameter")
		}
	}
	return s, nil
}

// aioValue is the aio setting.
type aioValue struct {
	mode string // "off", "on", "threads"
	pool string
}

// parseAio is "aio off|on|threads[=pool]". Go reads files with its own
// runtime, so every form is accepted and only recorded.
func parseAio(_ *Block, n *Node) (aioValue, error) {
	a := n.Args[0]
	switch {
	case a == "off" || a == "on":
		return aioValue{mode: a}, nil
	case a == "threads":
		return aioValue{mode: a, pool: "default"}, nil
	case strings.HasPrefix(a, "threads="):
		return aioValue{mode: "threads", pool: a[len("threads="):]}, nil
	}
	return aioValue{}, InvalidValue(n)
}

// parseResolver is "resolver address ... [valid=time] [ipv4=on|off]
// [ipv6=on|off] [status_zone=zone]"; host names are resolved now.
func parseResolver(_ *Block, n *Node) (*Resolver, error) {
	r := &Resolver{IPv4: true, IPv6: true}
	for _, a := range n.Args {
		opt, val, _ := strings.Cut(a, "=")
		switch {
		case strings.HasPrefix(a, "valid="):
			v, err := ParseSeconds(val)
			if err != nil {
				return nil, Errorf(n, "invalid parameter: %s", a)
			}
			r.Valid = v
		case strings.HasPrefix(a, "ipv4=") || strings.HasPrefix(a, "ipv6="):
			if val != "on" && val != "off" {
				return nil, Errorf(n, "invalid parameter: %s", a)
			}
			if opt == "ipv4" {
				r.IPv4 = val == "on"
			} else {
				r.IPv6 = val == "on"
			}
		case strings.HasPrefix(a, "status_zone="):
			r.StatusZone = val
		default:
			addrs, reason := parseURL(a, false, 53)
			if reason != "" {
				return nil, Errorf(n, "%s in resolver \"%s\"", reason, a)
			}
			for _, ad := range addrs {
				r.Addrs = append(r.Addrs, ad.text)
			}
		}
	}
	if !r.IPv4 && !r.IPv6 {
		return nil, Errorf(n, "\"ipv4\" and \"ipv6\" cannot both be \"off\"")
	}
	if len(r.Addrs) == 0 {
		return nil, Errorf(n, "no name servers defined")
	}
	return r, nil
}
