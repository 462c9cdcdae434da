package proxy

import (
	"strings"
)

// rewrite applies the first matching rule to value[prefix:] and returns
// the new value and true, or value and false when no rule matches, as nginx's
// proxy_redirect and proxy_cookie_* handlers do. domain selects the
// cookie-domain comparison: the whole rest, case aside, a leading dot
// kept out of it.
func (x *exchange) rewrite(rules []Rewrite, value string, prefix int, domain bool) (string, bool) {
	c := x.c
	for i := range rules {
		r := &rules[i]
		rest := value[prefix:]
		if r.Regex != nil {
			if !c.MatchRegex(r.Regex, rest) {
				continue
			}
			return value[:prefix] + r.Replacement.Eval(c), true
		}
		pattern := r.Pattern.Eval(c)
		if domain {
			p := prefix
			if len(rest) > 0 && rest[0] == '.' {
				p++
				rest = rest[1:]
			}
			if !eqFold(pattern, rest) {
				continue
			}
			return value[:p] + r.Replacement.Eval(c), true
		}
		if !strings.HasPrefix(rest, pattern) {
			continue
		}
		return value[:prefix] + r.Replacement.Eval(c) + rest[len(pattern):], true
	}
	return value, false
}

// rewriteCookie rewrites the Domain and Path attributes of a Set-Cookie
// value. As in nginx, a value that changed is rebuilt from its
// attributes joined by "; ".
func (x *exchange) rewriteCookie(value string) string {
	opt := &x.h.opt
	type attr struct {
		key, val string
		hasVal   bool
	}
	var buf [8]attr
	attrs := buf[:0]
	for s := value; ; {
		part := s
		i := strings.IndexByte(s, ';')
		if i >= 0 {
			part, s = s[:i], s[i+1:]
		}
		part = strings.TrimLeft(part, " ")
		a := attr{key: part}
		if eq := strings.IndexByte(part, '='); eq >= 0 {
			a.key = strings.TrimRight(part[:eq], " ")
			a.val = strings.Trim(part[eq+1:], " ")
			a.hasVal = true
		} else {
			a.key = strings.TrimRight(part, " ")
		}
		attrs = append(attrs, a)
		if i < 0 {
			break
		}
	}
	if !attrs[0].hasVal {
		return value
	}
	changed := false
	for i := 1; i < len(attrs); i++ {
		a := &attrs[i]
		if !a.hasVal {
			continue
		}
		var ok bool
		switch {
		case len(opt.CookieDomains) > 0 && eqFold(a.key, "domain"):
			a.val, ok = x.rewrite(opt.CookieDomains, a.val, 0, true)
		case len(opt.CookiePaths) > 0 && eqFold(a.key, "path"):
			a.val, ok = x.rewrite(opt.CookiePaths, a.val, 0, false)
		}
		changed = changed || ok
	}
	if !changed {
		return value
	}
	var b strings.Builder
	for i, a := range attrs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(a.key)
		if a.hasVal {
			b.WriteByte('=')
			b.WriteString(a.val)
		}
	}
	return b.String()
}
