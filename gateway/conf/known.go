package conf

// HasDirective reports whether a directive of that name is registered by
// a compiled-in feature; the njet command derives "-V" from it, so the
// build never claims a module it lacks.
func HasDirective(name string) bool {
	for _, m := range modules {
		for i := range m.Directives {
			if m.Directives[i].Name == name {
				return true
			}
		}
	}
	return false
}
