package static

import (
	"os"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
)

// serveIndex is nginx's index handler for a URI ending in '/': the first
// index file that exists answers through an internal redirect to its URI;
// an absolute index name is redirected to without a test. ok=false means
// no index file applies (the directory exists but has none of them).
func (cfg *Config) serveIndex(c *gateway.Ctx) (res gateway.Result, ok bool) {
	dirTested := false
	var path string
	for _, idx := range cfg.index {
		name := idx.Eval(c)
		if name != "" && name[0] == '/' {
			return gateway.Redirect(name, c.Args), true
		}
		if path == "" || !idx.IsStatic() {
			path, _ = cfg.mapURI(c, c.URI)
		}
		file := path + name
		_, err := os.Stat(file)
		if err == nil {
			return gateway.Redirect(c.URI+name, c.Args), true
		}
		switch errnoOf(err) {
		case syscall.ENOTDIR, syscall.ENAMETOOLONG, syscall.EACCES:
			return indexError(c, file, err), true
		}
		if !dirTested {
			if res, failed := testDir(c, path, file); failed {
				return res, true
			}
			dirTested = true
		}
		if errnoOf(err) == syscall.ENOENT {
			continue
		}
		c.Logf(gateway.LevelCrit, "stat() \"%s\" failed%s", file, errnoText(err))
		return gateway.Status(500), true
	}
	return gateway.Continue, false
}

// testDir checks, after an index file was not found, that the directory
// itself exists, so that a missing directory is a 404 rather than a 403.
func testDir(c *gateway.Ctx, path, file string) (gateway.Result, bool) {
	dir := path
	if len(dir) > 1 && dir[len(dir)-1] == '/' {
		dir = dir[:len(dir)-1]
	}
	fi, err := os.Stat(dir)
	if err != nil {
		switch errnoOf(err) {
		case syscall.ENOENT:
			return indexError(c, file, err), true
		case syscall.EACCES:
			// searching the directory is allowed: the index test did not
			// fail with EACCES
			return gateway.Continue, false
		}
		c.Logf(gateway.LevelCrit, "stat() \"%s\" failed%s", dir, errnoText(err))
		return gateway.Status(500), true
	}
	if !fi.IsDir() {
		c.Logf(gateway.LevelAlert, "\"%s\" is not a directory", dir)
		return gateway.Status(500), true
	}
	return gateway.Continue, false
}

func indexError(c *gateway.Ctx, file string, err error) gateway.Result {
	if errnoOf(err) == syscall.EACCES {
		c.Logf(gateway.LevelError, "\"%s\" is forbidden%s", file, errnoText(err))
		return gateway.Status(403)
	}
	if c.Loc.Core.LogNotFound {
		c.Logf(gateway.LevelError, "\"%s\" is not found%s", file, errnoText(err))
	}
	return gateway.Status(404)
}
