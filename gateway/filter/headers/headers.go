package headers

import (
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Header is one response header field to add (add_header).
type Header struct {
	// Name is the field name as it will be sent.
	Name string
	// Value is computed per response; an empty result adds nothing. For
	// ETag and Last-Modified the value replaces the field the response
	// already has, and an empty value removes it. Cache-Control and Link
	// are added beside the fields already there; other names are simply
	// added.
	Value *gateway.Template
	// Always adds the field to every response; otherwise only to
	// responses with status 200, 201, 204, 206, 301, 302, 303, 304, 307
	// or 308.
	Always bool
}

// ExpiresMode says how the expiry time of a response is computed.
type ExpiresMode uint8

// The expires modes.
const (
	// ExpiresOff leaves Expires and Cache-Control alone.
	ExpiresOff ExpiresMode = iota
	// ExpiresEpoch sends "Expires: Thu, 01 Jan 1970 00:00:01 GMT" and
	// "Cache-Control: no-cache".
	ExpiresEpoch
	// ExpiresMax sends an Expires in 2037 and a max-age of ten years.
	ExpiresMax
	// ExpiresAccess expires Time after the request.
	ExpiresAccess
	// ExpiresModified expires Time after the response's Last-Modified.
	ExpiresModified
	// ExpiresDaily expires at the next Time of day (local time).
	ExpiresDaily
)

// Expires configures the Expires and Cache-Control fields a response
// gets (the expires directive).
type Expires struct {
	Mode ExpiresMode
	// Time is the offset for ExpiresAccess and ExpiresModified (negative
	// means "already expired": Cache-Control: no-cache), or the time of
	// day for ExpiresDaily. Whole seconds only.
	Time time.Duration
	// Value, when not nil, is computed per response and read like the
	// directive's argument ("epoch", "max", "off", "1h", "-1h", "@15h");
	// Mode must then be ExpiresAccess, or ExpiresModified for a value
	// relative to Last-Modified. A value that does not parse sets nothing.
	Value *gateway.Template
}

// Config is what one location adds to its responses.
type Config struct {
	Headers []Header
	Expires Expires
}

// header kinds: how add_header treats a field name
const (
	kindAdd     = iota // append when not empty
	kindMulti          // Cache-Control, Link: append beside the others
	kindReplace        // ETag, Last-Modified: replace, or remove when empty
)

type filter struct {
	headers []Header
	kinds   []uint8
	expires Expires
}

// Filter returns the header filter applying cfg to every response of a
// location, or nil when cfg adds nothing.
func Filter(cfg Config) gateway.HeaderFilter {
	if len(cfg.Headers) == 0 && cfg.Expires.Mode == ExpiresOff {
		return nil
	}
	f := &filter{headers: cfg.Headers, expires: cfg.Expires, kinds: make([]uint8, len(cfg.Headers))}
	for i, h := range cfg.Headers {
		switch strings.ToLower(h.Name) {
		case "cache-control", "link":
			f.kinds[i] = kindMulti
		case "etag", "last-modified":
			f.kinds[i] = kindReplace
		}
	}
	return f
}

// safeStatus reports whether add_header without "always" and expires
// apply to a status.
func safeStatus(status int) bool {
	switch status {
	case 200, 201, 204, 206, 301, 302, 303, 304, 307, 308:
		return true
	}
	return false
}

func (f *filter) FilterHeader(c *gateway.Ctx) {
	safe := safeStatus(c.Status)
	if safe && f.expires.Mode != ExpiresOff {
		f.setExpires(c)
	}
	h := &c.RespHeader
	for i := range f.headers {
		hv := &f.headers[i]
		if !safe && !hv.Always {
			continue
		}
		v := ""
		if hv.Value != nil {
			v = hv.Value.Eval(c)
		}
		switch f.kinds[i] {
		case kindReplace:
			if v == "" {
				h.Del(hv.Name)
			} else {
				h.Set(hv.Name, v)
			}
		default:
			if v != "" {
				h.Add(hv.Name, v)
			}
		}
	}
}

const (
	epochExpires = "Thu, 01 Jan 1970 00:00:01 GMT"
	maxExpires   = "Thu, 31 Dec 2037 23:55:55 GMT"
	maxAge10y    = "max-age=315360000"
)

func (f *filter) setExpires(c *gateway.Ctx) {
	mode, secs := f.expires.Mode, int64(f.expires.Time/time.Second)
	confSecs := secs
	if f.expires.Value != nil {
		e, err := ParseExpires(f.expires.Value.Eval(c), mode == ExpiresModified)
		if err != nil || e.Mode == ExpiresOff {
			return
		}
		mode, secs = e.Mode, int64(e.Time/time.Second)
	}
	h := &c.RespHeader
	switch mode {
	case ExpiresEpoch:
		h.Set("Expires", epochExpires)
		h.Set("Cache-Control", "no-cache")
		return
	case ExpiresMax:
		h.Set("Expires", maxExpires)
		h.Set("Cache-Control", maxAge10y)
		return
	}
	if secs == 0 && mode != ExpiresDaily {
		h.Set("Expires", gateway.HTTPDate())
		h.Set("Cache-Control", "max-age=0")
		return
	}
	now := time.Now().Unix()
	var at, maxAge int64
	switch {
	case mode == ExpiresDaily:
		at = nextTime(secs)
		maxAge = at - now
	case mode == ExpiresAccess || lastModified(c) == -1:
		maxAge = secs
		at = now + secs
	default:
		at = lastModified(c) + secs
		maxAge = at - now
	}
	h.Set("Expires", gateway.FormatHTTPTime(at))
	if confSecs < 0 || maxAge < 0 {
		h.Set("Cache-Control", "no-cache")
		return
	}
	h.Set("Cache-Control", "max-age="+strconv.FormatInt(maxAge, 10))
}

// lastModified is the response's Last-Modified as Unix seconds, -1 when
// it has none.
func lastModified(c *gateway.Ctx) int64 {
	v, ok := c.RespHeader.Lookup("Last-Modified")
	if !ok {
		return -1
	}
	t, ok := gateway.ParseHTTPTime(v)
	if !ok {
		return -1
	}
	return t
}

// nextTime is the next moment, today or tomorrow in local time, whose
// time of day is secs after midnight.
func nextTime(secs int64) int64 {
	now := time.Now()
	y, m, d := now.Date()
	at := time.Date(y, m, d, int(secs/3600), int(secs%3600/60), int(secs%60), 0, time.Local)
	if at.Unix()-now.Unix() > 0 {
		return at.Unix()
	}
	return time.Date(y, m, d+1, int(secs/3600), int(secs%3600/60), int(secs%60), 0, time.Local).Unix()
}

// ExpiresError is a value the expires directive does not accept; its
// text is nginx's ("invalid value").
type ExpiresError struct{ msg string }

func (e *ExpiresError) Error() string { return e.msg }

var (
	errInvalid       = &ExpiresError{"invalid value"}
	errDailyModified = &ExpiresError{"daily time cannot be used with \"modified\" parameter"}
	errDailyTooLong  = &ExpiresError{"daily time value must be less than 24 hours"}
)

// ParseExpires reads an expires argument: "epoch", "max", "off", a time
// ("1h", "+30m", "-1d", "1y"), or "@" and a time of day ("@15h30m").
// modified asks for a time relative to Last-Modified, which allows only
// plain times.
func ParseExpires(s string, modified bool) (Expires, error) {
	e := Expires{Mode: ExpiresAccess}
	if modified {
		e.Mode = ExpiresModified
	} else {
		switch s {
		case "epoch":
			return Expires{Mode: ExpiresEpoch}, nil
		case "max":
			return Expires{Mode: ExpiresMax}, nil
		case "off":
			return Expires{Mode: ExpiresOff}, nil
		}
	}
	minus := false
	switch {
	case strings.HasPrefix(s, "@"):
		if modified {
			return Expires{}, errDailyModified
		}
		s, e.Mode = s[1:], ExpiresDaily
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasPrefix(s, "-"):
		s, minus = s[1:], true
	}
	d, err := conf.ParseSeconds(s)
	if err != nil {
		return Expires{}, errInvalid
	}
	if e.Mode == ExpiresDaily && d > 24*time.Hour {
		return Expires{}, errDailyTooLong
	}
	if minus {
		d = -d
	}
	e.Time = d
	return e, nil
}
