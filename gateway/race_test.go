//go:build race

package gateway_test

// The race detector makes sync.Pool drop objects at random, so counting
// allocations means nothing under it.
func init() { raceEnabled = true }
