package dyn

import "sync/atomic"

var defaultRT atomic.Pointer[Runtime]

// SetDefault makes rt the runtime the control-plane directives
// (dyn_module_api) serve. The njet command calls it once the data-plane
// runtime is started, so that njet_ctrl.conf, a second gateway in the
// same process, changes the data plane.
func SetDefault(rt *Runtime) { defaultRT.Store(rt) }

// Default returns the runtime set by SetDefault, nil when none.
func Default() *Runtime { return defaultRT.Load() }
