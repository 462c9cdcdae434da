package conf

// HasDirective reports whether a directive of that name is registered by
// a compiled-in feature; the njet command derives "-V" from it, so the
// build never claims a module it lacks.
func HasDirective(name string) bool { return len(directives[name]) > 0 }
