package gateway

import (
	"crypto/tls"
	"io"
	"time"
)

// Request is an HTTP request as a protocol engine received it. It belongs to
// the gateway, not to net/http: GoNJet's HTTP/1.1 engine, net/http's HTTP/2
// server and HTTP/3 all fill the same type, so filters never see which
// protocol carried the request.
type Request struct {
	// Method is the request method as sent ("GET").
	Method string
	// RequestURI is the request target exactly as received, unparsed and
	// undecoded: "/a%20b?x=1", or an absolute form "http://host/path".
	RequestURI string
	// Proto is "HTTP/1.0", "HTTP/1.1", "HTTP/2.0" or "HTTP/3.0".
	Proto string
	// Line is the request line as received, without its line end, for
	// $request; empty where the protocol has none (HTTP/2, HTTP/3) or
	// the request was made in code, and RequestLine rebuilds it then.
	Line       string
	ProtoMajor int
	ProtoMinor int
	// Header holds the request header fields in arrival order.
	Header Header
	// Body reads the request body with the transfer coding removed. Never
	// nil; an empty body reads io.EOF at once.
	Body io.Reader
	// ContentLength is the body length, or -1 when not known in advance
	// (chunked), or 0 when there is no body.
	ContentLength int64
	// Chunked is true when the body came with Transfer-Encoding: chunked.
	Chunked bool
	// HeaderLength is the byte count of the request line and header.
	HeaderLength int64
	// KeepAlive reports whether the client allows the connection to stay
	// open after this request (HTTP/1.1 without "Connection: close", or
	// HTTP/1.0 with "Connection: keep-alive").
	KeepAlive bool
	// Conn describes the connection that carried the request.
	Conn *ConnInfo
	// Start is when the first byte of the request was read.
	Start time.Time
}

// ConnInfo describes a client connection. It is shared by every request
// the connection carries.
type ConnInfo struct {
	// ID is a process-unique connection serial number ($connection).
	ID uint64
	// Requests counts the requests served on the connection so far,
	// this one included ($connection_requests).
	Requests int
	// RemoteAddr and LocalAddr are "ip:port", or "unix:" for unix sockets.
	RemoteAddr string
	LocalAddr  string
	// Listen is the key of the listen socket that accepted the connection,
	// as the Listen.Key of the configuration that opened it.
	Listen string
	// TLS is the connection's TLS state, nil for plain connections.
	TLS *tls.ConnectionState
	// ServerName is the SNI name the client sent, if any.
	ServerName string
	// Start is when the connection was accepted ($connection_time).
	Start time.Time
}

// noBody is the Body of requests without one.
type noBody struct{}

func (noBody) Read([]byte) (int, error) { return 0, io.EOF }

// NoBody is an empty request body.
var NoBody io.Reader = noBody{}
