package static

import (
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
)

// Handler is the static content handler. For a URI ending in '/' it tries
// the index files, then the directory listing when autoindex is on, and
// otherwise answers 403. For other URIs it sends the file the URI maps to,
// with Content-Type from the location's types, Last-Modified, ETag,
// conditional answers (304, 412) and byte ranges (206, 416); a directory
// gets a 301 to the URI with a slash appended. GET and HEAD are served,
// POST reaches a file only to be refused with 405, other methods get 405.
//
// It reads its settings from the request's current location (see
// Install), so one Handler value serves every location.
var Handler gateway.Filter = gateway.FilterFunc(serve)

func serve(c *gateway.Ctx) gateway.Result {
	switch c.Method {
	case "GET", "HEAD", "POST":
	default:
		return gateway.Status(405)
	}
	cfg := configFor(c)
	if c.URI == "" || c.URI[len(c.URI)-1] == '/' {
		if res, ok := cfg.serveIndex(c); ok {
			return res
		}
		if cfg.Autoindex.On && c.Method != "POST" {
			return cfg.serveAutoindex(c)
		}
		path, _ := cfg.mapURI(c, c.URI)
		c.Logf(gateway.LevelError, "directory index of \"%s\" is forbidden", path)
		return gateway.Status(403)
	}
	return cfg.serveFile(c)
}

// serveFile is nginx's static handler for a URI not ending in '/'.
func (cfg *Config) serveFile(c *gateway.Ctx) gateway.Result {
	path, _ := cfg.mapURI(c, c.URI)
	// O_NONBLOCK keeps a FIFO in the document tree from blocking the open.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return openFailed(c, "open()", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		c.Logf(gateway.LevelCrit, "fstat() \"%s\" failed%s", path, errnoText(err))
		return gateway.Status(500)
	}
	if fi.IsDir() {
		loc := escapeURI(c.URI) + "/"
		if c.Args != "" {
			loc += "?" + c.Args
		}
		c.RespHeader.Del("Location")
		c.RespHeader.Set("Location", loc)
		return gateway.Status(301)
	}
	if !fi.Mode().IsRegular() {
		c.Logf(gateway.LevelCrit, "\"%s\" is not a regular file", path)
		return gateway.Status(404)
	}
	if c.Method == "POST" {
		return gateway.Status(405)
	}
	return SendFile(c, f, fi.Size(), fi.ModTime().Unix())
}

// openFailed maps a failed open or stat to nginx's answer and log line:
// a missing file is 404 (logged unless log_not_found is off), a forbidden
// one 403, anything else 500.
func openFailed(c *gateway.Ctx, op, path string, err error) gateway.Result {
	level, status := gateway.LevelCrit, 500
	switch errnoOf(err) {
	case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
		level, status = gateway.LevelError, 404
	case syscall.EACCES:
		level, status = gateway.LevelError, 403
	}
	if status != 404 || c.Loc.Core.LogNotFound {
		c.Logf(level, "%s \"%s\" failed%s", op, path, errnoText(err))
	}
	return gateway.Status(status)
}

// SendFile answers the request with the content of f (size bytes, last
// modified at mtime, Unix seconds) as nginx sends a static file: status
// 200 with Content-Type from the location's types (unless already set),
// Content-Length, Last-Modified, ETag when the location's etag is on;
// then the If-* preconditions (304 or 412) and Range (206, multipart
// byte ranges, 416) are applied, and HEAD gets the header only. Other
// content handlers that serve files (gzip_static, a cache) can reuse it.
func SendFile(c *gateway.Ctx, f io.ReaderAt, size, mtime int64) gateway.Result {
	core := &c.Loc.Core
	h := &c.RespHeader
	// An error page served from a file goes out with the status
	// error_page imposes, which the gateway applies after this handler:
	// 304 and 206, derived from a 200, are for plain answers only.
	status := c.ForcedStatus()
	plain := status == 0
	if plain {
		status = 200
	}
	etag := ""
	if core.Etag {
		etag = `"` + strconv.FormatInt(mtime, 16) + "-" + strconv.FormatInt(size, 16) + `"`
		h.Set("ETag", etag)
	}
	if status == 200 || status == 206 || status == 304 {
		h.Set("Last-Modified", gateway.FormatHTTPTime(mtime))
	}
	if plain {
		switch Precondition(c, mtime, etag) {
		case 412:
			return gateway.Status(412)
		case 304:
			c.Status = 304
			for _, n := range [...]string{"Content-Type", "Content-Length", "Accept-Ranges", "Content-Encoding"} {
				h.Del(n)
			}
			c.SendHeader()
			return gateway.Done()
		}
	}
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = ContentType(c.Loc, c.URI)
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
	}
	var rs []byteRange
	if plain && core.MaxRanges != 0 && c.Req.ProtoMajor >= 1 {
		var code int
		rs, code = parseRanges(c, size, mtime, etag, core.MaxRanges)
		switch code {
		case 416:
			h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			h.Del("Content-Length")
			return gateway.Status(416)
		case 206:
		default:
			h.Set("Accept-Ranges", "bytes")
		}
	}
	c.Status = 200
	var parts []string
	var boundary string
	switch len(rs) {
	case 0:
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	case 1:
		c.Status = 206
		h.Set("Content-Range", "bytes "+strconv.FormatInt(rs[0].start, 10)+"-"+strconv.FormatInt(rs[0].end-1, 10)+"/"+strconv.FormatInt(size, 10))
		h.Set("Content-Length", strconv.FormatInt(rs[0].end-rs[0].start, 10))
	default:
		c.Status = 206
		var length int64
		boundary, parts, length = multipartHeads(ctype, rs, size)
		h.Del("Content-Range")
		h.Set("Content-Type", "multipart/byteranges; boundary="+boundary)
		h.Set("Content-Length", strconv.FormatInt(length, 10))
	}
	if err := c.SendHeader(); err != nil {
		return gateway.Done()
	}
	if c.Method == "HEAD" || c.Status == 204 || c.Status == 304 || c.Status < 200 {
		return gateway.Done()
	}
	switch len(rs) {
	case 0:
		copyRange(c, f, 0, size)
	case 1:
		copyRange(c, f, rs[0].start, rs[0].end-rs[0].start)
	default:
		for i, r := range rs {
			if _, err := c.WriteString(parts[i]); err != nil {
				return gateway.Done()
			}
			if !copyRange(c, f, r.start, r.end-r.start) {
				return gateway.Done()
			}
		}
		c.WriteString("\r\n--" + boundary + "--\r\n")
	}
	return gateway.Done()
}

// ContentType is the MIME type nginx gives a response for uri in loc: the
// type of the URI's extension in the location's types, else its
// default_type. The extension is taken from the URI, not from the file
// an alias maps it to.
func ContentType(loc *gateway.Location, uri string) string {
	for i := len(uri) - 1; i > 1; i-- {
		if uri[i] == '.' && uri[i-1] != '/' {
			if t, ok := loc.Core.Types[strings.ToLower(uri[i+1:])]; ok {
				return t
			}
			break
		}
		if uri[i] == '/' {
			break
		}
	}
	return loc.Core.DefaultType
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyRange sends n bytes of f from off. When the location has no body
// filters and the engine can read from a file itself (sendfile), the
// bytes go straight to it.
func copyRange(c *gateway.Ctx, f io.ReaderAt, off, n int64) bool {
	src := io.NewSectionReader(f, off, n)
	var written int64
	var err error
	if rf, ok := c.Writer().(io.ReaderFrom); ok && len(c.Loc.BodyFilters) == 0 {
		if file, isFile := f.(*os.File); isFile {
			if _, err = file.Seek(off, io.SeekStart); err == nil {
				written, err = rf.ReadFrom(io.LimitReader(file, n))
				c.BodyBytesSent += written
			}
			return finishCopy(c, written, n, err)
		}
	}
	bp := bufPool.Get().(*[]byte)
	written, err = io.CopyBuffer(ctxWriter{c}, src, *bp)
	bufPool.Put(bp)
	return finishCopy(c, written, n, err)
}

func finishCopy(c *gateway.Ctx, written, n int64, err error) bool {
	if written == n {
		return true
	}
	// The file shrank, or the client went away: the promised length can
	// no longer be honoured, so the connection must not be reused.
	if err == nil || err == io.EOF {
		c.Logf(gateway.LevelAlert, "file was truncated while sending the response")
	}
	c.SetKeepAlive(false)
	return false
}

// ctxWriter hides Ctx's other methods from io.CopyBuffer.
type ctxWriter struct{ c *gateway.Ctx }

func (w ctxWriter) Write(p []byte) (int, error) { return w.c.Write(p) }
