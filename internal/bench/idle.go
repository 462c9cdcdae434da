package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// idleParallel is how many connections the idle scenario opens at once:
// enough to be quick, few enough to stay inside every listen backlog.
const idleParallel = 64

// idleConns are client connections that each made one request and now
// wait, open, as a browser's keepalive connections do.
type idleConns struct {
	conns []net.Conn
}

// openIdle opens n connections to addr and makes one request for path on
// each, reading the whole answer, so that the server holds n idle
// keepalive connections when it returns.
func openIdle(ctx context.Context, addr, path string, n int) (*idleConns, error) {
	ic := &idleConns{conns: make([]net.Conn, n)}
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	err := parallel(ctx, n, func(i int) {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err == nil {
			err = roundTrip(c, path)
			if err != nil {
				c.Close()
			}
		}
		if err != nil {
			failed.Add(1)
			once.Do(func() { firstErr = err })
			return
		}
		ic.conns[i] = c
	})
	if err == nil && failed.Load() > 0 {
		err = fmt.Errorf("%d of %d idle connections failed, the first with: %v", failed.Load(), n, firstErr)
	}
	if err != nil {
		ic.close()
		return nil, err
	}
	return ic, nil
}

// alive makes one more request on every connection and counts those that
// the server had kept open: an RSS per connection means something only if
// the connections were all still there when it was read.
func (ic *idleConns) alive(ctx context.Context, path string) int {
	var ok atomic.Int64
	parallel(ctx, len(ic.conns), func(i int) {
		if c := ic.conns[i]; c != nil && roundTrip(c, path) == nil {
			ok.Add(1)
		}
	})
	return int(ok.Load())
}

// close resets every connection, so that ten thousand of them leave no
// TIME_WAIT sockets behind to exhaust the ports of the next round.
func (ic *idleConns) close() {
	for _, c := range ic.conns {
		if c == nil {
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
}

// roundTrip sends one keepalive GET on c and reads the answer to its end.
func roundTrip(c net.Conn, path string) error {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 4096), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if resp.Close {
		return fmt.Errorf("server closed the connection after the answer")
	}
	return nil
}

// parallel runs f(0..n-1) on idleParallel goroutines and stops handing out
// work when ctx ends.
func parallel(ctx context.Context, n int, f func(i int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range idleParallel {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// serveNetHTTP is the -serve-nethttp mode: a plain net/http server with
// default settings that answers every request with smallSize bytes. It is
// the reference for what an idle connection costs a Go server that does
// nothing else, and stops on SIGQUIT like the gateways.
func serveNetHTTP(addr string) error {
	body := []byte(strings.Repeat("x", smallSize))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h}
	go func() {
		waitQuit()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
