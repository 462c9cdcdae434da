package maps

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
)

func TestHostnameLookupPrefersTheMostSpecificEntry(t *testing.T) {
	m := &Map{Hostnames: true}
	for key, v := range map[string]string{
		"*.example.com":     "star",
		".b.example.com":    "dot-b",
		"*.c.b.example.com": "star-c",
		"www.example.*":     "tail",
		"www.example.co.*":  "tail-co",
		"exact.example.com": "exact",
	} {
		require.NoError(t, m.Add(nil, key, gateway.StaticTemplate(v)))
	}
	for key, want := range map[string]string{
		"a.example.com":      "star",
		"a.b.example.com":    "dot-b",
		"b.example.com":      "dot-b",
		"x.c.b.example.com":  "star-c",
		"c.b.example.com":    "dot-b",
		"example.com":        "",
		"www.example.org":    "tail",
		"www.example.co.uk":  "tail-co",
		"www.example":        "",
		"EXACT.example.com":  "exact",
		"deep.a.example.com": "star",
		"www.example.com":    "star", // head wildcards come before tail ones
		"other.org":          "",
	} {
		v := m.find(nil, key)
		got := ""
		if v != nil {
			got = v.Raw()
		}
		require.Equal(t, want, got, key)
	}
}
