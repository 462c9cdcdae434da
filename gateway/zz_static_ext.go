package gateway

// Additions made for gateway/static and gateway/filter/headers; the lead
// may fold them into the core files.

import "time"

// ExtKey identifies a feature's per-location state in Location.Ext, the
// way CtxKey identifies per-request state: a feature that must find its
// settings from c.Loc at request time (to compute a variable, say) stores
// them under its key when the configuration is built.
type ExtKey int

var nextExtKey ExtKey

// NewExtKey returns a key for per-location state; call it from init.
func NewExtKey() ExtKey {
	k := nextExtKey
	nextExtKey++
	return k
}

// ExtValue returns the feature state stored under k, or nil.
func (l *Location) ExtValue(k ExtKey) any {
	if int(k) < len(l.Ext) {
		return l.Ext[k]
	}
	return nil
}

// SetExt stores feature state under k. It is called while the
// configuration is built, never on a published snapshot.
func (l *Location) SetExt(k ExtKey, v any) {
	for int(k) >= len(l.Ext) {
		l.Ext = append(l.Ext, nil)
	}
	l.Ext[k] = v
}

// ForcedStatus is the status the response will be sent with regardless of
// the status a handler sets, because an error_page redirect imposes it
// (the status of the original error, or the "=code" of error_page); 0 when
// the handler's own status goes out. Content handlers check it before
// answering 304 or 206, which nginx only sends for what would be a 200.
func (c *Ctx) ForcedStatus() int { return c.forceStatus }

// ParseHTTPTime reads an HTTP date in any of the three forms HTTP/1.1
// allows ("Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37
// GMT", "Sun Nov  6 08:49:37 1994") as nginx does: leniently about the
// week day and anything after the time, strictly about the numbers. It
// returns Unix seconds and false when the text is not a date.
func ParseHTTPTime(s string) (int64, bool) {
	const (
		rfc822 = iota + 1
		rfc850
		isoc
	)
	fmtKind := 0
	p := 0
	for ; p < len(s); p++ {
		if s[p] == ',' {
			break
		}
		if s[p] == ' ' {
			fmtKind = isoc
			break
		}
	}
	for p++; p < len(s) && s[p] == ' '; p++ {
	}
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	digit := func(i int) (int, bool) {
		b := at(i)
		return int(b - '0'), b >= '0' && b <= '9'
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for j := 0; j < n; j++ {
			d, ok := digit(i + j)
			if !ok {
				return 0, false
			}
			v = v*10 + d
		}
		return v, true
	}
	if len(s)-p < 18 {
		return 0, false
	}
	var day, year int
	var ok bool
	if fmtKind != isoc {
		if day, ok = num(p, 2); !ok {
			return 0, false
		}
		p += 2
		switch at(p) {
		case ' ':
			if len(s)-p < 18 {
				return 0, false
			}
			fmtKind = rfc822
		case '-':
			fmtKind = rfc850
		default:
			return 0, false
		}
		p++
	}
	var month int
	switch at(p) {
	case 'J':
		switch {
		case at(p+1) == 'a':
			month = 0
		case at(p+2) == 'n':
			month = 5
		default:
			month = 6
		}
	case 'F':
		month = 1
	case 'M':
		if at(p+2) == 'r' {
			month = 2
		} else {
			month = 4
		}
	case 'A':
		if at(p+1) == 'p' {
			month = 3
		} else {
			month = 7
		}
	case 'S':
		month = 8
	case 'O':
		month = 9
	case 'N':
		month = 10
	case 'D':
		month = 11
	default:
		return 0, false
	}
	p += 3
	if (fmtKind == rfc822 && at(p) != ' ') || (fmtKind == rfc850 && at(p) != '-') {
		return 0, false
	}
	p++
	switch fmtKind {
	case rfc822:
		if year, ok = num(p, 4); !ok {
			return 0, false
		}
		p += 4
	case rfc850:
		if year, ok = num(p, 2); !ok {
			return 0, false
		}
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
		p += 2
	case isoc:
		if at(p) == ' ' {
			p++
		}
		d, ok := digit(p)
		if !ok {
			return 0, false
		}
		day = d
		p++
		if at(p) != ' ' {
			d, ok := digit(p)
			if !ok {
				return 0, false
			}
			day = day*10 + d
			p++
		}
		if len(s)-p < 14 {
			return 0, false
		}
	}
	if at(p) != ' ' {
		return 0, false
	}
	p++
	hour, ok1 := num(p, 2)
	if !ok1 || at(p+2) != ':' {
		return 0, false
	}
	minute, ok2 := num(p+3, 2)
	if !ok2 || at(p+5) != ':' {
		return 0, false
	}
	sec, ok3 := num(p+6, 2)
	if !ok3 {
		return 0, false
	}
	p += 8
	if fmtKind == isoc {
		if at(p) != ' ' {
			return 0, false
		}
		if year, ok = num(p+1, 4); !ok {
			return 0, false
		}
	}
	if hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	mdays := [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if day == 29 && month == 1 {
		if year&3 != 0 || (year%100 == 0 && year%400 != 0) {
			return 0, false
		}
	} else if day > mdays[month] {
		return 0, false
	}
	t := time.Date(year, time.Month(month+1), day, hour, minute, sec, 0, time.UTC)
	return t.Unix(), true
}

// httpTimeLayout is the HTTP date format (RFC 9110, IMF-fixdate).
const httpTimeLayout = "Mon, 02 Jan 2006 15:04:05 GMT"

// FormatHTTPTime formats Unix seconds as an HTTP date
// ("Mon, 28 Sep 1970 06:00:00 GMT").
func FormatHTTPTime(sec int64) string {
	return time.Unix(sec, 0).UTC().Format(httpTimeLayout)
}

// AppendHTTPTime appends Unix seconds as an HTTP date to b.
func AppendHTTPTime(b []byte, sec int64) []byte {
	return time.Unix(sec, 0).UTC().AppendFormat(b, httpTimeLayout)
}
