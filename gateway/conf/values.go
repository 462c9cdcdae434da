package conf

import (
	"errors"
	"math"
	"strings"
	"time"
)

// errInvalid is returned by the value parsers; setters report it with
// InvalidValue(n), nginx's `"name" directive invalid value`.
var errInvalid = errors.New("invalid value")

// Flag reads the on|off argument of a flag directive (case-insensitive),
// with nginx's error `invalid value "x" in "name" directive, it must be
// "on" or "off"`. The function itself is also the Args value that declares
// such a directive: Directive{Name: "etag", Args: conf.Flag, ...}.
func Flag(n *Node) (bool, error) {
	if len(n.Args) != 1 {
		return false, Errorf(n, "invalid number of arguments in \"%s\" directive", n.Name)
	}
	switch strings.ToLower(n.Args[0]) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, Errorf(n, "invalid value \"%s\" in \"%s\" directive, it must be \"on\" or \"off\"", n.Args[0], n.Name)
}

// ParseNumber reads a non-negative decimal integer as nginx's ngx_atoi:
// digits only, no sign, no overflow.
func ParseNumber(s string) (int, error) {
	v, err := atoi(s)
	if err != nil || v > math.MaxInt {
		return 0, errInvalid
	}
	return int(v), nil
}

func atoi(s string) (int64, error) {
	if s == "" {
		return 0, errInvalid
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errInvalid
		}
		if v > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, errInvalid
		}
		v = v*10 + int64(c-'0')
	}
	return v, nil
}

// ParseSize reads a buffer size as nginx's ngx_parse_size: a number of
// bytes with an optional k/K (KiB) or m/M (MiB) suffix. Sizes do not take
// g: use ParseOffset for file sizes and limits.
func ParseSize(s string) (int64, error) {
	return parseScaled(s, "kKmM")
}

// ParseOffset reads a file size or limit as nginx's ngx_parse_offset: a
// number of bytes with an optional k, m or g suffix (either case).
func ParseOffset(s string) (int64, error) {
	return parseScaled(s, "kKmMgG")
}

func parseScaled(s, units string) (int64, error) {
	if s == "" {
		return 0, errInvalid
	}
	scale := int64(1)
	if u := s[len(s)-1]; strings.IndexByte(units, u) >= 0 {
		switch u {
		case 'k', 'K':
			scale = 1 << 10
		case 'm', 'M':
			scale = 1 << 20
		case 'g', 'G':
			scale = 1 << 30
		}
		s = s[:len(s)-1]
	}
	v, err := atoi(s)
	if err != nil || v > math.MaxInt64/scale {
		return 0, errInvalid
	}
	return v * scale, nil
}

// ParseDuration reads a time as nginx's ngx_parse_time for millisecond
// settings (timeouts): a number with an optional unit ms, s, m, h, d or w,
// units combinable from largest to smallest ("1h 30m", "1m30s"). A bare
// number is seconds. Months and years are not accepted here, as in nginx.
func ParseDuration(s string) (time.Duration, error) {
	ms, err := parseTime(s, false)
	if err != nil || ms > math.MaxInt64/int64(time.Millisecond) {
		return 0, errInvalid
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// ParseSeconds reads a time as nginx's ngx_parse_time for second settings
// (open_file_cache_valid, expires): units s, m, h, d, w, M (30 days) and
// y (365 days), but not ms. A bare number is seconds.
func ParseSeconds(s string) (time.Duration, error) {
	sec, err := parseTime(s, true)
	if err != nil || sec > math.MaxInt64/int64(time.Second) {
		return 0, errInvalid
	}
	return time.Duration(sec) * time.Second, nil
}

// parseTime mirrors ngx_parse_time: it returns milliseconds, or seconds
// when isSec.
func parseTime(s string, isSec bool) (int64, error) {
	const (
		stStart = iota
		stYear
		stMonth
		stWeek
		stDay
		stHour
		stMin
		stSec
		stMsec
		stLast
	)
	const maxInt = math.MaxInt64
	var value, total, scale, max int64
	valid := false
	step := stMonth
	if isSec {
		step = stStart
	}
	p := 0
	for p < len(s) {
		c := s[p]
		if c >= '0' && c <= '9' {
			if value >= maxInt/10 && (value > maxInt/10 || int64(c-'0') > maxInt%10) {
				return 0, errInvalid
			}
			value = value*10 + int64(c-'0')
			p++
			valid = true
			continue
		}
		p++
		switch c {
		case 'y':
			if step > stStart {
				return 0, errInvalid
			}
			step, scale = stYear, 60*60*24*365
		case 'M':
			if step >= stMonth {
				return 0, errInvalid
			}
			step, scale = stMonth, 60*60*24*30
		case 'w':
			if step >= stWeek {
				return 0, errInvalid
			}
			step, scale = stWeek, 60*60*24*7
		case 'd':
			if step >= stDay {
				return 0, errInvalid
			}
			step, scale = stDay, 60*60*24
		case 'h':
			if step >= stHour {
				return 0, errInvalid
			}
			step, scale = stHour, 60*60
		case 'm':
			if p < len(s) && s[p] == 's' {
				if isSec || step >= stMsec {
					return 0, errInvalid
				}
				p++
				step, scale = stMsec, 1
				break
			}
			if step >= stMin {
				return 0, errInvalid
			}
			step, scale = stMin, 60
		case 's':
			if step >= stSec {
				return 0, errInvalid
			}
			step, scale = stSec, 1
		case ' ':
			if step >= stSec {
				return 0, errInvalid
			}
			step, scale = stLast, 1
		default:
			return 0, errInvalid
		}
		max = maxInt / scale
		if step != stMsec && !isSec {
			scale *= 1000
			max /= 1000
		}
		if value > max {
			return 0, errInvalid
		}
		value *= scale
		if total > maxInt-value {
			return 0, errInvalid
		}
		total += value
		value = 0
		for p < len(s) && s[p] == ' ' {
			p++
		}
	}
	if !valid {
		return 0, errInvalid
	}
	if !isSec {
		if value > maxInt/1000 {
			return 0, errInvalid
		}
		value *= 1000
	}
	if total > maxInt-value {
		return 0, errInvalid
	}
	return total + value, nil
}
