//go:build unix && !linux

package listener

import "time"

// setTCPOptions ignores the Linux-only options, as nginx does where the
// system lacks them.
func setTCPOptions(fd int, idle, intvl time.Duration, cnt int, deferred bool, deferWait time.Duration, fastOpen int) error {
	return nil
}
