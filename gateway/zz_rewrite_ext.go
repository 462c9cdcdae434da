package gateway

// Additions made for gateway/filter/rewrite; the lead may fold them into
// the core files.

// locationURIKey marks a request whose URI a rewrite changed without
// searching the location again ("rewrite ... break", or "break" after a
// rewrite). The stored value is the internal-redirect count at the time,
// so that the mark lapses by itself on the next internal redirect, where
// nginx sets r->valid_location again.
var locationURIKey = NewCtxKey()

// RewriteURI replaces the request's URI and query string the way nginx's
// rewrite directive does: from now on the request counts as internal, so
// locations marked "internal" become reachable for it.
func (c *Ctx) RewriteURI(uri, args string) {
	c.URI, c.Args = uri, args
	c.internal = true
}

// InvalidateLocationURI records that the URI no longer matches the
// location that was chosen for it (nginx clears r->valid_location).
// proxy_pass with a URI part then sends the rewritten URI as it is instead
// of replacing the location prefix, and alias refuses to map it.
func (c *Ctx) InvalidateLocationURI() {
	c.SetData(locationURIKey, c.redirects+1)
}

// LocationURIValid reports whether the current URI is still the one the
// location was chosen for; false after InvalidateLocationURI until the
// next internal redirect.
func (c *Ctx) LocationURIValid() bool {
	n, _ := c.Data(locationURIKey).(int)
	return n != c.redirects+1
}

// EnterLocation makes loc, an "if" block of the current location, the
// location whose configuration applies from now on, as nginx does when
// the block's condition holds: the later phases, the header and body
// filters, error pages and the content handler come from loc, and the
// keep-alive limits are applied again.
func (c *Ctx) EnterLocation(loc *Location) {
	c.Loc = loc
	// client_max_body_size cannot be set inside "if", so the check
	// applyLocation repeats has already passed for the enclosing location.
	c.applyLocation()
}
