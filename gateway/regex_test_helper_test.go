package gateway_test

import (
	"regexp"
	"testing"

	"github.com/gonjet/gonjet/gateway"
)

func mustRegex(tb testing.TB, kind gateway.MatchKind, expr string) *regexp.Regexp {
	if kind == gateway.MatchRegexCaseless {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		tb.Fatal(err)
	}
	return re
}
