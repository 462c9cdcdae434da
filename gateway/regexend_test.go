package gateway

import (
	"math/rand"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEndBytesNeverRejectsAMatch(t *testing.T) {
	patterns := []string{
		`\.php$`, `(?i)\.(?:png|jpe?g|gif|svg|ico|webp)$`, `(?i)\.(?:css|js|woff2?)$`,
		`^/api/v1/orders/(?<order>[0-9]+)$`, `(?i)BACK$`, `(?i)s$`, `x+$`, `(ab)*c$`, `a?b?$`,
		`(foo|bar|)$`, `é$`, `.$`, `/\.`, `^/a|b$`, `[a-z]{2,3}$`, `(?:x{0,2})$`, `\d$`,
	}
	alphabet := []string{"a", "b", "c", "s", "S", "k", "K", "\u212a", "\u017f", ".", "p", "h", "php", "PNG", "jpg", "x", "/", "é", "5", "css", "2", "back", "BACK", ""}
	rng := rand.New(rand.NewSource(1))
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		hint := endBytesOf(re)
		if hint == nil {
			continue
		}
		for i := 0; i < 20000; i++ {
			s := ""
			for n := rng.Intn(6); n >= 0; n-- {
				s += alphabet[rng.Intn(len(alphabet))]
			}
			if re.MatchString(s) {
				require.True(t, hint.mayMatch(s), "pattern %q, subject %q", p, s)
			}
		}
	}
}

func TestEndBytesShapes(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		hint    bool
		reject  string // a subject the hint rules out
	}{
		{`\.php$`, true, "/index.html"},
		{`(?i)\.(?:png|jpe?g|gif|svg|ico|webp)$`, true, "/api/v2/users/1/profile"},
		{`(?i)\.(?:css|js|woff2?)$`, true, "/a.html"},
		{`^/api/v2/users/([0-9]+)/profile$`, true, "/api/v2/users/1/avatar"},
		{`/\.`, false, ""},    // not anchored at the end
		{`.$`, false, ""},     // any character
		{`a?$`, false, ""},    // may match nothing
		{`^/a|b$`, false, ""}, // alternation at the top
		{`é$`, false, ""},     // not ASCII
		{`(?m)x$`, false, ""}, // end of line, not of text
	} {
		hint := endBytesOf(regexp.MustCompile(tc.pattern))
		if !tc.hint {
			require.Nil(t, hint, tc.pattern)
			continue
		}
		require.NotNil(t, hint, tc.pattern)
		require.False(t, hint.mayMatch(tc.reject), tc.pattern)
		require.False(t, hint.mayMatch(""), tc.pattern)
	}
}
