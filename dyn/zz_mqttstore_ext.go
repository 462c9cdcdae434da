package dyn

import "context"

// Hub fans store events out to watchers, each with its own unbounded
// queue, so that a slow reader never blocks a writer and never loses an
// event. It is the Watch machinery of the built-in stores, exported for
// Store implementations in other packages (dyn/mqttstore).
type Hub struct{ h *hub }

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{h: newHub()} }

// Subscribe returns a channel of the events published after the call
// whose key starts with prefix; it is closed when ctx ends or the hub is
// closed.
func (h *Hub) Subscribe(ctx context.Context, prefix string) <-chan Event {
	return h.h.subscribe(ctx, prefix)
}

// Publish queues events, in order, for every matching watcher.
func (h *Hub) Publish(events []Event) { h.h.publish(events) }

// Close closes every watcher's channel; later subscriptions get a closed
// channel.
func (h *Hub) Close() { h.h.close() }
