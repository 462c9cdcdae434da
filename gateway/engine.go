package gateway

import (
	"bufio"
	"errors"
	"net"
	"time"
)

// ResponseWriter is what a protocol engine gives the gateway to answer one
// request. The gateway owns the response header and status; the engine owns
// framing: it adds Connection, Transfer-Encoding (chunked when HTTP/1.1 and
// no Content-Length) and suppresses the body of HEAD, 1xx, 204 and 304
// answers.
type ResponseWriter interface {
	// WriteHeader sends the status line and header. keepAlive says whether
	// the engine may keep the connection open after this response.
	WriteHeader(status int, h *Header, keepAlive bool) error
	// Write sends body bytes. WriteHeader has been called before.
	Write(p []byte) (int, error)
	// Flush pushes buffered bytes to the client.
	Flush() error
}

// Hijacker is implemented by engines that can hand the raw connection over,
// for WebSocket and other Upgrade exchanges after a 101 answer.
type Hijacker interface {
	Hijack() (net.Conn, *bufio.ReadWriter, error)
}

// ErrHijackUnsupported is returned when a protocol cannot hand over its
// connection (HTTP/2, HTTP/3).
var ErrHijackUnsupported = errors.New("connection cannot be taken over")

// Outcome is what the gateway tells the engine once a request is done.
type Outcome struct {
	// KeepAlive is true when the connection may carry another request.
	KeepAlive bool
	// KeepAliveTimeout is how long to wait for the next request.
	KeepAliveTimeout time.Duration
	// Close without sending anything more (return 444).
	Drop bool
}

// Engine is the gateway's side of the protocol engines: each accepted
// request is passed to Serve, and requests the engine could not parse go
// to ServeError so that the answer, error_page and the access log are the
// same as for any other request.
type Engine interface {
	Serve(req *Request, w ResponseWriter) Outcome
	ServeError(req *Request, w ResponseWriter, status int) Outcome
}
