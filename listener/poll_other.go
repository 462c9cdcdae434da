//go:build !linux

package listener

import "time"

// idleLink is empty where there is no idle poller: idle connections keep
// their goroutine and wait in a read, as net/http's do.
type idleLink struct{}

func (c *Conn) parkable() bool { return false }

func (c *Conn) park(idleOwner, time.Duration, time.Time) bool { return false }

func (c *Conn) unpark() bool { return false }

func (c *Conn) hold(time.Time, time.Duration) int { return holdOff }

func (c *Conn) unwatch() {}

func (c *Conn) forgetPoll() {}
