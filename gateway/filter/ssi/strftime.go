package ssi

import (
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

func init() {
	// nginx's SSI module adds these for every configuration; they are
	// usable without SSI too (add_header X-Date $date_gmt).
	gateway.RegisterVar(gateway.Var{Name: "date_local", NoCache: true, Get: func(c *gateway.Ctx) (string, bool) {
		return dateVar(c, false)
	}})
	gateway.RegisterVar(gateway.Var{Name: "date_gmt", NoCache: true, Get: func(c *gateway.Ctx) (string, bool) {
		return dateVar(c, true)
	}})
}

// dateVar is $date_local or $date_gmt: the current time in the time
// format of the document ("config timefmt"). The format "%s" alone
// gives seconds since the epoch.
func dateVar(c *gateway.Ctx, gmt bool) (string, bool) {
	format := timeFormat(c)
	now := time.Now()
	if format == "%s" {
		return strconv.FormatInt(now.Unix(), 10), true
	}
	zone := ""
	if gmt {
		// C's gmtime names the zone GMT
		now, zone = now.UTC(), "GMT"
	}
	s := Strftime(format, now, zone)
	// strftime reports an empty result as a failure
	return s, s != ""
}

var (
	weekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	months   = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// Strftime formats t as C's strftime does in the C locale, the format of
// "config timefmt". zone, when not empty, is what %Z prints instead of
// the name of t's zone. The GNU flags '-' (no padding), '_' (spaces),
// '0' (zeros) and '^' (upper case) are understood; unknown conversions
// are copied as they are.
func Strftime(format string, t time.Time, zone string) string {
	var b strings.Builder
	b.Grow(len(format) + 16)
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		start := i
		i++
		var flag byte
		for i < len(format) && strings.IndexByte("-_0^#", format[i]) >= 0 {
			flag = format[i]
			i++
		}
		if i == len(format) {
			b.WriteString(format[start:])
			break
		}
		s, ok := conversion(format[i], t, zone, flag)
		if !ok {
			b.WriteString(format[start : i+1])
			continue
		}
		if flag == '^' {
			s = strings.ToUpper(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// num formats n in width digits padded with pad ('0' or ' '), changed by
// a flag.
func num(n, width int, pad, flag byte) string {
	switch flag {
	case '-':
		return strconv.Itoa(n)
	case '_':
		pad = ' '
	case '0':
		pad = '0'
	}
	s := strconv.Itoa(n)
	for len(s) < width {
		s = string(pad) + s
	}
	return s
}

func conversion(ch byte, t time.Time, zone string, flag byte) (string, bool) {
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch ch {
	case 'a':
		return weekdays[t.Weekday()][:3], true
	case 'A':
		return weekdays[t.Weekday()], true
	case 'b', 'h':
		return months[t.Month()-1][:3], true
	case 'B':
		return months[t.Month()-1], true
	case 'c':
		return Strftime("%a %b %e %H:%M:%S %Y", t, zone), true
	case 'C':
		return num(t.Year()/100, 2, '0', flag), true
	case 'd':
		return num(t.Day(), 2, '0', flag), true
	case 'D', 'x':
		return Strftime("%m/%d/%y", t, zone), true
	case 'e':
		return num(t.Day(), 2, ' ', flag), true
	case 'F':
		return Strftime("%Y-%m-%d", t, zone), true
	case 'G':
		y, _ := t.ISOWeek()
		return num(y, 1, '0', flag), true
	case 'g':
		y, _ := t.ISOWeek()
		return num(y%100, 2, '0', flag), true
	case 'H':
		return num(t.Hour(), 2, '0', flag), true
	case 'I':
		return num(hour12, 2, '0', flag), true
	case 'j':
		return num(t.YearDay(), 3, '0', flag), true
	case 'k':
		return num(t.Hour(), 2, ' ', flag), true
	case 'l':
		return num(hour12, 2, ' ', flag), true
	case 'm':
		return num(int(t.Month()), 2, '0', flag), true
	case 'M':
		return num(t.Minute(), 2, '0', flag), true
	case 'n':
		return "\n", true
	case 'p':
		if t.Hour() < 12 {
			return "AM", true
		}
		return "PM", true
	case 'P':
		if t.Hour() < 12 {
			return "am", true
		}
		return "pm", true
	case 'r':
		return Strftime("%I:%M:%S %p", t, zone), true
	case 'R':
		return Strftime("%H:%M", t, zone), true
	case 's':
		return strconv.FormatInt(t.Unix(), 10), true
	case 'S':
		return num(t.Second(), 2, '0', flag), true
	case 't':
		return "\t", true
	case 'T', 'X':
		return Strftime("%H:%M:%S", t, zone), true
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return strconv.Itoa(wd), true
	case 'U':
		return num((t.YearDay()+6-int(t.Weekday()))/7, 2, '0', flag), true
	case 'V':
		_, w := t.ISOWeek()
		return num(w, 2, '0', flag), true
	case 'w':
		return strconv.Itoa(int(t.Weekday())), true
	case 'W':
		return num((t.YearDay()+6-(int(t.Weekday())+6)%7)/7, 2, '0', flag), true
	case 'y':
		return num(t.Year()%100, 2, '0', flag), true
	case 'Y':
		return num(t.Year(), 1, '0', flag), true
	case 'z':
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		return string(sign) + num(off/3600, 2, '0', 0) + num(off%3600/60, 2, '0', 0), true
	case 'Z':
		if zone != "" {
			return zone, true
		}
		name, _ := t.Zone()
		return name, true
	case '%':
		return "%", true
	}
	return "", false
}
