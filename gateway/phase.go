package gateway

// Phase is a step of request processing, as in nginx. Filters are bound to
// a phase of a location and run in the order they were added.
type Phase uint8

// The phases, in the order a request passes them.
const (
	// PhasePostRead runs once, right after the request header is read,
	// before server-level rewrites (realip).
	PhasePostRead Phase = iota
	// PhaseServerRewrite runs the server{}-level rewrite directives.
	PhaseServerRewrite
	// PhaseRewrite runs the location's rewrite directives; a "last"
	// rewrite re-runs the location search.
	PhaseRewrite
	// PhasePreAccess runs limits (limit_req, limit_conn).
	PhasePreAccess
	// PhaseAccess runs access checks (allow/deny, auth_basic) combined by
	// the location's satisfy any|all.
	PhaseAccess
	// PhasePreContent runs try_files and mirror.
	PhasePreContent
	// PhaseContent produces the response; a location has one content
	// handler, set as Location.Content.
	PhaseContent
	// PhaseLog runs after the response is sent (access log, metrics).
	PhaseLog
	// NumPhases is the number of phases.
	NumPhases
)

var phaseNames = [...]string{"post-read", "server-rewrite", "rewrite", "pre-access", "access", "pre-content", "content", "log"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// Action says what happens after a filter ran.
type Action uint8

// The actions a filter can return.
const (
	// ActContinue passes the request to the next filter. In the access
	// phase it means "no opinion" (nginx's NGX_DECLINED).
	ActContinue Action = iota
	// ActAllow, in the access phase, grants access: with "satisfy any" the
	// rest of the access checks are skipped. Elsewhere it is ActContinue.
	ActAllow
	// ActDone means a response has been produced; processing ends.
	ActDone
	// ActStatus finishes the request with Result.Status; error_page may
	// catch it, otherwise the standard page is sent.
	ActStatus
	// ActRedirect is an internal redirect to Result.URI (and Result.Args)
	// that re-enters the server rewrite phase, as nginx does.
	ActRedirect
	// ActNamed is an internal redirect to the named location Result.URI.
	ActNamed
	// ActRestart re-runs the location search with the current c.URI, as a
	// rewrite with the "last" flag does.
	ActRestart
)

// Result is what a filter returns. Use the helpers: Continue, Allow, Done,
// Status, Redirect, Named, Restart.
type Result struct {
	Action Action
	Status int
	URI    string
	Args   string
}

// Continue passes the request on.
var Continue = Result{}

// Allow grants access in the access phase.
func Allow() Result { return Result{Action: ActAllow} }

// Done ends processing: the filter has answered.
func Done() Result { return Result{Action: ActDone} }

// Status finishes the request with an HTTP status (subject to error_page).
// Status 444 closes the connection without an answer.
func Status(code int) Result { return Result{Action: ActStatus, Status: code} }

// Redirect redirects internally to uri with args (no leading '?').
func Redirect(uri, args string) Result { return Result{Action: ActRedirect, URI: uri, Args: args} }

// Named redirects internally to the named location "@name" (name without @).
func Named(name string) Result { return Result{Action: ActNamed, URI: name} }

// Restart re-runs the location search on the current URI.
func Restart() Result { return Result{Action: ActRestart} }

// Filter is one step of request processing bound to a phase. Filters are
// built once per configuration snapshot and shared by all requests, so
// they must be safe for concurrent use and keep per-request state in the
// Ctx.
type Filter interface {
	Handle(c *Ctx) Result
}

// FilterFunc adapts a function to Filter.
type FilterFunc func(c *Ctx) Result

// Handle calls f(c).
func (f FilterFunc) Handle(c *Ctx) Result { return f(c) }

// HeaderFilter changes the response status or header just before the
// header is sent (add_header, expires, proxy_hide_header...). It runs for
// every response of the location, including error pages.
type HeaderFilter interface {
	FilterHeader(c *Ctx)
}

// HeaderFilterFunc adapts a function to HeaderFilter.
type HeaderFilterFunc func(c *Ctx)

// FilterHeader calls f(c).
func (f HeaderFilterFunc) FilterHeader(c *Ctx) { f(c) }

// BodyFilter transforms the response body (gzip, sub_filter). Wrap is
// called once per response, after the header filters; it returns the
// writer the body is written to, which writes on to next. A filter that
// changes the length must delete Content-Length in its header filter.
type BodyFilter interface {
	WrapBody(c *Ctx, next BodyWriter) BodyWriter
}

// BodyWriter receives response body bytes. Close is called once after the
// last Write, so that a filter can flush what it holds.
type BodyWriter interface {
	Write(p []byte) (int, error)
	Close() error
}

// BodyFlusher is implemented by body writers that hold data back (a
// compressor): Flush pushes what they hold to the next writer, so that a
// handler's flush (proxy_buffering off, streaming) reaches the client.
type BodyFlusher interface {
	Flush() error
}
