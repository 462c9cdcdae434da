package mqttstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/gonjet/gonjet/dyn"
)

// resync runs on every (re)connection: it subscribes to the root, which
// makes the broker send every retained value, then publishes a marker to
// itself. The broker sends the marker after the retained values, so when
// it arrives the values collected for this connection are the broker's
// whole state, and the mirror is replaced by them (see finishLocked).
//
// The subscription is QoS 0: Mosquitto caps the QoS 1 messages it queues
// for a client (max_queued_messages, 1000 by default) and would drop the
// rest of a large retained state, while QoS 0 messages to a connected
// client are written in order without that cap. A message is then lost
// only with its connection, and a new connection resynchronises.
func (s *Store) resync(cm *autopaho.ConnectionManager) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.gen++
	gen := s.gen
	token := randomHex(8)
	s.token = token
	s.mu.Unlock()

	for attempt := 0; ; attempt++ {
		err := s.subscribeAndMark(cm, token)
		if err == nil {
			return
		}
		s.mu.Lock()
		stale := s.closed || s.gen != gen
		s.lastErr = err
		s.mu.Unlock()
		if stale || errors.Is(err, errRefused) {
			return
		}
		s.log.Warn("mqttstore: resync failed, retrying", "error", err)
		select {
		case <-time.After(min(time.Duration(attempt+1)*100*time.Millisecond, 2*time.Second)):
		case <-s.closedCh:
			return
		}
	}
}

var errRefused = errors.New("subscription refused")

func (s *Store) subscribeAndMark(cm *autopaho.ConnectionManager, token string) error {
	ctx, cancel := context.WithTimeout(s.ctx, s.opt.Timeout)
	defer cancel()
	sa, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{
		Topic:             s.filter,
		QoS:               0,
		RetainAsPublished: true, // live writes keep the retain flag that tells values from other traffic
	}}})
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", s.filter, err)
	}
	if len(sa.Reasons) == 0 || sa.Reasons[0] >= 0x80 {
		s.log.Error("mqttstore: the broker refused the subscription", "filter", s.filter)
		return fmt.Errorf("%w: %s", errRefused, s.filter)
	}
	_, err = cm.Publish(ctx, &paho.Publish{
		QoS:        1,
		Topic:      s.markerTopic,
		Payload:    []byte{'.'},
		Properties: &paho.PublishProperties{User: paho.UserProperties{{Key: propSync, Value: token}}},
	})
	if err != nil {
		return fmt.Errorf("publish sync marker: %w", err)
	}
	return nil
}

// connectionDown marks the mirror stale until the next resync.
func (s *Store) connectionDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.token = ""
	if s.synced {
		s.synced = false
		s.syncCh = make(chan struct{})
	}
	if !s.closed {
		s.log.Warn("mqttstore: connection to the broker lost; reconnecting")
	}
	return !s.closed
}

func (s *Store) connectError(err error) {
	s.mu.Lock()
	s.lastErr = err
	s.mu.Unlock()
	s.log.Debug("mqttstore: connection attempt failed", "error", err)
}

// received handles every PUBLISH from the broker.
func (s *Store) received(pr paho.PublishReceived) (bool, error) {
	p := pr.Packet
	if !strings.HasPrefix(p.Topic, s.root) {
		return false, nil
	}
	if !p.Retain {
		// Not a value. It may be the marker that ends a resync.
		if p.Properties != nil {
			if tok := p.Properties.User.Get(propSync); tok != "" {
				s.mu.Lock()
				if tok == s.token && !s.closed {
					s.finishLocked(pr.Client)
				}
				s.mu.Unlock()
			}
		}
		return true, nil
	}
	key, err := unescapeKey(p.Topic[len(s.root):])
	if err != nil || !strings.HasPrefix(key, "/") {
		return false, nil
	}
	m := decodeMessage(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return true, nil
	}
	if pr.Client != s.cur {
		// A connection that has not finished its resync: collect.
		snap := s.snaps[pr.Client]
		if snap == nil {
			snap = map[string]message{}
			s.snaps[pr.Client] = snap
		}
		snap[key] = m
		return true, nil
	}
	s.applyLocked(key, m)
	return true, nil
}

// applyLocked applies one live write in broker order. The store's own
// writes are held until their whole batch is back and then applied at
// once, with one version.
func (s *Store) applyLocked(key string, m message) {
	if m.writer == s.id {
		if b := s.batches[m.batch]; b != nil {
			b.staged = append(b.staged, staged{key, m})
			if len(b.staged) >= b.n {
				s.commitLocked(m.batch, b)
			}
			return
		}
	}
	// A write ordered after one of a pending batch's writes of the same
	// key wins over it.
	for _, b := range s.batches {
		for _, st := range b.staged {
			if st.key == key {
				b.superseded[key] = true
			}
		}
	}
	ver := max(m.version, s.rev+1)
	if ev, ok := s.setLocked(key, m, ver); ok {
		s.rev = ver
		s.hub.Publish([]dyn.Event{ev})
	}
}

// commitLocked applies the writes of batch seq that came back (all of
// them, unless the batch failed half-way) with one version.
func (s *Store) commitLocked(seq uint64, b *batch) {
	ver := max(b.version, s.rev+1)
	var evs []dyn.Event
	for _, st := range b.staged {
		if b.superseded[st.key] {
			continue
		}
		if ev, ok := s.setLocked(st.key, st.msg, ver); ok {
			evs = append(evs, ev)
		}
	}
	s.rev = ver
	b.ver = ver
	delete(s.batches, seq)
	close(b.done)
	if len(evs) > 0 {
		s.hub.Publish(evs)
	}
}

// setLocked writes one value (or deletion) into the mirror; ok is false
// when nothing changed (the deletion of a missing key).
func (s *Store) setLocked(key string, m message, ver uint64) (dyn.Event, bool) {
	if m.value == nil {
		if _, ok := s.mirror[key]; !ok {
			return dyn.Event{}, false
		}
		delete(s.mirror, key)
		return dyn.Event{Entry: dyn.Entry{Key: key, Version: ver}, Deleted: true}, true
	}
	e := dyn.Entry{Key: key, Value: m.value, Version: ver}
	s.mirror[key] = &item{entry: e, msg: m}
	return dyn.Event{Entry: copyEntry(e)}, true
}

// finishLocked ends the resync of connection c: the values collected for
// it are the broker's state. Entries that differ from the mirror become
// events (changes and deletions made while the store was away), with
// versions above every version handed out before, so watchers and CAS
// callers see them as new. Batches still waiting for their writes are
// released: what reached the broker is in the new state.
func (s *Store) finishLocked(c *paho.Client) {
	snap := s.snaps[c]
	base := s.rev
	keys := make([]string, 0, len(snap)+len(s.mirror))
	for k := range snap {
		keys = append(keys, k)
	}
	for k := range s.mirror {
		if _, ok := snap[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var evs []dyn.Event
	for _, k := range keys {
		m, ok := snap[k]
		if !ok {
			m = message{} // gone from the broker: a deletion
		}
		if old := s.mirror[k]; old != nil && m.value != nil && old.msg.same(m) {
			continue
		}
		ver := base + 1
		if m.value != nil {
			ver = max(m.version, base+1)
		}
		if ev, ok := s.setLocked(k, m, ver); ok {
			evs = append(evs, ev)
			s.rev = max(s.rev, ver)
		}
	}
	s.cur = c
	clear(s.snaps)
	s.token = ""
	s.synced = true
	close(s.syncCh)
	for seq, b := range s.batches {
		b.ver = s.rev
		delete(s.batches, seq)
		close(b.done)
	}
	if len(evs) > 0 {
		s.hub.Publish(evs)
	}
}
