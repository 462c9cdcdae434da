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
	root, rest := cfg.mapURIParts(c, c.URI)
	var buf [pathBufLen]byte
	var f rawFile
	pathz, err := appendPathz(buf[:0], root, rest)
	if err == nil {
		err = f.open(pathz)
	}
	if err != nil {
		return openFailed(c, "open()", root+rest, err)
	}
	defer f.close()
	fi, err := f.stat()
	if err != nil {
		c.Logf(gateway.LevelCrit, "fstat() \"%s\" failed%s", root+rest, errnoText(err))
		return gateway.Status(500)
	}
	switch fi.kind {
	case kindDir:
		loc := escapeURI(c.URI) + "/"
		if c.Args != "" {
			loc += "?" + c.Args
		}
		c.RespHeader.Del("Location")
		c.RespHeader.Set("Location", loc)
		return gateway.Status(301)
	case kindOther:
		c.Logf(gateway.LevelCrit, "\"%s\" is not a regular file", root+rest)
		return gateway.Status(404)
	}
	if c.Method == "POST" {
		return gateway.Status(405)
	}
	return sendFile(c, nil, &f, fi.size, fi.mtime)
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
	return sendFile(c, f, nil, size, mtime)
}

// sendFile is SendFile reading from raw when it is not nil, else from f.
// The static handler's own file goes in raw, a concrete type, so that it
// can stay on the handler's stack.
func sendFile(c *gateway.Ctx, f io.ReaderAt, raw *rawFile, size, mtime int64) gateway.Result {
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
	stamp := stampOf(mtime, size)
	etag := ""
	if core.Etag {
		etag = stamp.etag
		h.Set("ETag", etag)
	}
	if status == 200 || status == 206 || status == 304 {
		h.Set("Last-Modified", stamp.lastModified)
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
			h.Set("Content-Range", "bytes */"+stamp.length)
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
		h.Set("Content-Length", stamp.length)
	case 1:
		c.Status = 206
		cr, cl := rangeFields(rs[0], stamp.length)
		h.Set("Content-Range", cr)
		h.Set("Content-Length", cl)
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
		copyRange(c, f, raw, 0, size)
	case 1:
		copyRange(c, f, raw, rs[0].start, rs[0].end-rs[0].start)
	default:
		for i, r := range rs {
			if _, err := c.WriteString(parts[i]); err != nil {
				return gateway.Done()
			}
			if !copyRange(c, f, raw, r.start, r.end-r.start) {
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

// rangeFields formats the Content-Range and Content-Length of a single
// range answer into one string and slices it.
func rangeFields(r byteRange, size string) (contentRange, contentLength string) {
	var buf [96]byte
	b := append(buf[:0], "bytes "...)
	b = strconv.AppendInt(b, r.start, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, r.end-1, 10)
	b = append(b, '/')
	b = append(b, size...)
	n := len(b)
	b = strconv.AppendInt(b, r.end-r.start, 10)
	all := string(b)
	return all[:n], all[n:]
}

const copyBufLen = 32 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, copyBufLen); return &b }}

// sendfileMin is the body size from which the static handler's file goes
// to an engine that copies files itself (sendfile) rather than through
// the copy buffer: a smaller body takes one pread and one buffered write,
// cheaper than handing the descriptor over and setting up a kernel copy.
const sendfileMin = copyBufLen

// copyRange sends n bytes from off of raw, or of f when raw is nil. When
// the location has no body filters and the engine can read from a file
// itself (sendfile), an *os.File, or a large enough raw file, goes
// straight to it; otherwise the bytes go through a pooled buffer, of
// which a small body uses only what it needs.
func copyRange(c *gateway.Ctx, f io.ReaderAt, raw *rawFile, off, n int64) bool {
	var written int64
	var err error
	if rf, ok := c.Writer().(io.ReaderFrom); ok && len(c.Loc.BodyFilters) == 0 {
		file, isFile := f.(*os.File)
		if raw != nil && n >= sendfileMin {
			file, isFile = raw.osFile(), true
		}
		if isFile {
			if _, err = file.Seek(off, io.SeekStart); err == nil {
				written, err = rf.ReadFrom(io.LimitReader(file, n))
				c.BodyBytesSent += written
			}
			return finishCopy(c, written, n, err)
		}
	}
	bp := bufPool.Get().(*[]byte)
	buf := *bp
	for written < n && err == nil {
		chunk := buf
		if left := n - written; left < int64(len(chunk)) {
			chunk = chunk[:left]
		}
		var m int
		if raw != nil {
			m, err = raw.ReadAt(chunk, off+written)
		} else {
			m, err = f.ReadAt(chunk, off+written)
		}
		if m == 0 && err == nil {
			// a ReaderAt that makes no progress has nothing more
			err = io.EOF
		}
		if m > 0 {
			wn, werr := c.Write(chunk[:m])
			written += int64(wn)
			if werr != nil {
				err = werr
			}
		}
	}
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
