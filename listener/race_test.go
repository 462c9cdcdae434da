//go:build race

package listener

// The race detector shuffles the run queue on purpose, so the order in
// which woken goroutines run means nothing under it.
func init() { raceEnabled = true }
