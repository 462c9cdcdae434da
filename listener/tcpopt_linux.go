package listener

import (
	"syscall"
	"time"
)

// tcpFastOpen is TCP_FASTOPEN, which package syscall does not define.
const tcpFastOpen = 23

// setTCPOptions sets the TCP-level options of a listening socket.
func setTCPOptions(fd int, idle, intvl time.Duration, cnt int, deferred bool, deferWait time.Duration, fastOpen int) error {
	if idle > 0 {
		if err := setInt(fd, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, seconds(idle)); err != nil {
			return err
		}
	}
	if intvl > 0 {
		if err := setInt(fd, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, seconds(intvl)); err != nil {
			return err
		}
	}
	if cnt > 0 {
		if err := setInt(fd, syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, cnt); err != nil {
			return err
		}
	}
	if deferred {
		// nginx waits client_header_timeout for the first data
		if err := setInt(fd, syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT, seconds(deferWait)); err != nil {
			return err
		}
	}
	if fastOpen >= 0 {
		if err := setInt(fd, syscall.IPPROTO_TCP, tcpFastOpen, fastOpen); err != nil {
			return err
		}
	}
	return nil
}
