//go:build race

package static_test

// The race detector makes sync.Pool drop buffers at random, so counting
// allocations means nothing under it.
func init() { raceEnabled = true }
