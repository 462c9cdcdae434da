package dyn

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

var stderr = os.Stderr

// OpenMemory returns a store kept in memory: for tests, and for a gateway
// whose dynamic changes need not survive a restart.
func OpenMemory() Store {
	return &memStore{data: map[string]Entry{}, hub: newHub()}
}

type memStore struct {
	mu     sync.Mutex
	data   map[string]Entry
	ver    uint64
	closed bool
	hub    *hub
}

func (s *memStore) Get(_ context.Context, key string) (Entry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Entry{}, false, ErrClosed
	}
	e, ok := s.data[key]
	return copyEntry(e), ok, nil
}

func (s *memStore) List(_ context.Context, prefix string) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	var out []Entry
	for k, e := range s.data {
		if strings.HasPrefix(k, prefix) {
			out = append(out, copyEntry(e))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (s *memStore) Apply(_ context.Context, ops ...Op) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if err := checkOps(ops, func(k string) (Entry, bool) { e, ok := s.data[k]; return e, ok }); err != nil {
		return 0, err
	}
	if len(ops) == 0 {
		return s.ver, nil
	}
	s.ver++
	events := make([]Event, 0, len(ops))
	for _, op := range ops {
		if op.Value == nil {
			if _, ok := s.data[op.Key]; !ok {
				continue
			}
			delete(s.data, op.Key)
			events = append(events, Event{Entry: Entry{Key: op.Key, Version: s.ver}, Deleted: true})
			continue
		}
		e := Entry{Key: op.Key, Value: append([]byte{}, op.Value...), Version: s.ver}
		s.data[op.Key] = e
		events = append(events, Event{Entry: copyEntry(e)})
	}
	s.hub.publish(events)
	return s.ver, nil
}

func (s *memStore) Watch(ctx context.Context, prefix string) (<-chan Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	return s.hub.subscribe(ctx, prefix), nil
}

func (s *memStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.hub.close()
	}
	return nil
}

// checkOps verifies every condition of a batch against get; the keys
// must be non-empty.
func checkOps(ops []Op, get func(string) (Entry, bool)) error {
	for _, op := range ops {
		if op.Key == "" {
			return fmt.Errorf("dyn: empty key")
		}
		if op.IfVersion == 0 {
			continue
		}
		e, ok := get(op.Key)
		if op.IfVersion == MustNotExist {
			if ok {
				return fmt.Errorf("%w: %s exists", ErrConflict, op.Key)
			}
			continue
		}
		if !ok || e.Version != op.IfVersion {
			return fmt.Errorf("%w: %s", ErrConflict, op.Key)
		}
	}
	return nil
}

func copyEntry(e Entry) Entry {
	if e.Value != nil {
		e.Value = append([]byte{}, e.Value...)
	}
	return e
}

// sortedEntries returns the values of m sorted by key.
func sortedEntries(m map[string]Entry) []Entry {
	out := make([]Entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
