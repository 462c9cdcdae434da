package conf

// Addition made for gateway/filter/gzip (gzip_disable); the conf owner
// may fold it into http.go.

import "regexp"

// CompileRegex compiles a regular expression of a directive argument as
// nginx compiles its PCRE patterns, case-insensitive when caseless. A bad
// pattern fails with PCRE2's wording, e.g. `pcre2_compile() failed:
// missing closing parenthesis in "(a"`; setters report it with
// Errorf(n, "%v", err). Named captures are not declared as variables.
func CompileRegex(pattern string, caseless bool) (*regexp.Regexp, error) {
	return compileRegex(pattern, caseless)
}
