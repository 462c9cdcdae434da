package listener

// The parsers follow nginx's ngx_http_parse_request_line and
// ngx_http_parse_header_line byte for byte in what they accept and
// refuse, but work on one complete line (up to and including its LF),
// since the engine reads the header a line at a time.

// parse results besides success.
const (
	parseOK = iota
	errInvalidMethod
	errInvalidRequest
	errInvalidVersion
	errInvalid09Method
)

// requestLine holds offsets into the line it was parsed from.
type requestLine struct {
	methodEnd            int
	uriStart, uriEnd     int
	protoStart, protoEnd int // 0, 0 for HTTP/0.9
	hostStart, hostEnd   int // authority of an absolute-form target
	major, minor         int
	connect              bool
}

// version is nginx's http_version: major*1000+minor.
func (rl *requestLine) version() int { return rl.major*1000 + rl.minor }

func isUpperMethodByte(ch byte) bool { return ch >= 'A' && ch <= 'Z' || ch == '_' || ch == '-' }

func isAlpha(ch byte) bool {
	c := ch | 0x20
	return c >= 'a' && c <= 'z'
}

func isDigit(ch byte) bool { return ch >= '0' && ch <= '9' }

// endOfLine reports whether b[i] ends the line: LF, or CR followed by the
// final LF. It returns false, true for a CR followed by anything else.
func endOfLine(b []byte, i int) (end, bad bool) {
	switch b[i] {
	case '\n':
		return true, false
	case '\r':
		if i+1 < len(b) && b[i+1] == '\n' {
			return true, false
		}
		return false, true
	}
	return false, false
}

// parseRequestLine parses a request line that starts with a byte other
// than CR or LF and ends with LF.
func parseRequestLine(b []byte, rl *requestLine) int {
	*rl = requestLine{hostStart: -1, hostEnd: -1}
	n := len(b)
	i := 0
	if !isUpperMethodByte(b[0]) {
		return errInvalidMethod
	}
	for i = 1; i < n && b[i] != ' '; i++ {
		if !isUpperMethodByte(b[i]) {
			return errInvalidMethod
		}
	}
	rl.methodEnd = i
	rl.connect = string(b[:i]) == "CONNECT"
	for i < n && b[i] == ' ' {
		i++
	}
	if rl.connect {
		return parseConnectTarget(b, i, rl)
	}
	rl.uriStart = i
	switch {
	case b[i] == '/':
	case isAlpha(b[i]):
		path, code := parseAbsoluteForm(b, i, rl)
		if code != parseOK {
			return code
		}
		if path < 0 {
			// "http://host HTTP/1.1": the path is "/"
			rl.uriEnd = -path
			return parseVersion(b, -path, rl)
		}
		i = path
	default:
		return errInvalidRequest
	}
	for ; i < n; i++ {
		ch := b[i]
		if ch == ' ' {
			rl.uriEnd = i
			return parseVersion(b, i, rl)
		}
		if end, bad := endOfLine(b, i); end || bad {
			if bad {
				return errInvalidRequest
			}
			rl.uriEnd = i
			return http09(b, rl)
		}
		if ch < 0x20 || ch == 0x7f {
			return errInvalidRequest
		}
	}
	return errInvalidRequest
}

// parseAbsoluteForm reads "scheme://host[:port]" at b[i:]. It returns the
// index where the path or query starts, or -(index of the space) when the
// target ends after the authority (the index is never 0).
func parseAbsoluteForm(b []byte, i int, rl *requestLine) (int, int) {
	n := len(b)
	for i < n && (isAlpha(b[i]) || isDigit(b[i]) || b[i] == '+' || b[i] == '-' || b[i] == '.') {
		i++
	}
	if i+2 >= n || b[i] != ':' || b[i+1] != '/' || b[i+2] != '/' {
		return 0, errInvalidRequest
	}
	i += 3
	end, code := parseAuthority(b, i, rl)
	if code != parseOK {
		return 0, code
	}
	switch b[end] {
	case '/', '?':
		return end, parseOK
	case ' ':
		return -end, parseOK
	}
	return 0, errInvalidRequest
}

// parseAuthority reads host[:port] at b[i:] and returns the index of the
// first byte after it.
func parseAuthority(b []byte, i int, rl *requestLine) (int, int) {
	n := len(b)
	rl.hostStart = i
	if i < n && b[i] == '[' {
		for i++; i < n && b[i] != ']'; i++ {
			ch := b[i]
			if isDigit(ch) || isAlpha(ch) {
				continue
			}
			switch ch {
			case ':', '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=':
				continue
			}
			return 0, errInvalidRequest
		}
		if i == n {
			return 0, errInvalidRequest
		}
		i++
	} else {
		for i < n && (isAlpha(b[i]) || isDigit(b[i]) || b[i] == '.' || b[i] == '-') {
			i++
		}
	}
	if i < n && b[i] == ':' {
		for i++; i < n && isDigit(b[i]); i++ {
		}
	}
	rl.hostEnd = i
	if i == n {
		return 0, errInvalidRequest
	}
	return i, parseOK
}

// parseConnectTarget reads the "host:port" target of CONNECT.
func parseConnectTarget(b []byte, i int, rl *requestLine) int {
	end, code := parseAuthority(b, i, rl)
	if code != parseOK {
		return code
	}
	if b[end] != ' ' || !hasPort(b[rl.hostStart:end]) {
		return errInvalidRequest
	}
	rl.uriStart, rl.uriEnd = rl.hostStart, end
	return parseVersion(b, end, rl)
}

func hasPort(hp []byte) bool {
	for i := len(hp) - 1; i >= 0; i-- {
		if hp[i] == ':' {
			return true
		}
		if hp[i] == ']' {
			return false
		}
	}
	return false
}

// parseVersion reads the spaces after the target at b[i] and the protocol.
func parseVersion(b []byte, i int, rl *requestLine) int {
	n := len(b)
	for i < n && b[i] == ' ' {
		i++
	}
	if end, bad := endOfLine(b, i); end || bad {
		if bad {
			return errInvalidRequest
		}
		return http09(b, rl)
	}
	if n-i < 6 || string(b[i:i+5]) != "HTTP/" {
		// nginx reads "HTTP/" byte by byte; any other byte is invalid
		return errInvalidRequest
	}
	rl.protoStart = i
	i += 5
	if b[i] < '1' || b[i] > '9' {
		return errInvalidRequest
	}
	rl.major = int(b[i] - '0')
	if rl.major > 1 {
		return errInvalidVersion
	}
	for i++; ; i++ {
		if i >= n {
			return errInvalidRequest
		}
		if b[i] == '.' {
			break
		}
		if !isDigit(b[i]) {
			return errInvalidRequest
		}
		rl.major = rl.major*10 + int(b[i]-'0')
		if rl.major > 1 {
			return errInvalidVersion
		}
	}
	i++
	if i >= n || !isDigit(b[i]) {
		return errInvalidRequest
	}
	rl.minor = int(b[i] - '0')
	for i++; i < n; i++ {
		ch := b[i]
		if end, bad := endOfLine(b, i); end || bad {
			if bad {
				return errInvalidRequest
			}
			rl.protoEnd = i
			return parseOK
		}
		if ch == ' ' {
			rl.protoEnd = i
			for i++; b[i] == ' '; i++ {
			}
			// the line ends with LF, so i < n here
			if end, _ := endOfLine(b, i); end {
				return parseOK
			}
			return errInvalidRequest
		}
		if !isDigit(ch) || rl.minor > 99 {
			return errInvalidRequest
		}
		rl.minor = rl.minor*10 + int(ch-'0')
	}
	return errInvalidRequest
}

// http09 finishes a request line without a protocol: HTTP/0.9, which
// nginx still serves for GET.
func http09(b []byte, rl *requestLine) int {
	rl.major, rl.minor = 0, 9
	rl.protoStart, rl.protoEnd = 0, 0
	if string(b[:rl.methodEnd]) != "GET" {
		return errInvalid09Method
	}
	return parseOK
}

// headerLine holds offsets into the line it was parsed from.
type headerLine struct {
	nameEnd            int
	valueStart, valEnd int
	// invalid is set for names with bytes other than letters, digits and
	// "-" (and "_" when underscores are allowed); ignore_invalid_headers
	// drops such lines.
	invalid bool
}

// header line parse results.
const (
	hdrLine = iota
	hdrDone
	hdrInvalid
)

// nameByte marks the bytes of a valid header name.
var nameByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'] = true
	return t
}()

// parseHeaderLine parses one header line ending with LF. For hdrInvalid
// it returns the index of the offending byte in h.nameEnd.
func parseHeaderLine(b []byte, underscores bool, h *headerLine) int {
	*h = headerLine{}
	n := len(b)
	switch b[0] {
	case '\n':
		return hdrDone
	case '\r':
		if n == 2 {
			return hdrDone
		}
		h.nameEnd = 1
		return hdrInvalid
	}
	i := 0
	for ; ; i++ {
		ch := b[i]
		if nameByte[ch] {
			continue
		}
		if ch == '_' {
			if !underscores {
				h.invalid = true
			}
			continue
		}
		if ch == ':' && i > 0 {
			break
		}
		if ch == '\r' || ch == '\n' {
			// a line without a colon is a header with an empty value
			h.nameEnd, h.valueStart, h.valEnd = i, i, i
			return finishHeaderLine(b, i, h)
		}
		if ch <= 0x20 || ch == 0x7f || ch == ':' {
			h.nameEnd = i
			return hdrInvalid
		}
		h.invalid = true
	}
	h.nameEnd = i
	for i++; i < n && (b[i] == ' ' || b[i] == '\t'); i++ {
	}
	h.valueStart, h.valEnd = i, i
	for ; i < n; i++ {
		switch b[i] {
		case ' ', '\t':
		case '\r', '\n':
			return finishHeaderLine(b, i, h)
		case 0:
			h.nameEnd = i
			return hdrInvalid
		default:
			h.valEnd = i + 1
		}
	}
	return hdrInvalid
}

// finishHeaderLine checks the line end at b[i]: CRs, then the LF.
func finishHeaderLine(b []byte, i int, h *headerLine) int {
	for ; b[i] == '\r'; i++ {
	}
	if b[i] != '\n' {
		h.nameEnd = i
		return hdrInvalid
	}
	return hdrLine
}
