package njtapi

import (
	"context"
	"errors"

	"github.com/gonjet/gonjet/dyn"
)

// Change is one object's store write with the config path its errors
// are reported under.
type Change struct {
	Ops  []dyn.Op
	Path string
	// Counted is set when the object was counted as applied (Result.OK)
	// and must be uncounted if it does not build.
	Counted bool
}

// Commit writes changes through rt.Change as one batch. When the batch
// does not build, each change is tried alone, in order, so that the
// objects that build are applied and each one that does not is reported
// (path + " " + the build error) and uncounted, as OpenNJet applies
// object by object. It reports whether anything was written.
func Commit(ctx context.Context, rt *dyn.Runtime, res *Result, changes []Change) bool {
	var all []dyn.Op
	for _, c := range changes {
		all = append(all, c.Ops...)
	}
	if len(all) == 0 {
		return false
	}
	if rt.Change(ctx, all...) == nil {
		return true
	}
	wrote := false
	saved := res.Path()
	for _, c := range changes {
		if len(c.Ops) == 0 {
			continue
		}
		if err := rt.Change(ctx, c.Ops...); err != nil {
			if c.Counted {
				res.success--
			}
			res.SetPath(c.Path)
			res.Error(" " + BuildError(err))
			continue
		}
		wrote = true
	}
	res.SetPath(saved)
	return wrote
}

// BuildError is the text shown for a change that does not build: the
// configuration error as nginx words it.
func BuildError(err error) string {
	var me *dyn.ModuleError
	if errors.As(err, &me) {
		return me.Err.Error()
	}
	return err.Error()
}
