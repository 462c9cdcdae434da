package static

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// nameWidth is the width of the name column of HTML listings; longer
// names are cut and end in "..>".
const nameWidth = 50

type dirEntry struct {
	name  string
	dir   bool
	file  bool
	mtime int64
	size  int64
}

// serveAutoindex answers a URI ending in '/' with a listing of its
// directory, as nginx's autoindex module: hidden entries (names starting
// with '.') are left out, directories come first, then names in byte
// order.
func (cfg *Config) serveAutoindex(c *gateway.Ctx) gateway.Result {
	path, _ := cfg.mapURI(c, c.URI)
	if len(path) > 1 && path[len(path)-1] == '/' {
		path = path[:len(path)-1]
	}
	format := cfg.Autoindex.Format
	callback := ""
	if format == "jsonp" {
		cb, err := jsonpCallback(c)
		if err != "" {
			c.Logf(gateway.LevelInfo, "%s", err)
			return gateway.Status(400)
		}
		callback = cb
		if cb == "" {
			format = "json"
		}
	}
	d, err := os.Open(path)
	if err != nil {
		level, status := gateway.LevelCrit, 500
		switch errnoOf(err) {
		case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
			level, status = gateway.LevelError, 404
		case syscall.EACCES:
			level, status = gateway.LevelError, 403
		}
		c.Logf(level, "opendir() \"%s\" failed%s", path, errnoText(err))
		return gateway.Status(status)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		c.Logf(gateway.LevelCrit, "readdir() \"%s\" failed%s", path, errnoText(err))
		return gateway.Status(500)
	}
	entries := make([]dirEntry, 0, len(names))
	for _, name := range names {
		if name == "" || name[0] == '.' {
			continue
		}
		full := path + "/" + name
		fi, err := os.Stat(full)
		if err != nil {
			if e := errnoOf(err); e != syscall.ENOENT && e != syscall.ELOOP {
				c.Logf(gateway.LevelCrit, "stat() \"%s\" failed%s", full, errnoText(err))
				if e == syscall.EACCES {
					continue
				}
				return gateway.Status(500)
			}
			if fi, err = os.Lstat(full); err != nil {
				c.Logf(gateway.LevelCrit, "lstat() \"%s\" failed%s", full, errnoText(err))
				return gateway.Status(500)
			}
		}
		entries = append(entries, dirEntry{
			name:  name,
			dir:   fi.IsDir(),
			file:  fi.Mode().IsRegular(),
			mtime: fi.ModTime().Unix(),
			size:  fi.Size(),
		})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].dir != entries[j].dir {
			return entries[i].dir
		}
		return entries[i].name < entries[j].name
	})
	var body string
	switch format {
	case "json":
		c.RespHeader.Set("Content-Type", "application/json")
		body = autoindexJSON(entries, "", false)
	case "jsonp":
		c.RespHeader.Set("Content-Type", "application/javascript")
		body = autoindexJSON(entries, callback, true)
	case "xml":
		c.RespHeader.Set("Content-Type", "text/xml; charset=utf-8")
		body = autoindexXML(entries)
	default:
		c.RespHeader.Set("Content-Type", "text/html")
		body = autoindexHTML(c.URI, entries, cfg.Autoindex)
	}
	c.Status = 200
	if err := c.SendHeader(); err != nil || c.Method == "HEAD" {
		return gateway.Done()
	}
	c.WriteString(body)
	return gateway.Done()
}

// jsonpCallback reads and checks the "callback" argument of a jsonp
// listing; a non-empty error is the log line for a 400.
func jsonpCallback(c *gateway.Ctx) (string, string) {
	cb, _ := c.VarByName("arg_callback")
	if len(cb) > 128 {
		return "", "client sent too long callback name: \"" + cb + "\""
	}
	for i := 0; i < len(cb); i++ {
		ch := cb[i]
		if l := ch | 0x20; l >= 'a' && l <= 'z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '.' {
			continue
		}
		return "", "client sent invalid callback name: \"" + cb + "\""
	}
	return cb, ""
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func autoindexHTML(uri string, entries []dirEntry, opt Autoindex) string {
	var b strings.Builder
	title := escapeHTML(uri)
	b.WriteString("<html>\r\n<head><title>Index of ")
	b.WriteString(title)
	b.WriteString("</title></head>\r\n<body>\r\n<h1>Index of ")
	b.WriteString(title)
	b.WriteString("</h1><hr><pre><a href=\"../\">../</a>\r\n")
	for _, e := range entries {
		b.WriteString("<a href=\"")
		b.WriteString(escapeURIComponent(e.name))
		if e.dir {
			b.WriteByte('/')
		}
		b.WriteString("\">")
		n := len(e.name)
		if n > nameWidth {
			b.WriteString(escapeHTML(e.name[:nameWidth-3]))
			b.WriteString("..&gt;</a>")
		} else {
			b.WriteString(escapeHTML(e.name))
			if e.dir && nameWidth-n > 0 {
				b.WriteByte('/')
				n++
			}
			b.WriteString("</a>")
			b.WriteString(strings.Repeat(" ", nameWidth-n))
		}
		b.WriteByte(' ')
		t := time.Unix(e.mtime, 0).UTC()
		if opt.Localtime {
			t = t.Local()
		}
		b.WriteString(pad2(t.Day()) + "-" + months[t.Month()-1] + "-" + strconv.Itoa(t.Year()) + " " + pad2(t.Hour()) + ":" + pad2(t.Minute()) + " ")
		b.WriteString(sizeColumn(e, opt.ExactSize))
		b.WriteString("\r\n")
	}
	b.WriteString("</pre><hr></body>\r\n</html>\r\n")
	return b.String()
}

// sizeColumn is the size as HTML listings print it: exact bytes in 19
// columns, or rounded to K, M, G in 7.
func sizeColumn(e dirEntry, exact bool) string {
	if exact {
		if e.dir {
			return "                  -"
		}
		return leftPad(strconv.FormatInt(e.size, 10), 19)
	}
	if e.dir {
		return "      -"
	}
	n := e.size
	const k, m, g = 1024, 1024 * 1024, 1024 * 1024 * 1024
	var size int64
	var scale string
	switch {
	case n > g-1:
		size, scale = n/g, "G"
		if n%g > g/2-1 {
			size++
		}
	case n > m-1:
		size, scale = n/m, "M"
		if n%m > m/2-1 {
			size++
		}
	case n > 9999:
		size, scale = n/k, "K"
		if n%k > 511 {
			size++
		}
	default:
		return " " + leftPad(strconv.FormatInt(n, 10), 6)
	}
	return leftPad(strconv.FormatInt(size, 10), 6) + scale
}

func autoindexJSON(entries []dirEntry, callback string, jsonp bool) string {
	var b strings.Builder
	if jsonp {
		b.WriteString("/* callback */\r\n")
		b.WriteString(callback)
		b.WriteByte('(')
	}
	b.WriteByte('[')
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\r\n{ \"name\":\"")
		b.WriteString(escapeJSON(e.name))
		b.WriteString("\", \"type\":\"")
		b.WriteString(entryType(e))
		b.WriteString("\", \"mtime\":\"")
		b.WriteString(gateway.FormatHTTPTime(e.mtime))
		if e.file {
			b.WriteString("\", \"size\":")
			b.WriteString(strconv.FormatInt(e.size, 10))
		} else {
			b.WriteByte('"')
		}
		b.WriteString(" }")
	}
	b.WriteString("\r\n]")
	if jsonp {
		b.WriteString(");")
	}
	return b.String()
}

func autoindexXML(entries []dirEntry) string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\r\n<list>\r\n")
	for _, e := range entries {
		typ := entryType(e)
		t := time.Unix(e.mtime, 0).UTC()
		b.WriteString("<" + typ + " mtime=\"" + t.Format("2006-01-02T15:04:05Z"))
		if e.file {
			b.WriteString("\" size=\"" + strconv.FormatInt(e.size, 10))
		}
		b.WriteString("\">" + escapeHTML(e.name) + "</" + typ + ">\r\n")
	}
	b.WriteString("</list>\r\n")
	return b.String()
}

func entryType(e dirEntry) string {
	switch {
	case e.dir:
		return "directory"
	case e.file:
		return "file"
	}
	return "other"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func leftPad(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return strings.Repeat(" ", w-len(s)) + s
}
