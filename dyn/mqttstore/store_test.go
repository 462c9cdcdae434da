package mqttstore

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/broker"
)

func TestStoresSharingABrokerSeeEachOthersWritesWithinOneSecond(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		a, c := open(t, b.addr(), "t1"), open(t, b.addr(), "t1")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		wa, err := a.Watch(ctx, "/dyn/")
		require.NoError(t, err)
		wc, err := c.Watch(ctx, "/dyn/")
		require.NoError(t, err)

		v := apply(t, a, put("/dyn/upstream_api/backend1", `{"a":1}`))
		ev := nextEvent(t, wc, time.Second)
		require.Equal(t, "/dyn/upstream_api/backend1", ev.Key)
		require.Equal(t, `{"a":1}`, string(ev.Value))
		require.False(t, ev.Deleted)
		require.Equal(t, v, ev.Version, "a quiet cluster agrees on versions")
		require.Equal(t, v, nextEvent(t, wa, time.Second).Version, "the writer's own watch sees the write once")

		apply(t, c, dyn.Op{Key: "/dyn/upstream_api/backend1"})
		ev = nextEvent(t, wa, time.Second)
		require.True(t, ev.Deleted)
		require.Equal(t, "/dyn/upstream_api/backend1", ev.Key)
		require.Greater(t, ev.Version, v)
		_, ok, err := a.Get(ctx, "/dyn/upstream_api/backend1")
		require.NoError(t, err)
		require.False(t, ok)
	})
}

func TestApplyIsReadBackAtOnce(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		s := open(t, b.addr(), "t2")
		ctx := context.Background()
		v1 := apply(t, s, put("/dyn/b", "2"), put("/dyn/a", "1"), dyn.Op{Key: "/dyn/empty", Value: []byte{}})
		e, ok, err := s.Get(ctx, "/dyn/a")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, dyn.Entry{Key: "/dyn/a", Value: []byte("1"), Version: v1}, e)
		e, ok, err = s.Get(ctx, "/dyn/empty")
		require.NoError(t, err)
		require.True(t, ok, "an empty value is a value, not a deletion")
		require.Equal(t, []byte{}, e.Value)
		require.Equal(t, []string{"/dyn/a=1", "/dyn/b=2", "/dyn/empty="}, values(t, s, "/dyn/"))

		v2 := apply(t, s, put("/dyn/a", "1bis"))
		require.Greater(t, v2, v1)
		e, _, _ = s.Get(ctx, "/dyn/a")
		require.Equal(t, v2, e.Version)
		e, _, _ = s.Get(ctx, "/dyn/b")
		require.Equal(t, v1, e.Version, "untouched keys keep their version")

		v3, err := s.Apply(ctx)
		require.NoError(t, err)
		require.Equal(t, v2, v3, "an empty batch changes nothing")
	})
}

func TestApplyConditionsAreAllOrNothing(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		s, other := open(t, b.addr(), "t3"), open(t, b.addr(), "t3")
		ctx := context.Background()
		v := apply(t, s, put("/dyn/x", "1"))

		tests := []struct {
			name string
			ops  []dyn.Op
		}{
			{"stale version", []dyn.Op{put("/dyn/new", "n"), {Key: "/dyn/x", Value: []byte("2"), IfVersion: v + 100}}},
			{"must not exist but exists", []dyn.Op{put("/dyn/new", "n"), {Key: "/dyn/x", Value: []byte("2"), IfVersion: dyn.MustNotExist}}},
			{"version of a missing key", []dyn.Op{{Key: "/dyn/missing", Value: []byte("2"), IfVersion: 1}, put("/dyn/new", "n")}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.Apply(ctx, tt.ops...)
				require.ErrorIs(t, err, dyn.ErrConflict)
				require.Equal(t, []string{"/dyn/x=1"}, values(t, s, "/dyn/"))
			})
		}

		// A write that did happen is visible to the other node, and the
		// refused ones never were: the last write is the only change.
		apply(t, s, dyn.Op{Key: "/dyn/x", Value: []byte("3"), IfVersion: v}, dyn.Op{Key: "/dyn/y", Value: []byte("4"), IfVersion: dyn.MustNotExist})
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		w, err := other.Watch(wctx, "/dyn/")
		require.NoError(t, err)
		apply(t, s, put("/dyn/z", "end"))
		for {
			ev := nextEvent(t, w, time.Second)
			if ev.Key == "/dyn/z" {
				break
			}
		}
		require.Equal(t, []string{"/dyn/x=3", "/dyn/y=4", "/dyn/z=end"}, values(t, other, "/dyn/"))
	})
}

func TestWatchDeliversOnlyItsPrefix(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		s := open(t, b.addr(), "t4")
		ctx, cancel := context.WithCancel(context.Background())
		w, err := s.Watch(ctx, "/dyn/http_log")
		require.NoError(t, err)
		apply(t, s, put("/dyn/other/a", "1"))
		apply(t, s, put("/dyn/http_log", "on"))
		ev := nextEvent(t, w, time.Second)
		require.Equal(t, "/dyn/http_log", ev.Key)
		cancel()
		for range w {
		}
	})
}

func TestDisconnectedStoreCatchesUpWhenItReturns(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		writer := open(t, b.addr(), "t5")
		apply(t, writer, put("/dyn/keep", "1"), put("/dyn/change", "old"), put("/dyn/drop", "x"))

		network, address := b.dial()
		p := newProxy(t, network, address)
		away := open(t, p.addr(), "t5")
		require.Equal(t, []string{"/dyn/change=old", "/dyn/drop=x", "/dyn/keep=1"}, values(t, away, "/dyn/"))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w, err := away.Watch(ctx, "/dyn/")
		require.NoError(t, err)

		p.cut()
		require.Eventually(t, func() bool { return !away.Connected() }, 10*time.Second, 5*time.Millisecond)
		apply(t, writer, put("/dyn/change", "new"), dyn.Op{Key: "/dyn/drop"}, put("/dyn/add", "a"))
		// While away the store serves what it last saw.
		require.Equal(t, []string{"/dyn/change=old", "/dyn/drop=x", "/dyn/keep=1"}, values(t, away, "/dyn/"))
		short, stop := context.WithTimeout(ctx, 50*time.Millisecond)
		_, err = away.Apply(short, put("/dyn/while-away", "1"))
		stop()
		require.ErrorIs(t, err, context.DeadlineExceeded, "no write without the broker")
		p.restore()

		got := map[string]dyn.Event{}
		for len(got) < 3 {
			ev := nextEvent(t, w, 15*time.Second)
			got[ev.Key] = ev
		}
		require.Equal(t, "a", string(got["/dyn/add"].Value))
		require.Equal(t, "new", string(got["/dyn/change"].Value))
		require.True(t, got["/dyn/drop"].Deleted)
		require.Equal(t, []string{"/dyn/add=a", "/dyn/change=new", "/dyn/keep=1"}, values(t, away, "/dyn/"))
		require.True(t, away.Connected())

		// And it writes again.
		apply(t, away, put("/dyn/back", "1"))
		ev := nextEvent(t, mustWatchFrom(t, ctx, writer, "/dyn/back"), time.Second)
		require.Equal(t, "1", string(ev.Value))
	})
}

// mustWatchFrom watches key and returns at once if it is already there
// (as a synthetic event) so the caller does not race the delivery.
func mustWatchFrom(t *testing.T, ctx context.Context, s *Store, key string) <-chan dyn.Event {
	w, err := s.Watch(ctx, key)
	require.NoError(t, err)
	if e, ok, _ := s.Get(ctx, key); ok {
		ch := make(chan dyn.Event, 1)
		ch <- dyn.Event{Entry: e}
		return ch
	}
	return w
}

func TestBrokerRestartWithPersistenceKeepsState(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		s1, s2 := open(t, b.addr(), "t6"), open(t, b.addr(), "t6")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w2, err := s2.Watch(ctx, "/dyn/")
		require.NoError(t, err)
		apply(t, s1, put("/dyn/a", "1"), put("/dyn/b", "2"))
		nextEvent(t, w2, time.Second)
		nextEvent(t, w2, time.Second)
		vBefore, _, _ := s2.Get(ctx, "/dyn/a")

		b.stop(t)
		require.Eventually(t, func() bool { return !s1.Connected() && !s2.Connected() }, 10*time.Second, 5*time.Millisecond)
		b.start(t)
		require.Eventually(t, func() bool { return s1.Connected() && s2.Connected() }, 15*time.Second, 5*time.Millisecond)

		require.Equal(t, []string{"/dyn/a=1", "/dyn/b=2"}, values(t, s2, "/dyn/"))
		vAfter, _, _ := s2.Get(ctx, "/dyn/a")
		require.Equal(t, vBefore.Version, vAfter.Version, "an unchanged value keeps its version across the restart")

		apply(t, s1, put("/dyn/c", "3"))
		ev := nextEvent(t, w2, time.Second)
		require.Equal(t, "/dyn/c", ev.Key, "the restart itself produced no event")

		// A store opened after the restart starts from the persisted state.
		s3 := open(t, b.addr(), "t6")
		require.Equal(t, []string{"/dyn/a=1", "/dyn/b=2", "/dyn/c=3"}, values(t, s3, "/dyn/"))
	})
}

func TestStoresWithDifferentRootsDoNotMix(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		a, c := open(t, b.addr(), "cluster/a"), open(t, b.addr(), "cluster/b")
		apply(t, a, put("/dyn/x", "a"))
		apply(t, c, put("/dyn/x", "c"))
		require.Equal(t, []string{"/dyn/x=a"}, values(t, a, "/"))
		require.Equal(t, []string{"/dyn/x=c"}, values(t, c, "/"))
	})
}

func TestKeysWithMQTTWildcardsRoundTrip(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		s := open(t, b.addr(), "t7")
		keys := []string{"/dyn/dyn_loc/~ ^/a+$", "/dyn/x#y", "/dyn/100%", "/dyn/ü ñ", "/dyn/ctl\x01", "/dyn/bad\xff"}
		var ops []dyn.Op
		for _, k := range keys {
			ops = append(ops, put(k, k))
		}
		apply(t, s, ops...)
		s3 := open(t, b.addr(), "t7") // reads them back from retained state
		for _, st := range []*Store{s, s3} {
			l, err := st.List(context.Background(), "/dyn/")
			require.NoError(t, err)
			require.Len(t, l, len(keys))
			for _, e := range l {
				require.Equal(t, e.Key, string(e.Value))
			}
		}
	})
}

func TestValuesFromPlainMQTTClientsAreSeen(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		s := open(t, b.addr(), "t8")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w, err := s.Watch(ctx, "/dyn/")
		require.NoError(t, err)
		// A client that is not a store: a retained value without the
		// store's properties, and a non-retained message that is no value.
		pub := open(t, b.addr(), "t8")
		_, err = pub.cm.Publish(ctx, &paho.Publish{Topic: "t8/dyn/noise", QoS: 1, Payload: []byte("n")})
		require.NoError(t, err)
		_, err = pub.cm.Publish(ctx, &paho.Publish{Topic: "t8/dyn/plain", QoS: 1, Retain: true, Payload: []byte("p")})
		require.NoError(t, err)
		ev := nextEvent(t, w, time.Second)
		require.Equal(t, "/dyn/plain", ev.Key)
		require.Equal(t, "p", string(ev.Value))
		require.NotZero(t, ev.Version)
		require.Equal(t, []string{"/dyn/plain=p"}, values(t, s, "/dyn/"))
	})
}

func TestClosedStoreRefusesCallsAndClosesWatches(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		s := open(t, b.addr(), "t9")
		w, err := s.Watch(context.Background(), "/")
		require.NoError(t, err)
		require.NoError(t, s.Close())
		for range w {
		}
		_, _, err = s.Get(context.Background(), "/dyn/x")
		require.ErrorIs(t, err, dyn.ErrClosed)
		_, err = s.Apply(context.Background(), put("/dyn/x", "1"))
		require.ErrorIs(t, err, dyn.ErrClosed)
		require.NoError(t, s.Close())
	})
}

func TestOpenFailsWhenTheBrokerIsUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Open(ctx, Options{Server: "unix:" + t.TempDir() + "/none.sock"})
	require.Error(t, err)
	require.True(t, errors.Is(err, context.DeadlineExceeded), err.Error())
}

func TestApplyRejectsKeysWithoutTopic(t *testing.T) {
	s := &Store{root: "r"}
	for _, k := range []string{"", "relative"} {
		_, err := s.topic(k)
		require.Error(t, err, k)
	}
}

func TestEscapeKeyRoundTrips(t *testing.T) {
	tests := []struct{ key, topic string }{
		{"/dyn/http_log", "/dyn/http_log"},
		{"/dyn/a+b#c", "/dyn/a%2Bb%23c"},
		{"/dyn/50%", "/dyn/50%25"},
		{"/dyn/ü", "/dyn/ü"},
		{"/dyn/\x00\x1f\x7f", "/dyn/%00%1F%7F"},
		{"/dyn/\xff", "/dyn/%FF"},
		{"/dyn/\u0085", "/dyn/%C2%85"},
	}
	for _, tt := range tests {
		t.Run(tt.topic, func(t *testing.T) {
			require.Equal(t, tt.topic, escapeKey(tt.key))
			k, err := unescapeKey(tt.topic)
			require.NoError(t, err)
			require.Equal(t, tt.key, k)
		})
	}
	_, err := unescapeKey("/dyn/%G1")
	require.Error(t, err)
}

func TestServerAddressForms(t *testing.T) {
	tests := []struct{ in, scheme, host, path string }{
		{"unix:/usr/local/njet/data/mosquitto.sock", "unix", "", "/usr/local/njet/data/mosquitto.sock"},
		{"unix:///tmp/m.sock", "unix", "", "/tmp/m.sock"},
		{"127.0.0.1:1883", "mqtt", "127.0.0.1:1883", ""},
		{"tls://broker:8883", "tls", "broker:8883", ""},
	}
	for _, tt := range tests {
		u, err := serverURL(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.scheme, u.Scheme)
		require.Equal(t, tt.host, u.Host)
		require.Equal(t, tt.path, u.Path)
	}
	for _, bad := range []string{"", "http://x", "unix:"} {
		_, err := serverURL(bad)
		require.Error(t, err, bad)
	}
}

func TestConcurrentWritersConvergeWithIncreasingVersions(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b testBroker) {
		s1, s2 := open(t, b.addr(), "t10"), open(t, b.addr(), "t10")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w1, err := s1.Watch(ctx, "/dyn/")
		require.NoError(t, err)
		w2, err := s2.Watch(ctx, "/dyn/")
		require.NoError(t, err)
		const n = 40
		done := make(chan error, 2)
		for i, s := range []*Store{s1, s2} {
			go func() {
				for j := range n {
					// Both write a shared key and one of their own.
					if _, err := s.Apply(ctx, put("/dyn/shared", strconv.Itoa(i)), put("/dyn/own"+strconv.Itoa(i)+"/"+strconv.Itoa(j), "v")); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
		}
		require.NoError(t, <-done)
		require.NoError(t, <-done)
		// Every event a store delivers has a version above those of the
		// batches it delivered before (what a Runtime relies on to notice
		// changes from other nodes), and both stores end in the same state.
		for _, w := range []<-chan dyn.Event{w1, w2} {
			var last uint64
			own := 0
			for own < 2*n {
				ev := nextEvent(t, w, 5*time.Second)
				require.GreaterOrEqual(t, ev.Version, last)
				last = ev.Version
				if ev.Key != "/dyn/shared" {
					own++
				}
			}
		}
		require.Eventually(t, func() bool {
			return slices.Equal(values(t, s1, "/dyn/"), values(t, s2, "/dyn/"))
		}, 5*time.Second, 10*time.Millisecond)
		require.Len(t, values(t, s1, "/dyn/"), 2*n+1)
	})
}

// refuseHook makes the broker refuse publications to one topic, so that a
// batch fails half-way.
type refuseHook struct {
	mqtt.HookBase
	topic string
}

func (h *refuseHook) ID() string           { return "refuse" }
func (h *refuseHook) Provides(b byte) bool { return b == mqtt.OnPublish }
func (h *refuseHook) OnPublish(_ *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.TopicName == h.topic {
		return pk, packets.ErrNotAuthorized
	}
	return pk, nil
}

func TestBatchFailingHalfWayIsUndone(t *testing.T) {
	e := newEmbedded(t).(*embedded)
	require.NoError(t, e.b.Server().AddHook(&refuseHook{topic: "t11/dyn/refused"}, nil))
	s, other := open(t, e.addr(), "t11"), open(t, e.addr(), "t11")
	apply(t, s, put("/dyn/a", "old"))

	_, err := s.Apply(context.Background(), put("/dyn/a", "new"), put("/dyn/b", "new"), put("/dyn/refused", "x"), put("/dyn/c", "never"))
	require.Error(t, err)
	require.NotErrorIs(t, err, dyn.ErrConflict)
	require.Equal(t, []string{"/dyn/a=old"}, values(t, s, "/dyn/"))

	// The other node converges on the same state; a later write is the
	// marker that it has seen everything before it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	apply(t, s, put("/dyn/z", "end"))
	ev := nextEvent(t, mustWatchFrom(t, ctx, other, "/dyn/z"), time.Second)
	require.Equal(t, "end", string(ev.Value))
	require.Equal(t, []string{"/dyn/a=old", "/dyn/z=end"}, values(t, other, "/dyn/"))
}

func TestCredentialsInTheServerAddressAreUsed(t *testing.T) {
	dir := t.TempDir()
	salt := []byte("0123456789ab")
	h := sha512.New()
	h.Write([]byte("s3cret"))
	h.Write(salt)
	pw := "njet:$6$" + base64.StdEncoding.EncodeToString(salt) + "$" + base64.StdEncoding.EncodeToString(h.Sum(nil)) + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pw"), []byte(pw), 0o600))
	conf := filepath.Join(dir, "mqtt.conf")
	require.NoError(t, os.WriteFile(conf, []byte("listener "+strconv.Itoa(freePort(t))+" 127.0.0.1\npersistence false\nallow_anonymous false\npassword_file pw\nlog_dest none\n"), 0o644))
	b, err := broker.Open(broker.Options{Prefix: dir, Conf: conf})
	require.NoError(t, err)
	defer b.Close()
	addr := b.Addrs()[0].String()

	s := open(t, "mqtt://njet:s3cret@"+addr, "t12")
	apply(t, s, put("/dyn/x", "1"))

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = Open(ctx, Options{Server: "mqtt://njet:wrong@" + addr})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "wrong", "the password is not repeated in errors")
}
