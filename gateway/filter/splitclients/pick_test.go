package splitclients

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPickCutsTheHashSpaceInOrder(t *testing.T) {
	s, err := New(nil, []Part{{Percent: 2500, Value: "a"}, {Percent: 2500, Value: "b"}})
	require.NoError(t, err)
	quarter := uint32(0xffffffff / 4)
	require.Equal(t, "a", s.pick(0))
	require.Equal(t, "a", s.pick(quarter-1))
	require.Equal(t, "b", s.pick(quarter+1))
	require.Equal(t, "", s.pick(3*quarter), "hashes beyond the shares get no value")

	s, err = New(nil, []Part{{Percent: 5000, Value: "a"}, {Percent: 5000, Value: "b"}})
	require.NoError(t, err)
	require.Equal(t, "b", s.pick(0xffffffff), "the part completing 100% takes the top of the space")

	s, err = New(nil, []Part{{Percent: 5000, Value: "a"}, {Value: "rest"}})
	require.NoError(t, err)
	require.Equal(t, "rest", s.pick(0xffffffff))
}
