package static

import (
	"os"
	"strings"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
)

// tryFilesFilter is try_files in the pre-content phase: the first
// candidate that exists (as a file, or as a directory for names written
// with a trailing slash) becomes the request's URI and the request goes
// on to the content handler; when none exists, the last argument decides.
type tryFilesFilter struct {
	tf *TryFiles
}

func (t *tryFilesFilter) Handle(c *gateway.Ctx) gateway.Result {
	cfg := configFor(c)
	root := cfg.root(c)
	// what the alias replaces; a regex alias is the whole path
	aliasLen := 0
	if cfg.alias && !cfg.AliasRegex {
		aliasLen = cfg.AliasLen
		if aliasLen > len(c.URI) {
			aliasLen = len(c.URI)
		}
	}
	for _, f := range t.tf.Files {
		name := t.name(c, f.Name, aliasLen)
		path := root + name
		fi, err := os.Stat(path)
		if err != nil {
			switch errnoOf(err) {
			case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
			default:
				c.Logf(gateway.LevelCrit, "stat() \"%s\" failed%s", path, errnoText(err))
			}
			continue
		}
		if fi.IsDir() != f.Dir {
			continue
		}
		switch {
		case !cfg.alias:
			c.URI = name
		case cfg.AliasRegex:
			if !f.Dir {
				c.URI = name
				c.SetData(reqKey, &reqState{uri: name})
			}
		default:
			c.URI = c.URI[:aliasLen] + name
		}
		return gateway.Continue
	}
	if t.tf.Code != 0 {
		return gateway.Status(t.tf.Code)
	}
	target := t.name(c, t.tf.Fallback, aliasLen)
	if strings.HasPrefix(target, "@") {
		return gateway.Named(target[1:])
	}
	uri, args := target, ""
	if q := strings.IndexByte(target, '?'); q >= 0 {
		uri, args = target[:q], target[q+1:]
	}
	return gateway.Redirect(uri, args)
}

// name evaluates a try_files argument. As in nginx, a value computed from
// variables that starts with the part of the URI an alias replaces loses
// that part, so that "$uri" names the file under the alias.
func (t *tryFilesFilter) name(c *gateway.Ctx, tpl *gateway.Template, aliasLen int) string {
	name := tpl.Eval(c)
	if aliasLen > 0 && !tpl.IsStatic() && strings.HasPrefix(name, c.URI[:aliasLen]) {
		name = name[aliasLen:]
	}
	return name
}
