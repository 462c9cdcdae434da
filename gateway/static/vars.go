package static

import (
	"path/filepath"

	"github.com/gonjet/gonjet/gateway"
)

func init() {
	// All three depend on the current location and URI, which rewrites
	// and redirects change, so none is cached.
	gateway.RegisterVar(gateway.Var{
		Name:    "document_root",
		NoCache: true,
		Get: func(c *gateway.Ctx) (string, bool) {
			return DocumentRoot(c), true
		},
	})
	gateway.RegisterVar(gateway.Var{
		Name:    "realpath_root",
		NoCache: true,
		Get: func(c *gateway.Ctx) (string, bool) {
			root := DocumentRoot(c)
			real, err := filepath.EvalSymlinks(root)
			if err != nil {
				c.Logf(gateway.LevelCrit, "realpath() \"%s\" failed%s", root, errnoText(err))
				return "", false
			}
			abs, err := filepath.Abs(real)
			if err != nil {
				return "", false
			}
			return abs, true
		},
	})
	gateway.RegisterVar(gateway.Var{
		Name:    "request_filename",
		NoCache: true,
		Get: func(c *gateway.Ctx) (string, bool) {
			return Filename(c), true
		},
	})
}
