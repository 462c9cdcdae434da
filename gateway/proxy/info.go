package proxy

import (
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// tryState is what one try of a request left for the $upstream_*
// variables: nginx's ngx_http_upstream_state_t. A state with an empty
// peer separates the tries of two upstream exchanges of one request
// (an X-Accel-Redirect or error_page that proxies again), which nginx
// prints as " : ".
type tryState struct {
	peer     string
	status   int
	connect  time.Duration // -1: not connected
	header   time.Duration // -1: no header
	response time.Duration // -1: not finished
	sent     int64
	recv     int64
	length   int64 // body bytes of the answer ($upstream_response_length)
}

// push starts the state of a new try.
func (rd *reqData) push(peer string) *tryState {
	rd.states = append(rd.states, tryState{peer: peer, connect: -1, header: -1, response: -1})
	return &rd.states[len(rd.states)-1]
}

// publish renders the states into c.Upstream, which the core's
// $upstream_* variables read. A request with a single try, the usual
// case, costs no allocation.
func (rd *reqData) publish(c *gateway.Ctx) {
	u := &c.Upstream
	u.Set = true
	u.Header = &rd.hdr
	s := rd.states
	var sent, recv int64
	for i := range s {
		sent += s[i].sent
		recv += s[i].recv
	}
	u.BytesSent, u.BytesRecv = sent, recv
	if len(s) == 1 {
		u.Addr = s[0].peer
		u.Status = statusString(s[0].status)
		u.ConnectTime = msecString(s[0].connect)
		u.HeaderTime = msecString(s[0].header)
		u.ResponseTime = msecString(s[0].response)
		u.ResponseLength, u.ResponseBytes = "", s[0].length
		return
	}
	u.Addr = joinStates(s, func(t *tryState) string { return t.peer })
	u.Status = joinStates(s, func(t *tryState) string { return statusString(t.status) })
	u.ConnectTime = joinStates(s, func(t *tryState) string { return msecString(t.connect) })
	u.HeaderTime = joinStates(s, func(t *tryState) string { return msecString(t.header) })
	u.ResponseTime = joinStates(s, func(t *tryState) string { return msecString(t.response) })
	u.ResponseLength = joinStates(s, func(t *tryState) string { return strconv.FormatInt(t.length, 10) })
}

// joinStates lists one value per try the way nginx's upstream variables
// do: ", " between tries, " : " where a separator state stands.
func joinStates(s []tryState, val func(*tryState) string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i > 0 {
			if s[i].peer == "" {
				b.WriteString(" : ")
				i++
				if i == len(s) {
					break
				}
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(val(&s[i]))
	}
	return b.String()
}

// statusStrings holds "100".."599" so that $upstream_status needs no
// allocation.
var statusStrings = func() []string {
	t := make([]string, 600)
	for i := 100; i < 600; i++ {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func statusString(n int) string {
	if n <= 0 {
		return "-"
	}
	if n < len(statusStrings) && statusStrings[n] != "" {
		return statusStrings[n]
	}
	return strconv.Itoa(n)
}

func msecString(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return gateway.MsecText(d.Milliseconds())
}
