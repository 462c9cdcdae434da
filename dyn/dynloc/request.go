package dynloc

import (
	"net/http"
	"strings"

	"github.com/gonjet/gonjet/dyn/internal/njtapi"
)

// Location is one location of an add request: OpenNJet's nest_location.
type Location struct {
	Rule      string     `json:"location_rule,omitempty"`
	Name      string     `json:"location_name"`
	Body      string     `json:"location_body,omitempty"`
	ProxyPass string     `json:"proxy_pass,omitempty"`
	Locations []Location `json:"locations,omitempty"`
}

// request is a POST (add) or PUT (del) body, read and checked as
// OpenNJet's njt_http_parser_location_data does.
type request struct {
	Type       string
	AddrPort   string
	ServerName string
	Locations  []Location
	// Rule and Name name the location a del removes.
	Rule, Name string
	// badLocations marks a "locations" member that is not an array:
	// OpenNJet lets such an add through to the data plane, which then
	// finds no location to add.
	badLocations bool
}

// Body size limits of OpenNJet's location API.
const (
	minBody = 10
	maxBody = 5 << 20
)

var topKeys = map[string]bool{
	"type": true, "addr_port": true, "server_name": true, "locations": true,
	"location_rule": true, "location_name": true,
}

var subKeys = map[string]bool{
	"location_rule": true, "location_name": true, "location_body": true,
	"proxy_pass": true, "locations": true,
}

// parseRequest reads body; msg is the refusal OpenNJet answers with 400.
func parseRequest(body []byte, method string) (req *request, msg string) {
	v, addrPort, msg := njtapi.DecodeRequest(body, minBody, maxBody, topKeys)
	if msg != "" {
		return nil, msg
	}
	req = &request{AddrPort: addrPort}
	t, ok := v.Get("type")
	if !ok || t.Kind != njtapi.JString {
		return nil, "type error!!!"
	}
	req.Type = njtapi.Trim(t.Str)
	switch {
	case req.Type == "add" && method != http.MethodPost:
		return nil, "no support method when add location!"
	case req.Type == "del" && method != http.MethodPut:
		return nil, "no support method when del location!"
	case req.Type != "add" && req.Type != "del":
		return nil, "type error!!!"
	}
	if locs, ok := v.Get("locations"); !ok {
		if req.Type == "add" {
			return nil, "locations error!!!"
		}
	} else {
		var okSubs bool
		req.Locations, okSubs = parseLocations(locs, req.Type, &msg)
		if !okSubs {
			if msg != "" {
				return nil, msg
			}
			req.badLocations = true
			return req, ""
		}
		if len(req.Locations) == 0 {
			return nil, "locations []  error!!!"
		}
	}
	if r, ok := v.Get("location_rule"); ok {
		if r.Kind != njtapi.JString {
			return nil, "location_rule error!"
		}
		req.Rule = njtapi.Trim(r.Str)
	}
	if n, ok := v.Get("location_name"); ok {
		if n.Kind != njtapi.JString {
			return nil, "location_name error!"
		}
		if req.Name = njtapi.Trim(n.Str); req.Name == "" {
			return nil, "location_name is null!"
		}
	} else if req.Type == "del" {
		return nil, "location_name is null!"
	}
	sn, ok := v.Get("server_name")
	if !ok {
		return nil, "server_name is null!"
	}
	if sn.Kind != njtapi.JString {
		return nil, "server_name error!"
	}
	// An empty name goes through: it names the server without one.
	req.ServerName = njtapi.Trim(sn.Str)
	return req, ""
}

// parseLocations reads a "locations" array (njt_http_parser_sub_location_data);
// ok false with *msg empty is a member that is not an array.
func parseLocations(arr *njtapi.JValue, typ string, msg *string) (out []Location, ok bool) {
	if arr.Kind != njtapi.JArray {
		return nil, false
	}
	for _, it := range arr.Elems {
		if it.Kind != njtapi.JObject {
			*msg = "json error!!!"
			return nil, false
		}
		for _, m := range it.Members {
			if !subKeys[m.Key] {
				*msg = "invalid parameter:" + m.Key + "!"
			}
		}
		if *msg != "" {
			return nil, false
		}
		var l Location
		if r, ok := it.Get("location_rule"); ok {
			if r.Kind != njtapi.JString {
				*msg = "location_rule error!"
				return nil, false
			}
			l.Rule = njtapi.Trim(r.Str)
		}
		n, ok := it.Get("location_name")
		if !ok || n.Kind != njtapi.JString {
			*msg = "location_name error!!!"
			return nil, false
		}
		if l.Name = njtapi.Trim(n.Str); l.Name == "" {
			*msg = "location_name is null!"
			return nil, false
		}
		if p, ok := it.Get("proxy_pass"); ok {
			if p.Kind != njtapi.JString {
				*msg = "proxy_pass error!!!"
				return nil, false
			}
			l.ProxyPass = njtapi.Trim(p.Str)
		}
		if b, ok := it.Get("location_body"); ok && b.Kind == njtapi.JString {
			l.Body = njtapi.Trim(b.Str)
		}
		if sub, ok := it.Get("locations"); ok {
			subs, okSubs := parseLocations(sub, typ, msg)
			if !okSubs {
				*msg = "locations field error!"
				return nil, false
			}
			l.Locations = subs
		}
		out = append(out, l)
	}
	return out, true
}

// render writes locations as OpenNJet writes add_location.txt, quirks
// included: a body gets a ";" unless it ends with one or with "}", and
// the locations after the first of a list end up nested in the first.
func render(b *strings.Builder, locs []Location) {
	for i, l := range locs {
		b.WriteString("location ")
		if l.Rule != "" {
			b.WriteString(l.Rule + " ")
		}
		if l.Name != "" {
			b.WriteString(l.Name + " {\n")
		}
		if l.Body != "" {
			if last := l.Body[len(l.Body)-1]; last != ';' && last != '}' {
				b.WriteString(" " + l.Body + "; \n")
			} else {
				b.WriteString(" " + l.Body + " \n")
			}
		}
		if l.ProxyPass != "" {
			b.WriteString(" proxy_pass " + l.ProxyPass + ";\n")
		}
		if len(l.Locations) > 0 {
			render(b, l.Locations)
		}
		if i != 0 {
			b.WriteString("\n}\n")
		}
	}
	if len(locs) > 0 {
		b.WriteString("\n}\n")
	}
}

// Text is the configuration text OpenNJet parses for an add of locs.
func Text(locs []Location) string {
	var b strings.Builder
	render(&b, locs)
	return b.String()
}
