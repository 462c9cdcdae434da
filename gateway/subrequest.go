package gateway

import (
	"errors"
	"io"
	"runtime/debug"
)

// maxSubrequestDepth bounds nested subrequests (an SSI page including
// itself), as nginx's NGX_HTTP_MAX_SUBREQUESTS depth of 50.
const maxSubrequestDepth = 50

// ErrSubrequestDepth is returned when subrequests nest too deeply.
var ErrSubrequestDepth = errors.New("subrequests cycle")

// Subrequest runs uri (with args) through the request's server as nginx's
// subrequests do, for SSI includes and similar features: a GET that
// shares the request's header, connection and variables, enters at the
// server-rewrite phase as an internal request, and writes its response
// body to w; its response header is dropped. It returns the
// subrequest's status. Subrequests are not written to the access log.
func (c *Ctx) Subrequest(uri, args string, w io.Writer) (status int, err error) {
	if c.subDepth >= maxSubrequestDepth {
		c.Logf(LevelError, "subrequests cycle while processing \"%s\"", uri)
		return 500, ErrSubrequestDepth
	}
	req := *c.Req
	req.Method = "GET"
	req.Body, req.ContentLength, req.Chunked = NoBody, 0, false
	// every slot exists before the subrequest shares the slice, so that
	// neither side grows a copy of its own
	if n := c.Config.Vars.Len(); len(c.vars) < n {
		c.vars = append(c.vars, make([]varSlot, n-len(c.vars))...)
	}
	sub := &Ctx{
		Req:      &req,
		Config:   c.Config,
		Server:   c.Server,
		Loc:      c.Server.Root,
		URI:      uri,
		Args:     args,
		Method:   "GET",
		Host:     c.Host,
		w:        &subrequestWriter{out: w},
		internal: true,
		vars:     c.vars, // nginx's subrequests share the variables
		subDepth: c.subDepth + 1,
		capSubj:  c.capSubj,
		capIdx:   c.capIdx,
	}
	defer func() {
		if p := recover(); p != nil {
			sub.Logf(LevelAlert, "panic while processing subrequest: %v\n%s", p, debug.Stack())
			status, err = 500, errors.New("subrequest failed")
		}
	}()
	sub.dispatch(sub.runFrom(PhaseServerRewrite))
	sub.finishBody()
	return sub.Status, nil
}

// IsSubrequest reports whether c is a subrequest.
func (c *Ctx) IsSubrequest() bool { return c.subDepth > 0 }

// subrequestWriter is the engine side of a subrequest: the body goes to
// the including response, the status line and header nowhere.
type subrequestWriter struct {
	out io.Writer
}

func (s *subrequestWriter) WriteHeader(int, *Header, bool) error { return nil }
func (s *subrequestWriter) Write(p []byte) (int, error)          { return s.out.Write(p) }
func (s *subrequestWriter) Flush() error                         { return nil }
