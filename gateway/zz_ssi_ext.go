package gateway

import "io"

// SubrequestOutput returns the writer that was given to Subrequest for
// this request, nil for a main request. A feature that starts
// subrequests can pass a writer of its own type and find it again from
// the filters of the subrequest, to share per-page state with what the
// page includes (SSI variables and blocks belong to the whole page, as
// in nginx, where they live in the main request).
func (c *Ctx) SubrequestOutput() io.Writer {
	if s, ok := c.w.(*subrequestWriter); ok {
		return s.out
	}
	return nil
}
