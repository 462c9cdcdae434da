package dyn

import (
	"context"
	"strings"
	"sync"
)

// hub fans store events out to watchers. Each watcher has an unbounded
// queue so that a slow reader never blocks a writer and never loses an
// event.
type hub struct {
	mu     sync.Mutex
	subs   map[*watcher]struct{}
	closed bool
}

type watcher struct {
	prefix string
	mu     sync.Mutex
	queue  []Event
	wake   chan struct{}
	out    chan Event
	done   chan struct{}
	once   sync.Once
}

func newHub() *hub { return &hub{subs: map[*watcher]struct{}{}} }

func (h *hub) subscribe(ctx context.Context, prefix string) <-chan Event {
	w := &watcher{prefix: prefix, wake: make(chan struct{}, 1), out: make(chan Event), done: make(chan struct{})}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(w.out)
		return w.out
	}
	h.subs[w] = struct{}{}
	h.mu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
			h.remove(w)
		case <-w.done:
		}
	}()
	go w.pump()
	return w.out
}

func (h *hub) remove(w *watcher) {
	h.mu.Lock()
	delete(h.subs, w)
	h.mu.Unlock()
	w.stop()
}

// publish queues events for every watcher whose prefix they match.
func (h *hub) publish(events []Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.subs {
		var mine []Event
		for _, e := range events {
			if strings.HasPrefix(e.Key, w.prefix) {
				mine = append(mine, copyEvent(e))
			}
		}
		if len(mine) > 0 {
			w.push(mine)
		}
	}
}

func (h *hub) close() {
	h.mu.Lock()
	subs := h.subs
	h.subs = map[*watcher]struct{}{}
	h.closed = true
	h.mu.Unlock()
	for w := range subs {
		w.stop()
	}
}

func copyEvent(e Event) Event {
	e.Entry = copyEntry(e.Entry)
	return e
}

func (w *watcher) push(events []Event) {
	w.mu.Lock()
	w.queue = append(w.queue, events...)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *watcher) stop() { w.once.Do(func() { close(w.done) }) }

// pump delivers queued events in order until stopped.
func (w *watcher) pump() {
	defer close(w.out)
	for {
		w.mu.Lock()
		q := w.queue
		w.queue = nil
		w.mu.Unlock()
		for _, e := range q {
			select {
			case w.out <- e:
			case <-w.done:
				return
			}
		}
		select {
		case <-w.wake:
		case <-w.done:
			return
		}
	}
}
