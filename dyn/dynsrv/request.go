package dynsrv

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/gonjet/gonjet/dyn/internal/njtapi"
)

// request is a POST (add) or PUT (del) body, read and checked as
// OpenNJet's njt_http_parser_server_data does.
type request struct {
	Type         string
	AddrPort     string
	ServerName   string
	ListenOption string
	ServerBody   string
}

// Body size limits of OpenNJet's server API.
const (
	minBody = 8
	maxBody = 5 << 20
)

var topKeys = map[string]bool{
	"type": true, "addr_port": true, "listen_option": true, "server_name": true, "server_body": true,
}

// parseRequest reads body; msg is the refusal OpenNJet answers with 400.
func parseRequest(body []byte, method string) (req *request, msg string) {
	v, addrPort, msg := njtapi.DecodeRequest(body, minBody, maxBody, topKeys)
	if msg != "" {
		return nil, msg
	}
	req = &request{AddrPort: addrPort}
	if !validAddr(req.AddrPort) {
		return nil, "addr_port error!!!"
	}
	t, ok := v.Get("type")
	if !ok || t.Kind != njtapi.JString {
		return nil, "type error!!!"
	}
	req.Type = njtapi.Trim(t.Str)
	switch {
	case req.Type == "add" && method != http.MethodPost:
		return nil, "no support method when add server!"
	case req.Type == "del" && method != http.MethodPut:
		return nil, "no support method when del server!"
	case req.Type != "add" && req.Type != "del":
		return nil, "type error!!!"
	}
	if sn, ok := v.Get("server_name"); ok {
		if sn.Kind != njtapi.JString {
			return nil, "server_name error!"
		}
		if req.ServerName = njtapi.Trim(sn.Str); req.ServerName == "" {
			return nil, "server_name is null!"
		}
	} else if req.Type == "del" {
		return nil, "server_name is null!"
	}
	if lo, ok := v.Get("listen_option"); ok {
		if lo.Kind != njtapi.JString {
			return nil, "listen_option error!"
		}
		req.ListenOption = njtapi.Trim(lo.Str)
	}
	if b, ok := v.Get("server_body"); ok {
		if b.Kind != njtapi.JString {
			return nil, "server_body error!"
		}
		req.ServerBody = njtapi.Trim(b.Str)
	}
	return req, ""
}

// validAddr is the check njt_parse_url makes of a listen address:
// "host:port", "[v6]:port", a bare port or a bare host, or "unix:path".
func validAddr(s string) bool {
	if strings.HasPrefix(s, "unix:") {
		return len(s) > len("unix:")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if strings.ContainsAny(s, "[]") || strings.Count(s, ":") > 0 && !strings.HasPrefix(s, "[") {
			return false
		}
		if n, err := strconv.Atoi(s); err == nil {
			return n >= 1 && n <= 65535
		}
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535 && host != ""
}

// Text is the configuration text OpenNJet parses for an add: the server
// block with its listen and name lines first, a ";" added to a body that
// does not end with one or with "}".
func Text(addrPort, ssl, name, body string) string {
	var b strings.Builder
	b.WriteString("server {\n")
	b.WriteString("listen " + addrPort + " " + ssl + " " + ";\n")
	switch {
	case name != "" && body != "":
		b.WriteString("server_name " + name + ";\n")
		if last := body[len(body)-1]; last != ';' && last != '}' {
			b.WriteString(body + "; \n}\n")
		} else {
			b.WriteString(body + " \n}\n")
		}
	case name != "" && name[len(name)-1] != ';':
		b.WriteString("server_name " + name + "; \n}\n")
	default:
		b.WriteString("server_name " + name + " \n}\n")
	}
	return b.String()
}
