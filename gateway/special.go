package gateway

import (
	"strconv"
	"strings"
)

// statusText holds the reason phrases nginx sends.
var statusText = map[int]string{
	100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
	200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content", 205: "Reset Content", 206: "Partial Content",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily", 303: "See Other", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Not Allowed", 406: "Not Acceptable",
	408: "Request Time-out", 409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large",
	414: "Request-URI Too Large", 415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable", 421: "Misdirected Request", 429: "Too Many Requests",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out",
	505: "HTTP Version Not Supported", 507: "Insufficient Storage",
}

// StatusText returns nginx's reason phrase for a status, "" when it has
// none (the status line then carries the code alone).
func StatusText(code int) string { return statusText[code] }

// errorPageTitle is the title of nginx's standard page for a status.
func errorPageTitle(code int) string {
	switch code {
	case 494:
		return "400 Request Header Or Cookie Too Large"
	case 495:
		return "400 The SSL certificate error"
	case 496:
		return "400 No required SSL certificate was sent"
	case 497:
		return "400 The plain HTTP request was sent to HTTPS port"
	}
	if t, ok := statusText[code]; ok && code >= 301 && code != 304 {
		return strconv.Itoa(code) + " " + t
	}
	return ""
}

// sendSpecial sends nginx's standard answer for a status: the small HTML
// page for 3xx/4xx/5xx codes nginx knows, an empty body otherwise.
func (c *Ctx) sendSpecial(status int) {
	if c.headerSent {
		return
	}
	sendStatus := status
	switch status {
	case 494, 495, 496, 497:
		sendStatus = 400
	}
	if c.forceStatus != 0 {
		sendStatus = c.forceStatus
		c.forceStatus = 0
	}
	c.Status = sendStatus
	h := &c.RespHeader
	for _, n := range [...]string{"Content-Length", "Content-Type", "Content-Encoding", "Accept-Ranges", "Last-Modified", "ETag", "Transfer-Encoding"} {
		h.Del(n)
	}
	title := errorPageTitle(status)
	if title == "" || status < 300 {
		if status >= 200 && status != 204 && status != 304 {
			h.Set("Content-Length", "0")
		}
		c.SendHeader()
		return
	}
	tail := "<hr><center>" + Software + "</center>\r\n</body>\r\n</html>\r\n"
	if c.Loc.Core.ServerTokens == "off" {
		tail = "<hr><center>" + productName() + "</center>\r\n</body>\r\n</html>\r\n"
	}
	var b strings.Builder
	b.WriteString("<html>\r\n<head><title>")
	b.WriteString(title)
	b.WriteString("</title></head>\r\n<body>\r\n<center><h1>")
	b.WriteString(title)
	b.WriteString("</h1></center>\r\n")
	b.WriteString(tail)
	if c.Loc.Core.MsiePadding && status >= 400 && strings.Contains(c.Req.Header.Get("User-Agent"), "MSIE ") {
		b.WriteString(msiePadding)
	}
	body := b.String()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.SendHeader()
	c.WriteString(body)
}

const msiePadding = "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n"
